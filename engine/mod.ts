/**
 * The engine's public surface: what connectors, workers, the API and the CLI import. Everything
 * here is pure (no I/O, no clock).
 */
export * from './types.js';
export * from './errors.js';
export * from './model.js';

export * from './catalogue/departments.js';
export * from './catalogue/assistance.js';
export * from './catalogue/payloads.js';
export { EXAMPLE_PAYLOADS, examplePayload } from './catalogue/examples.js';

export { validateUpdate, type ValidateResult } from './validate.js';
export { applyFacts } from './apply/index.js';
export type { FactEvent, FactEventType } from './apply/events.js';

export { scoreFull, rescore, scoreDimension, type Scored } from './scoring/index.js';
export { tierOf } from './scoring/tiers.js';
export { causeScores } from './causes.js';
export { needTypes } from './needs.js';
export { suggest } from './suggestions.js';

export * from './alerts/types.js';
export { evaluateTriggers } from './alerts/rules.js';
export { openAlert, joinAlert, upsertAlerts, alertId, deadlineFor, snapshotOf, ENGINE_ACTOR, type AlertUpsert } from './alerts/records.js';
export * from './alerts/lifecycle.js';
export { applyReviewOutcome } from './alerts/review.js';
export { medicalLimits, type MedicalLimits } from './alerts/facts.js';
export { majorDiseaseOf } from './catalogue/diagnoses.js';
export { declaredIncome, dissolvedOn, type DeclaredIncome } from './apply/household.js';
export { factKeyOf, holdsValue } from './apply/order.js';

export {
  initialState,
  factTime,
  finalRefusal,
  processUpdate,
  processValidated,
  profileOf,
  suggestionsOf,
  recentUpdates,
  wasApplied,
  watermarkOf,
  storedOf,
  scoredOf,
  idHash,
  RECENT_IDS_KEPT,
  RECENT_UPDATES_KEPT,
  type ProcessContext,
  type ProcessOk,
  type ProcessResult,
} from './process.js';
export * from './help/index.js';
