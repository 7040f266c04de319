/**
 * Assistance catalogues. Policies (joint handling of assistance, 一件事): 7 categories, 16
 * policies, for households that meet eligibility facts. Services (community service alliance,
 * 助联体): 9 categories, 31 services, for households in need but not eligible.
 */

export const POLICY_CATEGORIES = {
  basic_living: ['dibao', 'marginal_assistance', 'extreme_poverty_support', 'temporary_assistance'],
  medical: ['medical_assistance', 'critical_illness_topup'],
  education: ['education_grant', 'student_living_subsidy'],
  housing: ['rental_housing_subsidy', 'dangerous_housing_renovation'],
  employment: ['employment_assistance', 'public_welfare_post'],
  disability_elderly: ['disability_two_subsidies', 'elderly_care_subsidy'],
  children: ['orphan_allowance', 'unsupported_child_allowance'],
} as const;

export const SERVICE_CATEGORIES = {
  environment: ['home_repair', 'accessibility_retrofit', 'home_cleaning', 'appliance_donation'],
  mental_cultural: ['counselling', 'companionship_visits', 'cultural_activities'],
  development: ['skills_training', 'job_matching', 'micro_business_support', 'tutoring'],
  care: ['day_care', 'home_care', 'meal_assistance', 'respite_care'],
  health: ['family_doctor_followup', 'rehabilitation', 'medicine_delivery'],
  material: ['supermarket_vouchers', 'clothing', 'school_supplies'],
  legal: ['legal_aid', 'dispute_mediation', 'benefits_navigation'],
  emergency: ['emergency_shelter', 'crisis_intervention', 'emergency_cash_relay'],
  social: ['volunteer_pairing', 'peer_support_group', 'community_participation', 'charity_matching'],
} as const;

export type PolicyCategory = keyof typeof POLICY_CATEGORIES;
export type PolicyCode = (typeof POLICY_CATEGORIES)[PolicyCategory][number];
export type ServiceCategory = keyof typeof SERVICE_CATEGORIES;
export type ServiceCode = (typeof SERVICE_CATEGORIES)[ServiceCategory][number];

function invert<C extends string, V extends string>(cats: Record<C, readonly V[]>): Readonly<Record<V, C>> {
  const out = {} as Record<V, C>;
  for (const c of Object.keys(cats) as C[]) for (const v of cats[c]) out[v] = c;
  return Object.freeze(out);
}

export const POLICY_CATEGORY_OF = invert<PolicyCategory, PolicyCode>(POLICY_CATEGORIES);
export const SERVICE_CATEGORY_OF = invert<ServiceCategory, ServiceCode>(SERVICE_CATEGORIES);
export const POLICY_CODES = Object.keys(POLICY_CATEGORY_OF) as PolicyCode[];
export const SERVICE_CODES = Object.keys(SERVICE_CATEGORY_OF) as ServiceCode[];
