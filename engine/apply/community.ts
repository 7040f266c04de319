/** Community: grid worker visits, self declarations, proactive discovery. */
import { patchAssistance } from './household.js';
import type { DepartmentReducers } from './types.js';

export const community: DepartmentReducers<'community'> = {
  grid_visit_recorded(h, u, ctx) {
    const p = u.payload;
    const lastGridVisitAt = Math.max(h.assistance.lastGridVisitAt ?? 0, u.occurredAt);
    const household = patchAssistance(h, ctx.latest ? { lastGridVisitAt, observedConcern: p.concern } : { lastGridVisitAt });
    return { household, events: p.concern >= 2 ? [{ type: 'grid_concern', concern: p.concern as 2 | 3, observed: p.observed }] : [] };
  },

  self_declaration_submitted(h, u) {
    return { household: patchAssistance(h, { selfDeclared: true }), events: [{ type: 'self_declaration', hardships: u.payload.hardships }] };
  },

  proactive_discovery_recorded(h, u, ctx) {
    const p = u.payload;
    const household = patchAssistance(h, {
      proactivelyDiscovered: true,
      ...(ctx.latest ? { observedConcern: p.concern } : {}),
      ...(h.assistance.enrolled ? {} : { category: 'proactive_discovery' as const }),
    });
    return { household, events: [{ type: 'proactive_discovery', concern: p.concern }] };
  },
};
