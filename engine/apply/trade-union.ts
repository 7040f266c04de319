/** Trade union: hardship workers (困难职工). */
import { patchAssistance, patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

export const tradeUnion: DepartmentReducers<'trade_union'> = {
  hardship_worker_registered(h, u, ctx) {
    let household = patchPerson(h, ctx.index, { hardshipWorker: true, deepHardship: u.payload.level === 'deep_hardship' });
    if (!h.assistance.enrolled) household = patchAssistance(household, { category: 'other_department' });
    return { household, events: [] };
  },
};
