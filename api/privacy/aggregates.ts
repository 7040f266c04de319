/**
 * The answers of the aggregate routes for roles without personal-data access, every figure taken
 * from one protected release (release.ts, rule.ts): /v1/map/townships, /v1/map/communities,
 * /v1/stats (with or without ?township=) and /v1/stats/summary. Roles with personal-data access
 * (caseworkers, admins) get the exact counts from the routes themselves.
 */
import type { Alert } from '../../engine/alerts/types.js';
import { ALERT_LEVELS, ALERT_STATUSES, ALERT_TYPES, VERIFICATION_OUTCOMES } from '../../engine/alerts/types.js';
import { POLICY_CODES, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { NEED_TYPES } from '../../engine/types.js';
import type { ApiContext } from '../context.js';
import { validation } from '../errors.js';
import { AGGREGATE_TTL_MS } from '../options.js';
import { AnalystRelease, CITY, NOW } from './release.js';

const releases = new WeakMap<ApiContext, { release: AnalystRelease; at: number } | Promise<AnalystRelease>>();

/** The current release: rebuilt when the household aggregates were rebuilt or it is older than AGGREGATE_TTL_MS. */
export async function analystRelease(ctx: ApiContext): Promise<AnalystRelease> {
  const agg = await ctx.aggregates.get();
  const cur = releases.get(ctx);
  if (cur instanceof Promise) return cur;
  if (cur && cur.release.householdsAsOf === agg.builtAt && ctx.now() - cur.at < AGGREGATE_TTL_MS) return cur.release;
  const store = ctx.alertStore;
  const alerts = function* (): Iterable<Alert> {
    for (const { value } of store.alerts.getRange({})) yield value;
  };
  const building = AnalystRelease.build({ agg, alerts, now: ctx.now(), k: ctx.config.api.kAnonymity, layout: ctx.deps.layout ?? null });
  releases.set(ctx, building);
  try {
    const release = await building;
    releases.set(ctx, { release, at: ctx.now() });
    return release;
  } catch (err) {
    releases.delete(ctx);
    throw err;
  }
}

/** Tier counts of a region now (null where hidden). */
export function tiersOf(r: AnalystRelease, region: string) {
  return { households: r.get('h', NOW, region), tier1: r.get('t1', NOW, region), tier2: r.get('t2', NOW, region), tier3: r.get('t3', NOW, region) };
}

function statusLevel(r: AnalystRelease, region: string): Record<string, Record<string, number | null>> {
  return Object.fromEntries(ALERT_STATUSES.map((s) => [s, Object.fromEntries(ALERT_LEVELS.map((l) => [l, r.get(`al:${s}:${l}`, NOW, region)]))]));
}

/** GET /v1/stats for an analyst: the city, or one township. */
export function statsView(r: AnalystRelease, now: number, township: string | undefined): Record<string, unknown> {
  const region = township ?? CITY;
  const townships = township !== undefined ? [township] : [...r.levels].filter(([, l]) => l === 'township').map(([id]) => id).sort();
  return {
    asOf: now,
    householdsAsOf: r.householdsAsOf,
    kAnonymity: r.k,
    tiers: tiersOf(r, region),
    needTypes: township === undefined ? Object.fromEntries(NEED_TYPES.map((t) => [t, r.get(`nt:${t}`, NOW, CITY)])) : undefined,
    alerts: {
      byLevel: Object.fromEntries(ALERT_LEVELS.map((l) => [l, r.get(`bl:${l}`, NOW, region)])),
      byStatus: statusLevel(r, region),
      byTownship: Object.fromEntries(townships.map((t) => [t, { byStatus: statusLevel(r, t), active: r.get('oa', NOW, t), overdue: r.get('ov', NOW, t) }])),
      overdue: r.get('ov', NOW, region),
    },
  };
}

/** GET /v1/stats/summary for an analyst: the city, a district or a township (never a community: too small an area for flows). */
export function summaryView(
  r: AnalystRelease,
  q: { period: 'month' | 'quarter'; region?: string | undefined },
  bounds: { start: number; end: number; label: string },
  now: number,
  medianHours: number | null,
): Record<string, unknown> {
  const region = q.region ?? CITY;
  if (region !== CITY) {
    const level = r.levels.get(region);
    if (level !== 'district' && level !== 'township') throw validation('region', 'must be a district or township id: summaries for this role are not given for smaller areas');
  }
  const p = bounds.label;
  const g = (f: string) => r.get(f, p, region);
  const nonZero = (codes: readonly string[], prefix: string) => Object.fromEntries(codes.map((c) => [c, g(`${prefix}:${c}`)]).filter(([, v]) => v !== 0));
  const vt = g('vt');
  const von = g('von');
  // stocks at the period's end are today's while the period runs; a past one's would tie periods together
  const current = bounds.end > now;
  return {
    period: q.period,
    label: p,
    start: bounds.start,
    end: bounds.end,
    region: q.region ?? null,
    kAnonymity: r.k,
    alerts: {
      created: { total: g('ct'), urgent: g('cu'), general: g('cg'), byType: Object.fromEntries(ALERT_TYPES.map((t) => [t, g(`cty:${t}`)])) },
      verified: {
        total: vt,
        onTime: von,
        late: g('vla'),
        onTimeRate: vt !== null && von !== null && vt > 0 ? von / vt : null,
        byOutcome: Object.fromEntries(VERIFICATION_OUTCOMES.map((o) => [o, g(`vo:${o}`)])),
        medianHoursToVerify: vt !== null && vt >= r.k ? medianHours : null,
      },
      disposed: { total: g('dt'), withReferral: g('dwr'), policies: nonZero(POLICY_CODES, 'dp'), services: nonZero(SERVICE_CODES, 'ds') },
      closed: g('cl'),
      activeAtEnd: current ? r.get('oa', NOW, region) : null,
      overdueAtEnd: current ? r.get('ov', NOW, region) : null,
    },
    tiersNow: tiersOf(r, region),
    householdsAsOf: r.householdsAsOf,
  };
}

/** Map properties of one township or community for an analyst. */
export function mapCell(r: AnalystRelease, region: string): { suppressed: boolean; households: number | null; tier1: number | null; tier2: number | null; tier3: number | null; openAlerts: number | null } {
  const t = tiersOf(r, region);
  const openAlerts = r.get('oa', NOW, region);
  return { suppressed: t.households === null, ...t, openAlerts };
}

/** What a township's hidden communities hold together, per figure: only where the township's own figure is shown (it is then derivable anyway). */
export function mergedRemainder(r: AnalystRelease, township: string, communities: readonly string[]): Record<string, number | null> & { communities: number } {
  const hiddenComms = communities.filter((c) => r.get('h', NOW, c) === null);
  const out: Record<string, number | null> = {};
  for (const [key, f] of [['households', 'h'], ['tier1', 't1'], ['tier2', 't2'], ['tier3', 't3'], ['openAlerts', 'oa']] as const) {
    const total = r.get(f, NOW, township);
    const shown = communities.map((c) => r.get(f, NOW, c));
    out[key] = total === null ? null : total - shown.reduce<number>((n, v) => n + (v ?? 0), 0);
  }
  return { ...out, communities: hiddenComms.length };
}
