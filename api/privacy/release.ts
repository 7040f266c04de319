/**
 * Every count a role without personal-data access can reach (map cells, /v1/stats with or without
 * ?township=, /v1/stats/summary of any month or quarter), built together as one release and
 * protected once by the rule of `rule.ts`: the same cell is hidden in every answer, and the
 * identities that tie answers together are constraints of that one protection.
 *
 * Cells (`family|period|region`, region `city` or a district, township or community id):
 * - now: households `h` and tiers `t1`–`t3` (every level), open alerts `oa` (every level),
 *   overdue `ov` (city, districts, townships), alerts per status and level `al:<s>:<l>` and per
 *   level `bl:<l>` (city, townships), need types `nt:<type>` (city);
 * - per month and quarter, by city, district and township (analysts get no summary by community:
 *   the coarsening that keeps small areas out of the flows): created `ct`/`cu`/`cg`/`cty:<type>`,
 *   verified `vt`/`von`/`vla`/`vo:<outcome>`, disposed `dt`/`dwr`/`dp:<code>`/`ds:<code>`,
 *   closed `cl`; active and overdue at the period's end only while the period is current (then
 *   the same cells as `oa` and `ov`; a past period's stock would tie months together).
 * Identities: region trees, tiers, statuses and levels, months into quarters, splits by level,
 * type and outcome, and the life cycle over all time (every alert ever created is in some status
 * now; every verified one was verified in some month; likewise disposed and closed).
 */
import type { Alert } from '../../engine/alerts/types.js';
import { ALERT_LEVELS, ALERT_STATUSES, ALERT_TYPES, VERIFICATION_OUTCOMES } from '../../engine/alerts/types.js';
import { isOverdue } from '../../engine/alerts/lifecycle.js';
import { POLICY_CODES, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { NEED_TYPES } from '../../engine/types.js';
import type { RegionLayout } from '../../connectors/city/regions.js';
import type { Aggregates } from '../aggregates.js';
import { derivableSmall, protect, type Protection, type SumConstraint } from './rule.js';

const TZ = 8 * 3600_000;
export const CITY = 'city';
export const NOW = 'now';

/** `2026-06` of an instant in the city's calendar (UTC+8). */
export const monthOf = (t: number): string => new Date(t + TZ).toISOString().slice(0, 7);
export const quarterOfMonth = (m: string): string => `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`;
const monthStart = (m: string): number => Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)) - 1, 1) - TZ;
const nextMonth = (m: string): string => monthOf(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 1) - TZ + 1);
const monthsOfQuarter = (q: string): string[] => {
  const first = (Number(q.slice(6)) - 1) * 3 + 1;
  return [0, 1, 2].map((i) => `${q.slice(0, 4)}-${String(first + i).padStart(2, '0')}`);
};

export const FLOW_FAMILIES = [
  'ct',
  'cu',
  'cg',
  ...ALERT_TYPES.map((t) => `cty:${t}`),
  'vt',
  'von',
  'vla',
  ...VERIFICATION_OUTCOMES.map((o) => `vo:${o}`),
  'dt',
  'dwr',
  ...POLICY_CODES.map((c) => `dp:${c}`),
  ...SERVICE_CODES.map((c) => `ds:${c}`),
  'cl',
] as const;

export const cellId = (family: string, period: string, region: string): string => `${family}|${period}|${region}`;

interface Regions {
  districts: Set<string>;
  townships: Map<string, string>; // → district
  communities: Map<string, string>; // → township
}

function regionsOf(agg: Aggregates, alerts: Iterable<Alert>, layout: RegionLayout | null | undefined): Regions {
  const r: Regions = { districts: new Set(), townships: new Map(), communities: new Map() };
  const add = (d: string, t: string, c: string | null) => {
    r.districts.add(d);
    r.townships.set(t, d);
    if (c !== null) r.communities.set(c, t);
  };
  for (const t of layout?.townships ?? []) add(t.districtId, t.id, null);
  for (const c of layout?.communities ?? []) add(c.districtId, c.townshipId, c.id);
  for (const [id, c] of agg.byCommunity) add(c.districtId, c.townshipId, id);
  for (const a of alerts) add(a.region.districtId, a.region.townshipId, a.region.communityId);
  return r;
}

