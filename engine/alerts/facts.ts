/**
 * Derived household facts the alert rules and the suggestions read: who is alive, ages at the
 * model's reference date, means-tested income, out-of-pocket medical spending, assets that rule
 * out assistance. Pure function of the household and the model (never a clock).
 *
 * `householdFacts` derives everything and is for suggestions (alert time and reads only); the
 * per-update alert rules call the narrow functions (`incomeOf`) so an update pays only for what
 * its events need.
 */
import { declaredIncome, excludedNote, isMember, yearOutOfPocket } from '../apply/household.js';
import { ageAt, recentAmount, refOf } from '../dimensions/reference.js';
import type { Model } from '../model.js';
import { REGISTERED_CATEGORIES } from '../types.js';
import type { Household, Incident, Person, RegisteredCategory } from '../types.js';

/** Businesses above this registered capital (CNY) rule out assistance like a company does. */
const BUSINESS_CAPITAL_LIMIT_CNY = 100_000;

export interface HouseholdFacts {
  alive: Person[];
  ages: Map<string, number>;
  oldestAge: number;
  /** The registered category when the household is enrolled in one, else null. */
  registeredCategory: RegisteredCategory | null;
  enrolledRegistered: boolean;
  /** Means-tested income (wages, pensions, unemployment benefit, farming), CNY per year. */
  meansAnnual: number;
  /** All income including transfers, CNY per year (the base of the medical share). */
  totalAnnual: number;
  perCapitaMonthly: number;
  /** Which parts of the tax filing no longer count and why ('' when none): for the reasons that quote the income. */
  incomeNote: string;
  lines: { dibaoMonthly: number; marginalMonthly: number };
  /** Enrolled, or per-capita income under the marginal line. */
  lowIncome: boolean;
  disqualifyingAssets: boolean;
  medicalTotal: number;
  outOfPocket: number;
  /** outOfPocket / totalAnnual (Infinity when there is no income). */
  outOfPocketShare: number;
  highOutOfPocket: boolean;
  majorDisease: Person[];
  students: Person[];
  disabled: Person[];
  elderly: Person[];
  elderlyAlone: boolean;
  /** Working-age members who could work: 18–59, not severely disabled, not dependent, not ill. */
  ableAdults: Person[];
  /** Adults under the elderly age who can look after the household (run errands, cook, apply): any occupation, not dependent, not gravely ill or disabled. */
  capableAdults: Person[];
  /** Every member is elderly, a minor, severely disabled, fully dependent or gravely mentally ill: nobody can earn (特困 test). */
  nobodyCanWork: boolean;
  /** Able adults registered unemployed. */
  unemployedAble: Person[];
  childrenWithoutCare: Person[];
  /** Ids of children whose parents are recorded dead in the household. */
  orphans: Set<string>;
  recentIncidents: Incident[];
  recentDeaths: Person[];
  temporaryAssistanceThisYear: number;
}

const ABLE_EMPLOYMENT = new Set(['employed', 'self_employed', 'farmer', 'flexible', 'unemployed']);

export interface Income {
  /** Means-tested income (wages, pensions, unemployment benefit, farming), CNY per year. */
  meansAnnual: number;
  /** All income including transfers, CNY per year. */
  totalAnnual: number;
}

/** What "large" medical spending means for one household: the sums this year that alert and that are severe. */
export interface MedicalLimits {
  /** The yearly income the shares are taken of (the dibao line for the members when none is recorded). */
  baseAnnual: number;
  alertCny: number;
  severeCny: number;
}

/** Large medical spending relative to the household's means and the local dibao line; the absolute figures are configuration. */
export function medicalLimits(h: Household, totalAnnual: number, model: Model): MedicalLimits {
  const a = model.alerts;
  let members = 0;
  for (const p of h.persons) if (isMember(p)) members++;
  const baseAnnual = totalAnnual > 0 ? totalAnnual : Math.max(1, members) * model.lines.dibaoMonthly * 12;
  const alertCny = Math.max(a.medicalOutOfPocketMinCny, a.medicalOutOfPocketShare * baseAnnual);
  const severeCny = Math.max(alertCny, Math.min(a.medicalSevereCny, a.medicalSevereShare * baseAnnual));
  return { baseAnnual, alertCny, severeCny };
}

/** The household's yearly income, means-tested and in total; one pass over the members. */
export function incomeOf(h: Household, model: Model): Income {
  const ref = refOf(model);
  const f = h.finances;
  let earned = 0;
  let allowances = 0;
  let elderly = false;
  let veteran = false;
  for (const p of h.persons) {
    if (!isMember(p)) continue;
    // same summation order as before, so the figures in reasons do not move by a rounding
    earned = earned + p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly;
    allowances = allowances + p.disabilityAllowanceMonthly;
    if (p.veteran) veteran = true;
    if (!elderly && ageAt(p.birthDate, ref) >= model.ages.elderlyFrom) elderly = true;
  }
  // the filing counts only the shares of members still here (a dead earner's income stops at death)
  const meansAnnual = Math.max(earned * 12, f.taxYear >= ref.year - 1 ? declaredIncome(h).counted : 0) + recentAmount(f.agriculturalIncome, ref);
  // a member's own transfer stops with them: the elderly care subsidy needs an elderly member, the veteran benefit the veteran
  const transfers = (allowances + f.assistanceMonthly + (elderly ? f.elderlyCareSubsidyMonthly : 0) + (veteran ? f.veteranBenefitMonthly : 0) + f.housingSubsidyMonthly) * 12;
  return { meansAnnual, totalAnnual: meansAnnual + transfers };
}

