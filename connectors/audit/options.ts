/** Defaults of the audit stream, the AuditLog and the reader; subjects of audit rows. */

export interface AuditLogOptions {
  /** Time to wait for one PubAck (ms, default 5000); past it the append fails with a retriable error. */
  ackTimeoutMs?: number;
  /** Rows awaiting their PubAck at once in appendMany (rows, default 256). */
  window?: number;
}

export interface AuditReadOptions {
  /** Rows one read examines at most before it answers with a cursor to continue (rows, default 10,000). */
  scanBudget?: number;
  /** Rows asked for in one fetch from the server (rows, default 500). */
  fetchChunk?: number;
  /** Time to wait for one fetch or stream request (ms, default 5000). */
  requestTimeoutMs?: number;
}

export const AUDIT_DEFAULTS = {
  ackTimeoutMs: 5000,
  window: 256,
  scanBudget: 10_000,
  fetchChunk: 500,
  requestTimeoutMs: 5000,
} as const;

/**
 * Duplicate window of the audit stream: 2 h, so a row re-published by an outbox after a restart or
 * a long NATS outage (same msgId) is still recognised and stored once.
 */
export const AUDIT_DUPLICATE_WINDOW_MS = 2 * 3_600_000;

/** Actions are dotted lower-case words; they become one subject token with dots replaced by underscores. */
export const ACTION_RE = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

export function auditSubjectFilter(subjectPrefix: string): string {
  return `${subjectPrefix}.audit.>`;
}

/** `<prefix>.audit.<action with dots replaced by underscores>`, e.g. `lifeline.audit.household_read`. */
export function auditSubject(subjectPrefix: string, action: string): string {
  return `${subjectPrefix}.audit.${action.replaceAll('.', '_')}`;
}
