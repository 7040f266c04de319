/** Reference households for the scoring, cause and need tests (built on the shared fixtures). */
import type { Household } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';

const unregistered = (category: Household['assistance']['category']): Household['assistance'] => ({
  category,
  enrolled: false,
  enrolledAt: null,
  exitedAt: null,
  rejectedAt: null,
  povertyRiskFlagged: false,
  selfDeclared: false,
  proactivelyDiscovered: false,
  lastGridVisitAt: null,
  observedConcern: 0,
});

/** Two employed, skilled parents and a pupil, own home, savings: no problems. */
export function ordinaryFamily(): Household {
  return makeHousehold({
    id: 'h-ordinary',
    assistance: unregistered('other_department'),
    persons: [
      makePerson({ id: 'p1', educationLevel: 'senior', skilled: true, monthlyWage: 6500, providentFundMonthly: 600, providentFundBalance: 40_000 }),
      makePerson({ id: 'p2', sex: 'F', relation: 'spouse', birthDate: '1982-05-01', educationLevel: 'college', monthlyWage: 5500, providentFundBalance: 20_000 }),
      makePerson({ id: 'p3', relation: 'child', birthDate: '2015-09-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, socialInsuranceMonths: 0, schoolStage: 'primary', educationLevel: 'none' }),
    ],
    properties: [{ certificate: '浙(2019)杭州市不动产权第0001号', use: 'residential', areaM2: 90, valueCny: 2_000_000, acquiredAt: '2019-06-01' }],
    housing: { safety: 'A', publicRental: false, renting: false, areaM2: 90, uninhabitable: false },
  });
}

/** A typical dibao household: unemployed head with a chronic disease, flexible-work spouse, a senior-school child, renting. */
export function dibaoFamily(): Household {
  const h = makeHousehold({
    id: 'h-dibao',
    persons: [
      makePerson({ id: 'p1', birthDate: '1970-03-01', employment: 'unemployed', monthlyWage: 0, chronicDiseases: ['I10'], educationLevel: 'primary' }),
      makePerson({ id: 'p2', sex: 'F', relation: 'spouse', birthDate: '1972-08-01', employment: 'flexible', monthlyWage: 1500, socialInsuranceMonths: 0 }),
      makePerson({ id: 'p3', relation: 'child', birthDate: '2009-02-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'senior', tuitionAnnual: 2000 }),
    ],
    housing: { safety: 'B', publicRental: false, renting: true, areaM2: 40, uninhabitable: false },
  });
  h.assistance.enrolledAt = '2019-05-01';
  h.finances.assistanceMonthly = 1200;
  h.finances.rentMonthly = 800;
  return h;
}

/** Unregistered family whose head and main earner has leukaemia, with big medical bills. */
export function illEarnerFamily(): Household {
  const h = makeHousehold({
    id: 'h-ill',
    assistance: unregistered('other_department'),
    persons: [
      makePerson({ id: 'p1', birthDate: '1978-04-01', majorDiseases: ['leukaemia'], employment: 'unable', monthlyWage: 0, inpatientDays: 40, admissions: 3 }),
      makePerson({ id: 'p2', sex: 'F', relation: 'spouse', birthDate: '1980-01-01', monthlyWage: 3000 }),
      makePerson({ id: 'p3', relation: 'child', birthDate: '2012-01-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'junior' }),
    ],
  });
  h.finances.medicalTotal = { year: 2026, amount: 150_000 };
  h.finances.medicalInsurancePaid = { year: 2026, amount: 60_000 };
  return h;
}

/** Every fixture at once: a household where nearly every indicator fires. */
export function troubledHousehold(): Household {
  const h = makeHousehold({
    id: 'h-troubled',
    rural: true,
    persons: [
      makePerson({ id: 'p1', birthDate: '1940-01-01', relation: 'grandparent', maritalStatus: 'widowed', employment: 'farmer', monthlyWage: 800, chronicDiseases: ['I10', 'E11', 'J44'], careDependency: 'partial', disabilityGrade: 2, disabilityType: 'physical', disabilityAllowanceMonthly: 300, hardshipWorker: true, veteran: true }),
      makePerson({ id: 'p2', birthDate: '1975-01-01', maritalStatus: 'widowed', employment: 'unemployed', monthlyWage: 0, educationLevel: 'primary', majorDiseases: ['C34.9'], inpatientDays: 12, admissions: 4, unemploymentBenefitMonthly: 500, socialInsuranceMonths: 3 }),
      makePerson({ id: 'p3', birthDate: '1990-01-01', relation: 'sibling', employment: 'unable', monthlyWage: 0, severeMentalIllness: true, careDependency: 'full', disabilityGrade: 3, disabilityType: 'mental' }),
      makePerson({ id: 'p4', birthDate: '2012-06-01', relation: 'child', maritalStatus: 'single', employment: 'student', monthlyWage: 0, droppedOut: true, withoutParentalCare: true }),
      makePerson({ id: 'p5', birthDate: '2018-06-01', relation: 'child', maritalStatus: 'single', employment: 'child', monthlyWage: 0, schoolStage: 'none', disabilityGrade: 4, disabilityType: 'hearing' }),
      makePerson({ id: 'p6', birthDate: '2025-01-01', relation: 'child', maritalStatus: 'single', employment: 'child', monthlyWage: 0 }),
      makePerson({ id: 'p7', birthDate: '2005-01-01', relation: 'child', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'university', tuitionAnnual: 9000 }),
      makePerson({ id: 'p8', birthDate: '1972-01-01', relation: 'spouse', alive: false, deathDate: '2026-08-15', sex: 'F' }),
      makePerson({ id: 'p9', birthDate: '2003-01-01', relation: 'child', employment: 'flexible', monthlyWage: 1800, publicWelfarePost: true, socialInsuranceMonths: 0, pensionMonthly: 0, schoolStage: 'vocational', educationLevel: 'none' }),
    ],
    assistance: {
      category: 'extreme_poverty',
      enrolled: true,
      enrolledAt: '2015-01-01',
      exitedAt: '2026-02-01',
      rejectedAt: '2026-03-01',
      povertyRiskFlagged: true,
      selfDeclared: true,
      proactivelyDiscovered: true,
      lastGridVisitAt: null,
      observedConcern: 2,
    },
    housing: { safety: 'D', publicRental: false, renting: true, areaM2: 30, uninhabitable: true },
    vehicles: [{ plate: '浙A12345', kind: 'tricycle', valueCny: 3000, registeredAt: '2020-01-01' }],
    landMu: 2,
    incidents: [
      { kind: 'disaster', at: Date.UTC(2026, 6, 1), severity: 'serious', lossCny: 30_000 },
      { kind: 'fire', at: Date.UTC(2026, 8, 1), severity: 'minor', lossCny: 2000 },
      { kind: 'accident', at: Date.UTC(2026, 9, 1), severity: 'fatal', lossCny: 0 },
      { kind: 'accident', at: Date.UTC(2020, 9, 1), severity: 'fatal', lossCny: 0 },
    ],
  });
  const f = h.finances;
  f.medicalTotal = { year: 2026, amount: 120_000 };
  f.medicalInsurancePaid = { year: 2026, amount: 30_000 };
  f.criticalIllnessPaid = { year: 2026, amount: 10_000 };
  f.medicalAssistance = { year: 2026, amount: 5_000 };
  f.tuition = { year: 2026, amount: 25_000 };
  f.educationGrants = { year: 2026, amount: 2_000 };
  f.temporaryAssistance = { year: 2026, amount: 3_000 };
  f.disasterLoss = { year: 2026, amount: 60_000 };
  f.agriculturalIncome = { year: 2026, amount: 1_000 };
  f.taxableIncomeAnnual = 6_000;
  f.taxYear = 2025;
  f.rentMonthly = 2500;
  f.housingSubsidyMonthly = 300;
  f.elderlyCareSubsidyMonthly = 200;
  f.veteranBenefitMonthly = 400;
  f.assistanceMonthly = 1800;
  return h;
}

/** Households with assets and credits: cars, property, business, land, livestock, comfortable income. */
export function wealthyHousehold(): Household {
  return makeHousehold({
    id: 'h-wealthy',
    rural: true,
    persons: [
      makePerson({ id: 'p1', monthlyWage: 20_000, pensionMonthly: 0, providentFundMonthly: 2000, providentFundBalance: 200_000, skilled: true }),
      makePerson({ id: 'p2', relation: 'parent', birthDate: '1950-01-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 900 }),
    ],
    vehicles: [{ plate: '浙A88888', kind: 'car', valueCny: 350_000, registeredAt: '2026-05-01' }],
    properties: [
      { certificate: 'c1', use: 'residential', areaM2: 120, valueCny: 3_000_000, acquiredAt: '2018-01-01' },
      { certificate: 'c2', use: 'commercial', areaM2: 60, valueCny: 1_500_000, acquiredAt: '2026-04-01' },
    ],
    businesses: [{ registration: 'b1', type: 'company', capitalCny: 500_000, registeredAt: '2026-03-01' }],
    landMu: 8,
    livestockHeads: 30,
    finances: {
      ...makeHousehold({ id: 'x', persons: [] }).finances,
      taxableIncomeAnnual: 300_000,
      taxYear: 2025,
      agriculturalIncome: { year: 2026, amount: 40_000 },
      housingSubsidyMonthly: 200,
    },
  });
}

export const ALL_HOUSEHOLDS = (): Household[] => [ordinaryFamily(), dibaoFamily(), illEarnerFamily(), troubledHousehold(), wealthyHousehold()];
