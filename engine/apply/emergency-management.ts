/** Emergency management: disaster losses, accidents, fires (kept as bounded incidents). */
import { addToYear } from './year-sum.js';
import { patchFinances, patchHousing, pushIncident } from './household.js';
import type { DepartmentReducers } from './types.js';

const LOST = new Set(['severe', 'collapsed']);

export const emergencyManagement: DepartmentReducers<'emergency_management'> = {
  disaster_loss_reported(h, u, ctx) {
    const p = u.payload;
    const housingLost = LOST.has(p.housingDamage);
    let household = pushIncident(h, { kind: 'disaster', at: u.occurredAt, severity: p.severity, lossCny: p.lossCny });
    household = patchFinances(household, { disasterLoss: addToYear(h.finances.disasterLoss, ctx.year, p.lossCny) });
    if (housingLost) household = patchHousing(household, { uninhabitable: true });
    return { household, events: [{ type: 'disaster', severity: p.severity, lossCny: p.lossCny, housingLost }] };
  },

  accident_reported(h, u, ctx) {
    const p = u.payload;
    return {
      household: pushIncident(h, { kind: 'accident', at: u.occurredAt, severity: p.severity, lossCny: p.lossCny }),
      events: [{ type: 'accident', personId: ctx.person.id, severity: p.severity, lossCny: p.lossCny }],
    };
  },

  fire_incident_reported(h, u) {
    const p = u.payload;
    const housingLost = LOST.has(p.housingDamage);
    let household = pushIncident(h, { kind: 'fire', at: u.occurredAt, severity: p.severity, lossCny: p.lossCny });
    if (housingLost) household = patchHousing(household, { uninhabitable: true });
    return { household, events: [{ type: 'fire', severity: p.severity, lossCny: p.lossCny, housingLost }] };
  },
};
