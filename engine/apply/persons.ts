/** New members: a person record from what the registering department knows, neutral elsewhere. */
import type { EducationLevel, Person, Relation } from '../types.js';
import { ageAt } from './household.js';

export interface NewMember {
  id: string;
  name: string;
  idNumber: string;
  sex: 'M' | 'F';
  birthDate: string;
  relation: Relation;
  maritalStatus?: Person['maritalStatus'];
  educationLevel?: EducationLevel;
}

const SCHOOL_AGE = 16;
const RETIREMENT_AGE = 60;

/** `onDate`: the registration date, to set the status a person of that age has until a department says otherwise. */
export function newMember(m: NewMember, onDate: string): Person {
  const age = ageAt(m.birthDate, onDate);
  return {
    id: m.id,
    name: m.name,
    idNumber: m.idNumber,
    sex: m.sex,
    birthDate: m.birthDate,
    relation: m.relation,
    alive: true,
    registered: true,
    deathDate: null,
    maritalStatus: m.maritalStatus ?? 'single',
    educationLevel: m.educationLevel ?? 'none',
    skilled: false,
    disabilityGrade: 0,
    disabilityType: 'none',
    chronicDiseases: [],
    majorDiseases: [],
    severeMentalIllness: false,
    careDependency: 'none',
    inpatientDays: 0,
    admissions: 0,
    // no employment on record yet: a child, a retiree, or an adult without registered work
    employment: age < SCHOOL_AGE ? 'child' : age >= RETIREMENT_AGE ? 'retired' : 'unemployed',
    monthlyWage: 0,
    pensionMonthly: 0,
    unemploymentBenefitMonthly: 0,
    disabilityAllowanceMonthly: 0,
    socialInsuranceMonths: 0,
    publicWelfarePost: false,
    providentFundMonthly: 0,
    providentFundBalance: 0,
    hardshipWorker: false,
    veteran: false,
    schoolStage: 'none',
    schoolName: null,
    droppedOut: false,
    tuitionAnnual: 0,
    educationGrantAnnual: 0,
    withoutParentalCare: false,
    // recorded by later departments: neutral until they report (kept last: one object shape for every person)
    adlScore: null,
    mentalRiskLevel: 0,
    disabilityCareSubsidy: false,
    insuranceBaseMonthly: 0,
    unemployedSince: null,
    pensionType: 'none',
    deepHardship: false,
    dropoutReason: null,
  };
}
