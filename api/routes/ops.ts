/**
 * Operations: /healthz (alive), /readyz (NATS connected, engine consumers running, LMDB open;
 * 503 naming the failing checks), /metrics (Prometheus text), GET /v1/feeds (feed health per
 * department) and GET /v1/audit (admin: the append-only audit stream, filtered, oldest first by
 * stream sequence, with a cursor that never skips: see connectors/audit/reader.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { AuditError } from '../../connectors/audit/index.js';
import { guard, type ApiContext } from '../context.js';
import { ApiError, ERROR_BODY_SCHEMA, validation } from '../errors.js';
import { AuditQuery, toSchema } from '../schemas.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };

type Check = { ok: boolean; detail: string; partitions?: { partition: number; state: string; caughtUp: boolean }[] };

function natsCheck(ctx: ApiContext): Check {
  const nc = ctx.deps.nats;
  if (!nc) return { ok: false, detail: 'no NATS connection' };
  if (nc.isClosed()) return { ok: false, detail: 'NATS connection closed' };
  return { ok: true, detail: nc.getServer() };
}

function engineCheck(ctx: ApiContext): Check {
  const e = ctx.deps.engine;
  if (!e) return { ok: false, detail: 'engine not started in this process' };
  try {
    const parts = e.status().partitions;
    const running = parts.filter((p) => p.state === 'running').length;
    // which partitions this node serves as current (operators, and tests of a multi-node deployment)
    const partitions = parts.map((p) => ({ partition: p.partition, state: p.state, caughtUp: p.caughtUp ?? p.state === 'running' }));
    // a node of several may own nothing for a while (more nodes than partitions, a rebalance) and still answers for the city
    if (running === 0 && ctx.cluster) return { ok: true, detail: `no partition owned right now; serving the city from its alert view and the owners`, partitions };
    if (running === 0) return { ok: false, detail: `no partition consumer running (${parts.length} owned)`, partitions };
    return { ok: true, detail: `${running} of ${parts.length} partition consumers running`, partitions };
  } catch (err) {
    return { ok: false, detail: `engine status failed: ${(err as Error).message}` };
  }
}

function lmdbCheck(ctx: ApiContext): Check {
  try {
    ctx.deps.store.checkpoints.getKeysCount({ limit: 1 });
    return { ok: true, detail: 'open' };
  } catch (err) {
    return { ok: false, detail: `LMDB not readable: ${(err as Error).message}` };
  }
}

/** The cursor is the stream sequence to continue after, as decimal text. */
function decodeCursor(c: string): number {
  if (/^\d{1,15}$/.test(c)) return Number(c);
  throw validation('cursor', 'not a cursor from a previous page (a stream sequence)');
}

/** Seconds a client is told to wait when the audit stream cannot be read. */
const AUDIT_RETRY_AFTER_SEC = 1;

export function opsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['ops'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: NATS, engine consumers, LMDB', tags: ['ops'] } }, async (_req, reply) => {
    const checks: Record<string, Check> = { nats: natsCheck(ctx), engine: engineCheck(ctx), lmdb: lmdbCheck(ctx) };
    const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([k]) => k);
    return reply.code(failing.length ? 503 : 200).send({ status: failing.length ? 'unavailable' : 'ready', failing, checks });
  });

  // scrapes that arrive in the same event-loop turn share one exposition, built after all of them
  // arrived (so none gets figures older than its request); a build costs ~1.5 ms of CPU
  let building: Promise<Buffer> | null = null;
  const exposition = (): Promise<Buffer> =>
    (building ??= new Promise<Buffer>((resolve, reject) => {
      setImmediate(() => {
        building = null;
        ctx.metrics.registry.metrics().then((text) => resolve(Buffer.from(text)), reject);
      });
    }));

  app.get('/metrics', { schema: { summary: 'Prometheus metrics of this process (API and engine)', tags: ['ops'] } }, async (_req, reply) => {
    const body = await exposition();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  app.get('/v1/feeds', { schema: { summary: 'Feed health per department: last update, rate, rejection rate, stale', tags: ['ops'], response: ERR } }, async (req) => {
    guard(ctx, req, 'feeds:read');
    return { staleAfterSec: ctx.config.feeds.staleAfterSec, asOf: ctx.now(), feeds: ctx.feedHealth() };
  });

  app.get(
    '/v1/audit',
    {
      schema: {
        summary: 'The append-only audit stream (admin), oldest first by stream sequence',
        description:
          'Pages by stream sequence: pass nextCursor as cursor to continue. A call examines a bounded number of rows; when that runs out before ' +
          'the page fills, it answers with the rows found and a nextCursor to continue (never a silent stop). nextCursor is null once the end of ' +
          'the stream was reached; scannedTo is the sequence up to which every row was examined (pass it as cursor later to read newer rows).',
        tags: ['audit'],
        querystring: toSchema(AuditQuery),
        response: ERR,
      },
    },
    async (req, reply) => {
      guard(ctx, req, 'audit:read');
      const q = req.query as z.output<typeof AuditQuery>;
      const afterSeq = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      const refuse = (message: string, cause?: unknown) =>
        reply
          .code(503)
          .header('retry-after', String(AUDIT_RETRY_AFTER_SEC))
          .send(ApiError.of('LIFELINE_ERR_API_UNAVAILABLE', message, { cause, details: { retryAfterSec: AUDIT_RETRY_AFTER_SEC } }).body());
      if (!ctx.audit) return refuse('this process has no audit stream');
      try {
        const page = await ctx.audit.read({
          limit: q.limit,
          ...(afterSeq === undefined ? {} : { afterSeq }),
          ...(q.actor === undefined ? {} : { actor: q.actor }),
          ...(q.target === undefined ? {} : { target: q.target }),
          ...(q.action === undefined ? {} : { action: q.action }),
          ...(q.from === undefined ? {} : { from: q.from }),
          ...(q.to === undefined ? {} : { to: q.to }),
        });
        return { items: page.items, nextCursor: page.nextCursor === null ? null : String(page.nextCursor), scannedTo: page.scannedTo, scanned: page.scanned };
      } catch (err) {
        if (err instanceof AuditError && err.code === 'LIFELINE_ERR_AUDIT_QUERY') throw validation(String(err.details?.['field'] ?? 'query'), err.message.replace(/^audit query \S+: /, ''));
        req.log.warn({ err }, 'audit stream not readable');
        return refuse(`the audit stream cannot be read now (${(err as Error).message}); retry in ${AUDIT_RETRY_AFTER_SEC} s`, err);
      }
    },
  );
}
