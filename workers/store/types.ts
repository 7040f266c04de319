/** Records the engine stores besides households and alerts. Plain data (msgpack-safe). */
import type { RejectionIssue } from '../../engine/errors.js';

/** Where a dead letter came from: the engine rejected it, or it crashed its worker too often. */
export type DeadLetterOrigin = 'engine';

export interface DeadLetter {
  origin: DeadLetterOrigin;
  /** Rejection code, or LIFELINE_ERR_WORKERS_POISON for a message that kept crashing its worker. */
  code: string;
  reason: string;
  issues: RejectionIssue[];
  partition: number;
  /** Stream sequence of the message. */
  seq: number;
  subject: string;
  /** The message body as received (UTF-8). */
  raw: string;
  receivedAt: number;
  /** Set once the letter has been republished. */
  replayedAt: number | null;
}

/** outbox key: partition, stream sequence of the message that produced the row, index within it. */
export type OutboxKey = [number, number, number];

/**
 * A row committed with the state it describes and published afterwards (at least once: the
 * Nats-Msg-Id makes a repeat a no-op within the stream's duplicate window).
 */
export interface OutboxRow {
  /** `alert_view`: alerts a batch changed, put as they then stand into the alerts KV bucket (body `{ ids }`). */
  /** `help_view`: projects and referrals a batch changed, put as they then stand into the help feed (body `{ projects, referrals }`). */
  kind: 'audit' | 'dead_letter' | 'alert_view' | 'help_view';
  msgId: string;
  /** The audit row or the dead letter, as published; for `alert_view` the ids of the changed alerts. */
  body: Record<string, unknown>;
}
