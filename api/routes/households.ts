/** GET /v1/households/:id — the household portrait, masked per role; every read is audited. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { appendAudit } from '../../workers/store/index.js';
import { requireTownship } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, forbidden, notFound } from '../errors.js';
import { privacyViewOf } from '../privacy/mask.js';
import { IdParams, toSchema } from '../schemas.js';

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
    async (req, reply) => {
      const p = guard(ctx, req, 'households:read');
      const view = privacyViewOf(p.role);
      if (!view) throw forbidden(`role ${p.role} has no access to personal data`);
      const { id } = req.params as z.output<typeof IdParams>;
      const now = ctx.now();
      const portrait = ctx.views.portraits.json(id, p, view, now, (township) => requireTownship(p, township));
      if (portrait === undefined) throw notFound('household');
      const township = portrait.townshipId;
      await appendAudit(store, { at: now, actor: p.keyId, action: 'household.read', target: id, requestId: req.id, details: { role: p.role, township, fullNames: view.fullNames } });
      ctx.metrics.auditWrites.inc({ action: 'household.read' });
      // already UTF-8 JSON (portraitView, serialised through the view cache): sent as it is
      return reply.type('application/json; charset=utf-8').send(portrait.body);
    },
  );
}
