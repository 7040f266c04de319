/**
 * Public API of the audit log: an append-only JetStream stream (deny delete, deny purge) of one
 * row per portrait read, alert action, key change and dead-letter replay. `openAuditLog` is the
 * usual entry: it ensures the stream, then appends and reads through it.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { AuditLog } from './log.js';
import type { AuditLogOptions } from './options.js';
import { ensureAuditStream } from './stream.js';

export { AuditLog, type AuditTarget } from './log.js';
export { readAudit } from './reader.js';
export { ensureAuditStream, auditStreamConfig, type AuditStreamSettings } from './stream.js';
export { AUDIT_DEFAULTS, AUDIT_DUPLICATE_WINDOW_MS, auditSubject, auditSubjectFilter, type AuditLogOptions, type AuditReadOptions } from './options.js';
export { AuditError, AUDIT_ERROR_CODES, type AuditErrorCode } from './errors.js';
export type { AuditAppendResult, AuditPage, AuditQuery, AuditRow, StoredAuditRow } from './types.js';

/** Ensures the audit stream of `cfg.stream`, then returns an AuditLog on it. */
export async function openAuditLog(nc: NatsConnection, cfg: Pick<Config, 'stream'>, opts: AuditLogOptions = {}): Promise<AuditLog> {
  await ensureAuditStream(await jetstreamManager(nc), cfg.stream);
  return new AuditLog(jetstream(nc), { stream: cfg.stream.auditName, subjectPrefix: cfg.stream.subjectPrefix }, opts);
}
