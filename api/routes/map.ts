/**
 * The distribution map as GeoJSON: townships and communities with tier counts and open alerts,
 * and household points for roles that may see them. k-anonymity: for roles without personal-data
 * access, a community with fewer than `api.kAnonymity` households is merged into its township
 * (its counts move to the township's `mergedCommunities` remainder), and a township below k is
 * suppressed (counts null).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { regionsGeoJSON } from '../../connectors/city/regions.js';
import { coversTownship, hasPersonalDataAccess, requireCapability, requireTownship } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, unavailable } from '../errors.js';
import { HouseholdMapQuery, MapQuery, toSchema } from '../schemas.js';
import { emptyCounts, type TierCounts } from '../aggregates.js';
import { alertCountsByTownship } from './stats.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };

function activeAlertsByCommunity(ctx: ApiContext, townships: Set<string>): Map<string, number> {
  // open alerts per community: read the not-closed alerts of the townships shown
  const out = new Map<string, number>();
  for (const { value: a } of ctx.deps.store.alerts.getRange({})) {
    if (a.status === 'closed' || !townships.has(a.region.townshipId)) continue;
    out.set(a.region.communityId, (out.get(a.region.communityId) ?? 0) + 1);
  }
  return out;
}

export function mapRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const k = ctx.config.api.kAnonymity;
  const layout = () => {
    const l = ctx.deps.layout;
    if (!l) throw unavailable('no region layout loaded for the map');
    return l;
  };

  app.get(
    '/v1/map/townships',
    { schema: { summary: 'Townships as GeoJSON polygons with tier counts and open alerts (k-anonymous)', tags: ['map'], querystring: toSchema(MapQuery), response: ERR } },
    async (req) => {
      const p = guard(ctx, req, 'map:read');
      const q = req.query as z.output<typeof MapQuery>;
      const anonymous = !hasPersonalDataAccess(p.role);
      const agg = await ctx.aggregates.get();
      const alerts = alertCountsByTownship(ctx, p);
      const fc = regionsGeoJSON(layout(), 'township');
      const features = fc.features
        .filter((f) => coversTownship(p, f.properties.id) && (q.district === undefined || f.properties.parentId === q.district) && (q.township === undefined || f.properties.id === q.township))
        .map((f) => {
          const c = agg.byTownship.get(f.properties.id) ?? emptyCounts();
          const sl = alerts.get(f.properties.id);
          const openAlerts = sl ? ['open', 'claimed', 'verified', 'disposed'].reduce((n, s) => n + sl[s as 'open'].urgent + sl[s as 'open'].general, 0) : 0;
          const suppressed = anonymous && c.households < k;
          return {
            ...f,
            properties: { ...f.properties, suppressed, ...(suppressed ? { households: null, tier1: null, tier2: null, tier3: null, openAlerts: null } : { ...c, openAlerts }) },
          };
        });
      return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: anonymous ? k : null, householdsAsOf: agg.builtAt, features };
    },
  );

  app.get(
    '/v1/map/communities',
    { schema: { summary: 'Communities as GeoJSON polygons with tier counts and open alerts (k-anonymous)', tags: ['map'], querystring: toSchema(MapQuery), response: ERR } },
    async (req) => {
      const p = guard(ctx, req, 'map:read');
      const q = req.query as z.output<typeof MapQuery>;
      const anonymous = !hasPersonalDataAccess(p.role);
      const agg = await ctx.aggregates.get();
      const l = layout();
      const fc = regionsGeoJSON(l, 'community');
      const districtOf = new Map(l.townships.map((t) => [t.id, t.districtId]));
      const shown = fc.features.filter(
        (f) =>
          f.properties.parentId !== null &&
          coversTownship(p, f.properties.parentId) &&
          (q.township === undefined || f.properties.parentId === q.township) &&
          (q.district === undefined || districtOf.get(f.properties.parentId) === q.district),
      );
      const alerts = activeAlertsByCommunity(ctx, new Set(shown.map((f) => f.properties.parentId!)));
      const merged = new Map<string, TierCounts & { communities: number; openAlerts: number }>();
      const features = shown.map((f) => {
        const c = agg.byCommunity.get(f.properties.id) ?? emptyCounts();
        const openAlerts = alerts.get(f.properties.id) ?? 0;
        if (anonymous && c.households < k) {
          const t = f.properties.parentId!;
          const m = merged.get(t) ?? { ...emptyCounts(), communities: 0, openAlerts: 0 };
          m.households += c.households;
          m.tier1 += c.tier1;
          m.tier2 += c.tier2;
          m.tier3 += c.tier3;
          m.openAlerts += openAlerts;
          m.communities++;
          merged.set(t, m);
          return { ...f, properties: { ...f.properties, suppressed: true, mergedInto: t, households: null, tier1: null, tier2: null, tier3: null, openAlerts: null } };
        }
        return { ...f, properties: { ...f.properties, suppressed: false, households: c.households, tier1: c.tier1, tier2: c.tier2, tier3: c.tier3, openAlerts } };
      });
      // a township's merged remainder is itself suppressed when it is still below k
      const mergedCommunities = Object.fromEntries(
        [...merged.entries()].map(([t, m]) => [t, m.households >= k ? m : { communities: m.communities, households: null, tier1: null, tier2: null, tier3: null, openAlerts: null, suppressed: true }]),
      );
      return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: anonymous ? k : null, householdsAsOf: agg.builtAt, mergedCommunities, features };
    },
  );

  app.get(
    '/v1/map/households',
    { schema: { summary: "Household points of one township (caseworkers of that township, admins)", tags: ['map'], querystring: toSchema(HouseholdMapQuery), response: ERR } },
    async (req) => {
      const p = guard(ctx, req, 'map:households');
      requireCapability(p, 'households:read');
      const q = req.query as z.output<typeof HouseholdMapQuery>;
      requireTownship(p, q.township);
      const agg = await ctx.aggregates.get();
      const points = agg.pointsByTownship.get(q.township) ?? [];
      return {
        type: 'FeatureCollection',
        householdsAsOf: agg.builtAt,
        features: points.map((h) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [h.lon, h.lat] },
          properties: { householdId: h.id, communityId: h.communityId, tier: h.tier, score: h.score, needTypes: h.needTypes },
        })),
      };
    },
  );
}
