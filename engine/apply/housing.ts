/** Housing and urban-rural development: dangerous-housing assessments, public rental, rents, housing subsidies. */
import { HOUSING_SAFETY } from '../types.js';
import { inconsistent, patchFinances, patchHousing } from './household.js';
import type { DepartmentReducers } from './types.js';

export const housing: DepartmentReducers<'housing'> = {
  dangerous_housing_assessed(h, u) {
    const from = h.housing.safety;
    const grade = u.payload.grade;
    const worse = HOUSING_SAFETY.indexOf(grade) > HOUSING_SAFETY.indexOf(from);
    // C and D are the dangerous grades (局部危房, 整栋危房)
    const dangerous = grade === 'C' || grade === 'D';
    return { household: patchHousing(h, { safety: grade }), events: worse && dangerous ? [{ type: 'dangerous_housing', grade, from }] : [] };
  },

  public_rental_allocated(h, u) {
    const p = u.payload;
    const household = patchFinances(patchHousing(h, { publicRental: true, renting: true, areaM2: p.areaM2 }), { rentMonthly: p.monthlyRentCny });
    return { household, events: [] };
  },

  rent_registered(h, u) {
    const p = u.payload;
    const household = patchFinances(patchHousing(h, { publicRental: false, renting: true, areaM2: p.areaM2 }), { rentMonthly: p.monthlyRentCny });
    return { household, events: [] };
  },

  housing_subsidy_granted(h, u) {
    const p = u.payload;
    if (p.subsidyType === 'rental_subsidy' && !h.housing.renting) return inconsistent('payload.subsidyType', `household ${h.id} has no registered rent`);
    return { household: patchFinances(h, { housingSubsidyMonthly: p.monthlyCny }), events: [] };
  },
};
