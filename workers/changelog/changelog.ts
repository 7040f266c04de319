/**
 * The changelog of one engine process: the state bucket, the flusher and restores, fenced by
 * partition ownership so a node only ever logs partitions whose lease it holds.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import type { Store } from '../store/index.js';
import { openStateBucket } from './bucket.js';
import { ChangelogFlusher, type FlushStats, type PartitionVerdict } from './flusher.js';
import { resolveChangelogOptions, type ChangelogOptions, type ChangelogOptionsInput } from './options.js';
import { restorePartition, type RestoreStats } from './restore.js';

export interface Changelog {
  readonly kv: KV;
  readonly flusher: ChangelogFlusher;
  readonly options: ChangelogOptions;
  /** Downloads partition `p` into LMDB and sets its checkpoint; the consumer then starts at checkpoint + 1. */
  restorePartition(p: number): Promise<RestoreStats>;
  /** Publishes every outbox entry of `p` (call after the partition stopped, before its lease is released). */
  flushPartition(p: number): Promise<FlushStats>;
  /** Stops the flusher after the round in progress (the outbox keeps whatever is left). */
  stop(): Promise<void>;
}

export interface ChangelogFence {
  /** True while this node holds the lease of `p` (default: always, a single process). */
  owns(p: number): boolean;
}

/** Opens the bucket and starts the flusher (pass `start: false` to flush only on demand). */
export async function openChangelog(
  nc: NatsConnection,
  store: Store,
  input: ChangelogOptionsInput,
  fence: ChangelogFence = { owns: () => true },
  start = true,
): Promise<Changelog> {
  const options = resolveChangelogOptions(input);
  const kv = await openStateBucket(nc, options);
  const restoring = new Set<number>();
  // a partition being restored is left alone: its old entries are about to be deleted
  const verdict = (p: number): PartitionVerdict => (restoring.has(p) ? 'skip' : fence.owns(p) ? 'publish' : 'drop');
  const flusher = new ChangelogFlusher(store, kv, options, verdict);
  if (start) flusher.start();
  return {
    kv,
    flusher,
    options,
    async restorePartition(p) {
      restoring.add(p);
      try {
        await flusher.idle(); // a round in flight may still hold entries of p
        const stats = await restorePartition(kv, store, p, options.restoreChunk);
        flusher.restored(p, stats.checkpoint ?? 0);
        return stats;
      } finally {
        restoring.delete(p);
      }
    },
    flushPartition: (p) => flusher.flushPartition(p),
    stop: () => flusher.stop(),
  };
}
