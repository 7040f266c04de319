/**
 * POST /v1/updates: one update or a batch. Each item is validated on its own (a bad item never
 * sinks the good ones), good ones are published to JetStream, and the answer is 202 with one
 * result per item: accepted, duplicate (same update id seen before), rejected (field and reason)
 * or failed (the broker did not take it; safe to retry: the update id makes it idempotent).
 */
import type { FastifyInstance } from 'fastify';
import { validateUpdate } from '../../engine/validate.js';
import { wasApplied } from '../../engine/process.js';
import type { Update } from '../../engine/types.js';
import { guard, type ApiContext } from '../context.js';
import { ApiError, ERROR_BODY_SCHEMA, unavailable, validation } from '../errors.js';
import { UpdatesBody, UpdatesResponse, UpdateEnvelopeSchema, toSchema } from '../schemas.js';

type ItemResult = {
  index: number;
  id: string | null;
  status: 'accepted' | 'duplicate' | 'rejected' | 'failed';
  code?: string;
  field?: string;
  reason?: string;
  partition?: number;
  seq?: number;
};

const idOf = (raw: unknown): string | null => {
  const id = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'string' ? id : null;
};
const sourceOf = (raw: unknown): string | null => {
  const s = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)['source'] : undefined;
  return typeof s === 'string' ? s : null;
};

export function updateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const batchMax = ctx.config.api.batchMax;
  app.post(
    '/v1/updates',
    {
      schema: {
        summary: 'Push one department update or a batch',
        description: `Body: one Update envelope, or an array of at most ${batchMax}. Each item is validated alone. Roles: integration, admin.`,
        tags: ['updates'],
        body: { ...toSchema(UpdatesBody), description: 'An Update, or an array of them', examples: [toSchema(UpdateEnvelopeSchema)] },
        response: { 202: toSchema(UpdatesResponse, 'output'), '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA },
      },
    },
    async (req, reply) => {
      const p = guard(ctx, req, 'updates:write');
      const items: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
      if (items.length === 0) throw validation('body', 'an empty batch: send one update or a non-empty array');
      if (items.length > batchMax) {
        throw ApiError.of('LIFELINE_ERR_API_BATCH_TOO_LARGE', `batch of ${items.length} updates exceeds api.batchMax (${batchMax})`, { field: 'body', details: { batchMax, received: items.length } });
      }
      const publisher = ctx.deps.publisher;
      if (!publisher) throw unavailable('the update publisher is not connected');

      const results: ItemResult[] = new Array(items.length);
      const seen = new Set<string>();
      const toPublish: { index: number; update: Update }[] = [];
      for (const [index, raw] of items.entries()) {
        const v = validateUpdate(raw);
        if (!v.ok) {
          const first = v.issues[0];
          results[index] = { index, id: idOf(raw), status: 'rejected', code: v.code, field: first?.field ?? 'body', reason: first?.reason ?? v.message };
          const source = sourceOf(raw);
          if (source) ctx.feeds.observe(source, 1, 1);
          // the dead letter keeps the bad input for the department to fix; its loss must not fail the request
          void publisher.publishDeadLetter('http', { origin: 'http', reason: v.message, code: v.code, issues: v.issues, raw }).catch((err: unknown) => req.log.warn({ err }, 'dead letter not published'));
          continue;
        }
        const u = v.update;
        const key = `${u.source}:${u.id}`;
        if (seen.has(key)) {
          results[index] = { index, id: u.id, status: 'duplicate', reason: 'same update id earlier in this batch' };
          continue;
        }
        seen.add(key);
        const state = ctx.deps.store.households.get(u.householdId);
        if (!state) {
          results[index] = { index, id: u.id, status: 'rejected', code: 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD', field: 'householdId', reason: `no monitored household ${u.householdId}` };
          ctx.feeds.observe(u.source, 1, 1);
          continue;
        }
        if (wasApplied(state, u.id)) {
          results[index] = { index, id: u.id, status: 'duplicate', reason: 'this update id was already applied' };
          continue;
        }
        toPublish.push({ index, update: u });
      }

      const settled = await Promise.allSettled(toPublish.map((x) => publisher.publish(x.update)));
      for (const [i, s] of settled.entries()) {
        const { index, update } = toPublish[i]!;
        if (s.status === 'fulfilled') {
          results[index] = { index, id: update.id, status: s.value.duplicate ? 'duplicate' : 'accepted', partition: s.value.partition, seq: s.value.seq };
          if (!s.value.duplicate && !ctx.feedsFromEngine) ctx.feeds.observe(update.source, 1, 0);
        } else {
          const err = s.reason as { code?: string; message?: string };
          results[index] = { index, id: update.id, status: 'failed', code: err.code ?? 'LIFELINE_ERR_API_UNAVAILABLE', reason: err.message ?? 'publish failed' };
        }
      }
      const tally = { accepted: 0, duplicate: 0, rejected: 0, failed: 0 };
      for (const r of results) {
        tally[r.status]++;
        ctx.metrics.intake(items[r.index], r);
      }
      req.log.debug({ key: p.keyId, ...tally }, 'updates received');
      return reply.code(202).send({ ...tally, results });
    },
  );
}
