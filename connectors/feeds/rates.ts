/**
 * Rates of the 54 data kinds in the live feed, per workload (workload.ts says which is used when).
 *
 * - `BENCH_KIND_RATES`: relative weights (updates per 10,000) of the heavy mix the benches and
 *   the batch tests were measured with: medical claims and monthly pension and contribution
 *   records dominate, and the alert-raising kinds are common enough that about one update in
 *   twenty raises an alert. Every kind has a non-zero rate so a long enough run shows all 54.
 * - `REALISTIC_KIND_RATES`: updates per 10,000 monitored households per simulated day, for a
 *   city like the Hangzhou pilot. Routine records follow from the synthetic city's own counts per
 *   10,000 households (≈ 18,500 persons, 7,700 pensioners, 5,200 workers, 1,150 provident-fund
 *   payers, 3,950 rural households, 3,700 enrolled households): a monthly pension, contribution or
 *   provident record each, quarterly farm income, a monthly grid visit to an enrolled household and
 *   a quarterly one to the others, about four settled medical claims per person a year. The
 *   alert-raising events are calibrated so that alerts come at the pilot's rate (workload.ts:
 *   ≈ 1.4 per 10,000 households a day). Their sum is one simulated day of the whole city.
 */
import type { Kind } from '../../engine/types.js';

export const BENCH_KIND_RATES: Readonly<Record<Kind, number>> = Object.freeze({
  // civil_affairs
  assistance_enrolled: 40,
  assistance_exited: 25,
  application_rejected: 20,
  temporary_assistance_granted: 60,
  death_registered: 20,
  marriage_registered: 10,
  elderly_care_subsidy_granted: 40,
  // medical_insurance
  medical_claim: 2600,
  inpatient_admission: 300,
  chronic_disease_certified: 120,
  medical_assistance_granted: 180,
  critical_illness_insurance_paid: 50,
  // health
  birth_certificate_issued: 12,
  major_disease_diagnosed: 40,
  severe_mental_illness_registered: 5,
  // public_security
  residence_registered: 15,
  residence_cancelled: 10,
  vehicle_registered: 15,
  vehicle_deregistered: 10,
  // human_resources
  employment_registered: 80,
  unemployment_registered: 50,
  pension_paid: 1300,
  social_insurance_contribution: 1300,
  unemployment_benefit_granted: 40,
  public_welfare_post_assigned: 15,
  // education
  student_enrolled: 70,
  student_dropout: 5,
  tuition_charged: 70,
  education_grant_awarded: 50,
  // disabled_persons_federation
  disability_certified: 30,
  disability_allowance_granted: 40,
  care_dependency_assessed: 30,
  // housing
  dangerous_housing_assessed: 20,
  public_rental_allocated: 5,
  rent_registered: 30,
  housing_subsidy_granted: 20,
  // real_estate_registry
  property_acquired: 10,
  property_disposed: 5,
  // market_regulation
  business_registered: 10,
  business_deregistered: 5,
  // taxation
  income_tax_filed: 60,
  // housing_provident_fund
  provident_fund_contribution: 400,
  provident_fund_withdrawal: 40,
  // emergency_management
  disaster_loss_reported: 10,
  accident_reported: 10,
  fire_incident_reported: 3,
  // agriculture_rural
  poverty_risk_flagged: 20,
  land_transferred: 10,
  agricultural_income_reported: 60,
  // veterans_affairs
  veteran_benefit_granted: 5,
  // trade_union
  hardship_worker_registered: 5,
  // community
  grid_visit_recorded: 600,
  self_declaration_submitted: 30,
  proactive_discovery_recorded: 25,
});

/** Updates per 10,000 monitored households per simulated day (see the file comment). */
export const REALISTIC_KIND_RATES: Readonly<Record<Kind, number>> = Object.freeze({
  // civil_affairs: re-certifications and a few changes of assistance; deaths ≈ 6 ‰ of persons a year
  assistance_enrolled: 2,
  assistance_exited: 0.5,
  application_rejected: 0.5,
  temporary_assistance_granted: 1,
  death_registered: 0.3,
  marriage_registered: 0.3,
  elderly_care_subsidy_granted: 1,
  // medical_insurance: ≈ 4 settled claims per person a year, admissions ≈ 25 % of persons a year
  medical_claim: 200,
  inpatient_admission: 13,
  chronic_disease_certified: 1,
  medical_assistance_granted: 5,
  critical_illness_insurance_paid: 2,
  // health
  birth_certificate_issued: 0.06,
  major_disease_diagnosed: 0.15,
  severe_mental_illness_registered: 0.05,
  // public_security
  residence_registered: 0.1,
  residence_cancelled: 0.3,
  vehicle_registered: 0.08,
  vehicle_deregistered: 0.1,
  // human_resources: one pension per pensioner and one contribution per worker a month
  employment_registered: 2,
  unemployment_registered: 0.15,
  pension_paid: 253,
  social_insurance_contribution: 171,
  unemployment_benefit_granted: 0.5,
  public_welfare_post_assigned: 0.2,
  // education
  student_enrolled: 7,
  student_dropout: 0.02,
  tuition_charged: 6,
  education_grant_awarded: 3,
  // disabled_persons_federation
  disability_certified: 0.06,
  disability_allowance_granted: 0.5,
  care_dependency_assessed: 3,
  // housing
  dangerous_housing_assessed: 0.15,
  public_rental_allocated: 0.1,
  rent_registered: 2,
  housing_subsidy_granted: 1,
  // real_estate_registry
  property_acquired: 0.05,
  property_disposed: 0.05,
  // market_regulation
  business_registered: 0.05,
  business_deregistered: 0.05,
  // taxation
  income_tax_filed: 3,
  // housing_provident_fund: one contribution per payer a month
  provident_fund_contribution: 38,
  provident_fund_withdrawal: 2,
  // emergency_management
  disaster_loss_reported: 0.05,
  accident_reported: 0.05,
  fire_incident_reported: 0.01,
  // agriculture_rural: farm income of rural households once a quarter
  poverty_risk_flagged: 1,
  land_transferred: 0.3,
  agricultural_income_reported: 44,
  // veterans_affairs
  veteran_benefit_granted: 0.1,
  // trade_union
  hardship_worker_registered: 0.3,
  // community: enrolled households visited monthly, the others quarterly
  grid_visit_recorded: 191,
  self_declaration_submitted: 1,
  proactive_discovery_recorded: 0.5,
});

/** The bench mix under the name the benches report against (`bench/rescore.ts`). */
export const DEFAULT_KIND_RATES = BENCH_KIND_RATES;
