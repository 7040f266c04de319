/**
 * Which score dimensions changed between two versions of a household, by the field → dimension
 * contract of engine/catalogue/payloads.ts. Copy-on-write keeps unchanged parts identical, so
 * the walk mostly compares references. The maps are total over each type's keys: a new field
 * in engine/types.ts fails to compile here until it is given a dimension.
 */
import { DIMENSIONS, type Dimension } from '../catalogue/departments.js';
import { affectedBy, type Affected } from '../scoring/affected.js';
import type { AssistanceState, Finances, Household, HousingState, Person, YearSum } from '../types.js';

/** `null`: not a scoring fact (identity or display only). */
const PERSON_FIELDS: Readonly<Record<keyof Person, Dimension | null>> = {
  id: 'structure',
  name: null,
  idNumber: null,
  sex: 'structure',
  birthDate: 'structure',
  relation: 'structure',
  alive: 'structure',
  registered: 'structure',
  deathDate: 'structure',
  maritalStatus: 'structure',
  educationLevel: 'employment',
  skilled: 'employment',
  disabilityGrade: 'health',
  disabilityType: 'health',
  chronicDiseases: 'health',
  majorDiseases: 'health',
  severeMentalIllness: 'health',
  careDependency: 'health',
  inpatientDays: 'health',
  admissions: 'health',
  adlScore: 'health',
  mentalRiskLevel: 'health',
  disabilityCareSubsidy: 'health',
  employment: 'employment',
  monthlyWage: 'employment',
  pensionMonthly: 'property',
  unemploymentBenefitMonthly: 'employment',
  disabilityAllowanceMonthly: 'health',
  socialInsuranceMonths: 'employment',
  insuranceBaseMonthly: 'employment',
  unemployedSince: 'employment',
  publicWelfarePost: 'employment',
  providentFundMonthly: 'employment',
  providentFundBalance: 'property',
  pensionType: 'property',
  hardshipWorker: 'source',
  deepHardship: 'source',
  veteran: 'source',
  schoolStage: 'structure',
  schoolName: 'structure',
  droppedOut: 'other',
  dropoutReason: 'other',
  tuitionAnnual: 'expenditure',
  educationGrantAnnual: 'expenditure',
  withoutParentalCare: 'structure',
};

const FINANCE_FIELDS: Readonly<Record<keyof Finances, Dimension>> = {
  medicalTotal: 'expenditure',
  medicalInsurancePaid: 'expenditure',
  criticalIllnessPaid: 'expenditure',
  medicalAssistance: 'expenditure',
  tuition: 'expenditure',
  educationGrants: 'expenditure',
  temporaryAssistance: 'expenditure',
  disasterLoss: 'other',
  agriculturalIncome: 'property',
  taxableIncomeAnnual: 'property',
  taxYear: 'property',
  rentMonthly: 'expenditure',
  housingSubsidyMonthly: 'expenditure',
  elderlyCareSubsidyMonthly: 'expenditure',
  veteranBenefitMonthly: 'source',
  assistanceMonthly: 'expenditure',
};

const HOUSING_FIELDS: Readonly<Record<keyof HousingState, Dimension>> = {
  safety: 'other',
  publicRental: 'property',
  renting: 'property',
  areaM2: 'property',
  uninhabitable: 'other',
};

const ASSISTANCE_FIELDS: Readonly<Record<keyof AssistanceState, Dimension>> = {
  category: 'source',
  enrolled: 'source',
  enrolledAt: 'source',
  exitedAt: 'source',
  rejectedAt: 'source',
  povertyRiskFlagged: 'source',
  selfDeclared: 'source',
  proactivelyDiscovered: 'source',
  lastGridVisitAt: 'source',
  observedConcern: 'source',
};

/** Household-level fields outside the sub-records above. */
const HOUSEHOLD_FIELDS: Readonly<Record<'vehicles' | 'properties' | 'businesses' | 'landMu' | 'livestockHeads' | 'incidents', Dimension>> = {
  vehicles: 'property',
  properties: 'property',
  businesses: 'property',
  landMu: 'property',
  livestockHeads: 'property',
  incidents: 'other',
};

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
    return true;
  }
  return false;
}

function sameYearSum(a: YearSum, b: YearSum): boolean {
  return a === b || (a.year === b.year && a.amount === b.amount);
}

/** One compared field: its key, the dimension it belongs to (`touched`), and what reads it. */
interface Field {
  key: string;
  dim: number;
  dims: number;
  causes: number;
  needs: number;
}

