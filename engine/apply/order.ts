/**
 * Order per fact, not per department (departments deliver late and out of order):
 *
 * - Events that add up (claims, payments, tuition, grants, incidents, visits, diagnoses, births,
 *   deaths) apply once by id whatever their order; year sums take the event's own date.
 * - Facts that hold a value (a grade, a status, a monthly amount, an ownership) keep the value of
 *   the latest `occurredAt` per person or household and fact: `factKeyOf` names that fact, the
 *   state keeps the latest time applied per key, and an older update of a value kind is kept in
 *   the household's history without overwriting (`superseded`).
 * - Some events carry a value too (the latest tuition, the grid worker's concern, the herd
 *   size): the event always adds up, the value only when the update is the latest of its key.
 *
 * Only a true replay (the same update id) is refused.
 */
import type { Kind } from '../catalogue/departments.js';
import type { Update } from '../types.js';

/** Value kinds: the fact each holds, per person (`person`) or per household (`household`). */
const VALUE_FACTS: Partial<Record<Kind, { fact: string; per: 'person' | 'household' }>> = {
  assistance_enrolled: { fact: 'assistance', per: 'household' },
  assistance_exited: { fact: 'assistance', per: 'household' },
  application_rejected: { fact: 'application', per: 'household' },
  elderly_care_subsidy_granted: { fact: 'elderly_care', per: 'household' },
  marriage_registered: { fact: 'marital', per: 'person' },
  severe_mental_illness_registered: { fact: 'mental', per: 'person' },
  residence_registered: { fact: 'residence', per: 'person' },
  residence_cancelled: { fact: 'residence', per: 'person' },
  employment_registered: { fact: 'work', per: 'person' },
  unemployment_registered: { fact: 'work', per: 'person' },
  public_welfare_post_assigned: { fact: 'work', per: 'person' },
  unemployment_benefit_granted: { fact: 'work', per: 'person' },
  pension_paid: { fact: 'pension', per: 'person' },
  student_enrolled: { fact: 'school', per: 'person' },
  student_dropout: { fact: 'school', per: 'person' },
  disability_certified: { fact: 'disability', per: 'person' },
  disability_allowance_granted: { fact: 'disability_allowance', per: 'person' },
  care_dependency_assessed: { fact: 'care', per: 'person' },
  dangerous_housing_assessed: { fact: 'housing_safety', per: 'household' },
  public_rental_allocated: { fact: 'tenure', per: 'household' },
  rent_registered: { fact: 'tenure', per: 'household' },
  housing_subsidy_granted: { fact: 'housing_subsidy', per: 'household' },
  income_tax_filed: { fact: 'tax', per: 'household' },
  provident_fund_contribution: { fact: 'provident', per: 'person' },
  provident_fund_withdrawal: { fact: 'provident', per: 'person' },
  poverty_risk_flagged: { fact: 'poverty_flag', per: 'household' },
  veteran_benefit_granted: { fact: 'veteran', per: 'person' },
  hardship_worker_registered: { fact: 'hardship_worker', per: 'person' },
};

/** Events that also carry a value: the fact of that value. */
const EMBEDDED_FACTS: Partial<Record<Kind, { fact: string; per: 'person' | 'household' }>> = {
  tuition_charged: { fact: 'tuition', per: 'person' },
  education_grant_awarded: { fact: 'grant', per: 'person' },
  grid_visit_recorded: { fact: 'concern', per: 'household' },
  proactive_discovery_recorded: { fact: 'concern', per: 'household' },
  agricultural_income_reported: { fact: 'livestock', per: 'household' },
};

/** Ownership is a value per asset: registered and deregistered by its plate, certificate or registration. */
function ownershipKey(u: Update): string | null {
  const p = u.payload;
  switch (u.kind) {
    case 'vehicle_registered':
    case 'vehicle_deregistered':
      return `vehicle:${String(p['plate'])}`;
    case 'property_acquired':
    case 'property_disposed':
      return `property:${String(p['certificate'])}`;
    case 'business_registered':
    case 'business_deregistered':
      return `business:${String(p['registration'])}`;
    default:
      return null;
  }
}

export interface FactKey {
  key: string;
  /** A value kind (older updates change nothing) or an event carrying a value (the event still adds up). */
  order: 'value' | 'embedded';
}

/** The fact whose latest time decides this update's value, or null for a pure event. */
export function factKeyOf(u: Update): FactKey | null {
  const own = ownershipKey(u);
  if (own !== null) return { key: own, order: 'value' };
  const v = VALUE_FACTS[u.kind];
  if (v !== undefined) return { key: v.per === 'person' ? `${v.fact}:${u.personId ?? ''}` : v.fact, order: 'value' };
  const e = EMBEDDED_FACTS[u.kind];
  if (e !== undefined) return { key: e.per === 'person' ? `${e.fact}:${u.personId ?? ''}` : e.fact, order: 'embedded' };
  return null;
}

/** Whether `kind` holds a value (latest `occurredAt` wins) rather than adding up. */
export function holdsValue(kind: Kind): boolean {
  return VALUE_FACTS[kind] !== undefined || kind.startsWith('vehicle_') || kind.startsWith('property_') || kind.startsWith('business_');
}
