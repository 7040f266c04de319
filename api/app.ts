/**
 * The HTTP API: Fastify 5, versioned under /v1, OpenAPI at /docs, one error shape, API keys with
 * roles and township scope, a per-key rate limit, Prometheus metrics in the process registry.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { RegionLayout } from '../connectors/city/regions.js';
import { generateSites } from '../connectors/city/resources.js';
import { openKvBucket } from '../connectors/nats/index.js';
import type { Site } from '../engine/help/types.js';
import { HelpView } from './help/view.js';
import { HelpService } from './help/service.js';
import { HelpStatsSource } from './help/stats.js';
import { helpRoutes } from './routes/help.js';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '../config/index.js';
import { KeyResolver } from './auth/index.js';
import { AlertService } from './alerts/service.js';
import { CommandClient } from './alerts/commands.js';
import { AlertTally } from './alerts/tally.js';
import { AggregateCache } from './aggregates.js';
import { PartitionServer } from './cluster/index.js';
import type { Alert } from '../engine/alerts/types.js';
import { getAlert } from '../workers/store/index.js';
import type { ApiContext } from './context.js';
import { ApiError, ERROR_BODY_SCHEMA, errorHandler, frameworkErrors, notFoundHandler } from './errors.js';
import { FeedTracker, type Feed } from './feeds.js';
import { FeedHealthStore } from './feeds-store.js';
import { openAuditLog } from '../connectors/audit/index.js';
import { createApiMetrics, instrument } from './metrics.js';
import { guardMetrics } from './metrics-access.js';
import { SWEEP_INTERVAL_MS, TALLY_RECOUNT_MS } from './options.js';
import { RateLimiter } from './rate-limit.js';
import { AlertJsonCache, PortraitJsonCache } from './views/cache.js';
import { alertRoutes } from './routes/alerts.js';
import { alertClaimRoutes } from './routes/alert-claim.js';
import { dashboardPlugin } from './dashboard/plugin.js';
import { householdRoutes } from './routes/households.js';
import { mapRoutes } from './routes/map.js';
import { opsRoutes } from './routes/ops.js';
import { statsRoutes } from './routes/stats.js';
import { updateRoutes } from './routes/updates.js';
import type { AppDeps } from './types.js';

export type LifelineApp = FastifyInstance & {
  lifeline: ApiContext;
  /** The separate /metrics listener (config metrics.port): its address once the API listens, else null. */
  metricsListener: ReturnType<typeof guardMetrics>;
};

/** Keys that would reach an object's prototype: refused outright. */
const POISON = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse that names the position of a syntax error and refuses prototype keys. */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body, function (this: unknown, key: string, value: unknown) {
      if (POISON.has(key)) throw ApiError.of('LIFELINE_ERR_API_VALIDATION', `${key}: forbidden key in JSON`, { field: key });
      return value;
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const m = /position (\d+)/.exec((err as Error).message);
    throw ApiError.of('LIFELINE_ERR_API_MALFORMED_JSON', `body is not valid JSON: ${(err as Error).message}`, {
      field: 'body',
      details: m ? { position: Number(m[1]) } : {},
    });
  }
}

/** Ajv options of request bodies: no coercion ("5" is not 5, a scalar is not a batch of one), unknown fields refused. */
const STRICT_AJV = { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } as const;

/**
 * Bodies are validated strictly; query strings and path parameters are text by nature, so there
 * (and only there) `"5"` may stand for 5 and `"true"` for true, but a repeated parameter is an error.
 */
const validatorPool = AjvCompiler();
// the pool's declared types name the wrong argument (it is called with the route, not the schema)
type RouteSchema = { httpPart?: string; schema: unknown };
type PoolCompile = (route: RouteSchema) => unknown;
const strictValidators = ((externalSchemas: unknown, options: { customOptions?: object; plugins?: unknown[] } = {}) => {
  const pool = validatorPool as unknown as (ext: unknown, opts: object) => PoolCompile;
  const body = pool(externalSchemas, { ...options, customOptions: { ...STRICT_AJV } });
  const text = pool(externalSchemas, { ...options, customOptions: { ...STRICT_AJV, coerceTypes: true } });
  return (route: RouteSchema) => (route.httpPart === 'body' ? body : text)(route);
}) as unknown as ValidatorFactory;

