/**
 * Township queues and the alert life cycle over HTTP: list (urgent first, then due time),
 * claim with a lease (optionally long-polling), extend, release, verify, dispose, close, read,
 * and a live stream of new and changed alerts as server-sent events.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Alert, AlertStatus } from '../../engine/alerts/types.js';
import { revisionOf, type LifecycleRequest } from '../../engine/alerts/lifecycle.js';
import { counts, getHousehold, type AlertFilters } from '../../workers/store/index.js';
import { queuePage } from '../alerts/queue.js';
import { requireTownship, type Principal } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ERROR_BODY_SCHEMA } from '../errors.js';
import { SSE_HEARTBEAT_MS } from '../options.js';
import {
  AlertListQuery,
  AlertPageView,
  AlertView,
  ClaimBody,
  ClaimView,
  CloseBody,
  DisposeBody,
  ExtendBody,
  IdParams,
  ReleaseBody,
  TransitionView,
  VerifyBody,
  toSchema,
} from '../schemas.js';
import { alertView, type AlertViewOf } from '../views/alert.js';
import { privacyViewOf } from '../privacy/mask.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };
const ITEMS = Buffer.from('{"items":');

/** Views of several alerts, each scrubbed with its household's persons (read once per household). */
export function viewsOf(ctx: ApiContext, alerts: readonly Alert[], p: Principal): AlertViewOf[] {
  const persons = new Map<string, { name: string; idNumber: string }[]>();
  const now = ctx.now();
  // names need the household's persons only when this caller's view hides them; ID numbers are found by pattern
  if (privacyViewOf(p.role)?.fullNames) return alerts.map((a) => alertView(a, p, now));
  return alerts.map((a) => {
    let ps = persons.get(a.householdId);
    if (!ps) persons.set(a.householdId, (ps = [...ctx.personsOf(a.householdId)]));
    return alertView(a, p, now, ps);
  });
}

type Transition = 'extend' | 'release' | 'verify' | 'dispose' | 'close';
const BODIES = { extend: ExtendBody, release: ReleaseBody, verify: VerifyBody, dispose: DisposeBody, close: CloseBody } as const;

function requestOf(action: Transition, body: Record<string, unknown>): LifecycleRequest {
  const token = body['leaseToken'] as string;
  switch (action) {
    case 'extend':
      return { action, token, leaseMs: (body['leaseSec'] as number) * 1000 };
    case 'release':
      return { action, token };
    case 'verify':
      return { action, token, outcome: body['outcome'] as 'confirmed', note: (body['note'] as string | undefined) ?? '' };
    case 'dispose':
      return { action, token, referrals: body['referrals'] as { kind: 'policy' | 'service'; code: string }[], note: (body['note'] as string | undefined) ?? '' };
    case 'close':
      return { action, token };
  }
}

