/**
 * The AuditLog: appends rows to the audit stream with `Nats-Msg-Id`, awaiting the PubAck, so a
 * caller only goes on once the row is stored (or knows it may not be, with a retriable error).
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { AuditError } from './errors.js';
import { ACTION_RE, AUDIT_DEFAULTS, auditSubject, type AuditLogOptions, type AuditReadOptions } from './options.js';
import { readAudit } from './reader.js';
import type { AuditAppendResult, AuditPage, AuditQuery, AuditRow } from './types.js';

export interface AuditTarget {
  /** Audit stream name (config stream.auditName). */
  stream: string;
  /** Subject prefix (config stream.subjectPrefix). */
  subjectPrefix: string;
}

const MAX_MSG_ID = 512;

function checkRow(row: AuditRow, msgId: string): void {
  const bad = (field: string, reason: string): never => {
    throw new AuditError('LIFELINE_ERR_AUDIT_ROW', `audit row ${field}: ${reason}`, { details: { field } });
  };
  if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > MAX_MSG_ID || /[\r\n]/.test(msgId)) bad('msgId', `must be 1–${MAX_MSG_ID} characters on one line`);
  if (!Number.isFinite(row.at) || row.at < 0) bad('at', 'must be epoch milliseconds');
  if (typeof row.actor !== 'string' || row.actor.length === 0) bad('actor', 'must be a key id, system or engine');
  if (typeof row.action !== 'string' || !ACTION_RE.test(row.action)) bad('action', 'must be dotted lower-case words, e.g. household.read');
  if (typeof row.target !== 'string' || row.target.length === 0) bad('target', 'must be non-empty');
}

/** Timeouts, no responders and a lost connection can pass; a refusal by the stream (e.g. a limit) needs an operator. */
function appendError(subject: string, msgId: string, err: unknown): AuditError {
  const msg = (err as Error)?.message ?? String(err);
  const seen = `${(err as Error)?.name} ${msg} ${((err as Error)?.cause as Error | undefined)?.message ?? ''}`;
  // no stream on the subject answers as "no responders" / "jetstream is not enabled"
  const transient = /timeout|timed out|no responders|not enabled|503|closed|disconnect|reconnect/i.test(seen);
  return new AuditError('LIFELINE_ERR_AUDIT_APPEND', `audit row ${msgId} on ${subject} not confirmed: ${msg}`, {
    cause: err,
    retriable: transient,
    details: { subject, msgId },
  });
}

export class AuditLog {
  readonly stream: string;
  readonly subjectPrefix: string;
  private readonly ackTimeoutMs: number;
  private readonly window: number;

  constructor(
    private readonly js: JetStreamClient,
    target: AuditTarget,
    opts: AuditLogOptions = {},
  ) {
    this.stream = target.stream;
    this.subjectPrefix = target.subjectPrefix;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? AUDIT_DEFAULTS.ackTimeoutMs;
    this.window = Math.max(1, opts.window ?? AUDIT_DEFAULTS.window);
  }

  /**
   * Stores one row and resolves once the server confirmed it. `msgId` names the event (e.g.
   * `read:<requestId>`, `alert:<alertId>:<revision>`): a repeat inside the 2 h window is stored once.
   */
  async append(row: AuditRow, msgId: string): Promise<AuditAppendResult> {
    checkRow(row, msgId);
    const subject = auditSubject(this.subjectPrefix, row.action);
    let ack: PubAck;
    try {
      // expect the stream: a subject that some other stream also caught would be a silent loss
      ack = await this.js.publish(subject, JSON.stringify(row), { msgID: msgId, timeout: this.ackTimeoutMs, expect: { streamName: this.stream } });
    } catch (err) {
      throw appendError(subject, msgId, err);
    }
    return { seq: ack.seq, duplicate: ack.duplicate };
  }

  /**
   * Stores many rows, at most `window` awaiting their ack at once, and resolves with every result
   * in order once all are confirmed. When any failed, it rejects (after all settled) with the
   * first failure; re-sending the whole list is safe, the stored ones come back as duplicates.
   */
  async appendMany(rows: readonly { row: AuditRow; msgId: string }[]): Promise<AuditAppendResult[]> {
    for (const { row, msgId } of rows) checkRow(row, msgId);
    const results: AuditAppendResult[] = new Array(rows.length);
    let firstError: unknown = null;
    let failed = 0;
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < rows.length) {
        const i = next++;
        const { row, msgId } = rows[i]!;
        try {
          results[i] = await this.append(row, msgId);
        } catch (err) {
          failed++;
          firstError ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.window, rows.length) }, lane));
    if (firstError) {
      const e = firstError as AuditError;
      throw new AuditError('LIFELINE_ERR_AUDIT_APPEND', `${failed} of ${rows.length} audit rows not confirmed; first: ${e.message}`, {
        cause: e,
        retriable: e.retriable,
        details: { failed, total: rows.length },
      });
    }
    return results;
  }

  /** One page of rows by stream sequence, oldest first (see readAudit). */
  read(query: AuditQuery, opts: AuditReadOptions = {}): Promise<AuditPage> {
    return readAudit(this.js, { stream: this.stream, subjectPrefix: this.subjectPrefix }, query, opts);
  }
}
