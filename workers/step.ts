/**
 * The one place the workers call the pure engine: validate a raw update, and apply a validated
 * update to a household state. Kept apart so the batch task reads as bookkeeping only.
 */
import { processValidated, initialState } from '../engine/process.js';
import { validateUpdate } from '../engine/validate.js';
import type { AlertTrigger } from '../engine/alerts/types.js';
import type { Rejection } from '../engine/errors.js';
import type { Model } from '../engine/model.js';
import type { Household, HouseholdState, Update } from '../engine/types.js';

export type StepResult = { ok: true; state: HouseholdState; triggers: AlertTrigger[] } | Rejection;

export { validateUpdate, initialState };

export function applyStep(state: HouseholdState, update: Update, model: Model, receivedAt: number): StepResult {
  const r = processValidated(state, update, model, { receivedAt });
  if (!r.ok) return r;
  return { ok: true, state: r.state, triggers: r.triggers };
}

export function freshState(h: Household, model: Model): HouseholdState {
  return initialState(h, model);
}
