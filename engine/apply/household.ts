/** Copy-on-write edits of a household: only the changed path is copied, the rest is shared. */
import { copyAssistance, copyFinances, copyHousehold, copyHousing, copyPerson } from './shapes.js';
import type { AssistanceState, Finances, Household, HousingState, Incident, Person } from '../types.js';
import { reject, type Rejection } from '../errors.js';
import { amountIn, cents } from './year-sum.js';

/** Incidents kept per household (the most recent). */
export const MAX_INCIDENTS = 20;
/** Diseases kept per person and list; more diagnoses than this add nothing to a score. */
export const MAX_DISEASES = 32;

export function patchPerson(h: Household, index: number, patch: Partial<Person>): Household {
  const persons = h.persons.slice();
  const p = persons[index];
  if (p === undefined) return h;
  persons[index] = copyPerson(p, patch);
  return copyHousehold(h, { persons });
}

export function addPerson(h: Household, p: Person): Household {
  return copyHousehold(h, { persons: [...h.persons, p] });
}

export function patchFinances(h: Household, patch: Partial<Finances>): Household {
  return copyHousehold(h, { finances: copyFinances(h.finances, patch) });
}

export function patchAssistance(h: Household, patch: Partial<AssistanceState>): Household {
  return copyHousehold(h, { assistance: copyAssistance(h.assistance, patch) });
}

export function patchHousing(h: Household, patch: Partial<HousingState>): Household {
  return copyHousehold(h, { housing: copyHousing(h.housing, patch) });
}

export function pushIncident(h: Household, incident: Incident): Household {
  const incidents = h.incidents.length >= MAX_INCIDENTS ? h.incidents.slice(h.incidents.length - MAX_INCIDENTS + 1) : h.incidents.slice();
  incidents.push(incident);
  return copyHousehold(h, { incidents });
}

/** Current members: alive and holding their registration here. */
export function isMember(p: Person): boolean {
  return p.alive && p.registered;
}

/** A person's regular monthly income, CNY. */
export function personIncome(p: Person): number {
  return p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly + p.disabilityAllowanceMonthly;
}

/** Whether `personId` has the highest monthly income among current members (ties count), and some income. */
export function isMainEarner(h: Household, personId: string): boolean {
  let own = -1;
  let best = 0;
  for (const p of h.persons) {
    if (!isMember(p)) continue;
    const income = personIncome(p);
    if (p.id === personId) own = income;
    if (income > best) best = income;
  }
  return own > 0 && own >= best;
}

/** Whole years between `birthDate` and `date` (both `YYYY-MM-DD`). */
export function ageAt(birthDate: string, date: string): number {
  const years = Number(date.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return date.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** Medical spending of `year` left to the household after insurance, critical-illness insurance and assistance. */
export function yearOutOfPocket(f: Finances, year: number): number {
  const oop = amountIn(f.medicalTotal, year) - amountIn(f.medicalInsurancePaid, year) - amountIn(f.criticalIllnessPaid, year) - amountIn(f.medicalAssistance, year);
  return oop > 0 ? cents(oop) : 0;
}

export function inconsistent(field: string, reason: string): Rejection {
  return reject('LIFELINE_ERR_INCONSISTENT_UPDATE', [{ field, reason }]);
}
