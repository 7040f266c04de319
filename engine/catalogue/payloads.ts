/**
 * Strict payload schema for each of the 54 data items, the envelope schema, which kinds name a
 * person, and which score dimensions each kind can really change.
 *
 * Field → dimension contract (scorers must read only their dimension's fields, or incremental
 * rescoring, which recomputes only `touched` dimensions, drifts from a full rescore):
 * - source:      household.assistance.*, person.hardshipWorker, person.veteran, finances.veteranBenefitMonthly
 * - structure:   the member set (persons' alive, registered, birthDate, sex, relation), maritalStatus,
 *                withoutParentalCare, schoolStage / schoolName
 * - health:      disabilityGrade / disabilityType, chronicDiseases, majorDiseases, severeMentalIllness,
 *                careDependency, inpatientDays, admissions, disabilityAllowanceMonthly
 * - property:    vehicles, properties, businesses, landMu, livestockHeads, finances.taxableIncomeAnnual /
 *                taxYear / agriculturalIncome, person.pensionMonthly / providentFundBalance,
 *                housing.publicRental / renting / areaM2
 * - expenditure: finances.medical* / tuition / educationGrants / temporaryAssistance / rentMonthly /
 *                housingSubsidyMonthly / elderlyCareSubsidyMonthly / assistanceMonthly,
 *                person.tuitionAnnual / educationGrantAnnual
 * - employment:  person.employment / monthlyWage / unemploymentBenefitMonthly / socialInsuranceMonths /
 *                publicWelfarePost / providentFundMonthly / skilled / educationLevel
 * - other:       housing.safety / uninhabitable, incidents, finances.disasterLoss, person.droppedOut
 * Kinds in MEMBERSHIP_KINDS add or remove members: any scorer that filters members by `alive` or
 * `registered` sees a change outside `touched` for them.
 */
import { z } from 'zod';
import { DEPARTMENTS, DEPARTMENT_CODES, DIMENSIONS, KIND_CODES, type Dimension, type Kind } from './departments.js';
import {
  CARE_DEPENDENCY,
  DISABILITY_TYPES,
  EDUCATION_LEVELS,
  HOUSING_SAFETY,
  REGISTERED_CATEGORIES,
  RELATIONS,
  SCHOOL_STAGES,
} from '../types.js';

// ---- building blocks -------------------------------------------------------------------------

/** Calendar date `YYYY-MM-DD` (leap years checked). */
const isoDate = z.iso.date();
/** Calendar month `YYYY-MM`. */
const yearMonth = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM');
/** A one-off or yearly amount in CNY; bounded so sums stay exact in float64. */
const amountCny = z.number().min(0).max(1e10);
/** A monthly amount in CNY. */
const monthlyCny = z.number().min(0).max(1e6);
const text = (max: number) => z.string().min(1).max(max);
const name = text(64);
/** 18-character resident ID (GB 11643): 17 digits and a check digit or X. */
const idNumber = z.string().regex(/^\d{17}[\dX]$/, 'expected an 18-character resident ID');
/** ICD-10 code as used in Chinese claims, e.g. `C34.900`. */
const icd10 = z.string().regex(/^[A-Z]\d{2}(\.[0-9A-Z]{1,4})?$/, 'expected an ICD-10 code such as C34.9');
/** Chinese plate: province character, letter, 5 (fuel) or 6 (new energy) letters/digits, optional suffix. */
const plate = z.string().regex(/^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}[\u4e00-\u9fa5]?$/, 'expected a plate such as 浙A12345');
/** Unified social credit code (统一社会信用代码), 18 characters. */
const creditCode = z.string().regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, 'expected an 18-character unified social credit code');
const concern = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]);
const severity = z.enum(['minor', 'serious', 'fatal']);
const housingDamage = z.enum(['none', 'minor', 'severe', 'collapsed']);
const hospitalLevel = z.enum(['primary', 'secondary', 'tertiary']);
const sex = z.enum(['M', 'F']);

