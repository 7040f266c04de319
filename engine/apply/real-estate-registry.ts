/** Real estate registry: property acquired and disposed. */
import { copyHousehold } from './shapes.js';
import { inconsistent, pendingFor } from './household.js';
import type { DepartmentReducers } from './types.js';

export const realEstateRegistry: DepartmentReducers<'real_estate_registry'> = {
  property_acquired(h, u) {
    const p = u.payload;
    if (h.properties.some((x) => x.certificate === p.certificate)) return inconsistent('payload.certificate', `already held by household ${h.id}`);
    return {
      household: copyHousehold(h, { properties: [...h.properties, { certificate: p.certificate, use: p.use, areaM2: p.areaM2, valueCny: p.valueCny, acquiredAt: p.acquiredAt, ...pendingFor(h, u.id) }] }),
      events: [{ type: 'property_acquired', certificate: p.certificate, valueCny: p.valueCny }],
    };
  },

  property_disposed(h, u) {
    const cert = u.payload.certificate;
    if (!h.properties.some((x) => x.certificate === cert)) return inconsistent('payload.certificate', `household ${h.id} holds no property ${cert}`);
    return { household: copyHousehold(h, { properties: h.properties.filter((x) => x.certificate !== cert) }), events: [] };
  },
};
