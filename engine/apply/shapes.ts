/**
 * Copies of household records written as literals in the declared field order (engine/types.ts,
 * the order the city generator and `newMember` use). A spread copy gets a new hidden class in V8;
 * households copied by spreads ended up with 17 shapes, persons with 14, which turns every
 * scorer's property read megamorphic. One literal per record keeps one shape.
 */
import type { AssistanceState, Finances, Household, HousingState, Person } from '../types.js';

export function copyHousehold(h: Household, patch?: Partial<Household>): Household {
  const c: Household = {
    id: h.id,
    region: h.region,
    rural: h.rural,
    persons: h.persons,
    assistance: h.assistance,
    finances: h.finances,
    housing: h.housing,
    vehicles: h.vehicles,
    properties: h.properties,
    businesses: h.businesses,
    landMu: h.landMu,
    livestockHeads: h.livestockHeads,
    incidents: h.incidents,
  };
  return patch === undefined ? c : Object.assign(c, patch);
}

export function copyPerson(p: Person, patch?: Partial<Person>): Person {
  const c: Person = {
    id: p.id,
    name: p.name,
    idNumber: p.idNumber,
    sex: p.sex,
    birthDate: p.birthDate,
    relation: p.relation,
    alive: p.alive,
    registered: p.registered,
    deathDate: p.deathDate,
    maritalStatus: p.maritalStatus,
    educationLevel: p.educationLevel,
    skilled: p.skilled,
    disabilityGrade: p.disabilityGrade,
    disabilityType: p.disabilityType,
    chronicDiseases: p.chronicDiseases,
    majorDiseases: p.majorDiseases,
    severeMentalIllness: p.severeMentalIllness,
    careDependency: p.careDependency,
    inpatientDays: p.inpatientDays,
    admissions: p.admissions,
    employment: p.employment,
    monthlyWage: p.monthlyWage,
    pensionMonthly: p.pensionMonthly,
    unemploymentBenefitMonthly: p.unemploymentBenefitMonthly,
    disabilityAllowanceMonthly: p.disabilityAllowanceMonthly,
    socialInsuranceMonths: p.socialInsuranceMonths,
    publicWelfarePost: p.publicWelfarePost,
    providentFundMonthly: p.providentFundMonthly,
    providentFundBalance: p.providentFundBalance,
    hardshipWorker: p.hardshipWorker,
    veteran: p.veteran,
    schoolStage: p.schoolStage,
    schoolName: p.schoolName,
    droppedOut: p.droppedOut,
    tuitionAnnual: p.tuitionAnnual,
    educationGrantAnnual: p.educationGrantAnnual,
    withoutParentalCare: p.withoutParentalCare,
    // facts later departments record; a state stored before they existed lacks them: neutral values
    adlScore: p.adlScore ?? null,
    mentalRiskLevel: p.mentalRiskLevel ?? 0,
    disabilityCareSubsidy: p.disabilityCareSubsidy ?? false,
    insuranceBaseMonthly: p.insuranceBaseMonthly ?? 0,
    unemployedSince: p.unemployedSince ?? null,
    pensionType: p.pensionType ?? 'none',
    deepHardship: p.deepHardship ?? false,
    dropoutReason: p.dropoutReason ?? null,
  };
  return patch === undefined ? c : Object.assign(c, patch);
}

export function copyFinances(f: Finances, patch?: Partial<Finances>): Finances {
  const c: Finances = {
    medicalTotal: f.medicalTotal,
    medicalInsurancePaid: f.medicalInsurancePaid,
    criticalIllnessPaid: f.criticalIllnessPaid,
    medicalAssistance: f.medicalAssistance,
    tuition: f.tuition,
    educationGrants: f.educationGrants,
    temporaryAssistance: f.temporaryAssistance,
    disasterLoss: f.disasterLoss,
    agriculturalIncome: f.agriculturalIncome,
    taxableIncomeAnnual: f.taxableIncomeAnnual,
    taxYear: f.taxYear,
    rentMonthly: f.rentMonthly,
    housingSubsidyMonthly: f.housingSubsidyMonthly,
    elderlyCareSubsidyMonthly: f.elderlyCareSubsidyMonthly,
    veteranBenefitMonthly: f.veteranBenefitMonthly,
    assistanceMonthly: f.assistanceMonthly,
  };
  return patch === undefined ? c : Object.assign(c, patch);
}

export function copyAssistance(a: AssistanceState, patch?: Partial<AssistanceState>): AssistanceState {
  const c: AssistanceState = {
    category: a.category,
    enrolled: a.enrolled,
    enrolledAt: a.enrolledAt,
    exitedAt: a.exitedAt,
    rejectedAt: a.rejectedAt,
    povertyRiskFlagged: a.povertyRiskFlagged,
    selfDeclared: a.selfDeclared,
    proactivelyDiscovered: a.proactivelyDiscovered,
    lastGridVisitAt: a.lastGridVisitAt,
    observedConcern: a.observedConcern,
  };
  return patch === undefined ? c : Object.assign(c, patch);
}

export function copyHousing(s: HousingState, patch?: Partial<HousingState>): HousingState {
  const c: HousingState = { safety: s.safety, publicRental: s.publicRental, renting: s.renting, areaM2: s.areaM2, uninhabitable: s.uninhabitable };
  return patch === undefined ? c : Object.assign(c, patch);
}
