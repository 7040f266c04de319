/** Housing provident fund: monthly contributions and withdrawals (each reports the balance after it). */
import { patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

export const housingProvidentFund: DepartmentReducers<'housing_provident_fund'> = {
  provident_fund_contribution(h, u, ctx) {
    const p = u.payload;
    return { household: patchPerson(h, ctx.index, { providentFundMonthly: p.monthlyCny, providentFundBalance: p.balanceCny }), events: [] };
  },

  provident_fund_withdrawal(h, u, ctx) {
    return { household: patchPerson(h, ctx.index, { providentFundBalance: u.payload.balanceCny }), events: [] };
  },
};
