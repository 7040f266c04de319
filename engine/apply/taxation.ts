/** Taxation: yearly income tax filings. */
import { patchFinances } from './household.js';
import type { DepartmentReducers } from './types.js';

export const taxation: DepartmentReducers<'taxation'> = {
  income_tax_filed(h, u) {
    const p = u.payload;
    // a filing for an older year than the one on record does not replace it
    if (p.taxYear < h.finances.taxYear) return { household: h, events: [] };
    return { household: patchFinances(h, { taxableIncomeAnnual: p.taxableIncomeCny, taxYear: p.taxYear }), events: [] };
  },
};
