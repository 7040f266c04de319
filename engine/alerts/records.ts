/**
 * Building and joining alert records. One case per household is open (not closed) at a time for
 * hardship and one for eligibility review (`caseOf`, 一户一策): a new trigger of any hardship type
 * joins the hardship case. Joining may raise general → urgent, never the reverse; the due time is
 * the soonest any trigger sets (its level's deadline from its receive time). A trigger joining a
 * verified or disposed case reopens verification: the case awaits verification again, with the
 * deadline of its level from the join.
 * Ids and times come from the household state and the message's receive time only, so replaying
 * the same messages produces byte-identical alerts.
 * The snapshot's suggestions are derived here, from the stored scores and facts (the step does
 * not keep them); `upsertAlerts` derives them once per state however many triggers it applies.
 */
import type { Dimension } from '../catalogue/departments.js';
import { DIMENSIONS } from '../catalogue/departments.js';
import type { Model } from '../model.js';
import { suggestionsOf } from '../process.js';
import type { HouseholdState } from '../types.js';
import type { Alert, AlertCase, AlertLevel, AlertSnapshot, AlertTransition, AlertTrigger, AlertType } from './types.js';
import { appendBounded, revisionOf } from './lifecycle.js';
import { MAX_ALERT_TRIGGERS, caseOf } from './types.js';

const DAY_MS = 86_400_000;

/** Actor recorded on transitions the engine makes itself. */
export const ENGINE_ACTOR = 'engine';

export function alertId(householdId: string, version: number, type: AlertType): string {
  return `${householdId}:${version}:${type}`;
}

export function deadlineFor(level: AlertLevel, model: Model, at: number): number {
  return at + (level === 'urgent' ? model.deadlines.urgentDays : model.deadlines.generalDays) * DAY_MS;
}

export function higherLevel(a: AlertLevel, b: AlertLevel): AlertLevel {
  return a === 'urgent' || b === 'urgent' ? 'urgent' : 'general';
}

/** The household as the alert shows it: stored scores, and suggestions derived from the facts. */
export function snapshotOf(state: HouseholdState, model: Model): AlertSnapshot {
  const p = state.profile;
  const dimensions = {} as Record<Dimension, { score: number; max: number }>;
  for (const d of DIMENSIONS) dimensions[d] = { score: p.dimensions[d], max: model.dimensionMax[d] };
  return {
    score: p.score,
    tier: p.tier,
    dimensions,
    causes: { ...p.causes },
    needTypes: [...p.needTypes],
    suggestions: suggestionsOf(state, model),
  };
}

/** A new open alert for `trigger`, portrait taken from `state` (the household after the update). */
export function openAlert(trigger: AlertTrigger, state: HouseholdState, model: Model, at: number, snapshot?: AlertSnapshot): Alert {
  const h = state.household;
  return {
    id: alertId(h.id, state.version, trigger.type),
    householdId: h.id,
    region: { ...h.region },
    type: trigger.type,
    level: trigger.level,
    status: 'open',
    createdAt: at,
    dueAt: deadlineFor(trigger.level, model, at),
    updatedAt: at,
    triggers: [{ ...trigger }],
    snapshot: snapshot ?? snapshotOf(state, model),
    lease: null,
    verification: null,
    disposition: null,
    closedAt: null,
    // from: null marks creation; no request id because no client asked for it
    history: [{ from: null, to: 'open', by: ENGINE_ACTOR, at, requestId: null }],
  };
}

/** Whether the alert's leading trigger was severe (a severe trigger joining a mild case takes the lead). */
function ledBySevere(a: Alert): boolean {
  return a.triggers.some((t) => t.type === a.type && t.severe);
}

/**
 * `trigger` joins `existing` (same household and case, not closed). A closed alert cannot be
 * joined: a fresh one is opened instead, so callers may pass whatever they found.
 */
export function joinAlert(existing: Alert, trigger: AlertTrigger, state: HouseholdState, model: Model, at: number, snapshot?: AlertSnapshot): Alert {
  if (existing.status === 'closed' || caseOf(existing.type) !== caseOf(trigger.type) || existing.householdId !== state.household.id) {
    return openAlert(trigger, state, model, at, snapshot);
  }
  const level = higherLevel(existing.level, trigger.level);
  const triggers = [...existing.triggers, { ...trigger }];
  const type = trigger.severe && !ledBySevere(existing) ? trigger.type : existing.type;
  const joined: Alert = {
    ...existing,
    type,
    level,
    // the most urgent trigger sets the due time: never later than it was
    dueAt: Math.min(existing.dueAt, deadlineFor(trigger.level, model, at)),
    updatedAt: Math.max(existing.updatedAt, at),
    triggers: triggers.length > MAX_ALERT_TRIGGERS ? triggers.slice(triggers.length - MAX_ALERT_TRIGGERS) : triggers,
    snapshot: snapshot ?? snapshotOf(state, model),
  };
  if (existing.status !== 'verified' && existing.status !== 'disposed') return joined;
  // a new trigger after the verification: someone must verify again, within the level's deadline from now
  const lease = existing.lease !== null && existing.lease.expiresAt > at ? existing.lease : null;
  const to = lease === null ? 'open' : 'claimed';
  const entry: AlertTransition = { from: existing.status, to, by: ENGINE_ACTOR, at, requestId: null };
  return { ...joined, status: to, lease, dueAt: deadlineFor(level, model, at), history: appendBounded(existing.history, entry), revision: revisionOf(existing) + 1 };
}

export interface AlertUpsert {
  alert: Alert;
  /** True when a new alert was opened, false when the trigger joined an existing one. */
  created: boolean;
}

/**
 * Applies one update's triggers: each joins the household's open case (looked up with
 * `findOpen`, by any type of that case: the store keys open alerts by household and `caseOf`) or
 * opens one. All the update's hardship triggers end in one alert.
 */
export function upsertAlerts(
  triggers: readonly AlertTrigger[],
  state: HouseholdState,
  model: Model,
  at: number,
  findOpen: (type: AlertType) => Alert | null | undefined,
): AlertUpsert[] {
  const byCase = new Map<AlertCase, AlertUpsert>();
  if (triggers.length === 0) return [];
  // one snapshot (suggestions derived once) for all the update's alerts: plain data, never mutated
  const shot = snapshotOf(state, model);
  for (const t of triggers) {
    const c = caseOf(t.type);
    const seen = byCase.get(c);
    if (seen) {
      byCase.set(c, { alert: joinAlert(seen.alert, t, state, model, at, shot), created: seen.created });
      continue;
    }
    const found = findOpen(t.type);
    if (found && found.status !== 'closed' && caseOf(found.type) === c) byCase.set(c, { alert: joinAlert(found, t, state, model, at, shot), created: false });
    else byCase.set(c, { alert: openAlert(t, state, model, at, shot), created: true });
  }
  return [...byCase.values()];
}
