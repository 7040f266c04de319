/**
 * Monthly monitoring and quarterly evaluation of the help loop (月监测、季评价), per service and
 * township: need (alerts verified as confirmed in the period whose household needs the service),
 * orders dispatched, completed, declined, completion rate, waiting time (dispatch → the site's
 * answer), places within reach, shortfall (need beyond places) and unmet need (needs with no order
 * standing). Read from the help view and the alert store; kept 30 s per period.
 */
import { monthOf, quarterOf } from '../../engine/help/capacity.js';
import { siteServesTownship } from '../../engine/help/matching.js';
import type { Store } from '../../workers/store/index.js';
import { hasPersonalDataAccess, type Principal } from '../auth/index.js';
import type { HelpView } from './view.js';

export type Period = 'month' | 'quarter';

export interface HelpStatsRow {
  service: string;
  townshipId: string | null;
  need: number | null;
  orders: number | null;
  completed: number | null;
  declined: number | null;
  /** completed / (orders − declined): a declined order is re-matched, its need carries on. */
  completionRate: number | null;
  waitingHoursP50: number | null;
  waitingHoursMean: number | null;
  places: number;
  shortfall: number | null;
  unmet: number | null;
}

export interface HelpStats {
  period: Period;
  at: string;
  policies: { policy: string; submitted: number | null; approved: number | null; rejected: number | null; waitingHoursP50: number | null }[];
  services: HelpStatsRow[];
  townships: HelpStatsRow[];
  totals: Omit<HelpStatsRow, 'service' | 'townshipId'>;
}

interface Acc {
  need: Set<string>;
  served: Set<string>;
  orders: number;
  completed: number;
  declined: number;
  waits: number[];
  places: number;
}
const acc = (): Acc => ({ need: new Set(), served: new Set(), orders: 0, completed: 0, declined: 0, waits: [], places: 0 });

const periodOf = (period: Period, at: number): string => (period === 'month' ? monthOf(at) : quarterOf(at));
const monthsIn = (period: Period): number => (period === 'month' ? 1 : 3);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/** Hours, one decimal, of a duration in ms. */
const hours = (ms: number): number => Math.round((ms / 3.6e6) * 10) / 10;

function rowOf(service: string, townshipId: string | null, a: Acc): HelpStatsRow {
  const live = a.orders - a.declined;
  const unmet = [...a.need].filter((k) => !a.served.has(k)).length;
  return {
    service,
    townshipId,
    need: a.need.size,
    orders: a.orders,
    completed: a.completed,
    declined: a.declined,
    completionRate: live > 0 ? Math.round((a.completed / live) * 1000) / 1000 : null,
    waitingHoursP50: a.waits.length ? hours(median(a.waits)!) : null,
    waitingHoursMean: a.waits.length ? hours(a.waits.reduce((x, y) => x + y, 0) / a.waits.length) : null,
    places: a.places,
    shortfall: Math.max(0, a.need.size - a.places),
    unmet,
  };
}

export class HelpStatsSource {
  private readonly cache = new Map<string, { at: number; version: number; stats: HelpStats }>();

  constructor(
    private readonly view: HelpView,
    /** Where the alerts are read (the need): the city view on a node of several, else the engine's store. */
    private readonly alerts: Store,
    private readonly now: () => number,
    private readonly kAnonymity: number,
    private readonly ttlMs = 30_000,
  ) {}

  /** `at` is `YYYY-MM` (month) or `YYYY-Qn` (quarter); default the current one. */
  stats(period: Period, at: string | undefined, p: Principal): HelpStats {
    const t = this.now();
    const when = at ?? periodOf(period, t);
    // caseworkers get their townships' figures, totals included: built (and kept) per scope
    const scope = p.townships === null ? null : p.townships;
    const key = `${period}|${when}|${scope === null ? '*' : [...scope].sort().join(',')}`;
    const hit = this.cache.get(key);
    // a referral or project changed since: rebuilt at once (new verified alerts wait for the TTL)
    const fresh = hit && t - hit.at < this.ttlMs && hit.version === this.view.version;
    const full = fresh ? hit.stats : this.build(period, when, scope);
    if (!fresh) {
      if (this.cache.size >= 256) this.cache.clear();
      this.cache.set(key, { at: t, version: this.view.version, stats: full });
    }
    return this.scoped(full, p);
  }

