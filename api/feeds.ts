/**
 * Feed health per department: when it last sent an update, its rate and rejection rate over a
 * sliding window, and whether it has gone silent longer than `feeds.staleAfterSec`. Fed by the
 * HTTP intake and, when the engine offers it, by the engine's per-batch counts.
 */
import { Gauge, type Registry } from 'prom-client';
import { DEPARTMENT_CODES } from '../engine/catalogue/departments.js';
import { sourceLabel, UNKNOWN } from '../connectors/publisher/metrics.js';

/** Width of the rate window (ms, 5 minutes) and of one bucket in it (ms, 10 s). */
export const FEED_WINDOW_MS = 5 * 60_000;
export const FEED_BUCKET_MS = 10_000;

interface Bucket {
  at: number;
  received: number;
  rejected: number;
}

/** One department's counters; also what is persisted per department (api/feeds-store.ts). */
export interface Feed {
  lastAt: number | null;
  total: number;
  rejectedTotal: number;
  buckets: Bucket[];
}

export interface FeedHealth {
  source: string;
  lastUpdateAt: number | null;
  /** Updates per second over the window. */
  ratePerSec: number;
  /** Rejected share over the window (0–1), null when nothing arrived. */
  rejectionRate: number | null;
  received: number;
  rejected: number;
  stale: boolean;
  silentSec: number | null;
}

export class FeedTracker {
  private readonly feeds = new Map<string, Feed>();
  private startedAt: number;

  constructor(
    private readonly staleAfterSec: number,
    private readonly now: () => number,
    registry?: Registry,
  ) {
    this.startedAt = now();
    for (const d of DEPARTMENT_CODES) this.feeds.set(d, { lastAt: null, total: 0, rejectedTotal: 0, buckets: [] });
    if (registry) this.register(registry);
  }

  observe(rawSource: string, received: number, rejected: number, at = this.now()): void {
    // only catalogue sources get a row: anything a client made up is counted under `unknown`
    const source = sourceLabel(rawSource);
    let f = this.feeds.get(source);
    if (!f) this.feeds.set(source, (f = { lastAt: null, total: 0, rejectedTotal: 0, buckets: [] }));
    f.lastAt = Math.max(f.lastAt ?? 0, at);
    f.total += received;
    f.rejectedTotal += rejected;
    const slot = at - (at % FEED_BUCKET_MS);
    const last = f.buckets[f.buckets.length - 1];
    if (last && last.at === slot) {
      last.received += received;
      last.rejected += rejected;
    } else f.buckets.push({ at: slot, received, rejected });
    const cutoff = at - FEED_WINDOW_MS;
    while (f.buckets.length > 0 && f.buckets[0]!.at < cutoff) f.buckets.shift();
  }

  health(): FeedHealth[] {
    const now = this.now();
    const cutoff = now - FEED_WINDOW_MS;
    const windowSec = Math.max(1, Math.min(FEED_WINDOW_MS, now - this.startedAt) / 1000);
    return [...this.feeds.entries()].map(([source, f]) => {
      let received = 0;
      let rejected = 0;
      for (const b of f.buckets) if (b.at >= cutoff) ((received += b.received), (rejected += b.rejected));
      const silentMs = now - (f.lastAt ?? this.startedAt);
      return {
        source,
        lastUpdateAt: f.lastAt,
        ratePerSec: received / windowSec,
        rejectionRate: received > 0 ? rejected / received : null,
        received: f.total,
        rejected: f.rejectedTotal,
        stale: source !== UNKNOWN && silentMs > this.staleAfterSec * 1000,
        silentSec: f.lastAt === null ? null : Math.round(silentMs / 1000),
      };
    });
  }

  /** A copy of every source's counters, for persistence. */
  exportState(): Map<string, Feed> {
    return new Map([...this.feeds].map(([k, f]) => [k, { ...f, buckets: f.buckets.map((b) => ({ ...b })) }]));
  }

  /** Replaces the counters of the given sources (a restart's load); rates count from the oldest restored bucket. */
  importState(records: ReadonlyMap<string, Feed>): void {
    for (const [source, f] of records) {
      // a stored row is a label too: one a client made up (an older version's, or written by hand) is not restored
      if (sourceLabel(source) !== source) continue;
      this.feeds.set(source, { lastAt: f.lastAt, total: f.total, rejectedTotal: f.rejectedTotal, buckets: f.buckets.map((b) => ({ ...b })) });
      for (const b of f.buckets) this.startedAt = Math.min(this.startedAt, b.at);
    }
  }

  private register(registry: Registry): void {
    const self = this;
    const mk = (name: string, help: string, pick: (h: FeedHealth) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['source'],
        registers: [registry],
        collect() {
          for (const h of self.health()) {
            const v = pick(h);
            if (v === null) this.remove({ source: h.source });
            else this.set({ source: h.source }, v);
          }
        },
      });
    // one tracker per registry: a second app on the same registry keeps the first one's gauges
    if (registry.getSingleMetric('lifeline_feed_stale')) return;
    const window = `${FEED_WINDOW_MS / 60_000} minutes`;
    mk('lifeline_feed_last_update_timestamp_seconds', 'Time of the last update received from each department (absent until one arrives); unit: seconds since the Unix epoch.', (h) =>
      h.lastUpdateAt === null ? null : h.lastUpdateAt / 1000,
    );
    mk('lifeline_feed_updates_per_second', `Updates received from each department, averaged over the last ${window}; unit: updates per second.`, (h) => h.ratePerSec);
    mk('lifeline_feed_rejection_ratio', `Share of each department's updates rejected over the last ${window} (absent when none arrived); unit: ratio 0–1.`, (h) => h.rejectionRate);
    mk('lifeline_feed_stale', 'Whether a department has been silent longer than feeds.staleAfterSec; unit: boolean (1 stale, 0 live).', (h) => (h.stale ? 1 : 0));
  }
}
