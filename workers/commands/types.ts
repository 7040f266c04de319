/**
 * Caseworker actions as commands in the update stream. The API turns an HTTP action into one
 * command on the household's partition (`<prefix>.upd.<p>.command`), so updates and actions
 * are applied by the one writer (the engine worker) in one order; the engine answers with an
 * outcome after its commit.
 */
import type { Alert, AlertReferral, AlertTransition, VerificationOutcome } from '../../engine/alerts/types.js';
import type { LifecycleAction } from '../../engine/alerts/lifecycle.js';
import type { Project, Referral } from '../../engine/help/types.js';

export interface AlertCommand {
  /** Wire version. */
  v: 1;
  /** Idempotency key `<actor>|<requestId>|<alertId>` (or `system|expire|<alertId>|<revision>`); also the outcome's key. */
  key: string;
  alertId: string;
  householdId: string;
  action: LifecycleAction;
  /** API key id, or `system` for the lease sweeper. */
  actor: string;
  role: string | null;
  /** When the API accepted the action (epoch ms): the engine never reads a clock, so a replay decides the same. */
  at: number;
  requestId: string | null;
  /** Lease token (claim: the fresh token the API drew; other actions: the caller's token). */
  token?: string;
  leaseMs?: number;
  outcome?: VerificationOutcome;
  note?: string;
  referrals?: AlertReferral[];
}

/** What the engine decided for one command (kept per partition, keyed by the command key). */
export interface CommandOutcome {
  key: string;
  partition: number;
  /** Stream sequence of the command message that decided it. */
  seq: number;
  ok: boolean;
  /** The request id had been applied before (a client retry): nothing changed. */
  replayed: boolean;
  /** Lifecycle or engine refusal code when !ok. */
  code?: string;
  message?: string;
  field?: string;
  alertId: string;
  /** Alert revision after the command (ok) or as found (refused); -1 when the alert does not exist. */
  revision: number;
  /** The history entry this command produced, or the earlier one it repeats (ok only). */
  entry?: AlertTransition;
  /** Help commands: the project and the referral the command created or moved (their ids; the records ride in the message). */
  projectId?: string;
  referralId?: string;
}

/** The outcome as published on `<prefix>.cmdout.<p>` and answered to look-ups: with the alert as committed. */
export interface OutcomeMessage {
  outcome: CommandOutcome;
  alert: Alert | null;
  /** Help commands: the project and the referral as committed. */
  project?: Project | null;
  referral?: Referral | null;
}

/** Answer to a look-up on `<prefix>.cmdq.<p>` (`pending`: not applied yet; the broadcast will carry it). */
export type LookupReply = { state: 'decided'; message: OutcomeMessage } | { state: 'pending' };

export function commandSubject(prefix: string, partition: number): string {
  return `${prefix}.upd.${partition}.command`;
}
export function outcomeSubject(prefix: string, partition: number | '*'): string {
  return `${prefix}.cmdout.${partition}`;
}
export function lookupSubject(prefix: string, partition: number | '*'): string {
  return `${prefix}.cmdq.${partition}`;
}

/** Nats-Msg-Id of a command: the server drops a repeat inside the duplicate window. */
export function commandMsgId(key: string): string {
  return `cmd:${key}`;
}

/** Household id of an alert id (`<householdId>:<version>:<type>`), without reading the record. */
export function householdOfAlertId(alertId: string): string | null {
  const b = alertId.lastIndexOf(':');
  if (b <= 0) return null;
  const a = alertId.lastIndexOf(':', b - 1);
  return a <= 0 ? null : alertId.slice(0, a);
}