const newPerson = z.strictObject({
  name,
  idNumber,
  sex,
  birthDate: isoDate,
  relation: z.enum(RELATIONS),
});

const afterOrSame = (a: string, b: string) => a <= b;

// ---- the 54 payloads -------------------------------------------------------------------------

export const KIND_PAYLOADS = {
  // civil_affairs
  assistance_enrolled: z.strictObject({
    category: z.enum(REGISTERED_CATEGORIES),
    monthlyCny,
    enrolledAt: isoDate,
  }),
  assistance_exited: z.strictObject({
    exitedAt: isoDate,
    reason: z.enum(['income_above_line', 'assets_above_line', 'moved_away', 'deceased', 'voluntary', 'verification_failed', 'other']),
  }),
  application_rejected: z.strictObject({
    applicationId: text(64),
    category: z.enum(REGISTERED_CATEGORIES),
    rejectedAt: isoDate,
    reason: z.enum(['income_above_line', 'assets_above_line', 'incomplete_documents', 'not_resident', 'other']),
  }),
  temporary_assistance_granted: z.strictObject({
    grantId: text(64),
    amountCny,
    grantedAt: isoDate,
    reason: z.enum(['illness', 'accident', 'disaster', 'education', 'livelihood', 'other']),
  }),
  death_registered: z.strictObject({
    deathDate: isoDate,
    cause: z.enum(['illness', 'accident', 'disaster', 'old_age', 'suicide', 'other', 'unknown']),
  }),
  marriage_registered: z.strictObject({
    status: z.enum(['married', 'divorced']),
    registeredAt: isoDate,
    spouseIdNumber: idNumber,
  }),
  elderly_care_subsidy_granted: z.strictObject({
    /** The household's total elderly-care subsidy now granted, CNY per month. */
    monthlyCny,
    careLevel: z.enum(['light', 'moderate', 'severe']),
    startDate: isoDate,
  }),

  // medical_insurance
  medical_claim: z
    .strictObject({
      claimId: text(64),
      totalCny: amountCny,
      insurancePaidCny: amountCny,
      outOfPocketCny: amountCny,
      hospitalLevel,
      inpatient: z.boolean(),
      diagnosisCode: icd10,
      settledAt: isoDate,
    })
    .refine((p) => p.insurancePaidCny <= p.totalCny + 0.005, { path: ['insurancePaidCny'], message: 'exceeds totalCny' })
    .refine((p) => Math.abs(p.totalCny - p.insurancePaidCny - p.outOfPocketCny) <= 0.011, {
      path: ['outOfPocketCny'],
      message: 'must equal totalCny - insurancePaidCny (within 0.01)',
    }),
  inpatient_admission: z.strictObject({
    admissionId: text(64),
    hospitalLevel,
    admittedAt: isoDate,
    /** Length of stay so far, days (0 if admitted today). */
    days: z.number().int().min(0).max(3650),
    diagnosisCode: icd10,
  }),
  chronic_disease_certified: z.strictObject({
    disease: text(100),
    icd10,
    certifiedAt: isoDate,
  }),
  medical_assistance_granted: z.strictObject({
    grantId: text(64),
    amountCny,
    grantedAt: isoDate,
  }),
  critical_illness_insurance_paid: z.strictObject({
    claimId: text(64),
    amountCny,
    paidAt: isoDate,
  }),

  // health
  birth_certificate_issued: z.strictObject({
    certificateNo: text(32),
    newborn: newPerson,
  }),
  major_disease_diagnosed: z.strictObject({
    disease: text(100),
    icd10,
    diagnosedAt: isoDate,
  }),
  severe_mental_illness_registered: z.strictObject({
    // the six severe mental disorders under China's national management
    diagnosis: z.enum(['schizophrenia', 'schizoaffective', 'paranoid_psychosis', 'bipolar', 'epileptic_psychosis', 'intellectual_disability_psychosis']),
    riskLevel: z.number().int().min(0).max(5),
    registeredAt: isoDate,
  }),

  // public_security
  residence_registered: z.strictObject({
    person: newPerson.extend({
      maritalStatus: z.enum(['single', 'married', 'divorced', 'widowed']),
      educationLevel: z.enum(EDUCATION_LEVELS),
    }),
    reason: z.enum(['birth', 'migration_in', 'marriage', 'adoption', 'return', 'other']),
    registeredAt: isoDate,
  }),
  residence_cancelled: z.strictObject({
    reason: z.enum(['death', 'migration_out', 'marriage', 'military', 'emigration', 'other']),
    cancelledAt: isoDate,
  }),
  vehicle_registered: z.strictObject({
    plate,
    vehicleKind: z.enum(['car', 'truck', 'motorcycle', 'tricycle', 'agricultural']),
    valueCny: amountCny,
    registeredAt: isoDate,
  }),
  vehicle_deregistered: z.strictObject({
    plate,
    reason: z.enum(['sold', 'scrapped', 'stolen', 'transferred']),
    deregisteredAt: isoDate,
  }),

  // human_resources
  employment_registered: z.strictObject({
    employer: text(100),
    employmentType: z.enum(['employed', 'self_employed', 'flexible', 'farmer']),
    monthlyWageCny: monthlyCny,
    startDate: isoDate,
  }),
  unemployment_registered: z.strictObject({
    registeredAt: isoDate,
    reason: z.enum(['dismissed', 'contract_ended', 'business_closed', 'resigned', 'other']),
  }),
  pension_paid: z.strictObject({
    pensionType: z.enum(['urban_employee', 'urban_rural_resident', 'institution']),
    monthlyCny,
    since: isoDate,
  }),
  social_insurance_contribution: z.strictObject({
    period: yearMonth,
    months: z.number().int().min(1).max(12),
    baseCny: monthlyCny,
  }),
  unemployment_benefit_granted: z.strictObject({
    monthlyCny,
    months: z.number().int().min(1).max(24),
    startDate: isoDate,
  }),
  public_welfare_post_assigned: z
    .strictObject({
      post: text(100),
      monthlyWageCny: monthlyCny,
      startDate: isoDate,
      endDate: isoDate,
    })
    .refine((p) => afterOrSame(p.startDate, p.endDate), { path: ['endDate'], message: 'before startDate' }),

  // education
  student_enrolled: z.strictObject({
    school: text(100),
    stage: z.enum(SCHOOL_STAGES).exclude(['none']),
    enrolledAt: isoDate,
    boarding: z.boolean(),
  }),
  student_dropout: z.strictObject({
    school: text(100),
    stage: z.enum(SCHOOL_STAGES).exclude(['none']),
    leftAt: isoDate,
    reason: z.enum(['financial', 'illness', 'disability', 'academic', 'family', 'work', 'other']),
  }),
  tuition_charged: z.strictObject({
    school: text(100),
    /** The annual tuition and fees charged, CNY. */
    amountCny,
    academicYear: z.string().regex(/^\d{4}-\d{4}$/, 'expected YYYY-YYYY'),
    chargedAt: isoDate,
  }),
  education_grant_awarded: z.strictObject({
    grantType: z.enum(['national_grant', 'living_subsidy', 'fee_waiver', 'scholarship', 'social_donation']),
    amountCny,
    awardedAt: isoDate,
  }),

  // disabled_persons_federation
  disability_certified: z
    .strictObject({
      certificateNo: text(32),
      /** 1 most severe … 4 mildest; 0 = certificate revoked. */
      grade: z.number().int().min(0).max(4),
      type: z.enum(DISABILITY_TYPES),
      certifiedAt: isoDate,
    })
    .refine((p) => (p.grade === 0) === (p.type === 'none'), { path: ['type'], message: "must be 'none' exactly when grade is 0" }),
  disability_allowance_granted: z.strictObject({
    allowance: z.enum(['living_subsidy', 'care_subsidy', 'both']),
    monthlyCny,
    startDate: isoDate,
  }),
  care_dependency_assessed: z.strictObject({
    level: z.enum(CARE_DEPENDENCY),
    /** Barthel activities-of-daily-living index, 0 (fully dependent) … 100. */
    adlScore: z.number().int().min(0).max(100),
    assessedAt: isoDate,
  }),

  // housing
  dangerous_housing_assessed: z.strictObject({
    reportNo: text(64),
    grade: z.enum(HOUSING_SAFETY),
    assessedAt: isoDate,
  }),
  public_rental_allocated: z.strictObject({
    unitId: text(64),
    areaM2: z.number().positive().max(1000),
    monthlyRentCny: monthlyCny,
    allocatedAt: isoDate,
  }),
  rent_registered: z
    .strictObject({
      monthlyRentCny: monthlyCny,
      areaM2: z.number().positive().max(1000),
      contractStart: isoDate,
      contractEnd: isoDate,
    })
    .refine((p) => p.contractStart < p.contractEnd, { path: ['contractEnd'], message: 'must be after contractStart' }),
  housing_subsidy_granted: z.strictObject({
    subsidyType: z.enum(['rental_subsidy', 'renovation_subsidy']),
    monthlyCny,
    startDate: isoDate,
  }),

  // real_estate_registry
  property_acquired: z.strictObject({
    certificate: text(64),
    use: z.enum(['residential', 'commercial', 'land_use']),
    areaM2: z.number().positive().max(1e6),
    valueCny: amountCny,
    acquiredAt: isoDate,
  }),
  property_disposed: z.strictObject({
    certificate: text(64),
    reason: z.enum(['sale', 'gift', 'inheritance', 'expropriation', 'other']),
    priceCny: amountCny,
    disposedAt: isoDate,
  }),

  // market_regulation
  business_registered: z.strictObject({
    registration: creditCode,
    type: z.enum(['individual', 'company', 'cooperative']),
    capitalCny: amountCny,
    industry: text(100),
    registeredAt: isoDate,
  }),
  business_deregistered: z.strictObject({
    registration: creditCode,
    reason: z.enum(['voluntary', 'revoked', 'merged', 'bankrupt']),
    deregisteredAt: isoDate,
  }),

  // taxation
  income_tax_filed: z.strictObject({
    taxYear: z.number().int().min(1990).max(2200),
    taxableIncomeCny: amountCny,
    taxPaidCny: amountCny,
    filedAt: isoDate,
  }),

  // housing_provident_fund
  provident_fund_contribution: z.strictObject({
    period: yearMonth,
    /** Employer plus employee contribution, CNY per month. */
    monthlyCny,
    balanceCny: amountCny,
  }),
  provident_fund_withdrawal: z.strictObject({
    amountCny,
    purpose: z.enum(['purchase', 'rent', 'retirement', 'illness', 'renovation', 'other']),
    /** Balance after the withdrawal, CNY. */
    balanceCny: amountCny,
    withdrawnAt: isoDate,
  }),

  // emergency_management
  disaster_loss_reported: z.strictObject({
    disaster: z.enum(['flood', 'typhoon', 'drought', 'earthquake', 'landslide', 'hail', 'snow', 'other']),
    severity,
    lossCny: amountCny,
    housingDamage,
    occurredOn: isoDate,
  }),
  accident_reported: z.strictObject({
    accidentType: z.enum(['traffic', 'workplace', 'domestic', 'drowning', 'other']),
    severity,
    lossCny: amountCny,
    occurredOn: isoDate,
  }),
  fire_incident_reported: z.strictObject({
    cause: z.enum(['electrical', 'cooking', 'heating', 'smoking', 'arson', 'other', 'unknown']),
    severity,
    lossCny: amountCny,
    housingDamage,
    occurredOn: isoDate,
  }),

  // agriculture_rural
  poverty_risk_flagged: z.strictObject({
    /** true flags the household (防返贫监测), false clears the flag. */
    flagged: z.boolean(),
    riskType: z.enum(['income_drop', 'expenditure_surge', 'disaster', 'illness', 'other']),
    flaggedAt: isoDate,
  }),
  land_transferred: z.strictObject({
    direction: z.enum(['in', 'out']),
    areaMu: z.number().positive().max(10000),
    annualRentCny: amountCny,
    transferredAt: isoDate,
  }),
  agricultural_income_reported: z.strictObject({
    period: yearMonth,
    amountCny,
    /** Livestock held at the time of the report, heads. */
    livestockHeads: z.number().int().min(0).max(100000),
  }),

  // veterans_affairs
  veteran_benefit_granted: z.strictObject({
    benefitType: z.enum(['disability_pension', 'regular_subsidy', 'living_allowance']),
    /** The household's veteran benefit now granted, CNY per month. */
    monthlyCny,
    startDate: isoDate,
  }),

  // trade_union
  hardship_worker_registered: z.strictObject({
    level: z.enum(['hardship', 'deep_hardship']),
    reason: z.enum(['illness', 'disability', 'unemployment', 'education', 'disaster', 'other']),
    registeredAt: isoDate,
  }),

  // community
  grid_visit_recorded: z.strictObject({
    visitedOn: isoDate,
    worker: name,
    observed: z
      .array(z.enum(DIMENSIONS))
      .min(1)
      .max(DIMENSIONS.length)
      .refine((a) => new Set(a).size === a.length, 'dimensions must not repeat'),
    concern,
    note: z.string().max(500),
  }),
  self_declaration_submitted: z.strictObject({
    declaredAt: isoDate,
    hardships: z
      .array(z.enum(['illness', 'disability', 'education', 'housing', 'disaster', 'unemployment', 'debt', 'care', 'other']))
      .min(1)
      .max(9)
      .refine((a) => new Set(a).size === a.length, 'hardships must not repeat'),
    monthlyIncomeCny: monthlyCny,
    householdSize: z.number().int().min(1).max(30),
  }),
  proactive_discovery_recorded: z.strictObject({
    discoveredBy: z.enum(['grid_worker', 'social_worker', 'volunteer', 'hotline', 'data_match']),
    discoveredOn: isoDate,
    concern,
    note: z.string().max(500),
  }),
} as const satisfies Record<Kind, z.ZodType>;

