/**
 * Household aggregates for stats and maps: tier counts per community, township and district,
 * and the household points per township. Rebuilt by scanning the households database in slices
 * (yielding to the event loop between them) at most once per AGGREGATE_TTL_MS; answers carry
 * the time they were built. Maps run in key order and points in household-id order, so a city
 * merged from its partitions (api/cluster/) reads exactly like one built in one scan.
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

function emptyAggregates(builtAt: number): Aggregates {
  return { builtAt, total: emptyCounts(), byDistrict: new Map(), byTownship: new Map(), byCommunity: new Map(), needTypes: {}, pointsByTownship: new Map() };
}

const byKey = <V>(m: Map<string, V>): Map<string, V> => new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
/** Household points in id order: the order one scan of the households database gives. */
export const byHouseholdId = (a: HouseholdPoint, b: HouseholdPoint): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The canonical order: maps and need types by key, points by household id. */
function canonical(agg: Aggregates): Aggregates {
  const needTypes: Record<string, number> = {};
  for (const k of Object.keys(agg.needTypes).sort()) needTypes[k] = agg.needTypes[k]!;
  const points = byKey(agg.pointsByTownship);
  for (const pts of points.values()) pts.sort(byHouseholdId);
  return { ...agg, byDistrict: byKey(agg.byDistrict), byTownship: byKey(agg.byTownship), byCommunity: byKey(agg.byCommunity), needTypes, pointsByTownship: points };
}

function addCounts(into: TierCounts, c: TierCounts): void {
  into.households += c.households;
  into.tier1 += c.tier1;
  into.tier2 += c.tier2;
  into.tier3 += c.tier3;
}

/**
 * Aggregates of every household in `store`, split by `groupOf(householdId)` (one group, 0, when
 * absent): one scan, in slices that yield to the event loop.
 */
export async function aggregateStore(store: Store, builtAt: number, groupOf?: (householdId: string) => number): Promise<Map<number, Aggregates>> {
  const groups = new Map<number, Aggregates>();
  let n = 0;
  for (const { key, value: s } of store.households.getRange({})) {
    const g = groupOf ? groupOf(key) : 0;
    let agg = groups.get(g);
    if (!agg) groups.set(g, (agg = emptyAggregates(builtAt)));
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
  for (const [g, agg] of groups) groups.set(g, canonical(agg));
  return groups;
}

/** One city from its parts (each partition's aggregates), in the canonical order. */
export function mergeAggregates(parts: readonly Aggregates[], builtAt: number): Aggregates {
  const out = emptyAggregates(builtAt);
  for (const a of parts) {
    addCounts(out.total, a.total);
    for (const [k, c] of a.byDistrict) addCounts(out.byDistrict.get(k) ?? out.byDistrict.set(k, emptyCounts()).get(k)!, c);
    for (const [k, c] of a.byTownship) addCounts(out.byTownship.get(k) ?? out.byTownship.set(k, emptyCounts()).get(k)!, c);
    for (const [k, c] of a.byCommunity) {
      let into = out.byCommunity.get(k);
      if (!into) out.byCommunity.set(k, (into = { ...emptyCounts(), townshipId: c.townshipId, districtId: c.districtId }));
      addCounts(into, c);
    }
    for (const [t, n] of Object.entries(a.needTypes)) out.needTypes[t] = (out.needTypes[t] ?? 0) + n;
    for (const [t, pts] of a.pointsByTownship) (out.pointsByTownship.get(t) ?? out.pointsByTownship.set(t, []).get(t)!).push(...pts);
  }
  return canonical(out);
}

/** Aggregates as JSON-safe data (maps as entry lists); points only when asked. */
export interface AggregatesWire {
  builtAt: number;
  total: TierCounts;
  byDistrict: [string, TierCounts][];
  byTownship: [string, TierCounts][];
  byCommunity: [string, TierCounts & { townshipId: string; districtId: string }][];
  needTypes: Record<string, number>;
}

export function aggregatesToWire(a: Aggregates): AggregatesWire {
  return { builtAt: a.builtAt, total: a.total, byDistrict: [...a.byDistrict], byTownship: [...a.byTownship], byCommunity: [...a.byCommunity], needTypes: a.needTypes };
}

export function aggregatesFromWire(w: AggregatesWire): Aggregates {
  return { builtAt: w.builtAt, total: w.total, byDistrict: new Map(w.byDistrict), byTownship: new Map(w.byTownship), byCommunity: new Map(w.byCommunity), needTypes: w.needTypes, pointsByTownship: new Map() };
}

/** Where stats and maps get the city's household aggregates: this node's store, or every partition's owner. */
export interface AggregateSource {
  /** Fresh enough aggregates (counts; points through `points`). */
  get(): Promise<Aggregates>;
  /** Household points of one township, in household-id order, and when they were built. */
  points(township: string): Promise<{ points: HouseholdPoint[]; builtAt: number }>;
  /** Drops the cached build (tests, or after a bulk load). */
  invalidate(): void;
}

/**
 * Aggregates rebuilt by `build` at most once per `ttlMs`: the first call waits for a build, later
 * ones get the last build while a new one runs. `build` scans this node's store (`ofStore`) or
 * gathers every partition's owner (api/cluster/).
 */
export class AggregateCache implements AggregateSource {
  private current: Aggregates | null = null;
  private building: Promise<Aggregates> | null = null;

  constructor(
    private readonly build: () => Promise<Aggregates>,
    private readonly now: () => number,
    private readonly ttlMs = AGGREGATE_TTL_MS,
  ) {}

  /** The aggregates of every household in `store`, in one scan. */
  static ofStore(store: Store, now: () => number, ttlMs = AGGREGATE_TTL_MS): AggregateCache {
    return new AggregateCache(
      async () => {
        const builtAt = now();
        return (await aggregateStore(store, builtAt)).get(0) ?? emptyAggregates(builtAt);
      },
      now,
      ttlMs,
    );
  }

  async get(): Promise<Aggregates> {
    const cur = this.current;
    if (cur && this.now() - cur.builtAt < this.ttlMs) return cur;
    const build = (this.building ??= this.build()
      .then((agg) => (this.current = agg))
      .finally(() => {
        this.building = null;
      }));
    return cur ?? build;
  }

  async points(township: string): Promise<{ points: HouseholdPoint[]; builtAt: number }> {
    const agg = await this.get();
    return { points: agg.pointsByTownship.get(township) ?? [], builtAt: agg.builtAt };
  }

  invalidate(): void {
    this.current = null;
  }
}
