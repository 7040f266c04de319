/**
 * The help loop over HTTP: the alliance registry (projects: list, read, create, change capacity,
 * retire), matching for a verified alert, service orders and policy referrals with their life
 * cycles, referral queues per site and per township, and the monthly and quarterly statistics.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { POLICY_CODES, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { CAPACITY_UNITS, DECLINE_REASONS, REFERRAL_STATUSES, SITE_LEVELS, type Project, type Referral, type Site } from '../../engine/help/types.js';
import { MAX_NOTE_CHARS } from '../../engine/alerts/lifecycle.js';
import { placesLeft } from '../../engine/help/capacity.js';
import type { Principal } from '../auth/index.js';
import { guard, type ApiContext } from '../context.js';
import { ApiError, ERROR_BODY_SCHEMA, unavailable } from '../errors.js';
import { DEFAULT_PAGE, MAX_PAGE } from '../options.js';
import { IdParams, toSchema } from '../schemas.js';
import type { HelpService } from '../help/service.js';
import { PROJECT_ID } from '../../workers/commands/index.js';

const ERR = { '4xx': ERROR_BODY_SCHEMA, '5xx': ERROR_BODY_SCHEMA };
const requestId = z.string().min(1).max(128).describe('Idempotency key: repeating it returns the first result');
const note = z.string().max(MAX_NOTE_CHARS).default('').describe('Free text for the site or the department (shown only to roles that may see personal data, and to the site)');
const limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE);
const cursor = z.string().regex(/^\d{1,9}$/).optional().describe('nextCursor of the previous page');

export const ProjectListQuery = z.strictObject({
  service: z.enum(SERVICE_CODES).optional(),
  township: z.string().min(1).max(32).optional().describe('Projects reaching this township: its own sites and its district\'s county-level site'),
  district: z.string().min(1).max(32).optional(),
  level: z.enum(SITE_LEVELS).optional(),
  active: z.enum(['true', 'false']).optional(),
  limit,
  cursor,
});
export const ProjectCreateBody = z.strictObject({
  requestId,
  id: z.string().regex(PROJECT_ID).optional().describe('Default: P + a number after the highest in the registry'),
  name: z.string().min(1).max(200),
  services: z.array(z.enum(SERVICE_CODES)).min(1).max(8),
  siteId: z.string().min(2).max(64).describe('An alliance site (S + region id) of the registry'),
  cityWide: z.boolean().default(false).describe('Reaches households of every district, not only the site\'s area'),
  capacity: z.strictObject({ unit: z.enum(CAPACITY_UNITS), places: z.number().int().min(0).max(100_000) }),
  eligibility: z.string().max(2000).default(''),
  activeFrom: z.number().int().nonnegative().optional().describe('Epoch ms (default now)'),
  activeTo: z.number().int().nonnegative().nullable().default(null).describe('Epoch ms, exclusive; null = open-ended'),
});
export const ProjectChangeBody = z.strictObject({
  requestId,
  name: z.string().min(1).max(200).optional(),
  eligibility: z.string().max(2000).optional(),
  places: z.number().int().min(0).max(100_000).optional().describe('New capacity (places per month or cases at once)'),
  unit: z.enum(CAPACITY_UNITS).optional(),
  activeTo: z.number().int().nonnegative().nullable().optional(),
});
export const RequestOnlyBody = z.strictObject({ requestId });
export const MatchQuery = z.strictObject({ perService: z.coerce.number().int().min(1).max(20).default(3) });
export const OrderBody = z.strictObject({ requestId, projectId: z.string().min(2).max(64), service: z.enum(SERVICE_CODES), note });
export const PolicyBody = z.strictObject({ requestId, policy: z.enum(POLICY_CODES), note });
export const DeclineBody = z.strictObject({ requestId, reason: z.enum(DECLINE_REASONS), note });
export const CompleteBody = z.strictObject({ requestId, followUpDays: z.number().int().min(1).max(366).default(30).describe('When the site follows up, days after completion'), note });
export const DecisionBody = z.strictObject({ requestId, approved: z.boolean(), reason: z.string().min(1).max(64).optional().describe('Required when not approved'), note });
export const RematchBody = z.strictObject({ requestId, projectId: z.string().min(2).max(64).optional().describe('Default: the best match with a place that has not declined it'), note: z.string().max(MAX_NOTE_CHARS).optional() });
export const ReferralListQuery = z.strictObject({
  site: z.string().min(2).max(64).optional(),
  township: z.string().min(1).max(32).optional(),
  status: z.string().max(200).optional().describe(`Comma-separated: ${REFERRAL_STATUSES.join(', ')}`),
  kind: z.enum(['policy', 'service']).optional(),
  alert: z.string().min(1).max(256).optional(),
  household: z.string().min(1).max(128).optional(),
  limit,
  cursor,
});
export const HelpStatsQuery = z.strictObject({
  period: z.enum(['month', 'quarter']).default('month'),
  at: z.string().regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/).optional().describe('YYYY-MM or YYYY-Qn (default: the current one)'),
});
const ReferralOut = z.looseObject({ id: z.string(), kind: z.enum(['policy', 'service']), code: z.string(), status: z.enum(REFERRAL_STATUSES) });
const ProjectOut = z.looseObject({ id: z.string(), name: z.string(), services: z.array(z.string()) });
const HelpOut = z.object({ project: ProjectOut.nullable(), referral: ReferralOut.nullable(), replayed: z.boolean() });

/** What a site sees of an order: the service, where and for whom (masked), its steps; never household or alert ids. */
function siteView(r: Referral): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    code: r.code,
    projectId: r.projectId,
    siteId: r.siteId,
    status: r.status,
    recipient: r.recipient,
    note: r.note,
    reason: r.reason,
    followUpAt: r.followUpAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    history: r.history.map((h) => ({ from: h.from, to: h.to, at: h.at, ...(h.reason ? { reason: h.reason } : {}) })),
    revision: r.revision,
  };
}
export function referralView(r: Referral, p: Principal): Record<string, unknown> {
  return p.role === 'site' ? siteView(r) : (r as unknown as Record<string, unknown>);
}

