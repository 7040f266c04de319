/** Options of the department simulators. */
import type { Kind } from '../../engine/types.js';
import { ConnectorError } from '../errors.js';
import { WORKLOADS, realisticGapMs, type Workload } from './workload.js';

export interface FeedOptions {
  /** Seeds every random choice; same seed and city → the same updates, ids and times. Default 1. */
  seed?: number;
  /** Simulated time of the first update, epoch ms. Default: the city's reference date, 08:00 UTC. */
  startAt?: number;
  /**
   * Mean simulated time between two updates, ms (exponential gaps). Default: 1000 for the bench
   * workload; for the realistic one, one simulated day per day's worth of the city's updates
   * (workload.ts), so the simulated calendar is true.
   */
  meanGapMs?: number;
  /**
   * Which mix (workload.ts): 'realistic' (alerts at the Hangzhou pilot's rate) or 'bench' (the
   * heavy mix, about one update in twenty raises an alert). Default: 'realistic' for a live feed
   * (a wall `clock` is given: `lifeline start`, `lifeline feed`), 'bench' on the simulator's own
   * clock (the benches and the batch tests).
   */
  workload?: Workload;
  /** Rates per kind replacing the workload's (rates.ts); missing kinds keep the workload's, 0 switches a kind off. */
  rates?: Partial<Record<Kind, number>>;
  /** Tag inside every update id, so runs of different seeds never collide. Default: the seed in base 36. */
  runTag?: string;
}

export interface ResolvedFeedOptions {
  seed: number;
  startAt: number | undefined;
  meanGapMs: number;
  workload: Workload;
  rates: Partial<Record<Kind, number>>;
  runTag: string;
}

/** What the defaults depend on: the city's size and whether the feed runs on a wall clock. */
export interface FeedDefaults {
  households: number;
  live: boolean;
}

export function resolveFeedOptions(o: FeedOptions, at: FeedDefaults = { households: 10_000, live: false }): ResolvedFeedOptions {
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `seed: must be an integer, got ${seed}`);
  const workload = o.workload ?? (at.live ? 'realistic' : 'bench');
  if (!(WORKLOADS as readonly string[]).includes(workload)) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `workload: one of ${WORKLOADS.join(', ')}, got ${String(workload)}`);
  }
  const meanGapMs = o.meanGapMs ?? (workload === 'realistic' ? realisticGapMs(Math.max(1, at.households)) : 1000);
  if (!(meanGapMs > 0)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `meanGapMs: must be positive, got ${meanGapMs}`);
  if (o.startAt !== undefined && !(Number.isInteger(o.startAt) && o.startAt >= 0)) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `startAt: must be epoch ms, got ${o.startAt}`);
  }
  for (const [k, v] of Object.entries(o.rates ?? {})) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `rates.${k}: must be a finite number ≥ 0`);
  }
  const runTag = o.runTag ?? (seed >>> 0).toString(36);
  if (!/^[a-z0-9]{1,16}$/.test(runTag)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `runTag: 1–16 lowercase letters or digits, got ${runTag}`);
  return { seed, startAt: o.startAt, meanGapMs, workload, rates: o.rates ?? {}, runTag };
}
