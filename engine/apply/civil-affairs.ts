/** Civil affairs: assistance enrolment and exit, rejections, temporary assistance, deaths, marriages, elderly care. */
import { copyHousehold, copyPerson } from './shapes.js';
import type { Household, Person } from '../types.js';
import { addToYear } from './year-sum.js';
import { ageAt, inconsistent, isMainEarner, isMember, patchAssistance, patchFinances } from './household.js';
import type { DepartmentReducers } from './types.js';

/** Age from which a member counts as elderly for the care subsidy. */
const ELDERLY_AGE = 60;
const ADULT_AGE = 18;

function isParentRelation(p: Person): boolean {
  return p.relation === 'head' || p.relation === 'spouse';
}

export const civilAffairs: DepartmentReducers<'civil_affairs'> = {
  assistance_enrolled(h, u) {
    const p = u.payload;
    const a = h.assistance;
    const household = patchFinances(
      patchAssistance(h, { category: p.category, enrolled: true, enrolledAt: p.enrolledAt, exitedAt: null }),
      { assistanceMonthly: p.monthlyCny },
    );
    const isNew = !a.enrolled || a.category !== p.category;
    return { household, events: isNew ? [{ type: 'assistance_enrolled', category: p.category, monthlyCny: p.monthlyCny }] : [] };
  },

  assistance_exited(h, u) {
    if (!h.assistance.enrolled) return inconsistent('kind', `household ${h.id} is not enrolled in assistance`);
    const household = patchFinances(
      patchAssistance(h, { category: 'exited_assistance', enrolled: false, exitedAt: u.payload.exitedAt }),
      { assistanceMonthly: 0 },
    );
    return { household, events: [{ type: 'assistance_exited', reason: u.payload.reason }] };
  },

  application_rejected(h, u) {
    const a = h.assistance;
    // an enrolled household keeps its category; the rejection concerns another application
    const household = patchAssistance(h, { rejectedAt: u.payload.rejectedAt, ...(a.enrolled ? {} : { category: 'rejected_application' as const }) });
    return { household, events: [{ type: 'application_rejected', category: u.payload.category }] };
  },

  temporary_assistance_granted(h, u, ctx) {
    const p = u.payload;
    let household = patchFinances(h, { temporaryAssistance: addToYear(h.finances.temporaryAssistance, ctx.year, p.amountCny) });
    if (!h.assistance.enrolled) household = patchAssistance(household, { category: 'temporary_assistance' });
    return { household, events: [{ type: 'temporary_assistance', amountCny: p.amountCny }] };
  },

  death_registered(h, u, ctx) {
    const p = u.payload;
    const dead = ctx.person;
    if (p.deathDate < dead.birthDate) return inconsistent('payload.deathDate', `before the person's birth date ${dead.birthDate}`);
    const mainEarner = isMainEarner(h, dead.id);
    const persons = h.persons.map((m, i) => (i === ctx.index ? copyPerson(m, { alive: false, deathDate: p.deathDate }) : m));
    if (isParentRelation(dead)) {
      const parentLeft = persons.some((m) => isParentRelation(m) && isMember(m));
      for (let i = 0; i < persons.length; i++) {
        const m = persons[i];
        if (m === undefined || !isMember(m)) continue;
        if (dead.maritalStatus === 'married' && isParentRelation(m) && m.maritalStatus === 'married') {
          persons[i] = copyPerson(m, { maritalStatus: 'widowed' });
        } else if (!parentLeft && m.relation === 'child' && !m.withoutParentalCare && ageAt(m.birthDate, p.deathDate) < ADULT_AGE) {
          persons[i] = copyPerson(m, { withoutParentalCare: true });
        }
      }
    }
    const household: Household = copyHousehold(h, { persons });
    return { household, events: [{ type: 'death', personId: dead.id, cause: p.cause, mainEarner }] };
  },

  marriage_registered(h, u, ctx) {
    const p = u.payload;
    const from = ctx.person.maritalStatus;
    if (p.status === 'married' && from === 'married') return inconsistent('payload.status', 'the person is already married');
    if (p.status === 'divorced' && from !== 'married') return inconsistent('payload.status', `cannot divorce: marital status is ${from}`);
    // the spouse, when a member too, changes status with the person
    const persons = h.persons.map((m, i) =>
      i === ctx.index || (m.idNumber === p.spouseIdNumber && m.alive && m.maritalStatus !== p.status) ? copyPerson(m, { maritalStatus: p.status }) : m,
    );
    return {
      household: copyHousehold(h, { persons }),
      events: [{ type: 'marital_status_changed', personId: ctx.person.id, from, to: p.status }],
    };
  },

  elderly_care_subsidy_granted(h, u) {
    const p = u.payload;
    if (!h.persons.some((m) => isMember(m) && ageAt(m.birthDate, p.startDate) >= ELDERLY_AGE)) {
      return inconsistent('kind', `no member of household ${h.id} is ${ELDERLY_AGE} or older on ${p.startDate}`);
    }
    return { household: patchFinances(h, { elderlyCareSubsidyMonthly: p.monthlyCny }), events: [] };
  },
};
