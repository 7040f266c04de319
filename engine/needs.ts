/**
 * Need types (五型, Hangzhou): which kinds of help a household needs, one predicate per type so
 * incremental rescoring re-evaluates only the types whose inputs were touched (NEED_DIMENSIONS).
 * Dates are compared with the model's reference date, never a clock.
 *
 * | type        | true when                                                                              | reads dims |
 * | ----------- | -------------------------------------------------------------------------------------- | ---------- |
 * | safety_net  | enrolled in a registered category, or means (wages, pensions, unemployment benefit,    | source, employment, property |
 * |  (兜底型)    | farm income) per member below the dibao line                                           |            |
 * | expenditure | expenditure-type dibao, or rigid spending (medical out-of-pocket + net tuition + net   | source, expenditure, employment, property, health |
 * |  (支出型)    | rent) ≥ needs.rigidShare of yearly income incl. transfers (≥ the low medical tier when no income) | |
 * | emergency   | within needs.emergencyDays: a death, any disaster or fire, a serious or fatal accident; | structure, other, health, expenditure (+ illness cause) |
 * |  (急难型)    | a lost dwelling; a seriously ill member with high out-of-pocket; illness cause ≥ 4    |            |
 * | development | an able working-age member unemployed or low-skilled (no certificate, ≤ junior), or a  | structure, employment |
 * |  (发展型)    | member in school                                                                       |            |
 * | care (关爱型) | only elderly members, disability grade 1–2, care dependency, a minor without parental care | structure, health |
 *
 * Membership (structure) feeds every type; rescoring recomputes all of them when it is touched.
 */
import type { Model } from './model.js';
import { ageAt, isoDay, recentAmount, refOf } from './dimensions/reference.js';
import { NEED_TYPES, type Dimension, type Household, type NeedType, type Profile } from './types.js';
import { MEDICAL_READS } from './dimensions/reads.js';

type Scored = Omit<Profile, 'suggestions'>;
export type NeedPredicate = (h: Household, scored: Scored, model: Model) => boolean;

const DAY_MS = 86_400_000;

let lastModel: Model | null = null;
let lastFromMs = 0;
let lastFromIso = '';
/** The instant and ISO day emergencies count from, computed once per model. */
function emergencyFrom(model: Model): void {
  if (model === lastModel) return;
  lastFromMs = refOf(model).ms - model.needs.emergencyDays * DAY_MS;
  lastFromIso = isoDay(lastFromMs);
  lastModel = model;
}

function registered(h: Household): boolean {
  const a = h.assistance;
  const cat = a.category;
  return a.enrolled && (cat === 'dibao' || cat === 'marginal' || cat === 'extreme_poverty' || cat === 'expenditure_dibao');
}

/** Monthly means of the members (wages, pensions, unemployment benefit), without farm income. */
function memberMeans(h: Household): number {
  let monthly = 0;
  for (const p of h.persons) if (p.alive && p.registered) monthly += p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly;
  return monthly;
}

function members(h: Household): number {
  let n = 0;
  for (const p of h.persons) if (p.alive && p.registered) n++;
  return n;
}

const farmMonthly = (h: Household, model: Model): number => recentAmount(h.finances.agriculturalIncome, refOf(model)) / 12;

function outOfPocket(h: Household, model: Model): number {
  const f = h.finances;
  const total = recentAmount(f.medicalTotal, refOf(model));
  const y = f.medicalTotal.year;
  const covered =
    (f.medicalInsurancePaid.year === y ? f.medicalInsurancePaid.amount : 0) +
    (f.criticalIllnessPaid.year === y ? f.criticalIllnessPaid.amount : 0) +
    (f.medicalAssistance.year === y ? f.medicalAssistance.amount : 0);
  return total > covered ? total - covered : 0;
}

export function safetyNetNeed(h: Household, _s: Scored, model: Model): boolean {
  if (registered(h)) return true;
  const n = members(h);
  return n > 0 && (memberMeans(h) + farmMonthly(h, model)) / n < model.lines.dibaoMonthly;
}

export function expenditureNeed(h: Household, _s: Scored, model: Model): boolean {
  const a = h.assistance;
  if (a.enrolled && a.category === 'expenditure_dibao') return true;
  const f = h.finances;
  const ref = refOf(model);
  const tuition = recentAmount(f.tuition, ref) - (f.educationGrants.year === f.tuition.year ? f.educationGrants.amount : 0);
  const rent = f.rentMonthly - f.housingSubsidyMonthly;
  const rigid = outOfPocket(h, model) + (tuition > 0 ? tuition : 0) + (rent > 0 ? rent * 12 : 0);
  if (rigid <= 0) return false;
  // one pass over the members: means and disability allowances
  let monthly = 0;
  for (const p of h.persons) if (p.alive && p.registered) monthly += p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly + p.disabilityAllowanceMonthly;
  const income = (monthly + farmMonthly(h, model) + f.assistanceMonthly + f.elderlyCareSubsidyMonthly + f.veteranBenefitMonthly + f.housingSubsidyMonthly) * 12;
  return income > 0 ? rigid >= model.needs.rigidShare * income : rigid >= model.thresholds.medicalOopLowCny;
}

