/**
 * Referral life cycles as a pure state machine (no clock, no I/O): the caller passes the time,
 * the actor and the request id.
 *
 * Design note:
 *   policy (一件事):   submitted ──approve──▶ approved
 *                          └──────reject───▶ rejected (reason)
 *   service (派单):    dispatched ──accept──▶ accepted ──start──▶ in_service ──complete──▶ completed
 *                          │                    │                                 (follow-up date)
 *                          └──decline───────────┴──▶ declined (reason; goes back to matching)
 * - A service order takes a place of its project when dispatched (decided by the project's
 *   partition, the one writer of its capacity) and gives it back once when it is declined, or
 *   when a concurrent-case order completes (`releasesPlace`).
 * - A policy referral is answered by the department: its update (for example
 *   `assistance_enrolled`) approves it on the household's partition; a rejection arrives as
 *   `application_rejected` or as an explicit decision.
 * - Each step carries a request id; one already in the history is answered with the referral as
 *   it stands (a retry); the same id reused for another step is a conflict.
 */
import { MAX_NOTE_CHARS } from '../alerts/lifecycle.js';
import { DECLINE_REASONS, type DeclineReason, type Referral, type ReferralStatus, type ReferralTransition } from './types.js';

export const REFERRAL_ACTIONS = ['accept', 'decline', 'start', 'complete', 'approve', 'reject'] as const;
export type ReferralAction = (typeof REFERRAL_ACTIONS)[number];

/** Longest follow-up a completion may set (ms): one year. */
export const MAX_FOLLOW_UP_MS = 366 * 24 * 3600 * 1000;
/** History kept per referral: the opening entry and the latest steps. */
export const MAX_REFERRAL_HISTORY = 16;

export type ReferralRequest =
  | { action: 'accept' }
  | { action: 'decline'; reason: DeclineReason; note: string }
  | { action: 'start' }
  | { action: 'complete'; followUpAt: number; note: string }
  | { action: 'approve'; note: string }
  | { action: 'reject'; reason: string; note: string };

export interface ReferralContext {
  now: number;
  actor: string;
  requestId: string | null;
}

export const REFERRAL_ERROR_CODES = [
  'LIFELINE_ERR_REFERRAL_INVALID_TRANSITION',
  'LIFELINE_ERR_REFERRAL_REQUEST_REUSED',
  'LIFELINE_ERR_REFERRAL_BAD_INPUT',
] as const;
export type ReferralErrorCode = (typeof REFERRAL_ERROR_CODES)[number];

export type ReferralResult =
  | { ok: true; referral: Referral; entry: ReferralTransition; replayed: boolean; releasesPlace: boolean; declined: boolean }
  | { ok: false; code: ReferralErrorCode; message: string; field?: string };

const MOVES: Record<ReferralAction, { from: readonly ReferralStatus[]; to: ReferralStatus; kind: 'policy' | 'service' }> = {
  accept: { from: ['dispatched'], to: 'accepted', kind: 'service' },
  decline: { from: ['dispatched', 'accepted'], to: 'declined', kind: 'service' },
  start: { from: ['accepted'], to: 'in_service', kind: 'service' },
  complete: { from: ['in_service'], to: 'completed', kind: 'service' },
  approve: { from: ['submitted'], to: 'approved', kind: 'policy' },
  reject: { from: ['submitted'], to: 'rejected', kind: 'policy' },
};

/** Statuses a referral does not leave. */
export const SETTLED_STATUSES: ReadonlySet<ReferralStatus> = new Set(['approved', 'rejected', 'declined', 'completed']);

export function transitionReferral(r: Referral, req: ReferralRequest, ctx: ReferralContext): ReferralResult {
  if (ctx.requestId !== null) {
    const seen = r.history.find((h) => h.requestId === ctx.requestId);
    if (seen) {
      return seen.to === MOVES[req.action].to
        ? { ok: true, referral: r, entry: seen, replayed: true, releasesPlace: false, declined: false }
        : { ok: false, code: 'LIFELINE_ERR_REFERRAL_REQUEST_REUSED', message: `request id already used to move the referral to ${seen.to}`, field: 'requestId' };
    }
  }
  const move = MOVES[req.action];
  if (move.kind !== r.kind) return { ok: false, code: 'LIFELINE_ERR_REFERRAL_INVALID_TRANSITION', message: `${req.action} applies to ${move.kind} referrals; this one is a ${r.kind} referral` };
  if (!move.from.includes(r.status)) return { ok: false, code: 'LIFELINE_ERR_REFERRAL_INVALID_TRANSITION', message: `cannot ${req.action} a referral that is ${r.status}` };
  if ('note' in req && req.note.length > MAX_NOTE_CHARS) return { ok: false, code: 'LIFELINE_ERR_REFERRAL_BAD_INPUT', message: `note longer than ${MAX_NOTE_CHARS} characters`, field: 'note' };
  if (req.action === 'decline' && !DECLINE_REASONS.includes(req.reason)) return { ok: false, code: 'LIFELINE_ERR_REFERRAL_BAD_INPUT', message: `reason must be one of ${DECLINE_REASONS.join(', ')}`, field: 'reason' };
  if (req.action === 'complete' && !(req.followUpAt > ctx.now && req.followUpAt - ctx.now <= MAX_FOLLOW_UP_MS)) {
    return { ok: false, code: 'LIFELINE_ERR_REFERRAL_BAD_INPUT', message: 'followUpAt must be after now and within a year', field: 'followUpAt' };
  }
  const entry: ReferralTransition = { from: r.status, to: move.to, by: ctx.actor, at: ctx.now, requestId: ctx.requestId };
  const reason = req.action === 'decline' || req.action === 'reject' ? req.reason : null;
  if (reason !== null) entry.reason = reason;
  const history = [...r.history, entry];
  if (history.length > MAX_REFERRAL_HISTORY) history.splice(1, history.length - MAX_REFERRAL_HISTORY);
  const settled = SETTLED_STATUSES.has(move.to);
  const next: Referral = {
    ...r,
    status: move.to,
    updatedAt: ctx.now,
    history,
    revision: r.revision + 1,
    reason: reason ?? r.reason,
    note: 'note' in req && req.note.length > 0 ? req.note : r.note,
    settledAt: settled ? ctx.now : r.settledAt,
    answeredAt: r.answeredAt ?? (req.action === 'accept' || req.action === 'approve' || req.action === 'reject' || req.action === 'decline' ? ctx.now : null),
    followUpAt: req.action === 'complete' ? req.followUpAt : r.followUpAt,
  };
  const releasesPlace = r.holdsPlace && (move.to === 'declined' || move.to === 'completed');
  if (releasesPlace) next.holdsPlace = false;
  return { ok: true, referral: next, entry, replayed: false, releasesPlace, declined: move.to === 'declined' };
}

/** Home key of a referral id (project id of an order, household id of a policy referral): where it is routed. */
export function referralHomeKey(id: string): string | null {
  if (id.startsWith('S:')) {
    const end = id.lastIndexOf(':');
    return end > 2 ? id.slice(2, end) : null;
  }
  if (id.startsWith('P:')) {
    // P:<householdId>:<version>:<alert type>:<policy>
    const parts = id.slice(2).split(':');
    return parts.length >= 4 ? parts.slice(0, parts.length - 3).join(':') : null;
  }
  return null;
}

export function serviceReferralId(projectId: string, n: number): string {
  return `S:${projectId}:${n}`;
}
export function policyReferralId(alertId: string, policy: string): string {
  return `P:${alertId}:${policy}`;
}
