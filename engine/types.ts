/**
 * Household and person state, the update envelope and the scored profile.
 *
 * Conventions: money in CNY (integers or decimals, never cents); dates as ISO `YYYY-MM-DD`;
 * instants as epoch milliseconds; areas in m²; land in mu (亩). Every field here is plain data
 * (msgpack/JSON-safe) because the state is stored in LMDB and sent between threads.
 * Scorers are pure functions of this state and the model: they never read a clock.
 */
import type { Department, Dimension, Kind } from './catalogue/departments.js';
import type { PolicyCode, ServiceCode } from './catalogue/assistance.js';

export type { Department, Dimension, Kind, PolicyCode, ServiceCode };

/** Registered (在册) categories and the five unregistered high-risk sources. */
export const REGISTERED_CATEGORIES = ['dibao', 'marginal', 'extreme_poverty', 'expenditure_dibao'] as const;
export const UNREGISTERED_SOURCES = [
  'exited_assistance',
  'rejected_application',
  'temporary_assistance',
  'proactive_discovery',
  'other_department',
] as const;
export type RegisteredCategory = (typeof REGISTERED_CATEGORIES)[number];
export type UnregisteredSource = (typeof UNREGISTERED_SOURCES)[number];
export type HouseholdCategory = RegisteredCategory | UnregisteredSource;

