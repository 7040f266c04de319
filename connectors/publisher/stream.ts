/**
 * Creates or updates, idempotently, the updates stream and the dead-letter stream.
 *
 * The partition count is fixed at creation and recorded with the stream: in `metadata`
 * (`lifeline_partitions`) where the server supports it (≥ 2.10) and always in `description`
 * (`lifeline partitions=N`), because nats-server 2.9 has no stream metadata. An existing stream
 * with another count is an error: repartitioning would move households between workers.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import type { Config } from '../../config/index.js';
import { ConnectorError } from '../errors.js';

export type StreamSettings = Config['stream'];

export const PARTITIONS_METADATA_KEY = 'lifeline_partitions';
const DESCRIPTION_RE = /\blifeline partitions=(\d+)\b/;

export interface EnsuredStreams {
  /** The partition count recorded with the updates stream (equal to the configured one). */
  partitions: number;
  updates: StreamInfo;
  deadLetters: StreamInfo;
}

/** The partition count recorded with a stream, or undefined when none is. */
export function recordedPartitions(cfg: Pick<StreamConfig, 'metadata' | 'description'>): number | undefined {
  const fromMeta = cfg.metadata?.[PARTITIONS_METADATA_KEY];
  if (fromMeta !== undefined && /^\d+$/.test(fromMeta)) return Number(fromMeta);
  const m = cfg.description ? DESCRIPTION_RE.exec(cfg.description) : null;
  return m ? Number(m[1]) : undefined;
}

const nanosOf = (ms: number): number => Math.round(ms * 1_000_000);

function desired(s: StreamSettings, kind: 'updates' | 'dead'): Partial<StreamConfig> & { name: string; subjects: string[] } {
  const updates = kind === 'updates';
  return {
    name: updates ? s.name : s.deadLetterName,
    subjects: [updates ? `${s.subjectPrefix}.upd.>` : `${s.subjectPrefix}.dlq.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanosOf(s.maxAgeHours * 3_600_000),
    max_bytes: s.maxBytes,
    duplicate_window: nanosOf(s.duplicateWindowSec * 1000),
    num_replicas: s.replicas,
    description: updates
      ? `Lifeline department updates; lifeline partitions=${s.partitions}`
      : `Lifeline dead letters of ${s.name}`,
  };
}

const isMetadataUnsupported = (err: unknown): boolean => /metadata.*requires server/i.test((err as Error)?.message ?? '');
const isNotFound = (err: unknown): boolean => (err as Error)?.name === 'StreamNotFoundError' || /stream not found/i.test((err as Error)?.message ?? '');
const isNameInUse = (err: unknown): boolean => /already in use/i.test((err as Error)?.message ?? '');

function setupError(name: string, what: string, err: unknown): ConnectorError {
  return new ConnectorError('LIFELINE_ERR_CONNECTOR_STREAM_SETUP', `stream ${name}: cannot ${what}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
    retriable: /timeout|no responders|not enabled/i.test((err as Error)?.message ?? ''),
    details: { stream: name },
  });
}

/** Fields that differ between the desired config and the existing one (only those we manage). */
function drift(want: Partial<StreamConfig>, have: StreamConfig): (keyof StreamConfig)[] {
  const keys: (keyof StreamConfig)[] = ['subjects', 'retention', 'storage', 'discard', 'max_age', 'max_bytes', 'duplicate_window', 'num_replicas', 'description'];
  return keys.filter((k) => JSON.stringify(want[k]) !== JSON.stringify(have[k]));
}

async function withMetadataFallback<T>(run: (useMeta: boolean) => Promise<T>, useMeta: boolean): Promise<T> {
  try {
    return await run(useMeta);
  } catch (err) {
    if (useMeta && isMetadataUnsupported(err)) return run(false); // nats-server < 2.10: description only
    throw err;
  }
}

