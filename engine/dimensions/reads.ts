/**
 * Which household fields each dimension's scorer reads (`persons[]`, `vehicles[]`… = every
 * element). The contract with `applyFacts`: an update that changes a field must touch every
 * dimension listing it, or incremental rescoring drifts from a full one. MEMBERSHIP fields
 * belong to `structure`; every scorer reads them, which is why touching `structure` recomputes
 * all dimensions (`engine/scoring/index.ts`). The scoring tests check these lists with a
 * recording proxy.
 */
import type { Dimension } from '../types.js';

/** Who is a member, their identity and age: owned by structure, read by all. */
export const MEMBERSHIP_READS: readonly string[] = [
  'persons[].id',
  'persons[].alive',
  'persons[].registered',
  'persons[].birthDate',
  'persons[].sex',
  'persons[].relation',
];

/** The four medical year sums out-of-pocket spending is derived from: read by expenditure, causes and needs. */
export const MEDICAL_READS: readonly string[] = [
  'finances.medicalTotal.year',
  'finances.medicalTotal.amount',
  'finances.medicalInsurancePaid.year',
  'finances.medicalInsurancePaid.amount',
  'finances.criticalIllnessPaid.year',
  'finances.criticalIllnessPaid.amount',
  'finances.medicalAssistance.year',
  'finances.medicalAssistance.amount',
];

export const DIMENSION_READS: Readonly<Record<Dimension, readonly string[]>> = Object.freeze({
  source: [
    'assistance.category',
    'assistance.enrolled',
    'assistance.enrolledAt',
    'assistance.exitedAt',
    'assistance.rejectedAt',
    'assistance.povertyRiskFlagged',
    'assistance.selfDeclared',
    'assistance.proactivelyDiscovered',
    'assistance.observedConcern',
    'assistance.lastGridVisitAt',
    'persons[].hardshipWorker',
    'persons[].deepHardship',
    'persons[].veteran',
    'finances.veteranBenefitMonthly',
  ],
  structure: [...MEMBERSHIP_READS, 'persons[].deathDate', 'persons[].maritalStatus', 'persons[].withoutParentalCare', 'persons[].schoolStage'],
  health: [
    'persons[].majorDiseases',
    'persons[].chronicDiseases',
    'persons[].disabilityGrade',
    'persons[].disabilityType',
    'persons[].disabilityAllowanceMonthly',
    'persons[].severeMentalIllness',
    'persons[].careDependency',
    'persons[].inpatientDays',
    'persons[].admissions',
    'persons[].mentalRiskLevel',
    'persons[].adlScore',
    'persons[].disabilityCareSubsidy',
  ],
  property: [
    'persons[].providentFundBalance',
    'persons[].pensionMonthly',
    'persons[].pensionType',
    'properties[].use',
    'properties[].areaM2',
    'properties[].valueCny',
    'properties[].acquiredAt',
    'properties[].certificate',
    'vehicles[].valueCny',
    'vehicles[].kind',
    'vehicles[].plate',
    'vehicles[].registeredAt',
    'businesses[].capitalCny',
    'businesses[].type',
    'businesses[].registration',
    'businesses[].registeredAt',
    'housing.renting',
    'housing.publicRental',
    'housing.areaM2',
    'landMu',
    'livestockHeads',
    'rural',
    'finances.agriculturalIncome.year',
    'finances.agriculturalIncome.amount',
    'finances.taxYear',
    'finances.taxableIncomeAnnual',
  ],
  expenditure: [
    'persons[].tuitionAnnual',
    'persons[].educationGrantAnnual',
    ...MEDICAL_READS,
    'finances.tuition.year',
    'finances.tuition.amount',
    'finances.educationGrants.year',
    'finances.educationGrants.amount',
    'finances.temporaryAssistance.year',
    'finances.temporaryAssistance.amount',
    'finances.rentMonthly',
    'finances.housingSubsidyMonthly',
    'finances.assistanceMonthly',
    'finances.elderlyCareSubsidyMonthly',
  ],
  employment: [
    'persons[].employment',
    'persons[].monthlyWage',
    'persons[].unemploymentBenefitMonthly',
    'persons[].providentFundMonthly',
    'persons[].socialInsuranceMonths',
    'persons[].insuranceBaseMonthly',
    'persons[].unemployedSince',
    'persons[].publicWelfarePost',
    'persons[].educationLevel',
    'persons[].skilled',
  ],
  other: [
    'housing.uninhabitable',
    'housing.safety',
    'incidents[].kind',
    'incidents[].at',
    'incidents[].severity',
    'incidents[].lossCny',
    'finances.disasterLoss.year',
    'finances.disasterLoss.amount',
    'persons[].droppedOut',
    'persons[].dropoutReason',
    'persons[].schoolStage',
  ],
});
