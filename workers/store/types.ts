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

/** One committed batch: which households and alerts it changed (read by the changelog). */
export interface OutboxEntry {
  partition: number;
  /** First and last stream sequences the batch covered. */
  fromSeq: number;
  toSeq: number;
  households: string[];
  alerts: string[];
  committedAt: number;
}

/** An audit row, written by the API for every alert transition and privileged read. */
export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  requestId: string | null;
  details: Record<string, unknown>;
}