export interface ReleaseInput {
  agg: Aggregates;
  /** Every alert, closed ones included (read twice). */
  alerts: () => Iterable<Alert>;
  now: number;
  k: number;
  layout?: RegionLayout | null;
}

export class AnalystRelease {
  readonly builtAt: number;
  readonly householdsAsOf: number;
  readonly k: number;
  /** First and last month with cells (months outside have no alert activity: their flows are 0). */
  readonly months: readonly string[];
  readonly currentMonth: string;
  private protected: Protection | null = null;
  /** Level of every region id the release holds. */
  readonly levels: ReadonlyMap<string, 'district' | 'township' | 'community'>;
  private readonly values: Map<string, number>;
  private readonly constraints: SumConstraint[];

  private constructor(input: ReleaseInput) {
    const { agg, now, k } = input;
    this.builtAt = now;
    this.householdsAsOf = agg.builtAt;
    this.k = k;
    this.currentMonth = monthOf(now);
    const v = (this.values = new Map<string, number>());
    const constraints: SumConstraint[] = (this.constraints = []);
    const regions = regionsOf(agg, input.alerts(), input.layout);
    this.levels = new Map<string, 'district' | 'township' | 'community'>([
      ...[...regions.districts].map((d) => [d, 'district'] as const),
      ...[...regions.townships.keys()].map((t) => [t, 'township'] as const),
      ...[...regions.communities.keys()].map((c) => [c, 'community'] as const),
    ]);
    const inc = (id: string, n = 1) => v.set(id, (v.get(id) ?? 0) + n);
    const set0 = (id: string) => v.has(id) || v.set(id, 0);

    // months: from the first alert's to the end of the current quarter
    let first = this.currentMonth;
    for (const a of input.alerts()) for (const t of [a.createdAt, a.verification?.at, a.disposition?.at, a.closedAt]) if (typeof t === 'number' && monthOf(t) < first) first = monthOf(t);
    const months: string[] = [];
    const lastMonth = monthsOfQuarter(quarterOfMonth(this.currentMonth))[2]!;
    for (let m = first; m <= lastMonth; m = nextMonth(m)) months.push(m);
    this.months = months;
    const quarters = [...new Set(months.map(quarterOfMonth))];

    // ---- households now, every level
    const up = (community: string): string[] => {
      const t = regions.communities.get(community)!;
      return [community, t, regions.townships.get(t)!, CITY];
    };
    for (const [id, c] of agg.byCommunity) {
      for (const r of up(id)) {
        inc(cellId('h', NOW, r), c.households);
        inc(cellId('t1', NOW, r), c.tier1);
        inc(cellId('t2', NOW, r), c.tier2);
        inc(cellId('t3', NOW, r), c.tier3);
      }
    }
    for (const t of NEED_TYPES) inc(cellId(`nt:${t}`, NOW, CITY), agg.needTypes[t] ?? 0);

    // ---- alerts now and their flows per month
    for (const a of input.alerts()) {
      const [c, t, d] = [a.region.communityId, a.region.townshipId, a.region.districtId];
      for (const r of [c, t, d, CITY]) if (a.status !== 'closed') inc(cellId('oa', NOW, r));
      for (const r of [t, d, CITY]) if (isOverdue(a, now)) inc(cellId('ov', NOW, r));
      for (const r of [t, CITY]) {
        inc(cellId(`al:${a.status}:${a.level}`, NOW, r));
        inc(cellId(`bl:${a.level}`, NOW, r));
      }
      const flow = (family: string, at: number) => {
        const m = monthOf(at);
        for (const p of [m, quarterOfMonth(m)]) for (const r of [t, d, CITY]) inc(cellId(family, p, r));
      };
      flow('ct', a.createdAt);
      flow(a.level === 'urgent' ? 'cu' : 'cg', a.createdAt);
      flow(`cty:${a.type}`, a.createdAt);
      const ver = a.verification;
      if (ver) {
        flow('vt', ver.at);
        flow(ver.at <= a.dueAt ? 'von' : 'vla', ver.at);
        flow(`vo:${ver.outcome}`, ver.at);
      }
      const dis = a.disposition;
      if (dis) {
        flow('dt', dis.at);
        if (dis.referrals.length > 0) flow('dwr', dis.at);
        for (const ref of dis.referrals) flow(`${ref.kind === 'policy' ? 'dp' : 'ds'}:${ref.code}`, dis.at);
      }
      if (a.closedAt !== null) flow('cl', a.closedAt);
    }

    // ---- every cell exists (zeros included) and the constraints between them
    const townships = [...regions.townships.keys()];
    const districts = [...regions.districts];
    const communitiesOf = new Map<string, string[]>();
    for (const [c, t] of regions.communities) communitiesOf.set(t, [...(communitiesOf.get(t) ?? []), c]);
    const townshipsOf = new Map<string, string[]>();
    for (const [t, d] of regions.townships) townshipsOf.set(d, [...(townshipsOf.get(d) ?? []), t]);
    const tree = (family: string, period: string, withCommunities: boolean) => {
      constraints.push({ total: cellId(family, period, CITY), parts: districts.map((d) => cellId(family, period, d)) });
      for (const d of districts) constraints.push({ total: cellId(family, period, d), parts: (townshipsOf.get(d) ?? []).map((t) => cellId(family, period, t)) });
      if (withCommunities) for (const t of townships) constraints.push({ total: cellId(family, period, t), parts: (communitiesOf.get(t) ?? []).map((c) => cellId(family, period, c)) });
    };
    const all = [CITY, ...districts, ...townships];
    for (const f of ['h', 't1', 't2', 't3', 'oa']) {
      for (const r of [...all, ...regions.communities.keys()]) set0(cellId(f, NOW, r));
      tree(f, NOW, true);
    }
    for (const r of [...all, ...regions.communities.keys()]) constraints.push({ total: cellId('h', NOW, r), parts: ['t1', 't2', 't3'].map((f) => cellId(f, NOW, r)) });
    for (const r of all) set0(cellId('ov', NOW, r));
    tree('ov', NOW, false);
    for (const t of NEED_TYPES) set0(cellId(`nt:${t}`, NOW, CITY));
    const stateRegions = [CITY, ...townships];
    for (const r of stateRegions) {
      for (const l of ALERT_LEVELS) {
        for (const s of ALERT_STATUSES) set0(cellId(`al:${s}:${l}`, NOW, r));
        set0(cellId(`bl:${l}`, NOW, r));
        constraints.push({ total: cellId(`bl:${l}`, NOW, r), parts: ALERT_STATUSES.map((s) => cellId(`al:${s}:${l}`, NOW, r)) });
      }
      constraints.push({ total: cellId('oa', NOW, r), parts: ALERT_STATUSES.filter((s) => s !== 'closed').flatMap((s) => ALERT_LEVELS.map((l) => cellId(`al:${s}:${l}`, NOW, r))) });
    }
    for (const f of [...ALERT_STATUSES.flatMap((s) => ALERT_LEVELS.map((l) => `al:${s}:${l}`)), ...ALERT_LEVELS.map((l) => `bl:${l}`)]) {
      constraints.push({ total: cellId(f, NOW, CITY), parts: townships.map((t) => cellId(f, NOW, t)) });
    }
    const periods = [...months, ...quarters];
    for (const p of periods) {
      for (const f of FLOW_FAMILIES) {
        for (const r of all) set0(cellId(f, p, r));
        tree(f, p, false);
      }
      for (const r of all) {
        const c = (f: string) => cellId(f, p, r);
        constraints.push({ total: c('ct'), parts: [c('cu'), c('cg')] });
        constraints.push({ total: c('ct'), parts: ALERT_TYPES.map((t) => c(`cty:${t}`)) });
        constraints.push({ total: c('vt'), parts: [c('von'), c('vla')] });
        constraints.push({ total: c('vt'), parts: VERIFICATION_OUTCOMES.map((o) => c(`vo:${o}`)) });
      }
    }
    for (const q of quarters) for (const f of FLOW_FAMILIES) for (const r of all) constraints.push({ total: cellId(f, q, r), parts: monthsOfQuarter(q).map((m) => cellId(f, m, r)) });
    // over all time: what was created, verified, disposed, closed is what the statuses now hold
    for (const r of stateRegions) {
      const sum = (f: string) => months.map((m) => cellId(f, m, r));
      const st = (ss: readonly string[]) => ss.flatMap((s) => ALERT_LEVELS.map((l) => cellId(`al:${s}:${l}`, NOW, r)));
      constraints.push({ total: cellId('bl:urgent', NOW, r), parts: sum('cu') });
      constraints.push({ total: cellId('bl:general', NOW, r), parts: sum('cg') });
      constraints.push(...linear(st(['verified', 'disposed', 'closed']), sum('vt')));
      constraints.push(...linear(st(['disposed', 'closed']), sum('dt')));
      constraints.push(...linear(st(['closed']), sum('cl')));
    }
  }

