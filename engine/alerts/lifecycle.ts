/**
 * The alert life cycle as a pure state machine: no clock, no randomness, no I/O. The caller
 * passes the time, the actor, the request id and (for claims) a fresh lease token.
 *
 * Design note:
 *   open ──claim──▶ claimed ──verify──▶ verified ──dispose──▶ disposed ──close──▶ closed
 *     ▲               │  ▲                 │                     │
 *     └──release / lease expiry────────────┴─────────────────────┘   (extend: same state, later expiry)
 * - A lease (token, holder, expiry) is taken by `claim` and carried through verified and
 *   disposed until `close`; every later step must present the live token, so a stale or foreign
 *   token is a conflict. A lease past its expiry returns the alert to open (`expire`, run by a
 *   sweeper); the verification and disposition already recorded stay on the record.
 * - Each request carries a request id; one that already appears in the history is answered with
 *   the current alert and the original history entry (no second transition), so client retries
 *   are safe. The same id reused for a different action is a conflict.
 * - Every transition appends one history entry (`from === to` marks an extension) and adds one
 *   to `revision`; the history keeps its opening entry and the latest MAX_ALERT_HISTORY - 1, so a
 *   request id older than that is no longer recognised as a retry (the audit log keeps them all).
 */
import { POLICY_CODES, SERVICE_CODES } from '../catalogue/assistance.js';
import {
  MAX_ALERT_HISTORY,
  VERIFICATION_OUTCOMES,
  type Alert,
  type AlertReferral,
  type AlertStatus,
  type AlertTransition,
  type VerificationOutcome,
} from './types.js';

export const LIFECYCLE_ACTIONS = ['claim', 'extend', 'release', 'verify', 'dispose', 'close', 'expire'] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** Shortest and longest lease a claim or extension may ask for (ms). */
export const MIN_LEASE_MS = 1_000;
export const MAX_LEASE_MS = 24 * 3600 * 1000;
/** Longest verification or disposition note kept (characters). */
export const MAX_NOTE_CHARS = 2_000;
/** Most referrals in one disposition. */
export const MAX_REFERRALS = 47;

export type LifecycleRequest =
  | { action: 'claim'; leaseMs: number; /** Fresh unguessable token made by the caller. */ token: string }
  | { action: 'extend'; token: string; leaseMs: number }
  | { action: 'release'; token: string }
  | { action: 'verify'; token: string; outcome: VerificationOutcome; note: string }
  | { action: 'dispose'; token: string; referrals: AlertReferral[]; note: string }
  | { action: 'close'; token: string }
  | { action: 'expire' };

export interface LifecycleContext {
  now: number;
  /** Who asks (API key id, or `system` for the sweeper). */
  actor: string;
  /** Idempotency key of the request; null for system transitions. */
  requestId: string | null;
}

export const LIFECYCLE_ERROR_CODES = [
  'LIFELINE_ERR_ALERT_INVALID_TRANSITION', // the action is not allowed from the current status
  'LIFELINE_ERR_ALERT_ALREADY_CLAIMED', // someone else holds a live lease
  'LIFELINE_ERR_ALERT_LEASE_CONFLICT', // stale or foreign token
  'LIFELINE_ERR_ALERT_LEASE_EXPIRED', // the token was right but its lease has run out
  'LIFELINE_ERR_ALERT_REQUEST_REUSED', // request id already used for another action
  'LIFELINE_ERR_ALERT_BAD_INPUT', // a field out of range or unknown
] as const;
export type LifecycleErrorCode = (typeof LIFECYCLE_ERROR_CODES)[number];

export interface LifecycleOk {
  ok: true;
  alert: Alert;
  entry: AlertTransition;
  /** True when the request id had been applied before: nothing changed. */
  replayed: boolean;
}
export interface LifecycleFailure {
  ok: false;
  code: LifecycleErrorCode;
  message: string;
  field?: string;
}
export type LifecycleResult = LifecycleOk | LifecycleFailure;

const fail = (code: LifecycleErrorCode, message: string, field?: string): LifecycleFailure =>
  field === undefined ? { ok: false, code, message } : { ok: false, code, message, field };

/** The action a history entry records (release and expiry differ by having a request id). */
export function actionOfEntry(e: AlertTransition): LifecycleAction {
  if (e.from === e.to) return 'extend';
  switch (e.to) {
    case 'claimed':
      return 'claim';
    case 'verified':
      return 'verify';
    case 'disposed':
      return 'dispose';
    case 'closed':
      return 'close';
    case 'open':
      return e.requestId === null ? 'expire' : 'release';
  }
}

