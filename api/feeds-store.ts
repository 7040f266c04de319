/**
 * Feed health survives a restart: every few seconds the counters of each department that changed
 * are merged into a JetStream KV bucket (`stream.feedsBucket`, one key per department), and a
 * starting API loads them. Several nodes may share the bucket: each adds its own increments by
 * compare-and-set, so totals add up across nodes instead of the last writer winning.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { openKvBucket } from '../connectors/nats/index.js';
import type { KV } from '@nats-io/kv';
import { ApiError } from './errors.js';
import { FEED_WINDOW_MS, type Feed, type FeedTracker } from './feeds.js';

/** Pause between saves (ms, 5 s): health is minutes-grained, and each save is one KV round trip per changed department. */
export const FEED_SAVE_EVERY_MS = 5000;
/** Upper bound of one request to the bucket (ms, 10 s). */
const FEED_KV_TIMEOUT_MS = 10_000;
/** Compare-and-set attempts per department and save before leaving it to the next save. */
const CAS_ATTEMPTS = 5;

const EMPTY: Feed = { lastAt: null, total: 0, rejectedTotal: 0, buckets: [] };
const isConflict = (err: unknown): boolean => /wrong last sequence|key exists/i.test((err as Error)?.message ?? '');

function decode(v: Uint8Array): Feed | null {
  try {
    const f = JSON.parse(new TextDecoder().decode(v)) as Feed;
    return f && typeof f.total === 'number' && typeof f.rejectedTotal === 'number' && Array.isArray(f.buckets) ? f : null;
  } catch {
    return null;
  }
}

/** `base` plus what `cur` gained over `since` (counts and per-bucket counts), rate buckets trimmed to the window. */
function merge(base: Feed, cur: Feed, since: Feed): Feed {
  const buckets = new Map(base.buckets.map((b) => [b.at, { ...b }]));
  const before = new Map(since.buckets.map((b) => [b.at, b]));
  for (const b of cur.buckets) {
    const p = before.get(b.at);
    const received = b.received - (p?.received ?? 0);
    const rejected = b.rejected - (p?.rejected ?? 0);
    if (received === 0 && rejected === 0) continue;
    const m = buckets.get(b.at) ?? { at: b.at, received: 0, rejected: 0 };
    m.received += received;
    m.rejected += rejected;
    buckets.set(b.at, m);
  }
  const lastAt = base.lastAt === null ? cur.lastAt : cur.lastAt === null ? base.lastAt : Math.max(base.lastAt, cur.lastAt);
  const cutoff = (lastAt ?? 0) - FEED_WINDOW_MS;
  return {
    lastAt,
    total: base.total + cur.total - since.total,
    rejectedTotal: base.rejectedTotal + cur.rejectedTotal - since.rejectedTotal,
    buckets: [...buckets.values()].filter((b) => b.at >= cutoff).sort((a, b) => a.at - b.at),
  };
}

export class FeedHealthStore {
  /** What this node last wrote per department (its own counters then): the next save adds only what came since. */
  private saved = new Map<string, Feed>();
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<number> | null = null;

  private constructor(
    private readonly kv: KV,
    private readonly tracker: FeedTracker,
    private readonly onWarning: (err: Error) => void,
  ) {}

  /** Opens (creating when absent) the bucket, loads it into `tracker`, and saves every `everyMs`. */
  static async open(
    nc: NatsConnection,
    tracker: FeedTracker,
    opts: {
      bucket: string;
      replicas: number;
      everyMs?: number;
      onWarning?: (err: Error) => void;
      /** Told, at load and after every save, of every department's totals as the bucket holds them: every node's increments together. */
      onCity?: (all: Map<string, Feed>) => void;
    },
  ): Promise<FeedHealthStore> {
    let kv: KV;
    try {
      kv = await openKvBucket(nc, { bucket: opts.bucket, replicas: opts.replicas, timeoutMs: FEED_KV_TIMEOUT_MS });
    } catch (cause) {
      throw ApiError.of('LIFELINE_ERR_API_UNAVAILABLE', `cannot open the feed health bucket ${opts.bucket}: ${(cause as Error).message}`, { cause });
    }
    const store = new FeedHealthStore(kv, tracker, opts.onWarning ?? (() => undefined));
    await store.load();
    const onCity = opts.onCity;
    if (onCity) onCity(await store.readAll());
    const every = opts.everyMs ?? FEED_SAVE_EVERY_MS;
    if (every > 0) {
      const round = async (): Promise<void> => {
        await store.save();
        if (onCity && store.timer) onCity(await store.readAll());
      };
      store.timer = setInterval(() => void round().catch((err: unknown) => store.onWarning(err as Error)), every);
      store.timer.unref?.();
    }
    return store;
  }

  /** Writes every department whose counters changed since the last save; answers how many were written. */
  save(): Promise<number> {
    // one save at a time: two overlapping ones would add the same increments twice
    const run = async (): Promise<number> => {
      let written = 0;
      for (const [source, cur] of this.tracker.exportState()) {
        const since = this.saved.get(source) ?? EMPTY;
        if (cur.total === since.total && cur.rejectedTotal === since.rejectedTotal && cur.lastAt === since.lastAt) continue;
        if (await this.saveOne(source, cur, since)) {
          this.saved.set(source, cur);
          written++;
        }
      }
      return written;
    };
    const next = (this.saving ?? Promise.resolve(0)).catch(() => 0).then(run);
    this.saving = next;
    return next;
  }

  /** Stops the timer and saves once more. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.save();
  }

  /** Every department's counters as the bucket holds them. */
  private async readAll(): Promise<Map<string, Feed>> {
    const loaded = new Map<string, Feed>();
    for await (const k of await this.kv.keys()) {
      const e = await this.kv.get(k);
      const f = e && e.operation === 'PUT' ? decode(e.value) : null;
      if (f) loaded.set(k, f);
      else if (e && e.operation === 'PUT') this.onWarning(new Error(`feed health ${k}: stored value does not decode; starting it from zero`));
    }
    return loaded;
  }

  private async load(): Promise<void> {
    this.tracker.importState(await this.readAll());
    this.saved = this.tracker.exportState();
  }

  private async saveOne(source: string, cur: Feed, since: Feed): Promise<boolean> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const e = await this.kv.get(source);
      const stored = e && e.operation === 'PUT' ? (decode(e.value) ?? EMPTY) : EMPTY;
      const value = JSON.stringify(merge(stored, cur, since));
      try {
        if (e) await this.kv.update(source, value, e.revision);
        else await this.kv.create(source, value);
        return true;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
    this.onWarning(new Error(`feed health ${source}: other nodes kept writing it; retrying at the next save`));
    return false;
  }
}
