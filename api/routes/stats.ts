/**
 * Aggregates: GET /v1/stats (tier distribution, alerts by level, status and township, overdue)
 * and GET /v1/stats/summary (月监测、季评价: the month's or quarter's alerts, verifications,
 * dispositions and referrals). Counts only: never a name, an ID number or a household id. Roles
 * without personal-data access get every figure from the one protected release
 * (api/privacy/aggregates.ts): hidden figures are null, and summaries stop at townships.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { ALERT_LEVELS, ALERT_STATUSES, type Alert, type AlertLevel, type AlertStatus } from '../../engine/alerts/types.js';
import { counts } from '../../workers/store/index.js';
import { coversTownship, hasPersonalDataAccess, requireTownship, type Principal } from '../auth/index.js';
import { analystRelease, statsView, summaryView } from '../privacy/aggregates.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, forbidden, validation } from '../errors.js';
import { StatsQuery, SummaryQuery, toSchema } from '../schemas.js';
import { emptyCounts, type TierCounts } from '../aggregates.js';

type StatusLevel = Record<AlertStatus, Record<AlertLevel, number>>;
const zeroStatusLevel = (): StatusLevel => Object.fromEntries(ALERT_STATUSES.map((s) => [s, { urgent: 0, general: 0 }])) as StatusLevel;

/** Alert counts per township from the count index, limited to the caller's townships. */
export function alertCountsByTownship(ctx: ApiContext, p: Principal, only?: string): Map<string, StatusLevel> {
  const out = new Map<string, StatusLevel>();
  for (const { key, value } of ctx.alertStore.alertCounts.getRange({})) {
    const [t, status, level] = key;
    if ((only !== undefined && t !== only) || !coversTownship(p, t)) continue;
    let sl = out.get(t);
    if (!sl) out.set(t, (sl = zeroStatusLevel()));
    sl[status][level] += value;
  }
  return out;
}

function within(a: Alert, region: string | undefined): boolean {
  return region === undefined || a.region.districtId === region || a.region.townshipId === region || a.region.communityId === region;
}

/** [start, end) of the month or quarter holding `day` (UTC+8, the city's calendar). */
export function periodBounds(period: 'month' | 'quarter', day: string): { start: number; end: number; label: string } {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const firstMonth = period === 'month' ? m : Math.floor((m - 1) / 3) * 3 + 1;
  const months = period === 'month' ? 1 : 3;
  const tz = 8 * 3600_000;
  const start = Date.UTC(y, firstMonth - 1, 1) - tz;
  const end = Date.UTC(y, firstMonth - 1 + months, 1) - tz;
  const label = period === 'month' ? `${y}-${String(m).padStart(2, '0')}` : `${y}-Q${(firstMonth + 2) / 3}`;
  return { start, end, label };
}

