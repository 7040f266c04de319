/** Options of the department simulators. */
import type { Kind } from '../../engine/types.js';
import { ConnectorError } from '../errors.js';

export interface FeedOptions {
  /** Seeds every random choice; same seed and city → the same updates, ids and times. Default 1. */
  seed?: number;
  /** Simulated time of the first update, epoch ms. Default: the city's reference date, 08:00 UTC. */
  startAt?: number;
  /** Mean simulated time between two updates, ms (exponential gaps). Default 1000. */
  meanGapMs?: number;
  /** Relative rates per kind (see rates.ts); missing kinds keep the default, 0 switches a kind off. */
  rates?: Partial<Record<Kind, number>>;
  /** Tag inside every update id, so runs of different seeds never collide. Default: the seed in base 36. */
  runTag?: string;
}

export interface ResolvedFeedOptions {
  seed: number;
  startAt: number | undefined;
  meanGapMs: number;
  rates: Partial<Record<Kind, number>>;
  runTag: string;
}

export function resolveFeedOptions(o: FeedOptions): ResolvedFeedOptions {
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `seed: must be an integer, got ${seed}`);
  const meanGapMs = o.meanGapMs ?? 1000;
  if (!(meanGapMs > 0)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `meanGapMs: must be positive, got ${meanGapMs}`);
  if (o.startAt !== undefined && !(Number.isInteger(o.startAt) && o.startAt >= 0)) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `startAt: must be epoch ms, got ${o.startAt}`);
  }
  for (const [k, v] of Object.entries(o.rates ?? {})) {
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v))) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `rates.${k}: must be a finite number ≥ 0`);
  }
  const runTag = o.runTag ?? (seed >>> 0).toString(36);
  if (!/^[a-z0-9]{1,16}$/.test(runTag)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_FEED_OPTION', `runTag: 1–16 lowercase letters or digits, got ${runTag}`);
  return { seed, startAt: o.startAt, meanGapMs, rates: o.rates ?? {}, runTag };
}
