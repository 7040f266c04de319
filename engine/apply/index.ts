/**
 * Applying one validated update to a household's facts: pure (copy-on-write, inputs never
 * mutated), dispatching to one reducer per kind. `touched` is computed from what actually
 * changed (engine/apply/diff.ts), not declared by the reducers, so it cannot drift from the facts.
 */
import { DIMENSIONS, type Dimension, type Kind } from '../catalogue/departments.js';
import { personRole } from '../catalogue/payloads.js';
import { reject, type Rejection } from '../errors.js';
import type { Affected } from '../scoring/affected.js';
import type { Household, Update } from '../types.js';
import { agricultureRural } from './agriculture-rural.js';
import { civilAffairs } from './civil-affairs.js';
import { community } from './community.js';
import { changedFacts } from './diff.js';
import { disabledPersonsFederation } from './disabled-persons-federation.js';
import { education } from './education.js';
import { emergencyManagement } from './emergency-management.js';
import type { FactEvent } from './events.js';
import { health } from './health.js';
import { inconsistent } from './household.js';
import { housingProvidentFund } from './housing-provident-fund.js';
import { housing } from './housing.js';
import { humanResources } from './human-resources.js';
import { marketRegulation } from './market-regulation.js';
import { medicalInsurance } from './medical-insurance.js';
import { publicSecurity } from './public-security.js';
import { realEstateRegistry } from './real-estate-registry.js';
import { taxation } from './taxation.js';
import { tradeUnion } from './trade-union.js';
import type { HouseholdReducer, KindUpdate, Outcome, PersonReducer, Reducer } from './types.js';
import { veteransAffairs } from './veterans-affairs.js';
import { dateOf, yearOf } from './year-sum.js';

export type { FactEvent, FactEventType } from './events.js';
export { changedDimensions, changedFacts, type ChangedFacts } from './diff.js';
export { MAX_INCIDENTS, isMainEarner, personIncome, yearOutOfPocket } from './household.js';
export { addToYear, yearOf } from './year-sum.js';

/**
 * `touched`: the dimensions whose facts changed (grid visits: also those the worker observed).
 * `affected`: finer, which dimension scorers, causes and need types read a changed fact
 * (bit masks, engine/scoring/affected.ts); `rescore` recomputes exactly those.
 */
export type ApplyResult = { ok: true; household: Household; touched: Dimension[]; affected: Affected; events: FactEvent[] } | Rejection;

const REDUCERS: { readonly [K in Kind]: Reducer<K> } = {
  ...civilAffairs,
  ...medicalInsurance,
  ...health,
  ...publicSecurity,
  ...humanResources,
  ...education,
  ...disabledPersonsFederation,
  ...housing,
  ...realEstateRegistry,
  ...marketRegulation,
  ...taxation,
  ...housingProvidentFund,
  ...emergencyManagement,
  ...agricultureRural,
  ...veteransAffairs,
  ...tradeUnion,
  ...community,
};

/** Records that legitimately arrive after a member's death (bills, insurance, residence cancellation). */
export const POSTHUMOUS_KINDS: ReadonlySet<Kind> = new Set<Kind>([
  'medical_claim',
  'inpatient_admission',
  'medical_assistance_granted',
  'critical_illness_insurance_paid',
  'residence_cancelled',
  'provident_fund_withdrawal',
]);

function run(h: Household, u: Update, latest: boolean): Outcome {
  const kind = u.kind;
  const ctx = { year: yearOf(u.occurredAt), latest };
  const role = personRole(kind);
  if (role === 'existing') {
    const pid = u.personId;
    const index = pid === undefined ? -1 : h.persons.findIndex((p) => p.id === pid);
    const person = h.persons[index];
    if (person === undefined) {
      return reject('LIFELINE_ERR_UNKNOWN_PERSON', [{ field: 'personId', reason: pid === undefined ? `required by '${kind}'` : `no member '${pid}' in household ${h.id}` }]);
    }
    // a fact dated up to the death is a late record of the person's life, not a contradiction
    const beforeDeath = kind !== 'death_registered' && person.deathDate !== null && dateOf(u.occurredAt) <= person.deathDate;
    if (!person.alive && !POSTHUMOUS_KINDS.has(kind) && !beforeDeath) {
      return inconsistent('personId', `'${person.id}' is registered dead since ${person.deathDate ?? 'an unknown date'}`);
    }
    const reducer = REDUCERS[kind] as unknown as PersonReducer<Kind>;
    return reducer(h, u as unknown as KindUpdate<Kind>, { ...ctx, person, index });
  }
  if (role === 'new' && (typeof u.personId !== 'string' || u.personId.length === 0)) {
    return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'personId', reason: `required: the id of the member '${kind}' creates` }]);
  }
  const reducer = REDUCERS[kind] as unknown as HouseholdReducer<Kind>;
  return reducer(h, u as unknown as KindUpdate<Kind>, ctx);
}

function gridTouched(u: Update): Dimension[] {
  const observed = u.payload['observed'];
  const named = new Set<unknown>(Array.isArray(observed) ? observed : []);
  return DIMENSIONS.filter((d) => d === 'source' || named.has(d));
}

/**
 * Apply a validated update (see `validateUpdate`) to a household. Never mutates `h` or `u`;
 * unchanged parts of the household are shared with the result. Ordering and duplicate ids are
 * checked by the caller (engine/process.ts).
 */
export function applyFacts(h: Household, u: Update, opts: { latest?: boolean } = {}): ApplyResult {
  if (u.householdId !== h.id) return inconsistent('householdId', `update for ${u.householdId} applied to household ${h.id}`);
  let step: Outcome;
  try {
    step = run(h, u, opts.latest ?? true);
  } catch (err) {
    // only an unvalidated payload can get here: report it as the schema error it is
    return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'payload', reason: `not a valid '${u.kind}' payload (${err instanceof Error ? err.message : 'unreadable'})` }]);
  }
  if ('ok' in step) return step;
  const changed = changedFacts(h, step.household);
  const touched = u.kind === 'grid_visit_recorded' ? gridTouched(u) : changed.touched;
  return { ok: true, household: step.household, touched, affected: changed.affected, events: step.events };
}
