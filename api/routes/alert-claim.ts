/**
 * POST /v1/alerts/:id/claim — claim one chosen alert (a caseworker picking it from the queue on
 * the dashboard), where the township claim takes whichever is first in line.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { DEFAULT_LEASE_SEC } from '../options.js';
import { IdParams, TransitionView, toSchema } from '../schemas.js';
import { newLeaseToken } from '../alerts/service.js';
import { viewsOf } from './alerts.js';

export const ClaimOneBody = z.strictObject({
  requestId: z.string().min(1).max(128).describe('Idempotency key: repeating it returns the first result'),
  leaseSec: z.number().int().min(1).max(86_400).default(DEFAULT_LEASE_SEC).describe('Lease length in seconds'),
});

export function alertClaimRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post(
    '/v1/alerts/:id/claim',
    {
      schema: {
        summary: 'Claim one open alert by id under a lease (the lease token is in the answer)',
        tags: ['alerts'],
        params: toSchema(IdParams),
        body: toSchema(ClaimOneBody),
        response: { 200: toSchema(TransitionView, 'output'), '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA },
      },
    },
    async (req) => {
      const p = guard(ctx, req, 'alerts:work');
      const { id } = req.params as z.output<typeof IdParams>;
      const b = req.body as z.output<typeof ClaimOneBody>;
      const r = await ctx.alerts.apply(id, { action: 'claim', leaseMs: b.leaseSec * 1000, token: newLeaseToken() }, p.keyId, b.requestId, p);
      return { alert: viewsOf(ctx, [r.alert], p)[0]!, entry: r.entry, replayed: r.replayed };
    },
  );
}
