/**
 * Alert records: what the workers store in LMDB (msgpack) and the API serves. Plain data only:
 * no classes, no Dates, no undefined-valued keys that msgpack and JSON would treat differently.
 *
 * Life cycle (design note): open → claimed (a lease that expires) → verified (confirmed /
 * not_confirmed / unreachable) → disposed (referrals or none) → closed. There is at most one
 * alert per household and type that is not closed; new triggers join it.
 */
import type { Department, Dimension, Kind } from '../catalogue/departments.js';
import type { CauseScores, NeedType, Region, Suggestion, Tier } from '../types.js';

export const ALERT_TYPES = [
  'major_disease',
  'death',
  'birth',
  'disability_change',
  'medical_expense',
  'accident',
  'disaster',
  'fire',
  'unemployment',
  'school_dropout',
  'dangerous_housing',
  'tier_drop',
  'eligibility_review',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/**
 * What a caseworker works (一户一策): a household has at most one hardship case not closed, which
 * every hardship trigger joins whatever its type, and at most one eligibility review, a separate
 * case because it checks a recipient rather than answers a hardship.
 */
export const ALERT_CASES = ['hardship', 'eligibility_review'] as const;
export type AlertCase = (typeof ALERT_CASES)[number];

/** The case an alert or trigger of `type` belongs to. */
export function caseOf(type: AlertType): AlertCase {
  return type === 'eligibility_review' ? 'eligibility_review' : 'hardship';
}

export const ALERT_LEVELS = ['urgent', 'general'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

export const ALERT_STATUSES = ['open', 'claimed', 'verified', 'disposed', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const VERIFICATION_OUTCOMES = ['confirmed', 'not_confirmed', 'unreachable'] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

/** Most triggers an alert keeps; older ones are dropped first so a busy household cannot grow the record without bound. */
export const MAX_ALERT_TRIGGERS = 32;
/**
 * Most history entries an alert keeps: the first (its opening) and the latest ones. A tool that
 * extends a lease every few minutes for days would otherwise grow the record, rewritten at every
 * transition, without bound; the audit log keeps every transition.
 */
export const MAX_ALERT_HISTORY = 64;

/** One reason to alert, produced by one applied update. */
export interface AlertTrigger {
  type: AlertType;
  level: AlertLevel;
  /** The event itself is grave (death, major disease, fire, serious accident…), whatever the tier. */
  severe: boolean;
  /** One line for a caseworker. */
  reason: string;
  /** Id of the update that caused it. */
  updateId: string;
  kind: Kind;
  source: Department;
  personId: string | null;
  /** When the update was received (epoch ms); never a clock read. */
  at: number;
}

/** The household as it was when the alert was opened or last joined. */
export interface AlertSnapshot {
  score: number;
  tier: Tier;
  dimensions: Record<Dimension, { score: number; max: number }>;
  causes: CauseScores;
  needTypes: NeedType[];
  suggestions: Suggestion[];
}

export interface AlertLease {
  token: string;
  holder: string;
  expiresAt: number;
}

export interface AlertVerification {
  outcome: VerificationOutcome;
  note: string;
  by: string;
  at: number;
}

export interface AlertReferral {
  kind: 'policy' | 'service';
  code: string;
}

export interface AlertDisposition {
  referrals: AlertReferral[];
  note: string;
  by: string;
  at: number;
}

export interface AlertTransition {
  from: AlertStatus | null;
  to: AlertStatus;
  by: string;
  at: number;
  requestId: string | null;
}

export interface Alert {
  /** Deterministic: `<householdId>:<state version>:<type of the opening trigger>`. */
  id: string;
  householdId: string;
  region: Region;
  /** The case's leading trigger type: the opening one, or the first severe one that joined a case opened by a mild trigger. */
  type: AlertType;
  level: AlertLevel;
  status: AlertStatus;
  createdAt: number;
  /** Verification deadline (epoch ms). */
  dueAt: number;
  updatedAt: number;
  /** Bounded to MAX_ALERT_TRIGGERS, newest last. */
  triggers: AlertTrigger[];
  snapshot: AlertSnapshot;
  lease: AlertLease | null;
  verification: AlertVerification | null;
  disposition: AlertDisposition | null;
  closedAt: number | null;
  /** Bounded to MAX_ALERT_HISTORY: the opening entry, then the latest transitions. */
  history: AlertTransition[];
  /** Transitions applied so far, dropped history included (absent on records written before it: the history length). */
  revision?: number;
}
