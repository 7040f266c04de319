/** Copy-on-write edits of a household: only the changed path is copied, the rest is shared. */
import { copyAssistance, copyFinances, copyHousehold, copyHousing, copyPerson } from './shapes.js';
import { REGISTERED_CATEGORIES, type AssistanceState, type Finances, type Household, type HousingState, type Incident, type Person } from '../types.js';
import { reject, type Rejection } from '../errors.js';
import { amountIn, cents } from './year-sum.js';
import { coversCode, majorDiseaseOf } from '../catalogue/diagnoses.js';

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

/** Adds an incident in time order (a late report goes where it happened), keeping the latest MAX_INCIDENTS. */
export function pushIncident(h: Household, incident: Incident): Household {
  const incidents = h.incidents.slice();
  let i = incidents.length;
  while (i > 0 && incidents[i - 1]!.at > incident.at) i--;
  incidents.splice(i, 0, incident);
  return copyHousehold(h, { incidents: incidents.length > MAX_INCIDENTS ? incidents.slice(incidents.length - MAX_INCIDENTS) : incidents });
}

/**
 * A major disease a claim or an admission carries (its ICD-10 code): added to the person's list
 * unless a disease of that category is already there. Returns the new household and the entry
 * added, or null when nothing changed (not a major disease, or already known). A claim for someone
 * who has died since still records what they had (the same facts whatever the arrival order).
 */
export function withClaimedDisease(h: Household, index: number, code: string): { household: Household; disease: string } | null {
  const person = h.persons[index];
  const disease = majorDiseaseOf(code);
  if (person === undefined || disease === null) return null;
  const list = person.majorDiseases;
  if (list.length >= MAX_DISEASES || list.some((d) => coversCode(d, code))) return null;
  return { household: patchPerson(h, index, { majorDiseases: withSorted(list, disease) }), disease };
}

/** `list` with `item` added, sorted: a diagnosis list is a set, so its order must not depend on arrival. */
export function withSorted(list: readonly string[], item: string): string[] {
  return [...list, item].sort();
}

/** Current members: alive and holding their registration here. */
export function isMember(p: Person): boolean {
  return p.alive && p.registered;
}

/**
 * The date the household dissolved: its last member died (everyone on record is dead), or null.
 * The household is kept and shown; updates dated after this are refused.
 */
export function dissolvedOn(h: Household): string | null {
  if (h.persons.length === 0) return null;
  let last = '';
  for (const p of h.persons) {
    if (p.alive) return null;
    if (p.deathDate !== null && p.deathDate > last) last = p.deathDate;
  }
  return last === '' ? '0000-00-00' : last;
}

/** A person's regular monthly income, CNY. */
export function personIncome(p: Person): number {
  return p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly + p.disabilityAllowanceMonthly;
}

/** Enrolled in a registered category: an asset it reports awaits an eligibility review. */
export function enrolledRegistered(h: Household): boolean {
  return h.assistance.enrolled && (REGISTERED_CATEGORIES as readonly string[]).includes(h.assistance.category);
}

/** `{ reviewPending: updateId }` for an asset reported for an enrolled household, else nothing. */
export function pendingFor(h: Household, updateId: string): { reviewPending?: string } {
  return enrolledRegistered(h) ? { reviewPending: updateId } : {};
}

/** An asset on record and not awaiting an eligibility review (`reviewPending`). */
export function confirmed(a: { reviewPending?: string | undefined }): boolean {
  return a.reviewPending === undefined;
}

/** A filed yearly income and the part of it that still counts for the current members. */
export interface DeclaredIncome {
  filed: number;
  counted: number;
  /** Shares no longer counted: members who died during or after the filed year, or left the household. */
  excluded: { personId: string; name: string; annual: number; why: 'died' | 'left' }[];
}

/**
 * The household's last tax filing, attributed to members: each former member's share (their
 * regular income on record, a year of it, at most what is left of the filing) stops counting at
 * death or departure. Someone who died before the filed year was never in it.
 */
export function declaredIncome(h: Household): DeclaredIncome {
  const f = h.finances;
  const filed = f.taxableIncomeAnnual;
  const excluded: DeclaredIncome['excluded'] = [];
  if (filed <= 0) return { filed, counted: filed, excluded };
  const yearStart = `${f.taxYear}-01-01`;
  let left = filed;
  for (const p of h.persons) {
    if (isMember(p) || left <= 0) continue;
    if (!p.alive && (p.deathDate === null || p.deathDate < yearStart)) continue;
    const annual = Math.min(left, (p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly) * 12);
    if (annual <= 0) continue;
    left -= annual;
    excluded.push({ personId: p.id, name: p.name, annual, why: p.alive ? 'left' : 'died' });
  }
  return { filed, counted: left, excluded };
}

/** One line saying which parts of a filing no longer count, for reasons ('' when none). */
export function excludedNote(d: DeclaredIncome): string {
  if (d.excluded.length === 0) return '';
  const parts = d.excluded.map((x) => `${Math.round(x.annual).toLocaleString('en-US')} CNY of ${x.name} (${x.why === 'died' ? 'died' : 'left the household'})`);
  return `; not counted: ${parts.join(', ')}`;
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
