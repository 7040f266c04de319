/**
 * The department catalogue: 17 departments, 54 data items, exactly as named in the domain
 * digest. `dimensions` is what an update of that kind may change; incremental rescoring
 * recomputes only those (community kinds may also name observed dimensions in their payload).
 */

export const DIMENSIONS = [
  'source',
  'structure',
  'health',
  'property',
  'expenditure',
  'employment',
  'other',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const DEPARTMENTS = {
  civil_affairs: {
    label: 'Civil affairs',
    kinds: [
      'assistance_enrolled',
      'assistance_exited',
      'application_rejected',
      'temporary_assistance_granted',
      'death_registered',
      'marriage_registered',
      'elderly_care_subsidy_granted',
    ],
    dimensions: ['source', 'structure', 'expenditure'],
  },
  medical_insurance: {
    label: 'Medical insurance',
    kinds: [
      'medical_claim',
      'inpatient_admission',
      'chronic_disease_certified',
      'medical_assistance_granted',
      'critical_illness_insurance_paid',
    ],
    dimensions: ['health', 'expenditure'],
  },
  health: {
    label: 'Health commission',
    kinds: ['birth_certificate_issued', 'major_disease_diagnosed', 'severe_mental_illness_registered'],
    dimensions: ['structure', 'health'],
  },
  public_security: {
    label: 'Public security',
    kinds: ['residence_registered', 'residence_cancelled', 'vehicle_registered', 'vehicle_deregistered'],
    dimensions: ['structure', 'property'],
  },
  human_resources: {
    label: 'Human resources and social security',
    kinds: [
      'employment_registered',
      'unemployment_registered',
      'pension_paid',
      'social_insurance_contribution',
      'unemployment_benefit_granted',
      'public_welfare_post_assigned',
    ],
    dimensions: ['employment', 'property'],
  },
  education: {
    label: 'Education',
    kinds: ['student_enrolled', 'student_dropout', 'tuition_charged', 'education_grant_awarded'],
    dimensions: ['structure', 'expenditure', 'other'],
  },
  disabled_persons_federation: {
    label: "Disabled persons' federation",
    kinds: ['disability_certified', 'disability_allowance_granted', 'care_dependency_assessed'],
    dimensions: ['health'],
  },
  housing: {
    label: 'Housing and urban-rural development',
    kinds: ['dangerous_housing_assessed', 'public_rental_allocated', 'rent_registered', 'housing_subsidy_granted'],
    dimensions: ['property', 'expenditure', 'other'],
  },
  real_estate_registry: {
    label: 'Real estate registry',
    kinds: ['property_acquired', 'property_disposed'],
    dimensions: ['property'],
  },
  market_regulation: {
    label: 'Market regulation',
    kinds: ['business_registered', 'business_deregistered'],
    dimensions: ['property', 'employment'],
  },
  taxation: {
    label: 'Taxation',
    kinds: ['income_tax_filed'],
    dimensions: ['property'],
  },
  housing_provident_fund: {
    label: 'Housing provident fund',
    kinds: ['provident_fund_contribution', 'provident_fund_withdrawal'],
    dimensions: ['employment', 'property'],
  },
  emergency_management: {
    label: 'Emergency management',
    kinds: ['disaster_loss_reported', 'accident_reported', 'fire_incident_reported'],
    dimensions: ['other', 'health'],
  },
  agriculture_rural: {
    label: 'Agriculture and rural affairs',
    kinds: ['poverty_risk_flagged', 'land_transferred', 'agricultural_income_reported'],
    dimensions: ['source', 'property'],
  },
  veterans_affairs: {
    label: 'Veterans affairs',
    kinds: ['veteran_benefit_granted'],
    dimensions: ['source'],
  },
  trade_union: {
    label: 'Trade union',
    kinds: ['hardship_worker_registered'],
    dimensions: ['source'],
  },
  community: {
    label: 'Community (grid workers and residents)',
    kinds: ['grid_visit_recorded', 'self_declaration_submitted', 'proactive_discovery_recorded'],
    // 'any observed': a visit may record observations in any dimension, named in its payload
    dimensions: ['source', 'structure', 'health', 'property', 'expenditure', 'employment', 'other'],
  },
} as const satisfies Record<string, { label: string; kinds: readonly string[]; dimensions: readonly Dimension[] }>;

export type Department = keyof typeof DEPARTMENTS;
export type Kind = (typeof DEPARTMENTS)[Department]['kinds'][number];

export const DEPARTMENT_CODES = Object.keys(DEPARTMENTS) as Department[];

/** kind → owning department; every kind belongs to exactly one department. */
export const KIND_SOURCE: Readonly<Record<Kind, Department>> = Object.freeze(
  Object.fromEntries(
    DEPARTMENT_CODES.flatMap((d) => DEPARTMENTS[d].kinds.map((k) => [k, d] as const)),
  ) as Record<Kind, Department>,
);

export const KIND_CODES = Object.keys(KIND_SOURCE) as Kind[];

export function isDepartment(x: string): x is Department {
  return Object.prototype.hasOwnProperty.call(DEPARTMENTS, x);
}

export function isKind(x: string): x is Kind {
  return Object.prototype.hasOwnProperty.call(KIND_SOURCE, x);
}
