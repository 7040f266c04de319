/**
 * Building and joining alert records. One alert per household and type is open (not closed) at a
 * time: a new trigger of that type joins it. Joining may raise general → urgent (and pull the
 * deadline in to at most the urgent deadline counted from the join), never the reverse.
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
import type { Alert, AlertLevel, AlertSnapshot, AlertTrigger, AlertType } from './types.js';
import { MAX_ALERT_TRIGGERS } from './types.js';

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

/**
 * `trigger` joins `existing` (same household and type, not closed). A closed alert cannot be
 * joined: a fresh one is opened instead, so callers may pass whatever they found.
 */
export function joinAlert(existing: Alert, trigger: AlertTrigger, state: HouseholdState, model: Model, at: number, snapshot?: AlertSnapshot): Alert {
  if (existing.status === 'closed' || existing.type !== trigger.type || existing.householdId !== state.household.id) {
    return openAlert(trigger, state, model, at, snapshot);
  }
  const level = higherLevel(existing.level, trigger.level);
  const raised = level !== existing.level;
  // a raise shortens the deadline to the urgent one from now, but never extends it
  const dueAt = raised ? Math.min(existing.dueAt, deadlineFor('urgent', model, at)) : existing.dueAt;
  const triggers = [...existing.triggers, { ...trigger }];
  return {
    ...existing,
    level,
    dueAt,
    updatedAt: Math.max(existing.updatedAt, at),
    triggers: triggers.length > MAX_ALERT_TRIGGERS ? triggers.slice(triggers.length - MAX_ALERT_TRIGGERS) : triggers,
    snapshot: snapshot ?? snapshotOf(state, model),
  };
}

export interface AlertUpsert {
  alert: Alert;
  /** True when a new alert was opened, false when the trigger joined an existing one. */
  created: boolean;
}

/**
 * Applies one update's triggers: each joins the household's open alert of its type (looked up
 * with `findOpen`) or opens one. Several triggers of one type in one batch end in one alert.
 */
export function upsertAlerts(
  triggers: readonly AlertTrigger[],
  state: HouseholdState,
  model: Model,
  at: number,
  findOpen: (type: AlertType) => Alert | null | undefined,
): AlertUpsert[] {
  const byType = new Map<AlertType, AlertUpsert>();
  if (triggers.length === 0) return [];
  // one snapshot (suggestions derived once) for all the update's alerts: plain data, never mutated
  const shot = snapshotOf(state, model);
  const snapshot = (): AlertSnapshot => shot;
  for (const t of triggers) {
    const seen = byType.get(t.type);
    if (seen) {
      byType.set(t.type, { alert: joinAlert(seen.alert, t, state, model, at, snapshot()), created: seen.created });
      continue;
    }
    const found = findOpen(t.type);
    if (found && found.status !== 'closed') byType.set(t.type, { alert: joinAlert(found, t, state, model, at, snapshot()), created: false });
    else byType.set(t.type, { alert: openAlert(t, state, model, at, snapshot()), created: true });
  }
  return [...byType.values()];
}
