/**
 * The outcome of an eligibility review applied to the household's facts. An asset reported for an
 * enrolled household (car, property, business) waits as `reviewPending` and does not count;
 * verifying the review settles it: confirmed → the asset counts from now on, not confirmed → it
 * is not the household's and leaves the facts, unreachable → it keeps waiting. The workers call
 * this when a verify command on an eligibility review is applied (through the stream, like every
 * caseworker action), so replaying the stream gives the same facts.
 */
import { changedFacts } from '../apply/diff.js';
import { copyHousehold } from '../apply/shapes.js';
import type { Model } from '../model.js';
import { scoredOf, storedOf } from '../process.js';
import { rescore } from '../scoring/index.js';
import type { Household, HouseholdState } from '../types.js';
import { caseOf, type Alert, type VerificationOutcome } from './types.js';

type Asset = { reviewPending?: string | undefined };

function settle<T extends Asset>(list: readonly T[], ids: ReadonlySet<string>, outcome: VerificationOutcome): T[] | null {
  if (!list.some((a) => a.reviewPending !== undefined && ids.has(a.reviewPending))) return null;
  const out: T[] = [];
  for (const a of list) {
    if (a.reviewPending === undefined || !ids.has(a.reviewPending)) out.push(a);
    else if (outcome === 'confirmed') {
      const { reviewPending: _settled, ...rest } = a;
      out.push(rest as T);
    }
    // not_confirmed: the registry's record was not the household's; it leaves the facts
  }
  return out;
}

/**
 * `state` after the eligibility review `alert` was verified with `outcome` at `at`: the assets its
 * triggers reported are confirmed or dropped, and the score follows. Any other alert, the outcome
 * `unreachable`, or nothing pending: `state` itself. Pure and idempotent.
 */
export function applyReviewOutcome(state: HouseholdState, alert: Alert, outcome: VerificationOutcome, model: Model, at: number): HouseholdState {
  void at; // the verification time is the command's; facts keep no clock of their own
  if (caseOf(alert.type) !== 'eligibility_review' || alert.householdId !== state.household.id || outcome === 'unreachable') return state;
  const ids = new Set(alert.triggers.map((t) => t.updateId));
  const h = state.household;
  const vehicles = settle(h.vehicles, ids, outcome);
  const properties = settle(h.properties, ids, outcome);
  const businesses = settle(h.businesses, ids, outcome);
  if (vehicles === null && properties === null && businesses === null) return state;
  const patch: Partial<Household> = {};
  if (vehicles !== null) patch.vehicles = vehicles;
  if (properties !== null) patch.properties = properties;
  if (businesses !== null) patch.businesses = businesses;
  const household = copyHousehold(h, patch);
  const changed = changedFacts(h, household);
  const scored = rescore(household, scoredOf(state.profile, model), changed.touched, model, changed.affected);
  return { ...state, household, profile: storedOf(scored) };
}