/** Opens the help view on the help feed and waits (30 s at most) until it holds the bucket's values. */
async function openHelpView(nc: NatsConnection, config: Readonly<Config>, onWarning: (err: Error) => void): Promise<HelpView> {
  const kv = await openKvBucket(nc, { bucket: config.stream.helpBucket, replicas: config.stream.replicas });
  const view = await HelpView.open(kv, { onWarning });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the help feed ${config.stream.helpBucket} did not load within 30 s`)), 30_000);
  });
  try {
    await Promise.race([view.ready, late]);
  } catch (err) {
    view.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return view;
}

/** Sites: the registry's sites of the city's layout (built once, when first asked); without a layout, those of registered projects. */
function siteLookup(view: HelpView | null, layout: RegionLayout | null, seed: number): (id: string) => Site | undefined {
  let sites: Map<string, Site> | null = null;
  return (id) => {
    if (layout) {
      sites ??= new Map(generateSites(layout, seed).map((s) => [s.id, s]));
      return sites.get(id);
    }
    if (view) for (const p of view.projects.values()) if (p.site.id === id) return p.site;
    return undefined;
  };
}

export async function buildApp(config: Readonly<Config>, deps: AppDeps): Promise<LifelineApp> {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    logger: process.env['LIFELINE_LOG'] ? { level: process.env['LIFELINE_LOG'] } : false,
    bodyLimit: config.api.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // unknown fields are errors, never silently dropped; bodies are never coerced (see strictValidators)
    ajv: { customOptions: { ...STRICT_AJV } },
    schemaController: { compilersFactory: { buildValidator: strictValidators } },
    // ids are up to 256 characters (schemas.ts IdParams); longer ones and bad URLs get the one error shape
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    frameworkErrors,
  });

  const tally = new AlertTally(deps.store);
  const cluster = deps.cluster ?? null;
  // the help loop's registry and referrals, from the help feed (every node keeps the whole city's)
  const helpView = deps.help !== undefined ? deps.help : deps.nats ? await openHelpView(deps.nats, config, (err) => app.log.warn({ err }, 'help feed')) : null;
  const metrics = createApiMetrics(deps.registry, {
    tally,
    now,
    publisher: deps.publisher ?? null,
    cityViewAlerts: cluster ? () => cluster.view.store.alerts.getCount() : null,
    helpReferrals: helpView ? () => helpView.counts() : null,
  });
  // on a node of several, queues read the city view; portraits (and their alerts) this node's own partitions
  const alertStore = cluster ? cluster.view.store : deps.store;
  const localAlertViews = new AlertJsonCache(deps.store);
  const alertViews = cluster ? new AlertJsonCache(alertStore) : localAlertViews;
  const portraits = new PortraitJsonCache(deps.store, localAlertViews, config.model);
  const cityFeeds = cluster && deps.nats && deps.persistFeeds !== false ? new FeedTracker(config.feeds.staleAfterSec, now) : null;
  // caseworker actions become commands on the household's partition: the engine is their only writer
  const commands = deps.commands ?? (deps.nats ? new CommandClient(deps.nats, config) : null);
  const alerts = new AlertService(alertStore, metrics, now, tally, alertViews, commands, {
    sweepStore: deps.store,
    ...(cluster ? { onOutcome: (a: Alert, p: number, seq: number) => cluster.view.offer(a, p, seq) } : {}),
  });
  const personsOf = cluster ? (hid: string) => cluster.view.personsOf(hid) : (hid: string) => portraits.persons(hid);
  const ctx: ApiContext = {
    config,
    deps,
    now,
    keys: new KeyResolver(config.api.keys, deps.keyStore ?? null),
    limiter: new RateLimiter(config.api.rateLimitPerMin, now),
    metrics,
    alerts,
    aggregates: cluster ? cluster.reads : AggregateCache.ofStore(deps.store, now),
    feeds: new FeedTracker(config.feeds.staleAfterSec, now, metrics.registry),
    views: { alerts: alertViews, portraits },
    alertStore,
    personsOf,
    feedHealth: () => (cityFeeds ?? ctx.feeds).health(),
    cluster,
    help: helpView ? new HelpService({ view: helpView, commands, alerts, personsOf, now }) : null,
    helpStats: helpView ? new HelpStatsSource(helpView, alertStore, now, config.api.kAnonymity) : null,
    helpSites: siteLookup(helpView, deps.layout ?? null, config.city.seed),
    feedsFromEngine: false,
    // every audited action appends to the stream; a read that cannot be audited is not served
    audit: deps.audit !== undefined ? deps.audit : deps.nats ? await openAuditLog(deps.nats, config) : null,
  };
  const feedStore =
    deps.nats && deps.persistFeeds !== false
      ? await FeedHealthStore.open(deps.nats, ctx.feeds, {
          bucket: config.stream.feedsBucket,
          replicas: config.stream.replicas,
          onWarning: (err) => app.log.warn({ err }, 'feed health not saved'),
          // on a node of several each node counts its own partitions: the bucket holds the city's
          ...(cityFeeds ? { onCity: (all: Map<string, Feed>) => cityFeeds.importState(all) } : {}),
        })
      : null;
  (app as unknown as LifelineApp).lifeline = ctx;

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(ApiError.of('LIFELINE_ERR_API_MALFORMED_JSON', 'body is empty but content-type is application/json', { field: 'body' }), undefined);
    try {
      done(null, parseJson(text));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  instrument(app, metrics);
  (app as unknown as LifelineApp).metricsListener = guardMetrics(app, config, metrics.registry);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Lifeline API', version: '1', description: 'Alert queues, household portraits, statistics and maps of the low-income household monitoring engine.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'lifeline_… API key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ERROR_BODY_SCHEMA);

  updateRoutes(app, ctx);
  alertRoutes(app, ctx);
  alertClaimRoutes(app, ctx);
  householdRoutes(app, ctx);
  statsRoutes(app, ctx);
  mapRoutes(app, ctx);
  helpRoutes(app, ctx);
  opsRoutes(app, ctx);
  // the caseworkers' page at `/`, served with its vendored Leaflet and Chart.js
  if (deps.dashboard !== false) await app.register(dashboardPlugin);

  // engine notices feed the live stream and long-polls; its batch counts feed the feed health
  const unsubs: (() => void)[] = [];
  if (deps.engine) {
    unsubs.push(deps.engine.onAlert((notices) => {
      // the worker thread committed these: a read snapshot older than that commit would miss them
      deps.store.env.resetReadTxn();
      // on a node of several the live stream follows the city view; the tally counts this node's partitions
      if (cluster) for (const n of notices) tally.observe(getAlert(deps.store, n.id), n.id);
      else for (const n of notices) ctx.alerts.notify(n.id);
    }));
    const b = deps.engine.onBatch?.((r) => {
      const at = now();
      // counts are [source, kind, applied, rejected]
      for (const [source, , applied, rejected] of r.counts) if (applied + rejected > 0) ctx.feeds.observe(source, applied + rejected, rejected, at);
    });
    if (b) {
      unsubs.push(b);
      ctx.feedsFromEngine = true;
    }
  }
  let server: PartitionServer | null = null;
  if (cluster) {
    cluster.reads.onRead = (kind, outcome, seconds) => metrics.partitionReads.observe({ kind, outcome }, seconds);
    unsubs.push(() => (cluster.reads.onRead = null));
    const onAlert = (a: Alert) => ctx.alerts.events.emit('alert', a);
    cluster.view.events.on('alert', onAlert);
    unsubs.push(() => cluster.view.events.off('alert', onAlert));
    if (deps.nats) server = new PartitionServer({ nc: deps.nats, prefix: config.stream.subjectPrefix, store: deps.store, portraits, partitionCount: cluster.partitionCount, owns: cluster.owns, now });
    unsubs.push(() => server?.stop());
  }
  if (deps.sweeper !== false) ctx.alerts.startSweeper(SWEEP_INTERVAL_MS, (err) => app.log.error({ err }, 'lease sweep failed'));
  tally.start(TALLY_RECOUNT_MS, (err) => app.log.error({ err }, 'alert recount failed'));
  app.addHook('onClose', async () => {
    await feedStore?.close().catch((err: unknown) => app.log.warn({ err }, 'feed health not saved at close'));
  });
  app.addHook('onClose', (_i, done) => {
    tally.stop();
    ctx.alerts.stopSweeper();
    if (!deps.commands) commands?.close();
    if (deps.help === undefined) helpView?.close();
    for (const u of unsubs) u();
    done();
  });

  await app.ready();
  return app as unknown as LifelineApp;
}