/** The parsed payload of a kind. */
export type PayloadOf<K extends Kind> = z.output<(typeof KIND_PAYLOADS)[K]>;
export type Payloads = { [K in Kind]: PayloadOf<K> };

/** Kinds that create a member: `personId` is the new member's id. */
export const NEW_PERSON_KINDS = ['birth_certificate_issued', 'residence_registered'] as const satisfies readonly Kind[];

/** Kinds about one existing member: `personId` is required and must name a member. */
export const PERSON_KINDS = [
  'death_registered',
  'marriage_registered',
  'medical_claim',
  'inpatient_admission',
  'chronic_disease_certified',
  'medical_assistance_granted',
  'critical_illness_insurance_paid',
  'major_disease_diagnosed',
  'severe_mental_illness_registered',
  'residence_cancelled',
  'employment_registered',
  'unemployment_registered',
  'pension_paid',
  'social_insurance_contribution',
  'unemployment_benefit_granted',
  'public_welfare_post_assigned',
  'student_enrolled',
  'student_dropout',
  'tuition_charged',
  'education_grant_awarded',
  'disability_certified',
  'disability_allowance_granted',
  'care_dependency_assessed',
  'provident_fund_contribution',
  'provident_fund_withdrawal',
  'accident_reported',
  'veteran_benefit_granted',
  'hardship_worker_registered',
] as const satisfies readonly Kind[];

