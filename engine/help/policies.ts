/**
 * How a policy referral is answered through the stream, and what a caseworker still has to
 * check before submitting one. The department's own data item is the answer: an enrolment,
 * a grant, an allocation. Orphan and unsupported-child allowances have no data item among the 54,
 * so they are answered by an explicit decision (`POST /v1/referrals/:id/decision`).
 */
import type { PolicyCode } from '../catalogue/assistance.js';
import type { Alert } from '../alerts/types.js';
import type { Suggestion, Update } from '../types.js';

type Payload = Record<string, unknown>;

/** The policy a registered category names (enrolment and rejection carry the category). */
const policyOfCategory = (category: unknown): PolicyCode => (category === 'marginal' ? 'marginal_assistance' : category === 'extreme_poverty' ? 'extreme_poverty_support' : 'dibao');

/** Per answering kind, the policies an applied update of it grants (approves a submitted referral for). */
const GRANTED_BY: Readonly<Record<string, (p: Payload) => PolicyCode[]>> = {
  assistance_enrolled: (p) => [policyOfCategory(p['category'])],
  temporary_assistance_granted: () => ['temporary_assistance'],
  medical_assistance_granted: () => ['medical_assistance', 'critical_illness_topup'],
  critical_illness_insurance_paid: () => ['critical_illness_topup'],
  education_grant_awarded: (p) => [p['grantType'] === 'living_subsidy' ? 'student_living_subsidy' : 'education_grant'],
  housing_subsidy_granted: (p) => [p['subsidyType'] === 'renovation_subsidy' ? 'dangerous_housing_renovation' : 'rental_housing_subsidy'],
  public_rental_allocated: () => ['rental_housing_subsidy'],
  employment_registered: () => ['employment_assistance'],
  unemployment_benefit_granted: () => ['employment_assistance'],
  public_welfare_post_assigned: () => ['public_welfare_post'],
  disability_allowance_granted: () => ['disability_two_subsidies'],
  elderly_care_subsidy_granted: () => ['elderly_care_subsidy'],
};

/** Policies an applied update grants (approves a submitted referral for). */
export function policiesGrantedBy(u: Pick<Update, 'kind' | 'payload'>): PolicyCode[] {
  return GRANTED_BY[u.kind]?.(u.payload as Payload) ?? [];
}

/** Policies an applied update refuses (`application_rejected` names the category applied for). */
export function policiesRefusedBy(u: Pick<Update, 'kind' | 'payload'>): { policies: PolicyCode[]; reason: string } | null {
  if (u.kind !== 'application_rejected') return null;
  const p = u.payload as Payload;
  return { policies: [policyOfCategory(p['category'])], reason: String(p['reason'] ?? 'other') };
}

/** Kinds that may answer a policy referral (the batch looks for open referrals only after these). */
export const POLICY_ANSWER_KINDS: ReadonlySet<string> = new Set([...Object.keys(GRANTED_BY), 'application_rejected']);

/** Kinds that record assistance granted (every grant but a job found): the score they move is not a new hardship. */
export const GRANT_KINDS: ReadonlySet<string> = new Set(Object.keys(GRANTED_BY).filter((k) => k !== 'employment_registered'));

/**
 * A referral may be made for an alert verified as confirmed, whatever its status since: a case
 * closed after its referrals were sent still gets a declined order re-matched, and a case a new
 * trigger re-opened keeps the need its verification confirmed. Null when it may; else what the
 * alert is instead ("verified as unreachable", "open, not verified").
 */
export function notReferable(a: Pick<Alert, 'status' | 'verification'>): string | null {
  if (a.verification?.outcome === 'confirmed') return null;
  return a.verification ? `verified as ${a.verification.outcome}` : `${a.status}, not verified`;
}

/** Facts the data cannot prove and the caseworker confirms at the visit before submitting. */
export const POLICY_CHECKS: Readonly<Record<PolicyCode, readonly string[]>> = Object.freeze({
  dibao: ['income of supporting relatives not living in the household', 'bank deposits and financial assets (authorised query)', 'no other household registration'],
  marginal_assistance: ['income of supporting relatives', 'bank deposits and financial assets (authorised query)'],
  extreme_poverty_support: ['no person with a legal duty of support who can provide it', 'no ability to work confirmed at the visit'],
  temporary_assistance: ['the hardship is sudden and not covered by insurance or other aid', 'loss documents (hospital, police or fire report)'],
  medical_assistance: ['invoices and the insurer’s settlement statement', 'treatment at a designated hospital'],
  critical_illness_topup: ['diagnosis certificate from a designated hospital', 'out-of-pocket amount after basic and critical-illness insurance'],
  education_grant: ['school enrolment certificate for this term', 'no other grant of the same kind this year'],
  student_living_subsidy: ['school enrolment certificate for this term'],
  rental_housing_subsidy: ['lease registered with the housing department', 'no owned dwelling in the city'],
  dangerous_housing_renovation: ['dwelling safety appraisal (grade C or D) on file', 'ownership of the dwelling'],
  employment_assistance: ['registered as unemployed and seeking work', 'able to work (medical statement if in doubt)'],
  public_welfare_post: ['able to do the post’s work', 'registered as unemployed for 6+ months or hard to place'],
  disability_two_subsidies: ['disability certificate (second generation) in force', 'not receiving a care allowance from another scheme'],
  elderly_care_subsidy: ['care dependency assessment in force', 'not living in a subsidised care home'],
  orphan_allowance: ['death certificates or court declarations for both parents', 'guardian named (relative or welfare institution)'],
  unsupported_child_allowance: ['parents’ absence, imprisonment, disability or illness documented', 'guardian named and consenting'],
});

export interface PolicyEligibility {
  policy: PolicyCode;
  category: string;
  /** The facts in the data that make the household eligible (the suggestion's reason). */
  facts: string;
  /** What the caseworker still confirms. */
  toCheck: readonly string[];
}

/** The policy suggestions of an alert, each with its eligibility facts and the checks left. */
export function policyEligibility(suggestions: readonly Suggestion[]): PolicyEligibility[] {
  return suggestions
    .filter((s) => s.kind === 'policy')
    .map((s) => ({ policy: s.code as PolicyCode, category: s.category, facts: s.reason, toCheck: POLICY_CHECKS[s.code as PolicyCode] ?? [] }));
}