export const RELATIONS = ['head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'other'] as const;
export type Relation = (typeof RELATIONS)[number];

export const EMPLOYMENT_STATUSES = [
  'employed',
  'self_employed',
  'farmer',
  'flexible', // 灵活就业
  'unemployed',
  'retired',
  'student',
  'child',
  'unable', // cannot work (illness, disability, age)
] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

export const SCHOOL_STAGES = ['none', 'preschool', 'primary', 'junior', 'senior', 'vocational', 'university'] as const;
export type SchoolStage = (typeof SCHOOL_STAGES)[number];

export const CARE_DEPENDENCY = ['none', 'partial', 'full'] as const;
export type CareDependency = (typeof CARE_DEPENDENCY)[number];

/** Disability grade: 0 none, 1 most severe … 4 mildest (Chinese grading). */
export type DisabilityGrade = 0 | 1 | 2 | 3 | 4;
export const DISABILITY_TYPES = ['none', 'physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'] as const;
export type DisabilityType = (typeof DISABILITY_TYPES)[number];

/** Housing safety grade from a dangerous-housing assessment: A safe … D dangerous. */
export const HOUSING_SAFETY = ['A', 'B', 'C', 'D'] as const;
export type HousingSafety = (typeof HOUSING_SAFETY)[number];

export const EDUCATION_LEVELS = ['none', 'primary', 'junior', 'senior', 'vocational', 'college'] as const;
export type EducationLevel = (typeof EDUCATION_LEVELS)[number];

export interface Person {
  id: string;
  name: string;
  /** 18-digit resident ID (GB 11643); masked in API responses. */
  idNumber: string;
  sex: 'M' | 'F';
  birthDate: string;
  relation: Relation;
  alive: boolean;
  /** Household registration (户籍) still held in this household. */
  registered: boolean;
  deathDate: string | null;
  maritalStatus: 'single' | 'married' | 'divorced' | 'widowed';
  educationLevel: EducationLevel;
  /** Holds a vocational skill certificate. */
  skilled: boolean;
  // health
  disabilityGrade: DisabilityGrade;
  disabilityType: DisabilityType;
  chronicDiseases: string[];
  majorDiseases: string[];
  severeMentalIllness: boolean;
  careDependency: CareDependency;
  inpatientDays: number;
  admissions: number;
  /** Barthel activities-of-daily-living index of the last care assessment, 0 (fully dependent) … 100; null if never assessed. */
  adlScore: number | null;
  /** Risk level 0–5 of a registered severe mental illness (national grading; 3+ = dangerous behaviour); 0 if none. */
  mentalRiskLevel: number;
  /** Receives the disability care subsidy (护理补贴), one of the two disability subsidies. */
  disabilityCareSubsidy: boolean;
  // employment and income (monthly CNY)
  employment: EmploymentStatus;
  monthlyWage: number;
  pensionMonthly: number;
  unemploymentBenefitMonthly: number;
  disabilityAllowanceMonthly: number;
  socialInsuranceMonths: number;
  /** Monthly base of the last social insurance contribution, CNY; 0 if none on record. */
  insuranceBaseMonthly: number;
  /** Registered unemployed since (ISO date); null when not registered unemployed. */
  unemployedSince: string | null;
  publicWelfarePost: boolean;
  providentFundMonthly: number;
  providentFundBalance: number;
  /** Kind of pension paid, 'none' if none on record. */
  pensionType: 'none' | 'urban_employee' | 'urban_rural_resident' | 'institution';
  hardshipWorker: boolean;
  /** Registered by the trade union in deep hardship (深度困难职工). */
  deepHardship: boolean;
  veteran: boolean;
  // education
  schoolStage: SchoolStage;
  schoolName: string | null;
  /** Left school before finishing compulsory or enrolled education. */
  droppedOut: boolean;
  /** Why the person left school, as the school reported it; null if not dropped out. */
  dropoutReason: 'financial' | 'illness' | 'disability' | 'academic' | 'family' | 'work' | 'other' | null;
  tuitionAnnual: number;
  educationGrantAnnual: number;
  /** Lives away from parents: both parents dead, missing, or absent (事实无人抚养). */
  withoutParentalCare: boolean;
}

/**
 * `reviewPending`: the id of the update that reported the asset for a household enrolled in
 * assistance; it does not count (score, eligibility) until the eligibility review confirms it
 * (`applyReviewOutcome`). Absent once confirmed, and for households that are not enrolled.
 */
export interface Vehicle {
  plate: string;
  kind: 'car' | 'truck' | 'motorcycle' | 'tricycle' | 'agricultural';
  valueCny: number;
  registeredAt: string;
  reviewPending?: string;
}

export interface Property {
  certificate: string;
  use: 'residential' | 'commercial' | 'land_use';
  areaM2: number;
  valueCny: number;
  acquiredAt: string;
  reviewPending?: string;
}

export interface Business {
  registration: string;
  type: 'individual' | 'company' | 'cooperative';
  capitalCny: number;
  registeredAt: string;
  reviewPending?: string;
}

/** A yearly accumulator: amounts of one calendar year; reset by the first update of a later year. */
export interface YearSum {
  year: number;
  amount: number;
}

export interface Finances {
  /** Medical spending, CNY: total billed, paid by basic insurance, by critical-illness insurance, by medical assistance; out-of-pocket is derived. */
  medicalTotal: YearSum;
  medicalInsurancePaid: YearSum;
  criticalIllnessPaid: YearSum;
  medicalAssistance: YearSum;
  tuition: YearSum;
  educationGrants: YearSum;
  temporaryAssistance: YearSum;
  disasterLoss: YearSum;
  agriculturalIncome: YearSum;
  /** Last filed yearly taxable income of the household, CNY. */
  taxableIncomeAnnual: number;
  taxYear: number;
  rentMonthly: number;
  housingSubsidyMonthly: number;
  elderlyCareSubsidyMonthly: number;
  veteranBenefitMonthly: number;
  /** Regular assistance received (dibao etc.), CNY per month. */
  assistanceMonthly: number;
}

export interface HousingState {
  safety: HousingSafety;
  publicRental: boolean;
  renting: boolean;
  areaM2: number;
  /** Housing lost or uninhabitable after disaster or fire. */
  uninhabitable: boolean;
}

export interface Incident {
  kind: 'accident' | 'fire' | 'disaster';
  at: number;
  severity: 'minor' | 'serious' | 'fatal';
  lossCny: number;
}

/** What a registry knows of the household's place in assistance. */
export interface AssistanceState {
  category: HouseholdCategory;
  enrolled: boolean;
  enrolledAt: string | null;
  exitedAt: string | null;
  rejectedAt: string | null;
  povertyRiskFlagged: boolean;
  selfDeclared: boolean;
  proactivelyDiscovered: boolean;
  lastGridVisitAt: number | null;
  /** Concerns a grid worker or the household reported, 0 (none) … 3 (grave). */
  observedConcern: 0 | 1 | 2 | 3;
}

export interface Region {
  districtId: string;
  townshipId: string;
  communityId: string;
  lat: number;
  lon: number;
}

export interface Household {
  id: string;
  region: Region;
  rural: boolean;
  persons: Person[];
  assistance: AssistanceState;
  finances: Finances;
  housing: HousingState;
  vehicles: Vehicle[];
  properties: Property[];
  businesses: Business[];
  landMu: number;
  livestockHeads: number;
  incidents: Incident[];
}

/** One department update: the envelope every connector publishes and the engine applies. */
export interface Update<P = Record<string, unknown>> {
  /** Source record id: unique per department record; the JetStream de-duplication id. */
  id: string;
  source: Department;
  kind: Kind;
  householdId: string;
  /** Required for person-level kinds; a new person for births and residence registrations. */
  personId?: string | undefined;
  /** When it happened, epoch ms (department's clock). */
  occurredAt: number;
  payload: P;
}

export interface IndicatorResult {
  /** Stable indicator code, e.g. `health.major_disease`. */
  code: string;
  /** Points this indicator took off (negative) or added (positive) to the dimension. */
  points: number;
  /** One line for a caseworker: what fact moved it. */
  reason: string;
}

export interface DimensionScore {
  dimension: Dimension;
  score: number;
  max: number;
  /** Only indicators that moved the score (non-zero points). */
  indicators: IndicatorResult[];
}

export const CAUSES = ['illness', 'disability', 'education', 'housing', 'disaster', 'employment', 'skills', 'labour', 'other'] as const;
export type Cause = (typeof CAUSES)[number];
/** 0–5 in 0.5 steps. */
export type CauseScores = Record<Cause, number>;

export const NEED_TYPES = ['safety_net', 'expenditure', 'emergency', 'development', 'care'] as const;
export type NeedType = (typeof NEED_TYPES)[number];

export type Tier = 1 | 2 | 3;

export interface Suggestion {
  kind: 'policy' | 'service';
  code: PolicyCode | ServiceCode;
  category: string;
  reason: string;
}

/**
 * The full scored view of a household: dimensions with the indicators that moved them, causes,
 * need types and suggestions with reasons. Derived on demand (portrait reads, `profileOf`) from
 * the facts; never stored.
 */
export interface Profile {
  modelVersion: string;
  score: number;
  tier: Tier;
  dimensions: Record<Dimension, DimensionScore>;
  causes: CauseScores;
  needTypes: NeedType[];
  suggestions: Suggestion[];
}

/**
 * What is stored of the profile: numbers only, the cache incremental rescoring needs. Reasons,
 * indicators and suggestions are pure functions of the facts and are rebuilt when read.
 */
export interface StoredProfile {
  modelVersion: string;
  score: number;
  tier: Tier;
  /** Dimension sub-scores (each 0 … model.dimensionMax of that dimension). */
  dimensions: Record<Dimension, number>;
  causes: CauseScores;
  needTypes: NeedType[];
}

/** An applied update as the portrait lists it. */
export interface AppliedUpdateSummary {
  source: Department;
  kind: Kind;
  personId: string | null;
  occurredAt: number;
  /** Score after this update. */
  score: number;
}

/**
 * An applied update as stored: `[kind index in KIND_CODES, occurredAt, score after it, person]`,
 * person being the index in `household.persons` (members are only ever appended), the id when
 * it is not a member, or null. Catalogue order is part of the stored format: append only.
 */
export type RecentUpdate = [kind: number, occurredAt: number, score: number, person: number | string | null];

/**
 * What is stored per household: facts, the numeric profile, and the bookkeeping for ordering and
 * replay. Kept small (msgpack with shared structures): every applied update rewrites it.
 */
export interface HouseholdState {
  household: Household;
  profile: StoredProfile;
  /**
   * Per department in DEPARTMENT_CODES order, the latest occurredAt applied (0: none yet; empty
   * until the first update): feed health only; ordering is per fact (`factTimes`).
   */
  watermarks: number[];
  /** 53-bit hashes of the ids of the most recently applied updates (bounded, oldest first), to reject replays beyond JetStream's window. */
  recentIds: number[];
  /** Last applied updates, newest first (bounded), for the portrait. */
  recent: RecentUpdate[];
  /**
   * Per fact that holds a value (engine/apply/order.ts: `work:<personId>`, `tax`,
   * `vehicle:<plate>`…), the latest occurredAt applied: an older update of it changes nothing.
   * Absent on states stored before it (nothing applied yet counts as time 0). Pairs, not an
   * object: msgpack's shared structures would record one shape per set of keys.
   */
  factTimes?: [fact: string, at: number][];
  /** Applied update count; also seeds deterministic alert ids. */
  version: number;
}