export function helpRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const help = (): HelpService => {
    if (!ctx.help) throw unavailable('the help loop needs the update stream (no NATS connection in this process)');
    return ctx.help;
  };
  const out = (r: { project: Project | null; referral: Referral | null; replayed: boolean }, p: Principal) => ({ project: r.project, referral: r.referral ? referralView(r.referral, p) : null, replayed: r.replayed });

  app.get('/v1/projects', { schema: { summary: 'Alliance service projects (registry), with places left now', tags: ['help'], querystring: toSchema(ProjectListQuery), response: { 200: toSchema(z.object({ items: z.array(ProjectOut), nextCursor: z.string().nullable(), total: z.number().int() }), 'output'), ...ERR } } }, async (req) => {
    guard(ctx, req, 'help:read');
    const q = req.query as z.output<typeof ProjectListQuery>;
    return help().projects({
      limit: q.limit,
      ...(q.cursor ? { cursor: Number(q.cursor) } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.township ? { townshipId: q.township } : {}),
      ...(q.district ? { districtId: q.district } : {}),
      ...(q.level ? { level: q.level } : {}),
      ...(q.active ? { active: q.active === 'true' } : {}),
    });
  });

  app.get('/v1/projects/:id', { schema: { summary: 'One project', tags: ['help'], params: toSchema(IdParams), response: { 200: toSchema(ProjectOut, 'output'), ...ERR } } }, async (req) => {
    guard(ctx, req, 'help:read');
    const project = help().project((req.params as { id: string }).id);
    return { ...project, placesLeft: placesLeft(project, ctx.now()) };
  });

  app.post('/v1/projects', { schema: { summary: 'Register a service project at an alliance site (audited)', tags: ['help'], body: toSchema(ProjectCreateBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:manage');
    const b = req.body as z.output<typeof ProjectCreateBody>;
    const h = help();
    const site: Site | undefined = ctx.helpSites(b.siteId);
    if (!site) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, `no alliance site ${b.siteId}`, { field: 'siteId' });
    const now = ctx.now();
    let id = b.id;
    if (!id) {
      let max = 0;
      for (const k of h.view.projects.keys()) if (/^P\d+$/.test(k)) max = Math.max(max, Number(k.slice(1)));
      id = `P${String(max + 1).padStart(5, '0')}`;
    }
    const project: Project = {
      id,
      name: b.name,
      services: b.services,
      site,
      cityWide: b.cityWide,
      capacity: b.capacity,
      eligibility: b.eligibility,
      activeFrom: b.activeFrom ?? now,
      activeTo: b.activeTo,
      retiredAt: null,
      usage: { month: '', taken: 0, active: 0 },
      orders: 0,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    };
    return out(await h.createProject(project, p, b.requestId), p);
  });

  app.patch('/v1/projects/:id', { schema: { summary: 'Change a project: capacity, name, eligibility, end of its active period (audited)', tags: ['help'], params: toSchema(IdParams), body: toSchema(ProjectChangeBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:manage');
    const { requestId: rid, ...changes } = req.body as z.output<typeof ProjectChangeBody>;
    const clean = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    if (Object.keys(clean).length === 0) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, 'nothing to change', { field: 'body' });
    return out(await help().updateProject((req.params as { id: string }).id, clean, p, rid), p);
  });

  app.post('/v1/projects/:id/retire', { schema: { summary: 'Retire a project: it takes no new orders; orders under way go on (audited)', tags: ['help'], params: toSchema(IdParams), body: toSchema(RequestOnlyBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:manage');
    return out(await help().retireProject((req.params as { id: string }).id, p, (req.body as { requestId: string }).requestId), p);
  });

  app.get('/v1/alerts/:id/matches', { schema: { summary: "Projects ranked for each service the alert's household needs, with the reason; policies with the facts that make it eligible and those to check", tags: ['help'], params: toSchema(IdParams), querystring: toSchema(MatchQuery), response: { 200: { type: 'object', additionalProperties: true }, ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:refer');
    const t0 = performance.now();
    const m = help().matches((req.params as { id: string }).id, p, { perService: (req.query as z.output<typeof MatchQuery>).perService });
    ctx.metrics.helpMatchSeconds.observe((performance.now() - t0) / 1000);
    return { ...m, referrals: m.referrals.map((r) => referralView(r, p)) };
  });

  app.post('/v1/alerts/:id/orders', { schema: { summary: 'Dispatch a service order for a verified alert to a project (takes a place; 409 LIFELINE_ERR_HELP_NO_CAPACITY when none is left)', tags: ['help'], params: toSchema(IdParams), body: toSchema(OrderBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:refer');
    const b = req.body as z.output<typeof OrderBody>;
    return out(await help().dispatch((req.params as { id: string }).id, b, p), p);
  });

  app.post('/v1/alerts/:id/policy-referrals', { schema: { summary: 'Refer a verified household to the joint handling of assistance (一件事) for a policy; the department answers through its update', tags: ['help'], params: toSchema(IdParams), body: toSchema(PolicyBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:refer');
    const b = req.body as z.output<typeof PolicyBody>;
    return out(await help().submitPolicy((req.params as { id: string }).id, b, p), p);
  });

  app.get('/v1/referrals', { schema: { summary: 'Referral queue: per site (a site key sees only its own) or per township; open work first, oldest first', tags: ['help'], querystring: toSchema(ReferralListQuery), response: { 200: toSchema(z.object({ items: z.array(ReferralOut), nextCursor: z.string().nullable(), total: z.number().int() }), 'output'), ...ERR } } }, async (req, reply) => {
    // either will do: caseworkers and admin refer, sites work their own orders
    const p = guard(ctx, req, ['help:refer', 'orders:work']);
    const q = req.query as z.output<typeof ReferralListQuery>;
    const status = q.status ? [...new Set(q.status.split(','))] : undefined;
    const bad = status?.find((s) => !(REFERRAL_STATUSES as readonly string[]).includes(s));
    if (bad !== undefined) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, `status must be among ${REFERRAL_STATUSES.join(', ')}`, { field: 'status' });
    const r = help().list(
      {
        limit: q.limit,
        ...(q.cursor ? { cursor: Number(q.cursor) } : {}),
        ...(q.site ? { siteId: q.site } : {}),
        ...(q.township ? { townshipId: q.township } : {}),
        ...(status ? { status } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.alert ? { alertId: q.alert } : {}),
        ...(q.household ? { householdId: q.household } : {}),
      },
      p,
    );
    // plain JSON.stringify: the schema documents the shape, but a loose object is slower through the serializer
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ ...r, items: r.items.map((x) => referralView(x, p)) }));
  });

  app.get('/v1/referrals/:id', { schema: { summary: 'One referral', tags: ['help'], params: toSchema(IdParams), response: { 200: toSchema(ReferralOut, 'output'), ...ERR } } }, async (req) => {
    // either will do: caseworkers and admin refer, sites work their own orders
    const p = guard(ctx, req, ['help:refer', 'orders:work']);
    return referralView(help().referral((req.params as { id: string }).id, p), p);
  });

  const siteStep = (action: 'accept' | 'start', summary: string) =>
    app.post(`/v1/referrals/:id/${action}`, { schema: { summary, tags: ['help'], params: toSchema(IdParams), body: toSchema(RequestOnlyBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
      const p = guard(ctx, req, 'orders:work');
      return out(await help().step((req.params as { id: string }).id, { action }, p, (req.body as { requestId: string }).requestId), p);
    });
  siteStep('accept', 'The site takes the order');
  siteStep('start', 'The service starts');

  app.post('/v1/referrals/:id/decline', { schema: { summary: 'The site declines the order (reason); its place is given back and the order goes back to matching', tags: ['help'], params: toSchema(IdParams), body: toSchema(DeclineBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'orders:work');
    const b = req.body as z.output<typeof DeclineBody>;
    return out(await help().step((req.params as { id: string }).id, { action: 'decline', reason: b.reason, note: b.note }, p, b.requestId), p);
  });

  app.post('/v1/referrals/:id/complete', { schema: { summary: 'The service is delivered; a follow-up date is set', tags: ['help'], params: toSchema(IdParams), body: toSchema(CompleteBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'orders:work');
    const b = req.body as z.output<typeof CompleteBody>;
    return out(await help().step((req.params as { id: string }).id, { action: 'complete', followUpAt: ctx.now() + b.followUpDays * 86_400_000, note: b.note }, p, b.requestId), p);
  });

  app.post('/v1/referrals/:id/decision', { schema: { summary: "A department's explicit answer to a policy referral (for policies with no data item of their own, such as the orphan allowance)", tags: ['help'], params: toSchema(IdParams), body: toSchema(DecisionBody), response: { 200: toSchema(HelpOut, 'output'), ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'referrals:decide');
    const b = req.body as z.output<typeof DecisionBody>;
    if (!b.approved && !b.reason) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, 'a rejection needs a reason', { field: 'reason' });
    // integration and admin keys hold every township: a department answers for the whole city
    return out(await help().step((req.params as { id: string }).id, b.approved ? { action: 'approve', note: b.note } : { action: 'reject', reason: b.reason!, note: b.note }, p, b.requestId), p);
  });

  app.post('/v1/referrals/:id/rematch', { schema: { summary: 'Send a declined order to the next project that fits and has a place', tags: ['help'], params: toSchema(IdParams), body: toSchema(RematchBody), response: { 200: { type: 'object', additionalProperties: true }, ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'help:refer');
    const b = req.body as z.output<typeof RematchBody>;
    const r = await help().rematch((req.params as { id: string }).id, { requestId: b.requestId, ...(b.projectId ? { projectId: b.projectId } : {}), ...(b.note !== undefined ? { note: b.note } : {}) }, p);
    return { ...out(r, p), matches: r.matches };
  });

  app.get('/v1/stats/help', { schema: { summary: 'Help loop monitoring (月监测) and evaluation (季评价): completion rate, waiting time, need, places and unmet demand per service and township', tags: ['help', 'stats'], querystring: toSchema(HelpStatsQuery), response: { 200: { type: 'object', additionalProperties: true }, ...ERR } } }, async (req) => {
    const p = guard(ctx, req, 'stats:read');
    const q = req.query as z.output<typeof HelpStatsQuery>;
    if (q.at && (q.period === 'month') !== /^\d{4}-\d{2}$/.test(q.at)) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, `at must be ${q.period === 'month' ? 'YYYY-MM' : 'YYYY-Qn'} for period ${q.period}`, { field: 'at' });
    if (!ctx.helpStats) throw unavailable('the help loop needs the update stream');
    return ctx.helpStats.stats(q.period, q.at, p);
  });
}
