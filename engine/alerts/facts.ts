/**
 * Derived household facts the alert rules and the suggestions read: who is alive, ages at the
 * model's reference date, means-tested income, out-of-pocket medical spending, assets that rule
 * out assistance. Pure function of the household and the model (never a clock).
 */
import type { Model } from '../model.js';
import { REGISTERED_CATEGORIES } from '../types.js';
import type { Household, Incident, Person, RegisteredCategory, YearSum } from '../types.js';

const DAY_MS = 86_400_000;
/** Incidents and deaths within this many days before the reference date count as recent. */
const RECENT_DAYS = 365;

/**
 * Assistance lines, CNY per person per month. Hangzhou's dibao standard is about this level; the
 * marginal (低边) line is 1.5 × dibao in Zhejiang. Used only when the model carries none.
 */
export const DEFAULT_LINES = { dibaoMonthly: 1240, marginalMonthly: 1860 } as const;
/** Out-of-pocket medical spending counts as high above this share of yearly income and this floor. */
export const DEFAULT_MEDICAL = { share: 0.3, minCny: 10_000 } as const;

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
  /** Able adults registered unemployed. */
  unemployedAble: Person[];
  childrenWithoutCare: Person[];
  /** Ids of children whose parents are recorded dead in the household. */
  orphans: Set<string>;
  recentIncidents: Incident[];
  recentDeaths: Person[];
  temporaryAssistanceThisYear: number;
}

export function ageAt(birthDate: string, referenceDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ry, rm, rd] = referenceDate.split('-').map(Number) as [number, number, number];
  return ry - by - (rm < bm || (rm === bm && rd < bd) ? 1 : 0);
}

const inYear = (s: YearSum, year: number): number => (s.year === year ? s.amount : 0);

export function medicalThresholds(model: Model): { share: number; minCny: number } {
  const a = (model as { alerts?: { medicalOutOfPocketShare?: number; medicalOutOfPocketMinCny?: number } }).alerts;
  return { share: a?.medicalOutOfPocketShare ?? DEFAULT_MEDICAL.share, minCny: a?.medicalOutOfPocketMinCny ?? DEFAULT_MEDICAL.minCny };
}

export function outOfPocketOf(h: Household): { total: number; outOfPocket: number } {
  const f = h.finances;
  const y = f.medicalTotal.year;
  const total = f.medicalTotal.amount;
  const covered = inYear(f.medicalInsurancePaid, y) + inYear(f.criticalIllnessPaid, y) + inYear(f.medicalAssistance, y);
  return { total, outOfPocket: Math.max(0, total - covered) };
}

const ABLE_EMPLOYMENT = new Set(['employed', 'self_employed', 'farmer', 'flexible', 'unemployed']);

export function householdFacts(h: Household, model: Model): HouseholdFacts {
  const ref = model.referenceDate;
  const refMs = Date.parse(`${ref}T00:00:00Z`);
  const recentFrom = refMs - RECENT_DAYS * DAY_MS;
  const alive = h.persons.filter((p) => p.alive && p.registered);
  const ages = new Map<string, number>();
  for (const p of h.persons) ages.set(p.id, ageAt(p.birthDate, ref));
  const age = (p: Person): number => ages.get(p.id) ?? 0;

  const cat = h.assistance.category;
  const registeredCategory = h.assistance.enrolled && (REGISTERED_CATEGORIES as readonly string[]).includes(cat) ? (cat as RegisteredCategory) : null;
  const f = h.finances;
  const latestYear = Math.max(f.medicalTotal.year, f.agriculturalIncome.year, f.temporaryAssistance.year);

  const earned = alive.reduce((a, p) => a + p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly, 0) * 12;
  const meansAnnual = Math.max(earned, f.taxYear >= latestYear - 1 ? f.taxableIncomeAnnual : 0) + inYear(f.agriculturalIncome, latestYear);
  const transfers =
    (alive.reduce((a, p) => a + p.disabilityAllowanceMonthly, 0) + f.assistanceMonthly + f.elderlyCareSubsidyMonthly + f.veteranBenefitMonthly + f.housingSubsidyMonthly) * 12;
  const totalAnnual = meansAnnual + transfers;
  const perCapitaMonthly = alive.length > 0 ? meansAnnual / 12 / alive.length : 0;
  const lines = { ...DEFAULT_LINES };

  const cars = h.vehicles.filter((v) => v.kind === 'car' || v.kind === 'truck');
  const residential = h.properties.filter((p) => p.use === 'residential');
  const disqualifyingAssets =
    cars.length > 0 ||
    h.properties.some((p) => p.use === 'commercial') ||
    residential.length > 1 ||
    h.businesses.some((b) => b.type === 'company' || b.capitalCny > 100_000);

  const med = outOfPocketOf(h);
  const thr = medicalThresholds(model);
  const outOfPocketShare = totalAnnual > 0 ? med.outOfPocket / totalAnnual : med.outOfPocket > 0 ? Infinity : 0;
  const highOutOfPocket = med.outOfPocket >= thr.minCny && outOfPocketShare >= thr.share;

  const elderly = alive.filter((p) => age(p) >= 60);
  const ableAdults = alive.filter(
    (p) =>
      age(p) >= 18 &&
      age(p) < 60 &&
      ABLE_EMPLOYMENT.has(p.employment) &&
      (p.disabilityGrade === 0 || p.disabilityGrade >= 3) &&
      p.careDependency === 'none' &&
      !p.severeMentalIllness &&
      p.majorDiseases.length === 0,
  );
  const childrenWithoutCare = alive.filter((p) => age(p) < 18 && p.withoutParentalCare);
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
    lines,
    lowIncome: registeredCategory !== null || perCapitaMonthly < lines.marginalMonthly,
    disqualifyingAssets,
    medicalTotal: med.total,
    outOfPocket: med.outOfPocket,
    outOfPocketShare,
    highOutOfPocket,
    majorDisease: alive.filter((p) => p.majorDiseases.length > 0),
    students: alive.filter((p) => p.schoolStage !== 'none' && !p.droppedOut),
    disabled: alive.filter((p) => p.disabilityGrade > 0),
    elderly,
    elderlyAlone: alive.length === 1 && elderly.length === 1,
    ableAdults,
    unemployedAble: ableAdults.filter((p) => p.employment === 'unemployed'),
    childrenWithoutCare,
    orphans,
    recentIncidents: h.incidents.filter((i) => i.at >= recentFrom),
    recentDeaths: h.persons.filter((p) => !p.alive && p.deathDate !== null && Date.parse(`${p.deathDate}T00:00:00Z`) >= recentFrom),
    temporaryAssistanceThisYear: inYear(f.temporaryAssistance, latestYear),
  };
}
