/**
 * Coded errors of the audit log. Codes are `LIFELINE_ERR_AUDIT_<WHAT>`; `retriable` says whether
 * trying again (same msgId: the server drops the repeat) can help.
 */
import { LifelineError } from '../../engine/errors.js';

export const AUDIT_ERROR_CODES = [
  'LIFELINE_ERR_AUDIT_STREAM_SETUP', // the audit stream cannot be created, read or brought to its settings
  'LIFELINE_ERR_AUDIT_ROW', // a row or msgId is malformed (never sent)
  'LIFELINE_ERR_AUDIT_APPEND', // no PubAck in time or the server refused: the row may not be stored
  'LIFELINE_ERR_AUDIT_READ', // the audit stream could not be read
  'LIFELINE_ERR_AUDIT_QUERY', // a read query is out of range (bad cursor, limit, budget)
] as const;
export type AuditErrorCode = (typeof AUDIT_ERROR_CODES)[number];

export class AuditError extends LifelineError {
  declare readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, opts);
    this.name = 'AuditError';
  }
}
