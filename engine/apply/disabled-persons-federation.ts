/** Disabled persons' federation: disability certificates, the two disability subsidies, care dependency. */
import type { DisabilityGrade } from '../types.js';
import { inconsistent, patchPerson } from './household.js';
import type { DepartmentReducers } from './types.js';

/** The care subsidy is for grades 1 and 2 (severe). */
const CARE_SUBSIDY_MAX_GRADE = 2;

export const disabledPersonsFederation: DepartmentReducers<'disabled_persons_federation'> = {
  disability_certified(h, u, ctx) {
    const p = u.payload;
    const from = ctx.person.disabilityGrade;
    const to = p.grade as DisabilityGrade;
    if (to === 0 && from === 0) return inconsistent('payload.grade', `${ctx.person.id} holds no disability certificate to revoke`);
    const household = patchPerson(h, ctx.index, { disabilityGrade: to, disabilityType: p.type });
    return { household, events: from === to ? [] : [{ type: 'disability_grade_changed', personId: ctx.person.id, from, to }] };
  },

  disability_allowance_granted(h, u, ctx) {
    const grade = ctx.person.disabilityGrade;
    const p = u.payload;
    if (grade === 0) return inconsistent('personId', `${ctx.person.id} holds no disability certificate`);
    if (p.allowance !== 'living_subsidy' && grade > CARE_SUBSIDY_MAX_GRADE) {
      return inconsistent('payload.allowance', `the care subsidy needs grade 1 or 2; ${ctx.person.id} is grade ${grade}`);
    }
    const care = p.allowance !== 'living_subsidy';
    return { household: patchPerson(h, ctx.index, { disabilityAllowanceMonthly: p.monthlyCny, disabilityCareSubsidy: care }), events: [] };
  },

  care_dependency_assessed(h, u, ctx) {
    const from = ctx.person.careDependency;
    const to = u.payload.level;
    const adlScore = u.payload.adlScore;
    if (from === to) return { household: ctx.person.adlScore === adlScore ? h : patchPerson(h, ctx.index, { adlScore }), events: [] };
    return { household: patchPerson(h, ctx.index, { careDependency: to, adlScore }), events: [{ type: 'care_dependency_changed', personId: ctx.person.id, from, to }] };
  },
};