/** Kinds that add or remove a member of the household (structure of every person-based score). */
export const MEMBERSHIP_KINDS = [
  'birth_certificate_issued',
  'residence_registered',
  'residence_cancelled',
  'death_registered',
] as const satisfies readonly Kind[];

const PERSON_KIND_SET: ReadonlySet<string> = new Set<string>(PERSON_KINDS);
const NEW_PERSON_KIND_SET: ReadonlySet<string> = new Set<string>(NEW_PERSON_KINDS);

/** How a kind uses `personId`: an existing member, a new member, or not at all. */
export function personRole(kind: Kind): 'existing' | 'new' | 'none' {
  return PERSON_KIND_SET.has(kind) ? 'existing' : NEW_PERSON_KIND_SET.has(kind) ? 'new' : 'none';
}

/** What each kind can really change (see the field → dimension contract above). */
export const KIND_DIMENSIONS: Readonly<Record<Kind, readonly Dimension[]>> = Object.freeze({
  assistance_enrolled: ['source', 'expenditure'],
  assistance_exited: ['source', 'expenditure'],
  application_rejected: ['source'],
  temporary_assistance_granted: ['source', 'expenditure'],
  death_registered: ['structure'],
  marriage_registered: ['structure'],
  elderly_care_subsidy_granted: ['expenditure'],
  medical_claim: ['health', 'expenditure'],
  inpatient_admission: ['health'],
  chronic_disease_certified: ['health'],
  medical_assistance_granted: ['expenditure'],
  critical_illness_insurance_paid: ['expenditure'],
  birth_certificate_issued: ['structure'],
  major_disease_diagnosed: ['health'],
  severe_mental_illness_registered: ['health'],
  residence_registered: ['structure'],
  residence_cancelled: ['structure'],
  vehicle_registered: ['property'],
  vehicle_deregistered: ['property'],
  employment_registered: ['employment'],
  unemployment_registered: ['employment'],
  pension_paid: ['property', 'employment'],
  social_insurance_contribution: ['employment'],
  unemployment_benefit_granted: ['employment'],
  public_welfare_post_assigned: ['employment'],
  student_enrolled: ['structure', 'other'],
  student_dropout: ['structure', 'other'],
  tuition_charged: ['expenditure'],
  education_grant_awarded: ['expenditure'],
  disability_certified: ['health'],
  disability_allowance_granted: ['health'],
  care_dependency_assessed: ['health'],
  dangerous_housing_assessed: ['other'],
  public_rental_allocated: ['property', 'expenditure'],
  rent_registered: ['property', 'expenditure'],
  housing_subsidy_granted: ['expenditure'],
  property_acquired: ['property'],
  property_disposed: ['property'],
  business_registered: ['property'],
  business_deregistered: ['property'],
  income_tax_filed: ['property'],
  provident_fund_contribution: ['property', 'employment'],
  provident_fund_withdrawal: ['property'],
  disaster_loss_reported: ['other'],
  accident_reported: ['other'],
  fire_incident_reported: ['other'],
  poverty_risk_flagged: ['source'],
  land_transferred: ['property'],
  agricultural_income_reported: ['property'],
  veteran_benefit_granted: ['source'],
  hardship_worker_registered: ['source'],
  grid_visit_recorded: DIMENSIONS,
  self_declaration_submitted: ['source'],
  proactive_discovery_recorded: ['source'],
} satisfies Record<Kind, readonly Dimension[]>);

/** Record ids, household and person ids: non-empty, at most 128 characters. */
const recordId = z.string().min(1).max(128);

/**
 * The update envelope (payload checked separately by kind). `validateUpdate` applies the same
 * rules by hand on the hot path; this schema documents them and serves tools and tests.
 */
export const UpdateEnvelopeSchema = z.strictObject({
  id: recordId,
  source: z.enum(DEPARTMENT_CODES as [keyof typeof DEPARTMENTS, ...(keyof typeof DEPARTMENTS)[]]),
  kind: z.enum(KIND_CODES as [Kind, ...Kind[]]),
  householdId: recordId,
  personId: recordId.optional(),
  occurredAt: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  payload: z.record(z.string(), z.unknown()),
});
export type UpdateEnvelope = z.output<typeof UpdateEnvelopeSchema>;