  /** Builds the cells, then protects them (yielding to the event loop while it checks). */
  static async build(input: ReleaseInput): Promise<AnalystRelease> {
    const r = new AnalystRelease(input);
    r.protected = await protect(r.values, r.constraints, r.k);
    return r;
  }

  get protection(): Protection {
    if (!this.protected) throw new Error('AnalystRelease used before build() protected it');
    return this.protected;
  }

  /** A cell's count, or null when the rule hides it. */
  get(family: string, period: string, region: string): number | null {
    // a quarter's flows are shown as the sum of its shown months, or not at all: a quarter of its
    // own would be one more equation over the months' hidden cells
    if (period.includes('Q') && (FLOW_FAMILIES as readonly string[]).includes(family)) {
      let sum = 0;
      for (const m of monthsOfQuarter(period)) {
        const v = this.get(family, m, region);
        if (v === null) return null;
        sum += v;
      }
      return sum;
    }
    const id = cellId(family, period, region);
    if (this.protection.hidden.has(id)) return null;
    const n = this.values.get(id);
    if (n !== undefined) return n;
    // a month or quarter outside the release had no activity at all
    return period !== NOW && (FLOW_FAMILIES as readonly string[]).includes(family) && !this.values.has(cellId(family, NOW, region)) ? 0 : null;
  }

  /** Hidden cells under k that the release's own identities still determine (empty unless the rule failed). */
  selfCheck(): string[] {
    return derivableSmall(this.values, this.constraints, this.protection.hidden, this.k).derivable;
  }

  /** The identities of the release that hold a cell (tests). */
  constraintsOf(id: string): SumConstraint[] {
    return this.constraints.filter((c) => c.total === id || c.parts.includes(id) || (c.more ?? []).includes(id));
  }

  /** The true count behind a cell (tests only; never answered to a caller). */
  trueValue(family: string, period: string, region: string): number {
    return this.values.get(cellId(family, period, region)) ?? 0;
  }
}

/** `Σ a = Σ b` as one constraint. */
function linear(a: readonly string[], b: readonly string[]): SumConstraint[] {
  if (a.length === 0 || b.length === 0) return [];
  return [{ total: a[0]!, more: a.slice(1), parts: b }];
}

export { monthStart };
