/**
 * Creates or updates, idempotently, the append-only audit stream: `deny_delete` and `deny_purge`
 * (the server refuses removing a message or purging), limits retention with no age or size limit
 * by default, and discard `new`, so reaching a limit refuses new rows instead of dropping old ones.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import type { Config } from '../../config/index.js';
import { AuditError } from './errors.js';
import { AUDIT_DUPLICATE_WINDOW_MS, auditSubjectFilter } from './options.js';

export type AuditStreamSettings = Pick<Config['stream'], 'auditName' | 'subjectPrefix' | 'replicas'>;

const nanosOf = (ms: number): number => Math.round(ms * 1_000_000);

export function auditStreamConfig(s: AuditStreamSettings, opts: { maxAgeMs?: number } = {}): Partial<StreamConfig> & { name: string; subjects: string[] } {
  return {
    name: s.auditName,
    subjects: [auditSubjectFilter(s.subjectPrefix)],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_age: nanosOf(opts.maxAgeMs ?? 0),
    max_bytes: -1,
    max_msgs: -1,
    duplicate_window: nanosOf(AUDIT_DUPLICATE_WINDOW_MS),
    num_replicas: s.replicas,
    deny_delete: true,
    deny_purge: true,
    allow_direct: true,
    description: 'Lifeline audit log: append-only (deny delete, deny purge)',
  };
}

const MANAGED: (keyof StreamConfig)[] = ['subjects', 'retention', 'discard', 'max_age', 'max_bytes', 'max_msgs', 'duplicate_window', 'num_replicas', 'deny_delete', 'deny_purge', 'allow_direct', 'description'];

const isNotFound = (err: unknown): boolean => (err as Error)?.name === 'StreamNotFoundError' || /stream not found/i.test((err as Error)?.message ?? '');
const isNameInUse = (err: unknown): boolean => /already in use/i.test((err as Error)?.message ?? '');

function setupError(name: string, what: string, err: unknown): AuditError {
  const msg = (err as Error)?.message ?? String(err);
  return new AuditError('LIFELINE_ERR_AUDIT_STREAM_SETUP', `audit stream ${name}: cannot ${what}: ${msg}`, {
    cause: err,
    retriable: /timeout|no responders|not enabled/i.test(msg),
    details: { stream: name },
  });
}

/**
 * Makes the audit stream exist with the settings above. Safe to call from every process at start;
 * a stream of that name on file storage is brought to them (the server may refuse, e.g. to turn
 * deny_delete off — which we never ask), any refusal is a coded error.
 */
export async function ensureAuditStream(jsm: JetStreamManager, s: AuditStreamSettings, opts: { maxAgeMs?: number } = {}): Promise<StreamInfo> {
  const want = auditStreamConfig(s, opts);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(want.name);
  } catch (err) {
    if (!isNotFound(err)) throw setupError(want.name, 'read its info', err);
  }
  if (!info) {
    try {
      return await jsm.streams.add(want);
    } catch (err) {
      if (!isNameInUse(err)) throw setupError(want.name, 'create it', err);
      info = await jsm.streams.info(want.name).catch((e: unknown) => {
        throw setupError(want.name, 'read its info', e);
      }); // another process created it between our info and add
    }
  }
  if (info.config.storage !== want.storage) {
    throw setupError(want.name, `use it: storage is ${info.config.storage}, not file`, new Error('storage type is fixed at creation'));
  }
  const changed = MANAGED.filter((k) => JSON.stringify(want[k]) !== JSON.stringify(info.config[k]));
  if (changed.length === 0) return info;
  const { name: _name, storage: _storage, ...updatable } = want;
  try {
    return await jsm.streams.update(want.name, { ...info.config, ...updatable });
  } catch (err) {
    throw setupError(want.name, `update ${changed.join(', ')}`, err);
  }
}
