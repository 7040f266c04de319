/**
 * Household aggregates for stats and maps: tier counts per community, township and district,
 * and the household points per township. Rebuilt by scanning the households database in slices
 * (yielding to the event loop between them) at most once per AGGREGATE_TTL_MS; answers carry
 * the time they were built.
 */
import type { Store } from '../workers/store/index.js';
import type { NeedType, Tier } from '../engine/types.js';
import { AGGREGATE_SLICE, AGGREGATE_TTL_MS } from './options.js';

export interface TierCounts {
  households: number;
  tier1: number;
  tier2: number;
  tier3: number;
}

export interface HouseholdPoint {
  id: string;
  lat: number;
  lon: number;
  tier: Tier;
  score: number;
  communityId: string;
  needTypes: NeedType[];
}

export interface Aggregates {
  builtAt: number;
  total: TierCounts;
  byDistrict: Map<string, TierCounts>;
  byTownship: Map<string, TierCounts>;
  byCommunity: Map<string, TierCounts & { townshipId: string; districtId: string }>;
  needTypes: Record<string, number>;
  pointsByTownship: Map<string, HouseholdPoint[]>;
}

export const emptyCounts = (): TierCounts => ({ households: 0, tier1: 0, tier2: 0, tier3: 0 });

function add(c: TierCounts, tier: Tier): void {
  c.households++;
  if (tier === 1) c.tier1++;
  else if (tier === 2) c.tier2++;
  else c.tier3++;
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class AggregateCache {
  private current: Aggregates | null = null;
  private building: Promise<Aggregates> | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly ttlMs = AGGREGATE_TTL_MS,
  ) {}

  /** Fresh enough aggregates; the first call waits for a build, later ones get the last build while a new one runs. */
  async get(): Promise<Aggregates> {
    const cur = this.current;
    if (cur && this.now() - cur.builtAt < this.ttlMs) return cur;
    const build = (this.building ??= this.build().finally(() => {
      this.building = null;
    }));
    return cur ?? build;
  }

  /** Drops the cached build (tests, or after a bulk load). */
  invalidate(): void {
    this.current = null;
  }

  private async build(): Promise<Aggregates> {
    const agg: Aggregates = {
      builtAt: this.now(),
      total: emptyCounts(),
      byDistrict: new Map(),
      byTownship: new Map(),
      byCommunity: new Map(),
      needTypes: {},
      pointsByTownship: new Map(),
    };
    let n = 0;
    for (const { key, value: s } of this.store.households.getRange({})) {
      const h = s.household;
      const tier = s.profile.tier;
      const r = h.region;
      add(agg.total, tier);
      add(agg.byDistrict.get(r.districtId) ?? agg.byDistrict.set(r.districtId, emptyCounts()).get(r.districtId)!, tier);
      add(agg.byTownship.get(r.townshipId) ?? agg.byTownship.set(r.townshipId, emptyCounts()).get(r.townshipId)!, tier);
      let c = agg.byCommunity.get(r.communityId);
      if (!c) agg.byCommunity.set(r.communityId, (c = { ...emptyCounts(), townshipId: r.townshipId, districtId: r.districtId }));
      add(c, tier);
      for (const t of s.profile.needTypes) agg.needTypes[t] = (agg.needTypes[t] ?? 0) + 1;
      let pts = agg.pointsByTownship.get(r.townshipId);
      if (!pts) agg.pointsByTownship.set(r.townshipId, (pts = []));
      pts.push({ id: key, lat: r.lat, lon: r.lon, tier, score: s.profile.score, communityId: r.communityId, needTypes: s.profile.needTypes });
      if (++n % AGGREGATE_SLICE === 0) await yieldToLoop();
    }
    this.current = agg;
    return agg;
  }
}
