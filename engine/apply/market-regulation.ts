/** Market regulation: businesses registered and deregistered. */
import { copyHousehold } from './shapes.js';
import { inconsistent, pendingFor } from './household.js';
import type { DepartmentReducers } from './types.js';

export const marketRegulation: DepartmentReducers<'market_regulation'> = {
  business_registered(h, u) {
    const p = u.payload;
    if (h.businesses.some((b) => b.registration === p.registration)) return inconsistent('payload.registration', `already registered to household ${h.id}`);
    return {
      household: copyHousehold(h, { businesses: [...h.businesses, { registration: p.registration, type: p.type, capitalCny: p.capitalCny, registeredAt: p.registeredAt, ...pendingFor(h, u.id) }] }),
      events: [{ type: 'business_registered', registration: p.registration, valueCny: p.capitalCny }],
    };
  },

  business_deregistered(h, u) {
    const reg = u.payload.registration;
    if (!h.businesses.some((b) => b.registration === reg)) return inconsistent('payload.registration', `household ${h.id} has no business ${reg}`);
    return { household: copyHousehold(h, { businesses: h.businesses.filter((b) => b.registration !== reg) }), events: [] };
  },
};
