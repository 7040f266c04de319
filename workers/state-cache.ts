/**
 * A worker thread's cache of decoded household states, per partition, least recently used out.
 *
 * Why it is safe: the worker holding a partition's batch is the only writer of that partition's
 * households. A partition's entries are dropped whenever the checkpoint found in LMDB is not the
 * one this thread last committed (another thread or process wrote the partition: another piscina
 * worker, a dead letter written by the main thread, a changelog restore), and when the partition
 * is (re)started.
 */
import type { HouseholdState } from '../engine/types.js';

export class StateCache {
  private readonly parts = new Map<number, Map<string, HouseholdState>>();
  private readonly committed = new Map<number, number>();
  /** Insertion order = recency; one entry per cached household across partitions. */
  private readonly order = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** Keeps the partition's entries only if `checkpoint` is the one this thread last committed. */
  validate(partition: number, checkpoint: number, reset: boolean): void {
    if (reset || this.committed.get(partition) !== checkpoint) this.drop(partition);
  }

  committedAt(partition: number, checkpoint: number): void {
    this.committed.set(partition, checkpoint);
  }

  get(partition: number, id: string): HouseholdState | undefined {
    const s = this.parts.get(partition)?.get(id);
    if (s !== undefined) {
      this.order.delete(id);
      this.order.set(id, partition);
    }
    return s;
  }

  set(partition: number, id: string, state: HouseholdState): void {
    if (this.capacity <= 0) return;
    let m = this.parts.get(partition);
    if (!m) this.parts.set(partition, (m = new Map()));
    m.set(id, state);
    this.order.delete(id);
    this.order.set(id, partition);
    while (this.order.size > this.capacity) {
      const oldest = this.order.keys().next().value as string;
      const p = this.order.get(oldest)!;
      this.order.delete(oldest);
      this.parts.get(p)?.delete(oldest);
    }
  }

  /** Forgets a partition, e.g. after a failed batch whose states may be half-applied in memory. */
  drop(partition: number): void {
    const m = this.parts.get(partition);
    if (m) for (const id of m.keys()) this.order.delete(id);
    this.parts.delete(partition);
    this.committed.delete(partition);
  }

  get size(): number {
    return this.order.size;
  }
}