export function emergencyNeed(h: Household, scored: Scored, model: Model): boolean {
  if (h.housing.uninhabitable || scored.causes.illness >= 4) return true;
  emergencyFrom(model);
  for (const i of h.incidents) if (i.at >= lastFromMs && (i.kind !== 'accident' || i.severity !== 'minor')) return true;
  // a seriously ill member matters only with high out-of-pocket spending: look at members only then, or for deaths
  const heavy = outOfPocket(h, model) >= model.thresholds.medicalOopHighCny;
  let ill = false;
  for (const p of h.persons) {
    if (!p.alive) {
      if (p.deathDate !== null && p.deathDate >= lastFromIso) return true;
    } else if (heavy && !ill && p.registered && p.majorDiseases.length > 0) ill = true;
  }
  return ill;
}

export function developmentNeed(h: Household, _s: Scored, model: Model): boolean {
  const ag = model.ages;
  const ref = refOf(model);
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    if (p.schoolStage !== 'none') return true;
    const e = p.employment;
    if (e === 'unable' || e === 'student' || e === 'child' || e === 'retired') continue;
    const age = ageAt(p.birthDate, ref);
    if (age < ag.workFrom || age >= (p.sex === 'F' ? ag.retireFemale : ag.retireMale)) continue;
    if (e === 'unemployed') return true;
    if (!p.skilled && (p.educationLevel === 'none' || p.educationLevel === 'primary' || p.educationLevel === 'junior')) return true;
  }
  return false;
}

export function careNeed(h: Household, _s: Scored, model: Model): boolean {
  const ag = model.ages;
  const ref = refOf(model);
  let n = 0;
  let elderly = 0;
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    n++;
    if ((p.disabilityGrade > 0 && p.disabilityGrade <= 2) || p.careDependency !== 'none') return true;
    const age = ageAt(p.birthDate, ref);
    if (age < ag.adultFrom && p.withoutParentalCare) return true;
    if (age >= ag.elderlyFrom) elderly++;
  }
  return n > 0 && elderly === n;
}

export const NEED_PREDICATES: Readonly<Record<NeedType, NeedPredicate>> = Object.freeze({
  safety_net: safetyNetNeed,
  expenditure: expenditureNeed,
  emergency: emergencyNeed,
  development: developmentNeed,
  care: careNeed,
});

/** Dimensions whose fields each need type reads (membership aside). */
export const NEED_DIMENSIONS: Readonly<Record<NeedType, readonly Dimension[]>> = Object.freeze({
  safety_net: ['source', 'employment', 'property'],
  expenditure: ['source', 'expenditure', 'employment', 'property', 'health'],
  emergency: ['structure', 'other', 'health', 'expenditure'],
  development: ['structure', 'employment'],
  care: ['structure', 'health'],
});

const MEDICAL = MEDICAL_READS;
const MEANS = ['persons[].monthlyWage', 'persons[].pensionMonthly', 'persons[].unemploymentBenefitMonthly', 'finances.agriculturalIncome.year', 'finances.agriculturalIncome.amount'];

/**
 * The household fields each need type reads besides membership: rescoring re-evaluates a type
 * only when one of these changed (emergency also when the illness cause moved, which it reads).
 * Checked against the real reads by a recording proxy (engine/test/scoring-reads.test.ts).
 */
export const NEED_READS: Readonly<Record<NeedType, readonly string[]>> = Object.freeze({
  safety_net: ['assistance.enrolled', 'assistance.category', ...MEANS],
  expenditure: [
    'assistance.enrolled',
    'assistance.category',
    ...MEDICAL,
    ...MEANS,
    'finances.tuition.year',
    'finances.tuition.amount',
    'finances.educationGrants.year',
    'finances.educationGrants.amount',
    'finances.rentMonthly',
    'finances.housingSubsidyMonthly',
    'finances.assistanceMonthly',
    'finances.elderlyCareSubsidyMonthly',
    'finances.veteranBenefitMonthly',
    'persons[].disabilityAllowanceMonthly',
  ],
  emergency: ['housing.uninhabitable', 'persons[].deathDate', 'persons[].majorDiseases', 'incidents[].kind', 'incidents[].at', 'incidents[].severity', ...MEDICAL],
  development: ['persons[].schoolStage', 'persons[].employment', 'persons[].skilled', 'persons[].educationLevel'],
  care: ['persons[].disabilityGrade', 'persons[].careDependency', 'persons[].withoutParentalCare'],
});

/** All need types of the household, in catalogue order. */
export function needTypes(h: Household, scored: Scored, model: Model): NeedType[] {
  const out: NeedType[] = [];
  for (const t of NEED_TYPES) if (NEED_PREDICATES[t](h, scored, model)) out.push(t);
  return out;
}