async function ensureOne(jsm: JetStreamManager, want: ReturnType<typeof desired>, partitions: number | undefined): Promise<StreamInfo> {
  const meta = partitions === undefined ? undefined : { [PARTITIONS_METADATA_KEY]: String(partitions) };
  const withMeta = (useMeta: boolean): Partial<StreamConfig> & { name: string } => (useMeta && meta ? { ...want, metadata: meta } : want);
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(want.name);
  } catch (err) {
    if (!isNotFound(err)) throw setupError(want.name, 'read its info', err);
  }
  if (!info) {
    try {
      return await withMetadataFallback((m) => jsm.streams.add(withMeta(m)), meta !== undefined);
    } catch (err) {
      if (!isNameInUse(err)) throw setupError(want.name, 'create it', err);
      info = await jsm.streams.info(want.name).catch((e: unknown) => {
        throw setupError(want.name, 'read its info', e);
      }); // another process created it between our info and add: check it like any existing stream
    }
  }
  if (partitions !== undefined) {
    const recorded = recordedPartitions(info.config);
    if (recorded !== undefined && recorded !== partitions) {
      throw new ConnectorError(
        'LIFELINE_ERR_CONNECTOR_STREAM_PARTITIONS',
        `stream.partitions: stream ${want.name} was created with ${recorded} partitions but the configuration says ${partitions}; ` +
          'repartitioning would move households between workers, so it is never done silently (set stream.partitions to ' +
          `${recorded}, or create a new stream)`,
        { details: { stream: want.name, recorded, configured: partitions } },
      );
    }
    if (recorded === undefined && info.state.messages > 0) {
      throw new ConnectorError(
        'LIFELINE_ERR_CONNECTOR_STREAM_PARTITIONS',
        `stream.partitions: stream ${want.name} holds ${info.state.messages} messages but records no partition count; ` +
          'refusing to assume one',
        { details: { stream: want.name, configured: partitions } },
      );
    }
  }
  if (info.config.storage !== want.storage) {
    throw setupError(want.name, `change its storage from ${info.config.storage} to ${want.storage}`, new Error('storage type is fixed at creation'));
  }
  const changed = drift(want, info.config);
  const metaMissing = meta !== undefined && info.config.metadata?.[PARTITIONS_METADATA_KEY] !== meta[PARTITIONS_METADATA_KEY];
  if (changed.length === 0 && !metaMissing) return info;
  if (changed.length === 0 && metaMissing && recordedPartitions(info.config) !== undefined) {
    // the description already records it; metadata is only added if the server has it
    try {
      return await jsm.streams.update(want.name, { ...info.config, metadata: { ...(info.config.metadata ?? {}), ...meta } });
    } catch (err) {
      if (isMetadataUnsupported(err)) return info;
      throw setupError(want.name, 'record its partition count', err);
    }
  }
  const { name: _name, storage: _storage, ...updatable } = want;
  try {
    return await withMetadataFallback(
      (m) => jsm.streams.update(want.name, { ...info.config, ...updatable, ...(m && meta ? { metadata: { ...(info.config.metadata ?? {}), ...meta } } : {}) }),
      meta !== undefined,
    );
  } catch (err) {
    throw setupError(want.name, `update ${changed.join(', ')}`, err);
  }
}

/**
 * Makes both streams exist with the configured limits. Safe to call from every process at start:
 * a no-op when nothing changed, an update when limits changed, a coded error when the stream
 * holds another partition count or the server refuses (e.g. subjects overlapping another stream).
 */
export async function ensureStreams(jsm: JetStreamManager, cfg: StreamSettings): Promise<EnsuredStreams> {
  const updates = await ensureOne(jsm, desired(cfg, 'updates'), cfg.partitions);
  const deadLetters = await ensureOne(jsm, desired(cfg, 'dead'), undefined);
  return { partitions: recordedPartitions(updates.config) ?? cfg.partitions, updates, deadLetters };
}

/** Reads the partition count recorded with an existing updates stream (workers use it, not their config). */
export async function streamPartitions(jsm: JetStreamManager, streamName: string): Promise<number> {
  let info: StreamInfo;
  try {
    info = await jsm.streams.info(streamName);
  } catch (err) {
    throw setupError(streamName, 'read its info', err);
  }
  const n = recordedPartitions(info.config);
  if (n === undefined) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_STREAM_PARTITIONS', `stream ${streamName} records no partition count`, { details: { stream: streamName } });
  }
  return n;
}