export function householdFacts(h: Household, model: Model): HouseholdFacts {
  const ref = refOf(model);
  const alive = h.persons.filter(isMember);
  const ages = new Map<string, number>();
  for (const p of h.persons) ages.set(p.id, ageAt(p.birthDate, ref));
  const age = (p: Person): number => ages.get(p.id) ?? 0;
  const A = model.ages;
  const workingAge = (p: Person): boolean => age(p) >= A.adultFrom && age(p) < (p.sex === 'F' ? A.retireFemale : A.retireMale);

  const cat = h.assistance.category;
  const registeredCategory = h.assistance.enrolled && (REGISTERED_CATEGORIES as readonly string[]).includes(cat) ? (cat as RegisteredCategory) : null;
  const f = h.finances;

  const { meansAnnual, totalAnnual } = incomeOf(h, model);
  const perCapitaMonthly = alive.length > 0 ? meansAnnual / 12 / alive.length : 0;
  const lines = { dibaoMonthly: model.lines.dibaoMonthly, marginalMonthly: model.lines.marginalMonthly };

  const cars = h.vehicles.filter((v) => v.kind === 'car' || v.kind === 'truck');
  const residential = h.properties.filter((p) => p.use === 'residential');
  const disqualifyingAssets =
    cars.length > 0 ||
    h.properties.some((p) => p.use === 'commercial') ||
    residential.length > 1 ||
    h.businesses.some((b) => b.type === 'company' || b.capitalCny > BUSINESS_CAPITAL_LIMIT_CNY);

  const medYear = f.medicalTotal.year;
  const medicalTotal = medYear >= ref.year - 1 ? f.medicalTotal.amount : 0;
  const outOfPocket = medYear >= ref.year - 1 ? yearOutOfPocket(f, medYear) : 0;
  const outOfPocketShare = totalAnnual > 0 ? outOfPocket / totalAnnual : outOfPocket > 0 ? Infinity : 0;
  const highOutOfPocket = outOfPocket > 0 && outOfPocket >= medicalLimits(h, totalAnnual, model).alertCny;

  const elderly = alive.filter((p) => age(p) >= A.elderlyFrom);
  const ableAdults = alive.filter(
    (p) =>
      workingAge(p) &&
      ABLE_EMPLOYMENT.has(p.employment) &&
      (p.disabilityGrade === 0 || p.disabilityGrade >= 3) &&
      p.careDependency === 'none' &&
      !p.severeMentalIllness &&
      p.majorDiseases.length === 0,
  );
  const gravelyLimited = (p: Person): boolean =>
    p.careDependency !== 'none' || (p.disabilityGrade > 0 && p.disabilityGrade <= 2) || p.majorDiseases.length > 0 || p.severeMentalIllness;
  // cannot look after others: unable to work, or an intellectual or mental disability of any grade
  const capableAdults = alive.filter(
    (p) => age(p) >= A.adultFrom && age(p) < A.elderlyFrom && !gravelyLimited(p) && p.employment !== 'unable' && p.disabilityType !== 'intellectual' && p.disabilityType !== 'mental',
  );
  const nobodyCanWork =
    alive.length > 0 &&
    alive.every((p) => age(p) >= A.elderlyFrom || age(p) < A.workFrom || (p.disabilityGrade > 0 && p.disabilityGrade <= 2) || p.careDependency === 'full' || p.severeMentalIllness);
  const childrenWithoutCare = alive.filter((p) => age(p) < A.adultFrom && p.withoutParentalCare);
  const orphans = new Set<string>();
  for (const c of childrenWithoutCare) {
    const parentRel = c.relation === 'child' ? ['head', 'spouse'] : c.relation === 'grandchild' ? ['child'] : [];
    const deadParents = h.persons.filter((p) => parentRel.includes(p.relation) && !p.alive).length;
    if (deadParents >= 2) orphans.add(c.id);
  }

  return {
    alive,
    ages,
    oldestAge: alive.reduce((a, p) => Math.max(a, age(p)), 0),
    registeredCategory,
    enrolledRegistered: registeredCategory !== null,
    meansAnnual,
    totalAnnual,
    perCapitaMonthly,
    incomeNote: f.taxYear >= ref.year - 1 ? excludedNote(declaredIncome(h)) : '',
    lines,
    lowIncome: registeredCategory !== null || perCapitaMonthly < lines.marginalMonthly,
    disqualifyingAssets,
    medicalTotal,
    outOfPocket,
    outOfPocketShare,
    highOutOfPocket,
    majorDisease: alive.filter((p) => p.majorDiseases.length > 0),
    students: alive.filter((p) => p.schoolStage !== 'none' && !p.droppedOut),
    disabled: alive.filter((p) => p.disabilityGrade > 0),
    elderly,
    elderlyAlone: alive.length === 1 && elderly.length === 1,
    ableAdults,
    capableAdults,
    nobodyCanWork,
    unemployedAble: ableAdults.filter((p) => p.employment === 'unemployed'),
    childrenWithoutCare,
    orphans,
    recentIncidents: h.incidents.filter((i) => i.at >= ref.recentFromMs),
    recentDeaths: h.persons.filter((p) => !p.alive && p.deathDate !== null && p.deathDate >= ref.recentFromIso),
    temporaryAssistanceThisYear: recentAmount(f.temporaryAssistance, ref),
  };
}