export function alertRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const store = ctx.alertStore;
  const personsOf = (householdId: string) => ctx.personsOf(householdId);
  // open event streams, ended when the server closes so close() does not wait on them
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const res of streams) res.end();
    done();
  });

  app.get(
    '/v1/townships/:id/alerts',
    {
      schema: {
        summary: "A township's alert queue: urgent before general, then by due time",
        tags: ['alerts'],
        params: toSchema(IdParams),
        querystring: toSchema(AlertListQuery),
        response: { 200: toSchema(AlertPageView, 'output'), ...ERR },
      },
    },
    async (req, reply) => {
      const p = guard(ctx, req, 'alerts:read');
      const { id } = req.params as z.output<typeof IdParams>;
      requireTownship(p, id);
      const q = req.query as z.output<typeof AlertListQuery>;
      const now = ctx.now();
      const statuses = q.status ? ([...new Set(q.status.split(','))] as AlertStatus[]) : undefined;
      const filters: AlertFilters = {};
      if (q.overdue) {
        filters.status = (statuses ?? ['open', 'claimed']).filter((s) => s === 'open' || s === 'claimed');
        filters.dueBefore = now;
        if (filters.status.length === 0) return { items: [], nextCursor: null, overdue: counts(store, { township: id, now }).overdue };
      } else if (statuses) filters.status = statuses;
      if (q.level) filters.level = q.level;
      const view = privacyViewOf(p.role) ?? { fullNames: false };
      const cache = ctx.views.alerts;
      const ids: string[] = [];
      let cursor: string | null = q.cursor ?? null;
      // ids from the queue keys; type is filtered here, page by page, never past `limit`
      for (let i = 0; i < 50 && ids.length < q.limit; i++) {
        const page = queuePage(store, id, { ...filters, limit: q.limit - ids.length }, cursor);
        for (const aid of page.ids) if (!q.type || cache.get(aid)?.type === q.type) ids.push(aid);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      const overdue = counts(store, { township: id, now }).overdue;
      // the views come from the cache as UTF-8 JSON (the AlertPageView schema, for the docs): sent as they are
      const out: Buffer[] = [ITEMS];
      cache.writeArray(out, ids, p, view, now, personsOf);
      out.push(Buffer.from(`,"nextCursor":${JSON.stringify(cursor)},"overdue":${overdue}}`));
      return reply.type('application/json; charset=utf-8').send(Buffer.concat(out));
    },
  );

  app.post(
    '/v1/townships/:id/alerts/claim',
    {
      schema: {
        summary: 'Claim up to `max` open alerts of a township under a lease; long-polls up to `waitSec` when none is open',
        tags: ['alerts'],
        params: toSchema(IdParams),
        body: toSchema(ClaimBody),
        response: { 200: toSchema(ClaimView, 'output'), ...ERR },
      },
    },
    async (req) => {
      const p = guard(ctx, req, 'alerts:work');
      const { id } = req.params as z.output<typeof IdParams>;
      requireTownship(p, id);
      const b = req.body as z.output<typeof ClaimBody>;
      const started = Date.now();
      const deadline = started + b.waitSec * 1000;
      const abort = new AbortController();
      req.raw.once('close', () => abort.abort());
      let claimed = await ctx.alerts.claimFromQueue(id, p, { requestId: b.requestId, max: b.max, leaseMs: b.leaseSec * 1000 });
      while (claimed.length === 0 && Date.now() < deadline && !abort.signal.aborted) {
        await ctx.alerts.waitForOpen(id, deadline - Date.now(), abort.signal);
        claimed = await ctx.alerts.claimFromQueue(id, p, { requestId: b.requestId, max: b.max, leaseMs: b.leaseSec * 1000 });
      }
      return { claimed: viewsOf(ctx, claimed, p), waitedMs: Date.now() - started };
    },
  );

  for (const action of Object.keys(BODIES) as Transition[]) {
    app.post(
      `/v1/alerts/:id/${action}`,
      {
        schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a claimed alert (lease token and request id required)`,
          tags: ['alerts'],
          params: toSchema(IdParams),
          body: toSchema(BODIES[action]),
          response: { 200: toSchema(TransitionView, 'output'), ...ERR },
        },
      },
      async (req) => {
        const p = guard(ctx, req, 'alerts:work');
        const { id } = req.params as z.output<typeof IdParams>;
        const body = req.body as Record<string, unknown>;
        const r = await ctx.alerts.apply(id, requestOf(action, body), p.keyId, body['requestId'] as string, p);
        return { alert: viewsOf(ctx, [r.alert], p)[0]!, entry: r.entry, replayed: r.replayed };
      },
    );
  }

  app.get(
    '/v1/alerts/:id',
    { schema: { summary: 'One alert', tags: ['alerts'], params: toSchema(IdParams), response: { 200: toSchema(AlertView, 'output'), ...ERR } } },
    async (req) => {
      const p = guard(ctx, req, 'alerts:read');
      const { id } = req.params as z.output<typeof IdParams>;
      return viewsOf(ctx, [ctx.alerts.read(id, p)], p)[0]!;
    },
  );

  app.get(
    '/v1/townships/:id/alerts/stream',
    {
      schema: {
        summary: 'Live feed of new and changed alerts of a township (text/event-stream, event `alert`)',
        tags: ['alerts'],
        params: toSchema(IdParams),
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...ERR },
      },
    },
    (req: FastifyRequest, reply: FastifyReply) => {
      const p = guard(ctx, req, 'alerts:read');
      const { id } = req.params as z.output<typeof IdParams>;
      requireTownship(p, id);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`: lifeline alert stream for township ${id}\n\n`);
      ctx.metrics.sseClients.inc();
      const onAlert = (a: Alert) => {
        if (a.region.townshipId !== id) return;
        const v = viewsOf(ctx, [a], p)[0]!;
        res.write(`id: ${a.id}:${revisionOf(a)}\nevent: alert\ndata: ${JSON.stringify(v)}\n\n`);
      };
      const beat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
      beat.unref();
      ctx.alerts.events.on('alert', onAlert);
      const stop = () => {
        clearInterval(beat);
        ctx.alerts.events.off('alert', onAlert);
        ctx.metrics.sseClients.dec();
      };
      streams.add(res);
      req.raw.once('close', () => {
        streams.delete(res);
        stop();
      });
    },
  );
}
