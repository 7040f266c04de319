/** What crosses between the main thread and the worker threads. */
import type { AlertLevel, AlertStatus, AlertType } from '../engine/alerts/types.js';
import type { Model } from '../engine/model.js';
import type { StoreOptions } from './store/index.js';
import type { OutcomeMessage } from './commands/types.js';

/** Given once to each worker thread (piscina `workerData`). */
export interface WorkerSetup {
  store: StoreOptions;
  model: Model;
  /** Most decoded household states a worker keeps (0 disables the cache). */
  cacheSize: number;
  /** Subject prefix, to name the subject of a dead letter. */
  prefix: string;
}

/**
 * One partition's batch in binary form: the bodies back to back in one buffer, their offsets,
 * stream sequences and receive times. All buffers are transferred, never cloned.
 */
export interface BatchTask {
  partition: number;
  bodies: Uint8Array;
  /** n + 1 offsets into `bodies`. */
  offsets: Uint32Array;
  seqs: Float64Array;
  /** Receive time of each message, epoch ms (the engine never reads a clock). */
  receivedAt: Float64Array;
  /** Wall time the main thread handed the batch to the pool (epoch ms, fractional). */
  dispatchedAt: number;
  /** Drop cached states of this partition first (the partition was just (re)started). */
  resetCache: boolean;
}

export interface AlertEvent {
  id: string;
  householdId: string;
  townshipId: string;
  type: AlertType;
  level: AlertLevel;
  status: AlertStatus;
  /** True when opened by this batch, false when a trigger joined it. */
  created: boolean;
  at: number;
}

/** [source, kind, processed, rejected]; source/kind are 'unknown' when unreadable. */
export type SourceKindCount = [string, string, number, number];

export interface BatchResult {
  partition: number;
  /** Last stream sequence now applied (the new checkpoint). */
  checkpoint: number;
  messages: number;
  /** At or below the checkpoint already: skipped (redeliveries). */
  skipped: number;
  applied: number;
  rejected: number;
  households: number;
  counts: SourceKindCount[];
  rejectedByCode: [string, number][];
  /** Dead letters per [source, kind, code, count] (metrics; engine duplicates are told apart by their code). */
  rejectedBy?: [string, string, string, number][];
  alertsCreated: Record<AlertLevel, number>;
  alertsJoined: number;
  alerts: AlertEvent[];
  /** Outcomes of the commands in the batch, with the alerts as committed (published after the ack). */
  commands: OutcomeMessage[];
  /** Rows this batch put in the outbox (audit rows, dead letters) for the main thread to publish. */
  outboxRows: number;
  cacheHits: number;
  cacheMisses: number;
  /** Milliseconds: queued before a worker took it, parse+validate+score, LMDB commit, whole task. */
  timings: { waitMs: number; scoreMs: number; commitMs: number; totalMs: number };
  /** LMDB data file size, bytes (read by the worker that just committed). */
  lmdbBytes: number;
}

/** The warm-up task (workers/warm-task): validate and apply this many made-up updates in memory. */
export interface WarmTask {
  updates: number;
}

/** Packs message bodies and their metadata into one BatchTask (main thread side). */
export function packBatch(
  partition: number,
  msgs: readonly { data: Uint8Array; seq: number; receivedAt: number }[],
  resetCache: boolean,
): { task: BatchTask; transfer: ArrayBuffer[] } {
  let size = 0;
  for (const m of msgs) size += m.data.byteLength;
  const bodies = new Uint8Array(size);
  const offsets = new Uint32Array(msgs.length + 1);
  const seqs = new Float64Array(msgs.length);
  const receivedAt = new Float64Array(msgs.length);
  let at = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    bodies.set(m.data, at);
    offsets[i] = at;
    at += m.data.byteLength;
    seqs[i] = m.seq;
    receivedAt[i] = m.receivedAt;
  }
  offsets[msgs.length] = at;
  const task: BatchTask = { partition, bodies, offsets, seqs, receivedAt, dispatchedAt: performance.timeOrigin + performance.now(), resetCache };
  return { task, transfer: [bodies.buffer, offsets.buffer, seqs.buffer, receivedAt.buffer] };
}

export type { Model };
