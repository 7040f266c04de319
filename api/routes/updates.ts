/**
 * POST /v1/updates: one update or a batch, as application/json (anything else is a 415).
 *
 * A batch answers 202 with one result per item, each validated on its own (a bad item never sinks
 * the good ones): `pending` (published; the engine applies it), `applied` (this update id is
 * already in the household's facts), `duplicate` (repeated in this batch or inside the stream's
 * duplicate window), `rejected` (field and reason: a bad shape, an unknown household, or a refusal
 * the engine will make whatever arrives first, `finalRefusal`) or `failed` (the broker did not
 * take it; safe to retry: the update id makes it idempotent).
 *
 * A single update (not an array) that is rejected is answered with the 4xx of the error shape
 * instead, naming the field and the reason: 400 for a bad shape, 404 for an unknown household,
 * 409 for a refusal of the household's state.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validateUpdate } from '../../engine/validate.js';
import { finalRefusal } from '../../engine/process.js';
import type { Update } from '../../engine/types.js';
import type { IntakeAnswer } from '../cluster/index.js';
import { guard, type ApiContext } from '../context.js';
import { ApiError, ERROR_BODY_SCHEMA, unavailable, validation } from '../errors.js';
import { UpdatesBody, UpdatesResponse, UpdateEnvelopeSchema, toSchema } from '../schemas.js';

type ItemResult = {
  index: number;
  id: string | null;
  status: 'pending' | 'applied' | 'duplicate' | 'rejected' | 'failed';
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

/** JSON only: `application/json` or a `+json` type, any parameters. */
function isJson(req: FastifyRequest): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** The 4xx a single rejected update gets: its field and reason in the one error shape. */
function singleRejection(r: ItemResult): ApiError {
  const field = r.field ?? 'body';
  const reason = r.reason ?? 'rejected';
  const details = r.code === undefined ? {} : { engineCode: r.code };
  if (r.code === 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD') return ApiError.of('LIFELINE_ERR_API_NOT_FOUND', `${field}: ${reason}`, { field, details });
  if (r.code === 'LIFELINE_ERR_HOUSEHOLD_DISSOLVED' || r.code === 'LIFELINE_ERR_INCONSISTENT_UPDATE') return ApiError.of('LIFELINE_ERR_API_CONFLICT', `${field}: ${reason}`, { field, details });
  return validation(field, reason, details);
}

export function updateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const batchMax = ctx.config.api.batchMax;
  /** The owners' checks of the valid updates whose households this node does not serve as current, by item index. */
  const remoteChecks = async (c: ApiContext, validated: readonly ReturnType<typeof validateUpdate>[]): Promise<Map<number, IntakeAnswer['results'][number]>> => {
    const out = new Map<number, IntakeAnswer['results'][number]>();
    const cluster = c.cluster;
    if (!cluster) return out;
    const asked: { index: number; update: Update }[] = [];
    for (const [index, v] of validated.entries()) {
      if (v.ok && cluster.owns(cluster.reads.partitionOf(v.update.householdId)) !== 'current') asked.push({ index, update: v.update });
    }
    if (asked.length === 0) return out;
    const answers = await cluster.reads.intake(asked.map((a) => a.update));
    asked.forEach((a, i) => out.set(a.index, answers[i]!));
    return out;
  };
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
      // before any parser runs: a text/plain or form body is not taken for an update
      onRequest: async (req) => {
        if (!isJson(req)) {
          throw ApiError.of('LIFELINE_ERR_API_UNSUPPORTED_MEDIA_TYPE', `content-type: must be application/json, got '${req.headers['content-type'] ?? 'none'}'`, { field: 'content-type' });
        }
      },
    },
    async (req, reply) => {
      const p = guard(ctx, req, 'updates:write');
      const single = !Array.isArray(req.body);
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
      // on a node of several, households of partitions this node does not serve are checked by their owners, in one request each
      const validated = items.map((raw) => validateUpdate(raw));
      const remote = await remoteChecks(ctx, validated);
      for (const [index, raw] of items.entries()) {
        const v = validated[index]!;
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
        const checked = remote.get(index);
        const state = checked ? undefined : ctx.deps.store.households.get(u.householdId);
        if (checked ? !checked.exists : !state) {
          results[index] = { index, id: u.id, status: 'rejected', code: 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD', field: 'householdId', reason: `no monitored household ${u.householdId}` };
          ctx.feeds.observe(u.source, 1, 1);
          continue;
        }
        const refusal = checked ? checked.refusal : finalRefusal(state!, u);
        if (refusal?.code === 'LIFELINE_ERR_DUPLICATE_UPDATE') {
          results[index] = { index, id: u.id, status: 'applied', reason: 'this update id is already in the household\'s facts' };
          continue;
        }
        if (refusal) {
          const first = refusal.issues[0];
          results[index] = { index, id: u.id, status: 'rejected', code: refusal.code, field: first?.field ?? 'body', reason: first?.reason ?? refusal.message };
          ctx.feeds.observe(u.source, 1, 1);
          continue;
        }
        toPublish.push({ index, update: u });
      }

      const settled = await Promise.allSettled(toPublish.map((x) => publisher.publish(x.update)));
      for (const [i, s] of settled.entries()) {
        const { index, update } = toPublish[i]!;
        if (s.status === 'fulfilled') {
          results[index] = { index, id: update.id, status: s.value.duplicate ? 'duplicate' : 'pending', partition: s.value.partition, seq: s.value.seq };
          if (!s.value.duplicate && !ctx.feedsFromEngine) ctx.feeds.observe(update.source, 1, 0);
        } else {
          const err = s.reason as { code?: string; message?: string };
          results[index] = { index, id: update.id, status: 'failed', code: err.code ?? 'LIFELINE_ERR_API_UNAVAILABLE', reason: err.message ?? 'publish failed' };
        }
      }
      const tally = { pending: 0, applied: 0, duplicate: 0, rejected: 0, failed: 0 };
      for (const r of results) {
        tally[r.status]++;
        ctx.metrics.intake(items[r.index], r);
      }
      req.log.debug({ key: p.keyId, ...tally }, 'updates received');
      const only = results[0];
      if (single && only?.status === 'rejected') throw singleRejection(only);
      return reply.code(202).send({ ...tally, results });
    },
  );
}
