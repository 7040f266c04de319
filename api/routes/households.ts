/**
 * GET /v1/households/:id — the household portrait, masked per role. Every read is audited: the
 * row is confirmed by the audit stream before the portrait is sent, and a read that cannot be
 * audited is not served (503 with retry advice).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { requireTownship } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ApiError, ERROR_BODY_SCHEMA, forbidden, notFound } from '../errors.js';
import { privacyViewOf } from '../privacy/mask.js';
import { IdParams, toSchema } from '../schemas.js';

/** Seconds a client is told to wait before retrying a read the audit stream did not confirm. */
const AUDIT_RETRY_AFTER_SEC = 1;

export function householdRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/v1/households/:id',
    {
      schema: {
        summary: 'Household portrait: score, tier, 7 dimension sub-scores with explanations, 9 cause scores, need types, suggestions, alerts, recent updates',
        description:
          'Caseworkers (own townships) see names; admins see masked names. ID numbers are always masked. Every read is audited before it is answered; ' +
          'when the audit stream cannot confirm the row the answer is 503 with retry-after.',
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
      const cluster = ctx.cluster;
      // on a node of several, a household of a partition this node does not serve as current is read from its owner
      const portrait =
        cluster && cluster.owns(cluster.reads.partitionOf(id)) !== 'current'
          ? await cluster.reads.portrait(id, p, now)
          : ctx.views.portraits.json(id, p, view, now, (township) => requireTownship(p, township));
      if (portrait === undefined) throw notFound('household');
      const refuse = (message: string, cause?: unknown) =>
        reply
          .code(503)
          .header('retry-after', String(AUDIT_RETRY_AFTER_SEC))
          .send(ApiError.of('LIFELINE_ERR_API_UNAVAILABLE', message, { cause, details: { retryAfterSec: AUDIT_RETRY_AFTER_SEC } }).body());
      if (!ctx.audit) return refuse('portrait reads are audited and this process has no audit stream');
      try {
        await ctx.audit.append(
          { at: now, actor: p.keyId, role: p.role, township: portrait.townshipId, action: 'household.read', target: id, requestId: req.id, before: null, after: null, details: { fullNames: view.fullNames } },
          `household.read:${req.id}`,
        );
      } catch (err) {
        req.log.warn({ err }, 'portrait read not audited');
        return refuse(`the audit stream did not confirm this read (${(err as Error).message}); retry in ${AUDIT_RETRY_AFTER_SEC} s`, err);
      }
      ctx.metrics.auditWrites.inc({ action: 'household.read' });
      // already UTF-8 JSON (portraitView, serialised through the view cache): sent as it is
      return reply.type('application/json; charset=utf-8').send(portrait.body);
    },
  );
}
