/** Agriculture and rural affairs: return-to-poverty risk flags, land transfers, farm income. */
import { copyHousehold } from './shapes.js';
import { addToYear, cents } from './year-sum.js';
import { inconsistent, patchAssistance, patchFinances } from './household.js';
import type { DepartmentReducers } from './types.js';

export const agricultureRural: DepartmentReducers<'agriculture_rural'> = {
  poverty_risk_flagged(h, u) {
    const p = u.payload;
    const a = h.assistance;
    // a household known only to another department's monitoring is of that source
    const household = patchAssistance(h, { povertyRiskFlagged: p.flagged, ...(p.flagged && !a.enrolled ? { category: 'other_department' as const } : {}) });
    const isNew = p.flagged && !a.povertyRiskFlagged;
    return { household, events: isNew ? [{ type: 'poverty_risk_flagged', riskType: p.riskType }] : [] };
  },

  land_transferred(h, u) {
    const p = u.payload;
    if (p.direction === 'out' && p.areaMu > h.landMu + 1e-9) return inconsistent('payload.areaMu', `household ${h.id} holds only ${h.landMu} mu`);
    const landMu = cents(p.direction === 'out' ? h.landMu - p.areaMu : h.landMu + p.areaMu);
    return { household: copyHousehold(h, { landMu }), events: [] };
  },

  agricultural_income_reported(h, u, ctx) {
    const p = u.payload;
    const herd = ctx.latest ? copyHousehold(h, { livestockHeads: p.livestockHeads }) : h;
    const household = patchFinances(herd, { agriculturalIncome: addToYear(h.finances.agriculturalIncome, ctx.year, p.amountCny) });
    return { household, events: [] };
  },
};
