/** Education: enrolments, dropouts, tuition, grants. */
import { addToYear } from './year-sum.js';
import { patchFinances, patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

export const education: DepartmentReducers<'education'> = {
  student_enrolled(h, u, ctx) {
    const p = u.payload;
    return { household: patchPerson(h, ctx.index, { schoolStage: p.stage, schoolName: p.school, droppedOut: false, dropoutReason: null }), events: [] };
  },

  student_dropout(h, u, ctx) {
    const person = ctx.person;
    const dropoutReason = u.payload.reason;
    if (person.droppedOut && person.schoolStage === 'none') return { household: person.dropoutReason === dropoutReason ? h : patchPerson(h, ctx.index, { dropoutReason }), events: [] };
    return {
      household: patchPerson(h, ctx.index, { schoolStage: 'none', schoolName: null, droppedOut: true, dropoutReason }),
      events: [{ type: 'school_dropout', personId: person.id, stage: u.payload.stage }],
    };
  },

  tuition_charged(h, u, ctx) {
    const amount = u.payload.amountCny;
    const summed = patchFinances(h, { tuition: addToYear(h.finances.tuition, ctx.year, amount) });
    const household = ctx.latest ? patchPerson(summed, ctx.index, { tuitionAnnual: amount }) : summed;
    return { household, events: [] };
  },

  education_grant_awarded(h, u, ctx) {
    const amount = u.payload.amountCny;
    const summed = patchFinances(h, { educationGrants: addToYear(h.finances.educationGrants, ctx.year, amount) });
    const household = ctx.latest ? patchPerson(summed, ctx.index, { educationGrantAnnual: amount }) : summed;
    return { household, events: [] };
  },
};
