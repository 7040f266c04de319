/**
 * The flusher: outbox (LMDB) → state bucket (JetStream KV), on the main thread, off the hot path.
 *
 * Design note — states: idle (timer armed) → flushing (one round) → idle; stop() → stopped.
 * One round, never two at once:
 *   1. in ONE LMDB read snapshot, take up to `maxEntries` outbox entries in key order
 *      (`<partition>:<seq>`) and the current value of every household and alert they list —
 *      the snapshot holds exactly the state those commits produced (or newer);
 *   2. publish each record once (coalesced across entries), many acks in flight;
 *   3. publish `cp.<partition>` = the highest `toSeq` taken, only after all its records were
 *      acked, only if this node still holds the partition's lease, and never backwards;
 *   4. delete the taken entries.
 * The outbox commits with the state, so a crash anywhere here loses nothing: the next round
 * (or the next process) publishes the entries again, and republishing a value is idempotent.
 * A household published ahead of its checkpoint (crash between 2 and 3) is replayed over on
 * restore; the engine rejects updates it already applied (update ids and watermarks).
 * Entries of a partition this node does not own are dropped: the owner's changelog wins.
 */
import { EventEmitter } from 'node:events';
import type { KV } from '@nats-io/kv';
import type { Store } from '../store/index.js';
import type { OutboxEntry } from '../store/index.js';
import { encodeCheckpoint, encodeValue } from './codec.js';
import { ChangelogError } from './errors.js';
import { alertKey, checkpointKey, householdKey } from './keys.js';
import type { ChangelogOptions } from './options.js';

/** What to do with a partition's outbox entries in this round. */
export type PartitionVerdict = 'publish' | 'skip' | 'drop';

export interface FlushStats {
  entries: number;
  households: number;
  alerts: number;
  checkpoints: number;
  /** Entries of partitions this node does not own, deleted unpublished. */
  dropped: number;
}

export interface FlusherEvents {
  flushed: [stats: FlushStats];
  warning: [error: Error];
}

const EMPTY: FlushStats = { entries: 0, households: 0, alerts: 0, checkpoints: 0, dropped: 0 };

/** Range of one partition's outbox keys (`<p>:` … `<p>;`, ';' sorting right after ':'). */
export const outboxRange = (p: number): { start: string; end: string } => ({ start: `${p}:`, end: `${p};` });

export class ChangelogFlusher extends EventEmitter<FlusherEvents> {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Last checkpoint published (or restored) per partition: the checkpoint never moves back. */
  private readonly published = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly kv: KV,
    private readonly options: Pick<ChangelogOptions, 'intervalMs' | 'maxEntries' | 'inFlight'>,
    private readonly verdict: (partition: number) => PartitionVerdict = () => 'publish',
  ) {
    super();
  }

  /** Flushes continuously: every `intervalMs` when idle, at once while a backlog remains. */
  start(): void {
    this.schedule(0);
  }

  /** One round over every partition (queued behind a round in progress). */
  flushOnce(): Promise<FlushStats> {
    return this.enqueue(() => this.round(undefined));
  }

  /** Rounds over partition `p` until its outbox is empty (a drain before giving the partition away). */
  async flushPartition(p: number): Promise<FlushStats> {
    const total = { ...EMPTY };
    for (;;) {
      const s = await this.enqueue(() => this.round(p));
      for (const k of Object.keys(total) as (keyof FlushStats)[]) total[k] += s[k];
      if (s.entries + s.dropped === 0) return total;
    }
  }

  /** Resolves once the round in progress (if any) is over. */
  async idle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  /** The checkpoint a restore put in place: later flushes of `p` must not go below it. */
  restored(p: number, checkpoint: number): void {
    this.published.set(p, checkpoint);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.idle();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushOnce().then(
        (s) => this.schedule(s.entries + s.dropped >= this.options.maxEntries ? 0 : this.options.intervalMs),
        (e: unknown) => {
          this.warn(e);
          this.schedule(Math.min(5000, this.options.intervalMs * 10)); // NATS away: back off, the outbox keeps everything
        },
      );
    }, ms);
    this.timer.unref?.();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.chain.catch(() => undefined).then(job);
    this.chain = run;
    return run;
  }

  private async round(partition: number | undefined): Promise<FlushStats> {
    const { store, kv } = this;
    const taken: string[] = [];
    const dropped: string[] = [];
    const records = new Map<string, Uint8Array>();
    const checkpoints = new Map<number, number>();
    let households = 0;
    let alerts = 0;
    const verdicts = new Map<number, PartitionVerdict>();
    const verdictOf = (p: number): PartitionVerdict => {
      let v = verdicts.get(p);
      if (v === undefined) verdicts.set(p, (v = this.verdict(p)));
      return v;
    };

    const txn = store.env.useReadTransaction();
    try {
      const range = partition === undefined ? {} : outboxRange(partition);
      for (const { key, value } of store.outbox.getRange({ ...range, limit: this.options.maxEntries, transaction: txn })) {
        const e = value as OutboxEntry;
        const v = verdictOf(e.partition);
        if (v === 'skip') continue;
        if (v === 'drop') {
          dropped.push(key);
          continue;
        }
        taken.push(key);
        checkpoints.set(e.partition, Math.max(checkpoints.get(e.partition) ?? 0, e.toSeq));
        for (const id of e.households) {
          const k = householdKey(e.partition, id);
          if (records.has(k)) continue;
          const state = store.households.get(id, { transaction: txn });
          if (state === undefined) continue;
          records.set(k, encodeValue(state));
          households++;
        }
        for (const id of e.alerts) {
          const k = alertKey(e.partition, id);
          if (records.has(k)) continue;
          const alert = store.alerts.get(id, { transaction: txn });
          if (alert === undefined) continue;
          records.set(k, encodeValue(alert));
          alerts++;
        }
      }
    } finally {
      txn.done();
    }

    try {
      await this.publishAll(records);
      let cps = 0;
      for (const [p, seq] of checkpoints) {
        // re-checked: a lease lost while publishing must not move the checkpoint
        if (this.verdict(p) !== 'publish') continue;
        if (seq <= (this.published.get(p) ?? 0)) continue;
        await kv.put(checkpointKey(p), encodeCheckpoint(seq));
        this.published.set(p, seq);
        cps++;
      }
      const removals = [...taken, ...dropped].map((k) => store.outbox.remove(k));
      await Promise.all(removals);
      const stats: FlushStats = { entries: taken.length, households, alerts, checkpoints: cps, dropped: dropped.length };
      if (stats.entries + stats.dropped > 0) this.emit('flushed', stats);
      return stats;
    } catch (cause) {
      throw new ChangelogError('LIFELINE_ERR_CHANGELOG_PUBLISH', `changelog flush failed: ${(cause as Error).message}`, { cause, retriable: true });
    }
  }

  /** Publishes with up to `inFlight` acks outstanding. */
  private async publishAll(records: Map<string, Uint8Array>): Promise<void> {
    const it = records.entries();
    const worker = async (): Promise<void> => {
      for (let next = it.next(); !next.done; next = it.next()) {
        const [k, v] = next.value;
        await this.kv.put(k, v);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.inFlight, records.size) }, worker));
  }

  private warn(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }
}
