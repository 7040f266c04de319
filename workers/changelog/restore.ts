/**
 * Restore of one partition from the changelog into this process's LMDB: what a node does when
 * it takes a partition over. Nothing is read from the previous owner's disk.
 *
 * Order matters: the checkpoint is read BEFORE the records, so every record is at least as new
 * as the checkpoint (a record ahead of it is harmless: the engine rejects the replayed updates it
 * already applied). Stale outbox entries of the partition (from an earlier ownership by this
 * node) are deleted so they can never publish an older checkpoint.
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Alert } from '../../engine/alerts/types.js';
import type { HouseholdState } from '../../engine/types.js';
import { writeAlertInTxn, type Store } from '../store/index.js';
import { decodeCheckpoint, decodeValue } from './codec.js';
import { ChangelogError } from './errors.js';
import { outboxRange } from './flusher.js';
import { alertFilter, checkpointKey, householdFilter, idOfKey } from './keys.js';

export interface RestoreStats {
  partition: number;
  households: number;
  alerts: number;
  /** The changelog's `cp.<p>`, now the partition checkpoint in LMDB (null: nothing logged yet, consume from the start). */
  checkpoint: number | null;
  /** Stale outbox entries deleted. */
  staleOutbox: number;
  ms: number;
}

export async function restorePartition(kv: KV, store: Store, partition: number, chunk = 1000): Promise<RestoreStats> {
  const t0 = performance.now();
  try {
    const cpEntry = await kv.get(checkpointKey(partition));
    const checkpoint = cpEntry && cpEntry.operation === 'PUT' ? decodeCheckpoint(cpEntry.value, checkpointKey(partition)) : null;

    let staleOutbox = 0;
    const stale = [...store.outbox.getKeys(outboxRange(partition))];
    if (stale.length) {
      store.env.transactionSync(() => {
        for (const k of stale) store.outbox.removeSync(k);
      });
      staleOutbox = stale.length;
    }

    const households = await inChunks(kv, householdFilter(partition), chunk, (entries) =>
      store.env.transactionSync(() => {
        for (const e of entries) store.households.putSync(idOfKey(e.key), decodeValue<HouseholdState>(e.value, e.key));
      }),
    );
    const alerts = await inChunks(kv, alertFilter(partition), chunk, (entries) =>
      store.env.transactionSync(() => {
        for (const e of entries) {
          const after = decodeValue<Alert>(e.value, e.key);
          writeAlertInTxn(store, store.alerts.get(after.id) ?? null, after);
        }
      }),
    );

    if (checkpoint === null) await store.checkpoints.remove(partition);
    else await store.checkpoints.put(partition, checkpoint);
    return { partition, households, alerts, checkpoint, staleOutbox, ms: performance.now() - t0 };
  } catch (cause) {
    if (cause instanceof ChangelogError) throw cause;
    throw new ChangelogError('LIFELINE_ERR_CHANGELOG_RESTORE', `cannot restore partition ${partition}: ${(cause as Error).message}`, {
      cause,
      retriable: true,
      details: { partition },
    });
  }
}

/** Reads the latest value of every key under `filter` (history 1: history = latest) and hands them over in chunks. */
async function inChunks(kv: KV, filter: string, size: number, write: (entries: KvWatchEntry[]) => void): Promise<number> {
  let n = 0;
  let buf: KvWatchEntry[] = [];
  for await (const e of await kv.history({ key: filter })) {
    if (e.operation !== 'PUT') continue;
    buf.push(e);
    if (buf.length >= size) {
      write(buf);
      n += buf.length;
      buf = [];
    }
  }
  if (buf.length) write(buf);
  return n + buf.length;
}