export function statsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const store = ctx.alertStore;
  const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };

  app.get(
    '/v1/stats',
    { schema: { summary: 'Tier distribution and alert counts by level, status and township, with overdue counts', tags: ['stats'], querystring: toSchema(StatsQuery), response: ERR } },
    async (req) => {
      const p = guard(ctx, req, 'stats:read');
      const q = req.query as z.output<typeof StatsQuery>;
      if (q.township !== undefined) requireTownship(p, q.township);
      const now = ctx.now();
      if (!hasPersonalDataAccess(p.role)) {
        const r = await analystRelease(ctx);
        if (q.township !== undefined && r.levels.get(q.township) !== 'township') throw validation('township', 'no such township');
        return statsView(r, now, q.township);
      }
      const agg = await ctx.aggregates.get();
      const tiers: TierCounts = emptyCounts();
      for (const [t, c] of agg.byTownship) {
        if ((q.township !== undefined && t !== q.township) || !coversTownship(p, t)) continue;
        tiers.households += c.households;
        tiers.tier1 += c.tier1;
        tiers.tier2 += c.tier2;
        tiers.tier3 += c.tier3;
      }
      const byTownship: Record<string, { byStatus: StatusLevel; active: number; overdue: number }> = {};
      const byStatus = zeroStatusLevel();
      let overdue = 0;
      for (const [t, sl] of alertCountsByTownship(ctx, p, q.township)) {
        const c = counts(store, { township: t, now });
        byTownship[t] = { byStatus: sl, active: c.active, overdue: c.overdue };
        overdue += c.overdue;
        for (const s of ALERT_STATUSES) for (const l of ALERT_LEVELS) byStatus[s][l] += sl[s][l];
      }
      const byLevel = Object.fromEntries(ALERT_LEVELS.map((l) => [l, ALERT_STATUSES.reduce((n, s) => n + byStatus[s][l], 0)]));
      return {
        asOf: now,
        householdsAsOf: agg.builtAt,
        tiers,
        needTypes: p.townships === null && q.township === undefined ? agg.needTypes : undefined,
        alerts: { byLevel, byStatus, byTownship, overdue },
      };
    },
  );

  app.get(
    '/v1/stats/summary',
    {
      schema: {
        summary: 'Monthly monitoring or quarterly evaluation summary (月监测、季评价)',
        tags: ['stats'],
        querystring: toSchema(SummaryQuery),
        response: ERR,
      },
    },
    async (req) => {
      const p = guard(ctx, req, 'stats:read');
      const q = req.query as z.output<typeof SummaryQuery>;
      const now = ctx.now();
      const day = q.at ?? new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
      const { start, end, label } = periodBounds(q.period, day);
      if (q.region !== undefined && p.townships !== null && !coversTownship(p, q.region) && ![...p.townships].some((t) => t.startsWith(q.region!) || q.region!.startsWith(t))) {
        throw forbidden("region is outside this key's scope");
      }
      const created = { total: 0, urgent: 0, general: 0, byType: {} as Record<string, number> };
      const verified = { total: 0, onTime: 0, late: 0, byOutcome: {} as Record<string, number>, hoursToVerify: [] as number[] };
      const disposed = { total: 0, withReferral: 0, policies: {} as Record<string, number>, services: {} as Record<string, number> };
      let closed = 0;
      let openAtEnd = 0;
      let overdueAtEnd = 0;
      const cut = Math.min(end, now);
      for (const { value: a } of store.alerts.getRange({})) {
        if (!within(a, q.region) || !coversTownship(p, a.region.townshipId)) continue;
        if (a.createdAt >= start && a.createdAt < end) {
          created.total++;
          created[a.level]++;
          created.byType[a.type] = (created.byType[a.type] ?? 0) + 1;
        }
        const v = a.verification;
        if (v && v.at >= start && v.at < end) {
          verified.total++;
          if (v.at <= a.dueAt) verified.onTime++;
          else verified.late++;
          verified.byOutcome[v.outcome] = (verified.byOutcome[v.outcome] ?? 0) + 1;
          verified.hoursToVerify.push((v.at - a.createdAt) / 3600_000);
        }
        const d = a.disposition;
        if (d && d.at >= start && d.at < end) {
          disposed.total++;
          if (d.referrals.length > 0) disposed.withReferral++;
          for (const r of d.referrals) {
            const bucket = r.kind === 'policy' ? disposed.policies : disposed.services;
            bucket[r.code] = (bucket[r.code] ?? 0) + 1;
          }
        }
        if (a.closedAt !== null && a.closedAt >= start && a.closedAt < end) closed++;
        if (a.createdAt < cut && (a.closedAt === null || a.closedAt >= cut)) {
          openAtEnd++;
          if ((v === null || v.at >= cut) && a.dueAt < cut) overdueAtEnd++;
        }
      }
      const hours = verified.hoursToVerify.sort((x, y) => x - y);
      const median = hours.length ? hours[Math.floor(hours.length / 2)]! : null;
      if (!hasPersonalDataAccess(p.role)) return summaryView(await analystRelease(ctx), q, { start, end, label }, now, median);
      const agg = await ctx.aggregates.get();
      const tiers = emptyCounts();
      for (const [id, c] of agg.byCommunity) {
        if (!coversTownship(p, c.townshipId)) continue;
        if (q.region !== undefined && id !== q.region && c.townshipId !== q.region && c.districtId !== q.region) continue;
        tiers.households += c.households;
        tiers.tier1 += c.tier1;
        tiers.tier2 += c.tier2;
        tiers.tier3 += c.tier3;
      }
      return {
        period: q.period,
        label,
        start,
        end,
        region: q.region ?? null,
        alerts: {
          created,
          verified: { total: verified.total, onTime: verified.onTime, late: verified.late, onTimeRate: verified.total ? verified.onTime / verified.total : null, byOutcome: verified.byOutcome, medianHoursToVerify: median },
          disposed,
          closed,
          activeAtEnd: openAtEnd,
          overdueAtEnd,
        },
        tiersNow: tiers,
        householdsAsOf: agg.builtAt,
      };
    },
  );
}
