/**
 * Relative rates of the 54 data kinds in the live feed (updates per 10,000): medical claims and
 * monthly pension and contribution records dominate; deaths, births, purchases and disasters are
 * rare. Every kind has a non-zero rate so a long enough run shows all 54.
 */
import type { Kind } from '../../engine/types.js';

export const DEFAULT_KIND_RATES: Readonly<Record<Kind, number>> = Object.freeze({
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