const LEASED: ReadonlySet<AlertStatus> = new Set(['claimed', 'verified', 'disposed']);

/** Whether the alert carries a lease past its expiry (the sweeper's question). */
export function leaseExpired(alert: Alert, now: number): boolean {
  return alert.lease !== null && LEASED.has(alert.status) && alert.lease.expiresAt <= now;
}

/**
 * Statuses in which an alert awaits verification: open (in the queue) and claimed (held, not yet
 * verified). A released or expired verified alert is open again and must be verified again, and a
 * trigger joining a verified or disposed case reopens it (engine/alerts/records.ts).
 */
export const AWAITING_VERIFICATION: readonly AlertStatus[] = ['open', 'claimed'];

/** Whether alerts in `status` count towards overdue (the counters' test, the same as `isOverdue`'s). */
export function awaitsVerification(status: AlertStatus): boolean {
  return status === 'open' || status === 'claimed';
}

/**
 * The one definition of overdue, for the per-alert flag, the queue filter, the counters and the
 * dashboard: awaiting verification (open or claimed) and past its due time.
 */
export function isOverdue(alert: Pick<Alert, 'status' | 'dueAt'>, now: number): boolean {
  return awaitsVerification(alert.status) && alert.dueAt < now;
}

function checkLease(alert: Alert, token: string, now: number): LifecycleFailure | null {
  if (alert.status === 'open') return fail('LIFELINE_ERR_ALERT_LEASE_CONFLICT', 'lease token is stale: the alert is back in the queue (lease expired or released)', 'leaseToken');
  if (!LEASED.has(alert.status) || alert.lease === null) {
    return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', `alert is ${alert.status}, not held under a lease`, 'leaseToken');
  }
  if (alert.lease.token !== token) return fail('LIFELINE_ERR_ALERT_LEASE_CONFLICT', 'lease token is stale or belongs to another holder', 'leaseToken');
  if (alert.lease.expiresAt <= now) return fail('LIFELINE_ERR_ALERT_LEASE_EXPIRED', 'lease has expired; claim the alert again', 'leaseToken');
  return null;
}

function checkLeaseMs(ms: number): LifecycleFailure | null {
  if (!Number.isFinite(ms) || ms < MIN_LEASE_MS || ms > MAX_LEASE_MS) {
    return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `lease must be between ${MIN_LEASE_MS / 1000} and ${MAX_LEASE_MS / 1000} seconds`, 'leaseSec');
  }
  return null;
}

function checkNote(note: string): LifecycleFailure | null {
  return note.length > MAX_NOTE_CHARS ? fail('LIFELINE_ERR_ALERT_BAD_INPUT', `note longer than ${MAX_NOTE_CHARS} characters`, 'note') : null;
}

const POLICIES: ReadonlySet<string> = new Set(POLICY_CODES);
const SERVICES: ReadonlySet<string> = new Set(SERVICE_CODES);

function checkReferrals(refs: AlertReferral[]): LifecycleFailure | null {
  if (refs.length > MAX_REFERRALS) return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `at most ${MAX_REFERRALS} referrals`, 'referrals');
  const seen = new Set<string>();
  for (const [i, r] of refs.entries()) {
    const known = r.kind === 'policy' ? POLICIES : r.kind === 'service' ? SERVICES : null;
    if (known === null) return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `kind must be policy or service`, `referrals.${i}.kind`);
    if (!known.has(r.code)) return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `unknown ${r.kind} code '${r.code}'`, `referrals.${i}.code`);
    const key = `${r.kind}:${r.code}`;
    if (seen.has(key)) return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `referral ${key} listed twice`, `referrals.${i}.code`);
    seen.add(key);
  }
  return null;
}

function step(alert: Alert, to: AlertStatus, ctx: LifecycleContext, patch: Partial<Alert>): LifecycleOk {
  const entry: AlertTransition = { from: alert.status, to, by: ctx.actor, at: ctx.now, requestId: ctx.requestId };
  const next: Alert = { ...alert, ...patch, status: to, updatedAt: ctx.now, history: appendBounded(alert.history, entry), revision: revisionOf(alert) + 1 };
  return { ok: true, alert: next, entry, replayed: false };
}

/** Transitions applied to an alert so far (records written before `revision` existed: their history length). */
export function revisionOf(alert: Alert): number {
  return alert.revision ?? alert.history.length;
}