  private build(period: Period, at: string, scope: ReadonlySet<string> | null): HelpStats {
    const inScope = (township: string): boolean => scope === null || scope.has(township);
    const cells = new Map<string, Acc>();
    const cell = (service: string, township: string): Acc => {
      const k = `${service}\u0000${township}`;
      let c = cells.get(k);
      if (!c) cells.set(k, (c = acc()));
      return c;
    };
    // need: alerts verified as confirmed in the period, by township and suggested service
    const store = this.alerts;
    store.env.resetReadTxn();
    for (const { value: a } of store.alerts.getRange()) {
      const v = a.verification;
      if (!v || v.outcome !== 'confirmed' || periodOf(period, v.at) !== at || !inScope(a.region.townshipId)) continue;
      for (const s of a.snapshot.suggestions) if (s.kind === 'service') cell(s.code, a.region.townshipId).need.add(a.id);
    }
    const policies = new Map<string, { submitted: number; approved: number; rejected: number; waits: number[] }>();
    for (const r of this.view.referrals.values()) {
      if (!inScope(r.townshipId)) continue;
      if (periodOf(period, r.createdAt) !== at) {
        // an order standing now serves a need of this period too
        if (r.kind === 'service' && r.status !== 'declined') cell(r.code, r.townshipId).served.add(r.alertId);
        continue;
      }
      if (r.kind === 'policy') {
        let pc = policies.get(r.code);
        if (!pc) policies.set(r.code, (pc = { submitted: 0, approved: 0, rejected: 0, waits: [] }));
        pc.submitted++;
        if (r.status === 'approved') pc.approved++;
        if (r.status === 'rejected') pc.rejected++;
        if (r.answeredAt !== null) pc.waits.push(r.answeredAt - r.createdAt);
        continue;
      }
      const c = cell(r.code, r.townshipId);
      c.orders++;
      if (r.status === 'completed') c.completed++;
      if (r.status === 'declined') c.declined++;
      else c.served.add(r.alertId);
      if (r.answeredAt !== null) c.waits.push(r.answeredAt - r.createdAt);
    }
    // places within reach of each township with need or orders: its own sites, its district's county site, city-wide projects
    const townships = new Set([...cells.keys()].map((k) => k.split('\u0000')[1]!));
    const months = monthsIn(period);
    for (const pr of this.view.projects.values()) {
      if (pr.retiredAt !== null) continue;
      const per = pr.capacity.unit === 'month' ? pr.capacity.places * months : pr.capacity.places;
      // a township or village site serves one township: only county sites and city-wide projects need the list
      const candidates = pr.cityWide || pr.site.level === 'county' ? townships : pr.site.townshipId !== null ? [pr.site.townshipId] : [];
      for (const s of pr.services) {
        for (const t of candidates) if (cells.has(`${s}\u0000${t}`) && (pr.cityWide || siteServesTownship(pr.site, t))) cell(s, t).places += per;
      }
    }
    const byService = new Map<string, Acc>();
    const byTownship = new Map<string, Acc>();
    const total = acc();
    const merge = (into: Acc, c: Acc, prefix: string): void => {
      for (const k of c.need) into.need.add(prefix + k);
      for (const k of c.served) if (c.need.has(k)) into.served.add(prefix + k);
      into.orders += c.orders;
      into.completed += c.completed;
      into.declined += c.declined;
      into.waits.push(...c.waits);
      into.places += c.places;
    };
    const services: HelpStatsRow[] = [];
    for (const [k, c] of cells) {
      const [service, township] = k.split('\u0000') as [string, string];
      services.push(rowOf(service, township, c));
      let s = byService.get(service);
      if (!s) byService.set(service, (s = acc()));
      merge(s, c, '');
      let t = byTownship.get(township);
      if (!t) byTownship.set(township, (t = acc()));
      merge(t, c, `${service}:`);
      merge(total, c, `${service}:`);
    }
    services.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.townshipId! < b.townshipId! ? -1 : 1));
    const { service: _s, townshipId: _t, ...totals } = rowOf('', null, total);
    return {
      period,
      at,
      policies: [...policies].sort(([a], [b]) => (a < b ? -1 : 1)).map(([policy, c]) => ({ policy, submitted: c.submitted, approved: c.approved, rejected: c.rejected, waitingHoursP50: c.waits.length ? hours(median(c.waits)!) : null })),
      services: [...[...byService].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, c]) => rowOf(s, null, c)), ...services],
      townships: [...byTownship].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, c]) => rowOf('*', t, c)),
      totals,
    };
  }

  /** Caseworkers' figures were built for their townships; roles without personal data see city-wide rows with small counts suppressed. */
  private scoped(s: HelpStats, p: Principal): HelpStats {
    if (hasPersonalDataAccess(p.role)) return s;
    const k = this.kAnonymity;
    const small = (n: number | null): number | null => (n === null || n < k ? null : n);
    const hide = (r: HelpStatsRow): HelpStatsRow => {
      const rate = r.orders !== null && r.orders >= k ? r.completionRate : null;
      return { ...r, need: small(r.need), orders: small(r.orders), completed: small(r.completed), declined: small(r.declined), unmet: small(r.unmet), shortfall: small(r.shortfall), completionRate: rate, waitingHoursP50: rate === null ? null : r.waitingHoursP50, waitingHoursMean: rate === null ? null : r.waitingHoursMean };
    };
    const services = s.services.filter((r) => r.townshipId === null).map(hide);
    // the totals are sums of the service rows: a column with a hidden row shows no total (it would give the hidden one away)
    const totals = hide({ service: '', townshipId: null, ...s.totals });
    for (const col of ['need', 'orders', 'completed', 'declined', 'unmet', 'shortfall'] as const) {
      if (services.some((r) => r[col] === null)) totals[col] = null;
    }
    if (totals.orders === null || totals.completed === null || totals.declined === null) {
      totals.completionRate = null;
      totals.waitingHoursP50 = null;
      totals.waitingHoursMean = null;
    }
    const { service: _s, townshipId: _t, ...shownTotals } = totals;
    return {
      ...s,
      policies: s.policies.map((x) => ({ policy: x.policy, submitted: small(x.submitted), approved: small(x.approved), rejected: small(x.rejected), waitingHoursP50: small(x.submitted) === null ? null : x.waitingHoursP50 })),
      services,
      townships: [],
      totals: shownTotals,
    };
  }
}
