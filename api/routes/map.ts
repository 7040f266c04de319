/**
 * The distribution map as GeoJSON: townships and communities with tier counts and open alerts,
 * and household points for roles that may see them. For roles without personal-data access every
 * figure comes from the one protected release (api/privacy/aggregates.ts): a hidden figure is
 * null, and a township's `mergedCommunities` holds what its hidden communities hold together only
 * where that is derivable from shown figures anyway.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { regionsGeoJSON } from '../../connectors/city/regions.js';
import { coversTownship, hasPersonalDataAccess, requireCapability, requireTownship } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, unavailable } from '../errors.js';
import { HouseholdMapQuery, MapQuery, toSchema } from '../schemas.js';
import { emptyCounts } from '../aggregates.js';
import { alertCountsByTownship } from './stats.js';
import { analystRelease, mapCell, mergedRemainder } from '../privacy/aggregates.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };

function activeAlertsByCommunity(ctx: ApiContext, townships: Set<string>): Map<string, number> {
  // open alerts per community: read the not-closed alerts of the townships shown
  const out = new Map<string, number>();
  for (const { value: a } of ctx.alertStore.alerts.getRange({})) {
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
      const fc = regionsGeoJSON(layout(), 'township');
      const shown = fc.features.filter((f) => coversTownship(p, f.properties.id) && (q.district === undefined || f.properties.parentId === q.district) && (q.township === undefined || f.properties.id === q.township));
      if (anonymous) {
        const r = await analystRelease(ctx);
        const features = shown.map((f) => ({ ...f, properties: { ...f.properties, ...mapCell(r, f.properties.id) } }));
        return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: k, householdsAsOf: r.householdsAsOf, features };
      }
      const alerts = alertCountsByTownship(ctx, p);
      const features = shown
        .map((f) => {
          const c = agg.byTownship.get(f.properties.id) ?? emptyCounts();
          const sl = alerts.get(f.properties.id);
          const openAlerts = sl ? ['open', 'claimed', 'verified', 'disposed'].reduce((n, s) => n + sl[s as 'open'].urgent + sl[s as 'open'].general, 0) : 0;
          return { ...f, properties: { ...f.properties, suppressed: false, ...c, openAlerts } };
        });
      return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: null, householdsAsOf: agg.builtAt, features };
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
      if (anonymous) {
        const r = await analystRelease(ctx);
        const byTownship = new Map<string, string[]>();
        for (const f of shown) byTownship.set(f.properties.parentId!, [...(byTownship.get(f.properties.parentId!) ?? []), f.properties.id]);
        // every community of a township counts for its remainder, not only those a filter shows
        for (const f of fc.features) if (f.properties.parentId !== null && byTownship.has(f.properties.parentId) && !byTownship.get(f.properties.parentId)!.includes(f.properties.id)) byTownship.get(f.properties.parentId)!.push(f.properties.id);
        const mergedCommunities = Object.fromEntries([...byTownship].map(([t, cs]) => [t, mergedRemainder(r, t, cs)]));
        const features = shown.map((f) => {
          const cell = mapCell(r, f.properties.id);
          return { ...f, properties: { ...f.properties, ...cell, ...(cell.suppressed ? { mergedInto: f.properties.parentId } : {}) } };
        });
        return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: k, householdsAsOf: r.householdsAsOf, mergedCommunities, features };
      }
      const alerts = activeAlertsByCommunity(ctx, new Set(shown.map((f) => f.properties.parentId!)));
      const features = shown.map((f) => {
        const c = agg.byCommunity.get(f.properties.id) ?? emptyCounts();
        return { ...f, properties: { ...f.properties, suppressed: false, households: c.households, tier1: c.tier1, tier2: c.tier2, tier3: c.tier3, openAlerts: alerts.get(f.properties.id) ?? 0 } };
      });
      return { type: 'FeatureCollection', bbox: fc.bbox, kAnonymity: null, householdsAsOf: agg.builtAt, mergedCommunities: {}, features };
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
      const { points, builtAt } = await ctx.aggregates.points(q.township);
      return {
        type: 'FeatureCollection',
        householdsAsOf: builtAt,
        features: points.map((h) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [h.lon, h.lat] },
          properties: { householdId: h.id, communityId: h.communityId, tier: h.tier, score: h.score, needTypes: h.needTypes },
        })),
      };
    },
  );
}
