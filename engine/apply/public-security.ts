/** Public security: household registration in and out, vehicles. */
import { copyHousehold } from './shapes.js';
import { addPerson, inconsistent, patchPerson, pendingFor } from './household.js';
import { newMember } from './persons.js';
import type { DepartmentReducers } from './types.js';

export const publicSecurity: DepartmentReducers<'public_security'> = {
  residence_registered(h, u) {
    const id = u.personId ?? '';
    const p = u.payload;
    const index = h.persons.findIndex((m) => m.id === id);
    const existing = h.persons[index];
    if (existing !== undefined) {
      // a former member moving back in keeps their record
      if (existing.registered) return inconsistent('personId', `${id} is already registered in household ${h.id}`);
      if (!existing.alive) return inconsistent('personId', `${id} is registered dead`);
      return { household: patchPerson(h, index, { registered: true }), events: [{ type: 'member_joined', personId: id, reason: p.reason }] };
    }
    if (h.persons.some((m) => m.idNumber === p.person.idNumber)) return inconsistent('payload.person.idNumber', `already held by a member of household ${h.id}`);
    if (p.person.birthDate > p.registeredAt) return inconsistent('payload.person.birthDate', 'after registeredAt');
    return {
      household: addPerson(h, newMember({ id, ...p.person }, p.registeredAt)),
      events: [{ type: 'member_joined', personId: id, reason: p.reason }],
    };
  },

  residence_cancelled(h, u, ctx) {
    if (!ctx.person.registered) return inconsistent('personId', `${ctx.person.id} is not registered in household ${h.id}`);
    return {
      household: patchPerson(h, ctx.index, { registered: false }),
      events: [{ type: 'member_left', personId: ctx.person.id, reason: u.payload.reason }],
    };
  },

  vehicle_registered(h, u) {
    const p = u.payload;
    if (h.vehicles.some((v) => v.plate === p.plate)) return inconsistent('payload.plate', `${p.plate} is already registered to household ${h.id}`);
    return {
      household: copyHousehold(h, { vehicles: [...h.vehicles, { plate: p.plate, kind: p.vehicleKind, valueCny: p.valueCny, registeredAt: p.registeredAt, ...pendingFor(h, u.id) }] }),
      events: [{ type: 'vehicle_acquired', plate: p.plate, valueCny: p.valueCny }],
    };
  },

  vehicle_deregistered(h, u) {
    const plate = u.payload.plate;
    if (!h.vehicles.some((v) => v.plate === plate)) return inconsistent('payload.plate', `household ${h.id} has no vehicle ${plate}`);
    return { household: copyHousehold(h, { vehicles: h.vehicles.filter((v) => v.plate !== plate) }), events: [] };
  },
};
