/** Veterans affairs: benefits to veterans. */
import { patchFinances, patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

export const veteransAffairs: DepartmentReducers<'veterans_affairs'> = {
  veteran_benefit_granted(h, u, ctx) {
    return { household: patchFinances(patchPerson(h, ctx.index, { veteran: true }), { veteranBenefitMonthly: u.payload.monthlyCny }), events: [] };
  },
};
