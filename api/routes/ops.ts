/**
 * Operations: /healthz (alive), /readyz (NATS connected, engine consumers running, LMDB open;
 * 503 naming the failing checks), /metrics (Prometheus text), GET /v1/feeds (feed health per
 * department) and GET /v1/audit (admin: the append-only audit log, filtered, newest first).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { AuditEntry } from '../../workers/store/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA, validation } from '../errors.js';
import { AuditQuery, toSchema } from '../schemas.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };

type Check = { ok: boolean; detail: string };

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
    if (running === 0) return { ok: false, detail: `no partition consumer running (${parts.length} owned)` };
    return { ok: true, detail: `${running} of ${parts.length} partition consumers running` };
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

const decodeCursor = (c: string): [number, string] => {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw validation('cursor', 'not a cursor from a previous page');
};

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
    return { staleAfterSec: ctx.config.feeds.staleAfterSec, asOf: ctx.now(), feeds: ctx.feeds.health() };
  });

  app.get(
    '/v1/audit',
    { schema: { summary: 'The append-only audit log (admin), newest first', tags: ['audit'], querystring: toSchema(AuditQuery), response: ERR } },
    async (req) => {
      guard(ctx, req, 'audit:read');
      const q = req.query as z.output<typeof AuditQuery>;
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const start = after ?? [q.to ?? Number.MAX_SAFE_INTEGER, ''];
      const end: [number] = [q.from ?? 0];
      const items: AuditEntry[] = [];
      let last: [number, string] | null = null;
      let scanned = 0;
      let more = false;
      for (const { key, value } of ctx.deps.store.audit.getRange({ start, end, reverse: true, exclusiveStart: after !== null })) {
        if (++scanned > 200_000) break;
        if (after === null && q.to !== undefined && key[0] >= q.to) continue;
        if ((q.actor && value.actor !== q.actor) || (q.action && value.action !== q.action) || (q.target && value.target !== q.target)) continue;
        if (items.length === q.limit) {
          more = true;
          break;
        }
        items.push(value);
        last = [key[0], key[1]];
      }
      return { items, nextCursor: more && last ? Buffer.from(JSON.stringify(last)).toString('base64url') : null };
    },
  );
}