/** The history plus `entry`, keeping the opening entry and the latest ones within MAX_ALERT_HISTORY. */
export function appendBounded(history: readonly AlertTransition[], entry: AlertTransition): AlertTransition[] {
  if (history.length < MAX_ALERT_HISTORY) return [...history, entry];
  return [history[0]!, ...history.slice(history.length - MAX_ALERT_HISTORY + 2), entry];
}

/** Applies one request to an alert; never mutates its input, never throws. */
export function transition(alert: Alert, req: LifecycleRequest, ctx: LifecycleContext): LifecycleResult {
  if (ctx.requestId !== null) {
    const prior = alert.history.find((e) => e.requestId === ctx.requestId);
    if (prior) {
      if (actionOfEntry(prior) !== req.action || prior.by !== ctx.actor) {
        return fail('LIFELINE_ERR_ALERT_REQUEST_REUSED', `request id was already used for ${actionOfEntry(prior)} by ${prior.by === ctx.actor ? 'you' : 'another actor'}`, 'requestId');
      }
      return { ok: true, alert, entry: prior, replayed: true };
    }
  }
  switch (req.action) {
    case 'claim': {
      const bad = checkLeaseMs(req.leaseMs);
      if (bad) return bad;
      if (req.token.length < 16) return fail('LIFELINE_ERR_ALERT_BAD_INPUT', 'lease token too short', 'token');
      if (alert.status !== 'open') {
        if (LEASED.has(alert.status) && alert.lease !== null && alert.lease.expiresAt > ctx.now) {
          return fail('LIFELINE_ERR_ALERT_ALREADY_CLAIMED', `alert is held by ${alert.lease.holder} until ${new Date(alert.lease.expiresAt).toISOString()}`);
        }
        return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', `alert is ${alert.status}; only open alerts can be claimed`);
      }
      return step(alert, 'claimed', ctx, { lease: { token: req.token, holder: ctx.actor, expiresAt: ctx.now + req.leaseMs } });
    }
    case 'extend': {
      const bad = checkLease(alert, req.token, ctx.now) ?? checkLeaseMs(req.leaseMs);
      if (bad) return bad;
      const lease = alert.lease!;
      return step(alert, alert.status, ctx, { lease: { ...lease, expiresAt: Math.max(lease.expiresAt, ctx.now + req.leaseMs) } });
    }
    case 'release': {
      const bad = checkLease(alert, req.token, ctx.now);
      if (bad) return bad;
      return step(alert, 'open', ctx, { lease: null });
    }
    case 'verify': {
      const leaseBad = checkLease(alert, req.token, ctx.now);
      if (leaseBad) return leaseBad;
      if (alert.status !== 'claimed') {
        return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', `alert is ${alert.status}; only claimed alerts can be verified`);
      }
      const bad = checkNote(req.note);
      if (bad) return bad;
      if (!(VERIFICATION_OUTCOMES as readonly string[]).includes(req.outcome)) {
        return fail('LIFELINE_ERR_ALERT_BAD_INPUT', `outcome must be one of ${VERIFICATION_OUTCOMES.join(', ')}`, 'outcome');
      }
      return step(alert, 'verified', ctx, { verification: { outcome: req.outcome, note: req.note, by: ctx.actor, at: ctx.now } });
    }
    case 'dispose': {
      const leaseBad = checkLease(alert, req.token, ctx.now);
      if (leaseBad) return leaseBad;
      if (alert.status !== 'verified') {
        return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', `alert is ${alert.status}; only verified alerts can be disposed`);
      }
      const bad = checkNote(req.note) ?? checkReferrals(req.referrals);
      if (bad) return bad;
      const referrals = req.referrals.map((r) => ({ kind: r.kind, code: r.code }));
      return step(alert, 'disposed', ctx, { disposition: { referrals, note: req.note, by: ctx.actor, at: ctx.now } });
    }
    case 'close': {
      const leaseBad = checkLease(alert, req.token, ctx.now);
      if (leaseBad) return leaseBad;
      if (alert.status !== 'disposed') {
        return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', `alert is ${alert.status}; only disposed alerts can be closed`);
      }
      return step(alert, 'closed', ctx, { lease: null, closedAt: ctx.now });
    }
    case 'expire': {
      if (!leaseExpired(alert, ctx.now)) return fail('LIFELINE_ERR_ALERT_INVALID_TRANSITION', 'alert has no expired lease');
      return step(alert, 'open', { ...ctx, requestId: null }, { lease: null });
    }
  }
}