const BIT = Object.fromEntries(DIMENSIONS.map((d, i) => [d, 1 << i])) as Record<Dimension, number>;

function fields(prefix: string, map: Readonly<Record<string, Dimension | null>>): Field[] {
  return Object.entries(map).map(([key, d]) => {
    const a = affectedBy(`${prefix}${key}`);
    return { key, dim: d === null ? 0 : BIT[d], dims: a.dims, causes: a.causes, needs: a.needs };
  });
}

const PERSON = fields('persons[].', PERSON_FIELDS);
const FINANCE = fields('finances.', FINANCE_FIELDS);
const HOUSING = fields('housing.', HOUSING_FIELDS);
const ASSISTANCE = fields('assistance.', ASSISTANCE_FIELDS);
const HOUSEHOLD = fields('', HOUSEHOLD_FIELDS);
const MEMBERS: Field = { key: 'persons', dim: BIT.structure, ...affectedBy('persons[].id') };

/**
 * For each dimension (by index): every computation that reads a fact the dimension owns, the
 * dimension itself included. A caller that knows only the touched dimensions must recompute these:
 * a dimension may read another's facts (property counts a former member's wage out of the filing).
 */
export const READERS_OF_DIMENSION: readonly Readonly<Affected>[] = DIMENSIONS.map((d) => {
  const r = { dims: BIT[d], causes: 0, needs: 0 };
  for (const f of [...PERSON, ...FINANCE, ...HOUSING, ...ASSISTANCE, ...HOUSEHOLD, MEMBERS]) {
    if (f.dim !== BIT[d]) continue;
    r.dims |= f.dims;
    r.causes |= f.causes;
    r.needs |= f.needs;
  }
  return r;
});

/** Accumulates the dimension bits touched and the computations affected. */
class Changes {
  touched = 0;
  dims = 0;
  causes = 0;
  needs = 0;

  add(f: Field): void {
    this.touched |= f.dim;
    this.dims |= f.dims;
    this.causes |= f.causes;
    this.needs |= f.needs;
  }

  /** Nothing new to learn from this field (saves comparing it). */
  has(f: Field): boolean {
    return (this.touched & f.dim) === f.dim && (this.dims & f.dims) === f.dims && (this.causes & f.causes) === f.causes && (this.needs & f.needs) === f.needs;
  }
}

function compare(a: object, b: object, list: readonly Field[], out: Changes): void {
  if (a === b) return;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const f of list) if (!out.has(f) && !same(ra[f.key], rb[f.key])) out.add(f);
}

/** What changed between two versions of a household: the dimensions touched and the computations whose inputs changed. */
export interface ChangedFacts {
  touched: Dimension[];
  affected: Affected;
}

export function changedFacts(before: Household, after: Household): ChangedFacts {
  const out = new Changes();
  if (before !== after) {
    if (before.persons !== after.persons) {
      if (before.persons.length !== after.persons.length) out.add(MEMBERS);
      const n = Math.min(before.persons.length, after.persons.length);
      for (let i = 0; i < n; i++) {
        const a = before.persons[i];
        const b = after.persons[i];
        if (a !== undefined && b !== undefined) compare(a, b, PERSON, out);
      }
    }
    if (before.finances !== after.finances) {
      const fa = before.finances as unknown as Record<string, number | YearSum>;
      const fb = after.finances as unknown as Record<string, number | YearSum>;
      for (const f of FINANCE) {
        if (out.has(f)) continue;
        const a = fa[f.key]!;
        const b = fb[f.key]!;
        const equal = typeof a === 'number' || typeof b === 'number' ? a === b : sameYearSum(a, b);
        if (!equal) out.add(f);
      }
    }
    compare(before.housing, after.housing, HOUSING, out);
    compare(before.assistance, after.assistance, ASSISTANCE, out);
    compare(before, after, HOUSEHOLD, out);
  }
  const touched: Dimension[] = [];
  for (let i = 0; i < DIMENSIONS.length; i++) if (out.touched & (1 << i)) touched.push(DIMENSIONS[i]!);
  return { touched, affected: { dims: out.dims, causes: out.causes, needs: out.needs } };
}

/** Dimensions whose facts differ between `before` and `after`, in canonical order. */
export function changedDimensions(before: Household, after: Household): Dimension[] {
  return changedFacts(before, after).touched;
}
