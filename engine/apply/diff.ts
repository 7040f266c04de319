/**
 * Which score dimensions changed between two versions of a household, by the field → dimension
 * contract of engine/catalogue/payloads.ts. Copy-on-write keeps unchanged parts identical, so
 * the walk mostly compares references. The maps are total over each type's keys: a new field
 * in engine/types.ts fails to compile here until it is given a dimension.
 */
import { DIMENSIONS, type Dimension } from '../catalogue/departments.js';
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
  employment: 'employment',
  monthlyWage: 'employment',
  pensionMonthly: 'property',
  unemploymentBenefitMonthly: 'employment',
  disabilityAllowanceMonthly: 'health',
  socialInsuranceMonths: 'employment',
  publicWelfarePost: 'employment',
  providentFundMonthly: 'employment',
  providentFundBalance: 'property',
  hardshipWorker: 'source',
  veteran: 'source',
  schoolStage: 'structure',
  schoolName: 'structure',
  droppedOut: 'other',
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

function compare<T extends object>(a: T, b: T, fields: { readonly [K in keyof T]?: Dimension | null }, out: Set<Dimension>): void {
  if (a === b) return;
  for (const k of Object.keys(fields) as (keyof T)[]) {
    const d = fields[k];
    if (d != null && !out.has(d) && !same(a[k], b[k])) out.add(d);
  }
}

function sameYearSum(a: YearSum, b: YearSum): boolean {
  return a === b || (a.year === b.year && a.amount === b.amount);
}

/** Dimensions whose facts differ between `before` and `after`, in canonical order. */
export function changedDimensions(before: Household, after: Household): Dimension[] {
  const out = new Set<Dimension>();
  if (before === after) return [];

  if (before.persons !== after.persons) {
    if (before.persons.length !== after.persons.length) out.add('structure');
    const n = Math.min(before.persons.length, after.persons.length);
    for (let i = 0; i < n; i++) {
      const a = before.persons[i];
      const b = after.persons[i];
      if (a !== undefined && b !== undefined) compare(a, b, PERSON_FIELDS, out);
    }
  }
  if (before.finances !== after.finances) {
    for (const k of Object.keys(FINANCE_FIELDS) as (keyof Finances)[]) {
      const d = FINANCE_FIELDS[k];
      if (out.has(d)) continue;
      const a = before.finances[k];
      const b = after.finances[k];
      const equal = typeof a === 'number' || typeof b === 'number' ? a === b : sameYearSum(a, b);
      if (!equal) out.add(d);
    }
  }
  compare(before.housing, after.housing, HOUSING_FIELDS, out);
  compare(before.assistance, after.assistance, ASSISTANCE_FIELDS, out);
  compare(before, after, HOUSEHOLD_FIELDS, out);

  return DIMENSIONS.filter((d) => out.has(d));
}
