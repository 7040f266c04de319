/**
 * One realistic, valid payload per kind: templates for the department simulators and the
 * property tests (copy, then vary). Dates fall in 2026, the model's reference year.
 */
import type { Kind } from './departments.js';
import type { Payloads } from './payloads.js';

export const EXAMPLE_PAYLOADS: Readonly<Payloads> = Object.freeze({
  // civil_affairs
  assistance_enrolled: { category: 'dibao', monthlyCny: 1240, enrolledAt: '2026-03-01' },
  assistance_exited: { exitedAt: '2026-06-30', reason: 'income_above_line' },
  application_rejected: { applicationId: 'MZ-2026-041877', category: 'marginal', rejectedAt: '2026-05-12', reason: 'assets_above_line' },
  temporary_assistance_granted: { grantId: 'LS-2026-00931', amountCny: 3000, grantedAt: '2026-04-18', reason: 'illness' },
  death_registered: { deathDate: '2026-07-09', cause: 'illness' },
  marriage_registered: { status: 'married', registeredAt: '2026-05-20', spouseIdNumber: '330102198506120044' },
  elderly_care_subsidy_granted: { monthlyCny: 300, careLevel: 'moderate', startDate: '2026-02-01' },

  // medical_insurance
  medical_claim: {
    claimId: 'YB-330106-2026-7781203',
    totalCny: 48650.4,
    insurancePaidCny: 31622.76,
    outOfPocketCny: 17027.64,
    hospitalLevel: 'tertiary',
    inpatient: true,
    diagnosisCode: 'C34.900',
    settledAt: '2026-08-14',
  },
  inpatient_admission: { admissionId: 'ZY-2026-118204', hospitalLevel: 'tertiary', admittedAt: '2026-07-28', days: 17, diagnosisCode: 'C34.900' },
  chronic_disease_certified: { disease: '2型糖尿病', icd10: 'E11.900', certifiedAt: '2026-03-15' },
  medical_assistance_granted: { grantId: 'YJ-2026-005512', amountCny: 8513.82, grantedAt: '2026-08-20' },
  critical_illness_insurance_paid: { claimId: 'DB-2026-020144', amountCny: 5200, paidAt: '2026-08-25' },

  // health
  birth_certificate_issued: {
    certificateNo: 'Q330106260415',
    newborn: { name: '王小满', idNumber: '330106202504150025', sex: 'F', birthDate: '2026-04-15', relation: 'child' },
  },
  major_disease_diagnosed: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
  severe_mental_illness_registered: { diagnosis: 'schizophrenia', riskLevel: 1, registeredAt: '2026-02-11' },

  // public_security
  residence_registered: {
    person: {
      name: '李秀英',
      idNumber: '330102198506120044',
      sex: 'F',
      birthDate: '1985-06-12',
      relation: 'spouse',
      maritalStatus: 'married',
      educationLevel: 'senior',
    },
    reason: 'marriage',
    registeredAt: '2026-06-02',
  },
  residence_cancelled: { reason: 'migration_out', cancelledAt: '2026-09-01' },
  vehicle_registered: { plate: '浙A8K2L7', vehicleKind: 'car', valueCny: 156000, registeredAt: '2026-05-06' },
  vehicle_deregistered: { plate: '浙A8K2L7', reason: 'sold', deregisteredAt: '2026-10-10' },

  // human_resources
  employment_registered: { employer: '杭州市西湖区某物业服务有限公司', employmentType: 'employed', monthlyWageCny: 3800, startDate: '2026-03-10' },
  unemployment_registered: { registeredAt: '2026-06-01', reason: 'contract_ended' },
  pension_paid: { pensionType: 'urban_rural_resident', monthlyCny: 330, since: '2026-01-01' },
  social_insurance_contribution: { period: '2026-06', months: 1, baseCny: 4462 },
  unemployment_benefit_granted: { monthlyCny: 2070, months: 12, startDate: '2026-06-15' },
  public_welfare_post_assigned: { post: '社区保洁', monthlyWageCny: 2490, startDate: '2026-07-01', endDate: '2027-06-30' },

  // education
  student_enrolled: { school: '杭州市西湖区某小学', stage: 'primary', enrolledAt: '2026-09-01', boarding: false },
  student_dropout: { school: '杭州市某职业高级中学', stage: 'vocational', leftAt: '2026-10-08', reason: 'financial' },
  tuition_charged: { school: '浙江某大学', amountCny: 5400, academicYear: '2026-2027', chargedAt: '2026-09-05' },
  education_grant_awarded: { grantType: 'national_grant', amountCny: 3300, awardedAt: '2026-10-20' },

  // disabled_persons_federation
  disability_certified: { certificateNo: '33010619800101001342', grade: 2, type: 'physical', certifiedAt: '2026-04-02' },
  disability_allowance_granted: { allowance: 'both', monthlyCny: 420, startDate: '2026-05-01' },
  care_dependency_assessed: { level: 'partial', adlScore: 55, assessedAt: '2026-05-18' },

  // housing
  dangerous_housing_assessed: { reportNo: 'WF-2026-0317', grade: 'C', assessedAt: '2026-03-30' },
  public_rental_allocated: { unitId: 'GZ-XH-0912-0304', areaM2: 45.6, monthlyRentCny: 410, allocatedAt: '2026-08-01' },
  rent_registered: { monthlyRentCny: 1800, areaM2: 38, contractStart: '2026-03-01', contractEnd: '2027-02-28' },
  housing_subsidy_granted: { subsidyType: 'rental_subsidy', monthlyCny: 600, startDate: '2026-04-01' },

  // real_estate_registry
  property_acquired: { certificate: '浙(2026)杭州市不动产权第0123456号', use: 'residential', areaM2: 89.5, valueCny: 2350000, acquiredAt: '2026-06-18' },
  property_disposed: { certificate: '浙(2026)杭州市不动产权第0123456号', reason: 'sale', priceCny: 2280000, disposedAt: '2026-10-30' },

  // market_regulation
  business_registered: { registration: '92330106MA2KXXXX7Q', type: 'individual', capitalCny: 50000, industry: '餐饮', registeredAt: '2026-04-22' },
  business_deregistered: { registration: '92330106MA2KXXXX7Q', reason: 'voluntary', deregisteredAt: '2026-11-01' },

  // taxation
  income_tax_filed: { taxYear: 2025, taxableIncomeCny: 38400, taxPaidCny: 0, filedAt: '2026-03-25' },

  // housing_provident_fund
  provident_fund_contribution: { period: '2026-06', monthlyCny: 456, balanceCny: 12840 },
  provident_fund_withdrawal: { amountCny: 6000, purpose: 'rent', balanceCny: 6840, withdrawnAt: '2026-07-15' },

  // emergency_management
  disaster_loss_reported: { disaster: 'typhoon', severity: 'serious', lossCny: 42000, housingDamage: 'severe', occurredOn: '2026-08-03' },
  accident_reported: { accidentType: 'traffic', severity: 'serious', lossCny: 18000, occurredOn: '2026-09-12' },
  fire_incident_reported: { cause: 'electrical', severity: 'minor', lossCny: 6500, housingDamage: 'minor', occurredOn: '2026-01-20' },

  // agriculture_rural
  poverty_risk_flagged: { flagged: true, riskType: 'illness', flaggedAt: '2026-08-01' },
  land_transferred: { direction: 'out', areaMu: 2.5, annualRentCny: 1500, transferredAt: '2026-03-01' },
  agricultural_income_reported: { period: '2026-09', amountCny: 8600, livestockHeads: 12 },

  // veterans_affairs
  veteran_benefit_granted: { benefitType: 'regular_subsidy', monthlyCny: 680, startDate: '2026-01-01' },

  // trade_union
  hardship_worker_registered: { level: 'hardship', reason: 'illness', registeredAt: '2026-05-09' },

  // community
  grid_visit_recorded: {
    visitedOn: '2026-09-18',
    worker: '张网格',
    observed: ['health', 'expenditure'],
    concern: 2,
    note: '户主术后在家休养，药费负担重',
  },
  self_declaration_submitted: {
    declaredAt: '2026-09-20',
    hardships: ['illness', 'debt'],
    monthlyIncomeCny: 1500,
    householdSize: 3,
  },
  proactive_discovery_recorded: { discoveredBy: 'data_match', discoveredOn: '2026-10-02', concern: 1, note: '大额医疗支出数据比对发现' },
} satisfies Payloads);

/** The example of one kind, typed loosely for generic callers (simulators, tests). */
export function examplePayload(kind: Kind): Record<string, unknown> {
  return structuredClone(EXAMPLE_PAYLOADS[kind]) as Record<string, unknown>;
}
