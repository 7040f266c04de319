/** GET /v1/households/:id — the household portrait, masked per role; every read is audited. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { alertsByHousehold, appendAudit, getHousehold } from '../../workers/store/index.js';
import { requireTownship } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, forbidden, notFound } from '../errors.js';
import { privacyViewOf } from '../privacy/mask.js';
import { IdParams, toSchema } from '../schemas.js';
import { portraitView } from '../views/portrait.js';

export function householdRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const store = ctx.deps.store;
  app.get(
    '/v1/households/:id',
    {
      schema: {
        summary: 'Household portrait: score, tier, 7 dimension sub-scores with explanations, 9 cause scores, need types, suggestions, alerts, recent updates',
        description: 'Caseworkers (own townships) see names; admins see masked names. ID numbers are always masked. Every read is audited.',
        tags: ['households'],
        params: toSchema(IdParams),
        response: { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA },
      },
    },
    async (req) => {
      const p = guard(ctx, req, 'households:read');
      const view = privacyViewOf(p.role);
      if (!view) throw forbidden(`role ${p.role} has no access to personal data`);
      const { id } = req.params as z.output<typeof IdParams>;
      const state = getHousehold(store, id);
      if (!state) throw notFound('household');
      requireTownship(p, state.household.region.townshipId);
      const now = ctx.now();
      const portrait = portraitView(state, alertsByHousehold(store, id), p, view, now, ctx.config.model);
      await appendAudit(
        store,
        { at: now, actor: p.keyId, action: 'household.read', target: id, requestId: req.id, details: { role: p.role, township: state.household.region.townshipId, fullNames: view.fullNames } },
      );
      ctx.metrics.auditWrites.inc({ action: 'household.read' });
      return portrait;
    },
  );
}
