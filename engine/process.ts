/**
 * The whole engine step for one update: validate → household check → duplicate → stale →
 * apply facts → rescore the touched dimensions → suggestions → alert triggers → bookkeeping.
 * Pure: the receive time comes from `ctx`, nothing reads a clock, nothing throws for bad input
 * (a Rejection comes back and the state is left as it was).
 *
 * Ordering (design note): per department, updates must not go back in time: one strictly older
 * than the department's watermark is stale; equal times are allowed (batches share a timestamp).
 * Replays are caught by id in `recentUpdateIds` (the last RECENT_IDS_KEPT applied ids), behind
 * JetStream's own duplicate window.
 */
import { applyFacts } from './apply/index.js';
import { evaluateTriggers } from './alerts/rules.js';
import type { AlertTrigger } from './alerts/types.js';
import type { Dimension } from './catalogue/departments.js';
import { reject, type Rejection } from './errors.js';
import type { Model } from './model.js';
import { rescore, scoreFull, type Scored } from './scoring/index.js';
import { suggest } from './suggestions.js';
import type { AppliedUpdateSummary, Household, HouseholdState, Profile, Update } from './types.js';
import { validateUpdate } from './validate.js';

/** Applied update ids remembered per household to reject replays. */
export const RECENT_IDS_KEPT = 64;
/** Applied update summaries kept per household for the portrait. */
export const RECENT_UPDATES_KEPT = 20;

export interface ProcessContext {
  /** When the message was received (epoch ms): stamps triggers and alerts. */
  receivedAt: number;
}

export interface ProcessOk {
  ok: true;
  state: HouseholdState;
  /** Dimensions the update touched (and that were rescored). */
  touched: Dimension[];
  triggers: AlertTrigger[];
}

export type ProcessResult = ProcessOk | Rejection;


function withoutSuggestions(p: Profile): Scored {
  return { modelVersion: p.modelVersion, score: p.score, tier: p.tier, dimensions: p.dimensions, causes: p.causes, needTypes: p.needTypes };
}

/** Full profile of a household from scratch. */
export function profileOf(h: Household, model: Model): Profile {
  const scored = scoreFull(h, model);
  return { ...scored, suggestions: suggest(h, scored, model) };
}

/** A household's first state: fully scored, nothing applied yet. */
export function initialState(h: Household, model: Model): HouseholdState {
  return { household: h, profile: profileOf(h, model), watermarks: {}, recentUpdateIds: [], recent: [], version: 0 };
}

/** Validates `raw`, then runs the step. */
export function processUpdate(state: HouseholdState, raw: unknown, model: Model, ctx: ProcessContext): ProcessResult {
  const v = validateUpdate(raw);
  if (!v.ok) return v;
  return processValidated(state, v.update, model, ctx);
}

/** The step for an update that already passed `validateUpdate`. */
export function processValidated(state: HouseholdState, update: Update, model: Model, ctx: ProcessContext): ProcessResult {
  const h = state.household;
  if (update.householdId !== h.id) {
    return reject('LIFELINE_ERR_UNKNOWN_HOUSEHOLD', [{ field: 'householdId', reason: `update is for '${update.householdId}', state holds '${h.id}'` }]);
  }
  if (state.recentUpdateIds.includes(update.id)) {
    return reject('LIFELINE_ERR_DUPLICATE_UPDATE', [{ field: 'id', reason: `update '${update.id}' was already applied` }]);
  }
  const mark = state.watermarks[update.source];
  if (mark !== undefined && update.occurredAt < mark) {
    return reject('LIFELINE_ERR_STALE_UPDATE', [
      { field: 'occurredAt', reason: `${update.occurredAt} is older than the last applied ${update.source} update (${mark})` },
    ]);
  }

  const applied = applyFacts(h, update);
  if (!applied.ok) return applied;

  const before = withoutSuggestions(state.profile);
  const scored = rescore(applied.household, before, applied.touched, model, applied.affected);
  const profile: Profile = { ...scored, suggestions: suggest(applied.household, scored, model) };
  const triggers = evaluateTriggers(before, scored, applied.household, update, applied.events, model, ctx.receivedAt);

  const summary: AppliedUpdateSummary = {
    id: update.id,
    source: update.source,
    kind: update.kind,
    personId: update.personId ?? null,
    occurredAt: update.occurredAt,
    score: scored.score,
  };
  const ids = [...state.recentUpdateIds, update.id];
  const next: HouseholdState = {
    household: applied.household,
    profile,
    watermarks: { ...state.watermarks, [update.source]: Math.max(mark ?? update.occurredAt, update.occurredAt) },
    recentUpdateIds: ids.length > RECENT_IDS_KEPT ? ids.slice(ids.length - RECENT_IDS_KEPT) : ids,
    recent: [summary, ...state.recent].slice(0, RECENT_UPDATES_KEPT),
    version: state.version + 1,
  };
  return { ok: true, state: next, touched: [...applied.touched], triggers };
}
