/**
 * Takes partition snapshots: one consistent LMDB read transaction, every row of the wanted
 * partitions (households, alerts with their full history, dead letters, command outcomes,
 * unpublished outbox rows) and each partition's checkpoint, written as one object per partition.
 * The scan yields to the event loop every few thousand rows, so the API keeps answering.
 */
import type { ObjectStore } from '@nats-io/obj';
import { Packr } from 'msgpackr';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { referralHomeKey } from '../../engine/help/referrals.js';
import type { Store } from '../store/index.js';
import { snapshotObjectName } from './bucket.js';
import { SECTIONS, type Section, type SnapshotHeader } from './types.js';

/** Rows per packed chunk: record definitions are repeated once per chunk, so chunks stay self-contained. */
const CHUNK_ROWS = 1000;
const YIELD_EVERY = 4000;

class PartitionWriter {
  readonly chunks: Uint8Array[] = [];
  readonly counts: Record<Section, number> = { households: 0, alerts: 0, deadLetters: 0, commands: 0, outbox: 0, projects: 0, referrals: 0 };
  private rows: unknown[] = [];
  private section: Section = 'households';
  constructor(private readonly packr: Packr) {}
  add(section: Section, key: unknown, value: unknown): void {
    if (section !== this.section) this.end();
    this.section = section;
    this.rows.push([key, value]);
    this.counts[section]++;
    if (this.rows.length >= CHUNK_ROWS) this.end();
  }
  end(): void {
    if (this.rows.length === 0) return;
    this.chunks.push(this.packr.pack([this.section, this.rows]));
    this.rows = [];
  }
}

export interface TakeOptions {
  /** Partitions to snapshot (those this process owns). */
  partitions: readonly number[];
  /** The stream's partition count. */
  partitionCount: number;
  now?: () => number;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function takeSnapshots(store: Store, bucket: ObjectStore, opts: TakeOptions): Promise<SnapshotHeader[]> {
  const packr = new Packr({ useRecords: true });
  const wanted = new Map<number, PartitionWriter>(opts.partitions.map((p) => [p, new PartitionWriter(packr)]));
  if (wanted.size === 0) return [];
  const n = opts.partitionCount;
  const txn = store.env.useReadTransaction();
  const checkpoints = new Map<number, number>();
  try {
    for (const p of wanted.keys()) checkpoints.set(p, (store.checkpoints.get(p, { transaction: txn }) as number | undefined) ?? 0);
    let i = 0;
    for (const { key, value } of store.households.getRange({ transaction: txn })) {
      wanted.get(partitionOf(key, n))?.add('households', key, value);
      if (++i % YIELD_EVERY === 0) await tick();
    }
    for (const { key, value } of store.alerts.getRange({ transaction: txn })) {
      wanted.get(partitionOf(value.householdId, n))?.add('alerts', key, value);
      if (++i % YIELD_EVERY === 0) await tick();
    }
    for (const { key, value } of store.projects.getRange({ transaction: txn })) wanted.get(partitionOf(key, n))?.add('projects', key, value);
    for (const { key, value } of store.referrals.getRange({ transaction: txn })) {
      const home = referralHomeKey(key);
      if (home !== null) wanted.get(partitionOf(home, n))?.add('referrals', key, value);
      if (++i % YIELD_EVERY === 0) await tick();
    }
    for (const [p, w] of wanted) {
      const range = { start: [p], end: [p + 1], transaction: txn };
      for (const { key, value } of store.deadLetters.getRange(range as never)) w.add('deadLetters', key, value);
      for (const { key, value } of store.commands.getRange(range as never)) w.add('commands', key, value);
      for (const { key, value } of store.outbox.getRange(range as never)) w.add('outbox', key, value);
      w.end();
      await tick();
    }
  } finally {
    txn.done();
  }
  const takenAt = (opts.now ?? Date.now)();
  const out: SnapshotHeader[] = [];
  for (const [p, w] of wanted) {
    let bytes = 0;
    for (const c of w.chunks) bytes += c.byteLength;
    const header: SnapshotHeader = {
      v: 1,
      partition: p,
      partitions: n,
      checkpoint: checkpoints.get(p) ?? 0,
      takenAt,
      households: w.counts.households,
      alerts: w.counts.alerts,
      deadLetters: w.counts.deadLetters,
      commands: w.counts.commands,
      outbox: w.counts.outbox,
      projects: w.counts.projects,
      referrals: w.counts.referrals,
      bytes,
    };
    const head = packr.pack(['header', header]);
    const body = new Uint8Array(head.byteLength + bytes);
    body.set(head, 0);
    let at = head.byteLength;
    for (const c of w.chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    w.chunks.length = 0;
    await bucket.putBlob({ name: snapshotObjectName(p), description: JSON.stringify(header) }, body);
    out.push(header);
  }
  return out;
}

/** The header of the latest snapshot of a partition, without reading its body (null: none). */
export async function snapshotInfo(bucket: ObjectStore, partition: number): Promise<SnapshotHeader | null> {
  const info = await bucket.info(snapshotObjectName(partition));
  if (!info || info.deleted || !info.description) return null;
  try {
    return JSON.parse(info.description) as SnapshotHeader;
  } catch {
    return null;
  }
}

export { SECTIONS };
