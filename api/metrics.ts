/**
 * Prometheus metrics of the API process: default process metrics (CPU, memory, GC, event loop),
 * the event-loop lag, HTTP request durations per route template, what the HTTP intake refuses
 * before publishing, and the alert queue depth and overdue gauges (from the in-memory AlertTally,
 * recounted from LMDB every minute: a scrape reads no database). The
 * engine and the publisher register theirs in the same registry, so `/metrics` shows the whole
 * process.
 */
import { POLICY_REFERRAL_STATUSES, SERVICE_REFERRAL_STATUSES } from '../engine/help/types.js';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ALERT_LEVELS, ALERT_STATUSES, type AlertLevel } from '../engine/alerts/types.js';
import { codeLabel, flowLabels, oneOf, publisherMetrics, UNKNOWN, updateFlowCounters, type ObservablePublisher } from '../connectors/publisher/metrics.js';
import { LIFECYCLE_ACTIONS, LIFECYCLE_ERROR_CODES } from '../engine/alerts/lifecycle.js';
import { API_ERRORS } from './errors.js';
import { LEVEL_RANK, type Store } from '../workers/store/index.js';
import { TALLY_RECOUNT_MS } from './options.js';
import type { UpdatePublisher } from './types.js';
import type { AlertTally } from './alerts/tally.js';

/** Sub-millisecond buckets: most API answers are LMDB reads of well under a millisecond. */
export const HTTP_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Sampling interval of the event-loop delay monitor (ms, 10). */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** The event-loop lag is the 99th percentile over windows of this length (ms, 30 s), whoever scrapes and how often. */
export const EVENT_LOOP_WINDOW_MS = 30_000;

/** Label values of the API's own metrics: anything else is counted as `unknown` (or `other` for a method). */
export const HTTP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const INTAKE_RESULTS: readonly string[] = ['pending', 'applied', 'duplicate', 'rejected', 'failed'];
export const TRANSITION_RESULTS: readonly string[] = ['ok', 'replayed', 'error', ...LIFECYCLE_ERROR_CODES, ...Object.keys(API_ERRORS), UNKNOWN];
export const AUDIT_ACTIONS: readonly string[] = [...LIFECYCLE_ACTIONS.map((a) => `alert.${a}`), 'household.read', 'key.issue', 'key.revoke', UNKNOWN];

/** A status code as a label: the three digits of a real HTTP status, else `unknown`. */
const statusLabel = (code: number): string => (Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : UNKNOWN);

/**
 * A counter whose label values are mapped onto a fixed catalogue before counting (anything else
 * becomes `unknown`), with every label set of the catalogue at zero from the start: bounded
 * cardinality whoever calls `inc`, and `rate()` sees the first event.
 */
function boundedCounter<L extends string>(opts: { name: string; help: string; registers: Registry[]; values: Record<L, readonly string[]> }): Counter<L> {
  const names = Object.keys(opts.values) as L[];
  const c = new Counter<L>({ name: opts.name, help: opts.help, labelNames: names, registers: opts.registers });
  const raw = c.inc.bind(c) as (labels: Partial<Record<L, string | number>>, value?: number) => void;
  const clean = (labels: Partial<Record<L, string | number>>): Partial<Record<L, string>> => {
    const out: Partial<Record<L, string>> = {};
    for (const n of names) out[n] = oneOf(labels[n], opts.values[n]);
    return out;
  };
  let sets: Partial<Record<L, string>>[] = [{}];
  for (const n of names) sets = sets.flatMap((s) => opts.values[n].map((v) => ({ ...s, [n]: v })));
  for (const s of sets) raw(s, 0);
  c.inc = ((a?: Partial<Record<L, string | number>> | number, v?: number) => {
    if (typeof a === 'object' && a !== null) raw(clean(a), v);
    else raw(clean({}), a);
  }) as Counter<L>['inc'];
  return c;
}

/** The most series each of the API's labelled counters can have (checked by the label-bound test). */
export function apiLabelBounds(routes: number): Record<string, number> {
  const http = HTTP_METHODS.length + 1;
  return {
    lifeline_http_updates_total: INTAKE_RESULTS.length,
    lifeline_alert_transitions_total: (LIFECYCLE_ACTIONS.length + 1) * TRANSITION_RESULTS.length,
    lifeline_audit_entries_total: AUDIT_ACTIONS.length,
    // routes (+ unmatched) × methods × status codes 100–599: a bound, not a count
    lifeline_http_requests_total: (routes + 1) * http * 500,
  };
}

/** What the scrape-time gauges read. */
export interface MetricSources {
  /** Alert counts per status and level, and the sorted deadlines behind the overdue count. */
  tally: AlertTally;
  now: () => number;
  /** The process's publisher: its outcomes are counted through its `observe` hook when it has one. */
  publisher?: UpdatePublisher | null;
  /** Alerts in the city view, on a node of several (api/cluster/); absent on a single node. */
  cityViewAlerts?: (() => number) | null;
  /** Referrals in this node's help view, by kind and status (the whole city's, from the help feed). */
  helpReferrals?: (() => Iterable<{ kind: string; status: string; count: number }>) | null;
}

/** One item's answer from POST /v1/updates (api/routes/updates.ts). */
export interface IntakeResult {
  status: 'pending' | 'applied' | 'duplicate' | 'rejected' | 'failed';
  code?: string;
  /** Stream sequence: set when the publisher had the server store (or recognise) it. */
  seq?: number;
}

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  /** Items of POST /v1/updates by result (pending, applied, duplicate, rejected, failed). */
  updatesReceived: Counter<'result'>;
  /** Counts one item of POST /v1/updates: by result, and in the update flow when refused before publishing. */
  intake(raw: unknown, result: IntakeResult): void;
  alertTransitions: Counter<'action' | 'result'>;
  leasesExpired: Counter;
  overdueAlerts: Gauge<'level'>;
  queueDepth: Gauge<'status' | 'level'>;
  sseClients: Gauge;
  auditWrites: Counter<'action'>;
  /** Reads asked of a partition's owner on a node of several (api/cluster/), per kind and outcome. */
  partitionReads: Histogram<'kind' | 'outcome'>;
  /** Matching one alert against the registry (GET /v1/alerts/:id/matches), in-process time. */
  helpMatchSeconds: Histogram;
}

/** Kinds and outcomes of reads asked of a partition's owner (the label catalogue). */
export const PARTITION_READ_KINDS = ['portrait', 'aggregates', 'points', 'intake'] as const;
export const PARTITION_READ_OUTCOMES = ['ok', 'refused', 'unavailable', 'error'] as const;

interface Bound {
  sources: MetricSources | null;
  /** True when the publisher's own hook counts what it publishes. */
  publisherCounted: boolean;
  detachPublisher: (() => void) | null;
}

const created = new WeakMap<Registry, { m: ApiMetrics; bound: Bound }>();

const field = (raw: unknown, k: string): unknown => (raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[k] : undefined);

function hasObserve(p: UpdatePublisher | null | undefined): p is UpdatePublisher & ObservablePublisher {
  const o = p as Partial<ObservablePublisher> | null | undefined;
  return typeof o?.observe === 'function' && typeof o.stats === 'function';
}

/** Open or claimed alerts past their verification deadline, per level, counted afresh in LMDB (the per-level split of `counts().overdue`; what the tally must equal). */
export function overdueByLevel(store: Store, now: number): Record<AlertLevel, number> {
  const out: Record<AlertLevel, number> = { urgent: 0, general: 0 };
  const townships = new Set<string>();
  for (const { key } of store.alertCounts.getRange({})) if (key[1] === 'open' || key[1] === 'claimed') townships.add(key[0]);
  for (const t of townships) {
    for (const status of ['open', 'claimed'] as const) {
      for (const level of ALERT_LEVELS) {
        const rank = LEVEL_RANK[level];
        out[level] += store.alertQueue.getKeysCount({ start: [t, status, rank], end: [t, status, rank, now] });
      }
    }
  }
  return out;
}

/**
 * Creates (once per registry) the API's metrics; default process metrics are collected into the
 * same registry. `sources` (the store, the clock, the publisher) feed the scrape-time gauges; a
 * later call with new sources rebinds them.
 */
export function createApiMetrics(registry: Registry = new Registry(), sources?: MetricSources): ApiMetrics {
  let entry = created.get(registry);
  if (!entry) entry = build(registry);
  if (sources) bind(entry.bound, registry, sources);
  return entry.m;
}

function bind(b: Bound, registry: Registry, sources: MetricSources): void {
  if (b.sources?.publisher !== sources.publisher) {
    b.detachPublisher?.();
    b.detachPublisher = null;
    b.publisherCounted = false;
    if (hasObserve(sources.publisher)) {
      b.detachPublisher = publisherMetrics(sources.publisher, registry);
      b.publisherCounted = true;
    }
  }
  b.sources = sources;
}

function build(registry: Registry): { m: ApiMetrics; bound: Bound } {
  if (registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  }
  const registers = [registry];
  const bound: Bound = { sources: null, publisherCounted: false, detachPublisher: null };
  const flow = updateFlowCounters(registry);

  const lag: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  lag.enable();
  // a scrape never resets the monitor: the window turns over on time, so two scrapers see the same figure
  let windowStart = performance.now();
  let lastWindowP99: number | null = null;
  new Gauge({
    name: 'lifeline_event_loop_lag_seconds',
    help: `Event-loop delay of this process: 99th percentile over the last completed window of at least ${EVENT_LOOP_WINDOW_MS / 1000} s (the current one until one completes), beyond the ${EVENT_LOOP_RESOLUTION_MS} ms sampling interval; unit: seconds.`,
    registers,
    collect() {
      const t = performance.now();
      if (t - windowStart >= EVENT_LOOP_WINDOW_MS) {
        lastWindowP99 = lag.count > 0 ? lag.percentile(99) : 0;
        lag.reset();
        windowStart = t;
      }
      const p99 = lastWindowP99 ?? (lag.count > 0 ? lag.percentile(99) : 0);
      this.set(Math.max(0, p99 / 1e9 - EVENT_LOOP_RESOLUTION_MS / 1000));
    },
  });

  const updatesReceived = boundedCounter({
    name: 'lifeline_http_updates_total',
    help: 'Items of POST /v1/updates by result (pending, applied, duplicate, rejected, failed); unit: updates.',
    values: { result: INTAKE_RESULTS },
    registers,
  });
  const m: ApiMetrics = {
    registry,
    httpDuration: new Histogram({
      name: 'lifeline_http_request_duration_seconds',
      help: 'HTTP request duration from arrival to response sent, per method, route template and status code; unit: seconds.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    httpRequests: new Counter({
      name: 'lifeline_http_requests_total',
      help: 'HTTP requests per method, route template and status code; unit: requests.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    updatesReceived,
    intake(raw, r) {
      updatesReceived.inc({ result: r.status });
      const labels = flowLabels(field(raw, 'source'), field(raw, 'kind'));
      const refused = r.status === 'rejected' || r.status === 'applied' || (r.status === 'duplicate' && r.seq === undefined);
      if (refused) {
        flow.received.inc(labels);
        if (r.status === 'rejected') flow.rejected.inc({ ...labels, code: codeLabel(r.code) });
        else flow.deduplicated.inc({ ...labels, stage: 'intake' });
      } else if (!bound.publisherCounted) {
        // a publisher without the observe hook: count what it took here instead
        flow.received.inc(labels);
        if (r.status === 'duplicate') flow.deduplicated.inc({ ...labels, stage: 'stream' });
      }
    },
    alertTransitions: boundedCounter({
      name: 'lifeline_alert_transitions_total',
      help: 'Alert transitions requested over HTTP, per action and result (ok, replayed, or the error code); unit: requests.',
      values: { action: [...LIFECYCLE_ACTIONS, UNKNOWN], result: TRANSITION_RESULTS },
      registers,
    }),
    leasesExpired: new Counter({ name: 'lifeline_alert_leases_expired_total', help: 'Claimed alerts returned to the queue because their lease expired; unit: alerts.', registers }),
    overdueAlerts: new Gauge({
      name: 'lifeline_alerts_overdue',
      help: `Open or claimed alerts past their verification deadline, per level (counted in memory on every alert change this process makes or its engine reports, recounted from LMDB every ${TALLY_RECOUNT_MS / 1000} s); unit: alerts.`,
      labelNames: ['level'],
      registers,
      collect() {
        const s = bound.sources;
        if (!s) return;
        const by = s.tally.overdueByLevel(s.now());
        for (const level of ALERT_LEVELS) this.set({ level }, by[level]);
      },
    }),
    queueDepth: new Gauge({
      name: 'lifeline_alert_queue_depth',
      help: `Alerts in the queues (every status but closed), per status and level (counted in memory on every alert change this process makes or its engine reports, recounted from LMDB every ${TALLY_RECOUNT_MS / 1000} s); unit: alerts.`,
      labelNames: ['status', 'level'],
      registers,
      collect() {
        const s = bound.sources;
        if (!s) return;
        const by = s.tally.byStatus();
        for (const status of ALERT_STATUSES) {
          if (status === 'closed') continue;
          for (const level of ALERT_LEVELS) this.set({ status, level }, by[status][level]);
        }
      },
    }),
    sseClients: new Gauge({ name: 'lifeline_alert_stream_clients', help: 'Open server-sent-event alert streams; unit: connections.', registers }),
    auditWrites: boundedCounter({ name: 'lifeline_audit_entries_total', help: 'Audit entries written, per action; unit: entries.', values: { action: AUDIT_ACTIONS }, registers }),
    partitionReads: partitionReadHistogram(registers),
    helpMatchSeconds: new Histogram({
      name: 'lifeline_help_match_seconds',
      help: "Matching one verified alert's needs against the alliance registry (ranking every project within reach); unit: seconds.",
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05],
      registers,
    }),
  };
  new Gauge({
    name: 'lifeline_help_referrals',
    help: 'Referrals of the whole city in this node\'s help view, per kind (policy, service) and status; unit: referrals.',
    labelNames: ['kind', 'status'] as const,
    registers,
    collect() {
      const src = bound.sources?.helpReferrals;
      if (!src) return;
      this.reset();
      for (const kind of ['policy', 'service']) for (const status of kind === 'policy' ? POLICY_REFERRAL_STATUSES : SERVICE_REFERRAL_STATUSES) this.set({ kind, status }, 0);
      for (const c of src()) this.set({ kind: c.kind, status: c.status }, c.count);
    },
  });
  new Gauge({
    name: 'lifeline_city_view_alerts',
    help: "Alerts in this node's city view (multi-node serving: every alert of every partition, from the alert feed; 0 on a single node); unit: alerts.",
    registers,
    collect() {
      this.set(bound.sources?.cityViewAlerts?.() ?? 0);
    },
  });
  const entry = { m, bound };
  created.set(registry, entry);
  return entry;
}

/** Every kind × outcome series exists at zero from the start (rate() sees the first event). */
function partitionReadHistogram(registers: Registry[]): Histogram<'kind' | 'outcome'> {
  const h = new Histogram({
    name: 'lifeline_api_partition_read_seconds',
    help: "Reads this node asked of a partition's owner (multi-node serving: portraits, aggregates, points, intake checks), per kind and outcome (ok, refused: 403/404, unavailable: no owner answering, error); unit: seconds.",
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  for (const kind of PARTITION_READ_KINDS) for (const outcome of PARTITION_READ_OUTCOMES) h.zero({ kind, outcome });
  return h;
}

const START = Symbol('lifeline.start');
type Timed = FastifyRequest & { [START]?: bigint };

/** Times every request and records it under its route template (`/v1/alerts/:id`), never the raw URL. */
export function instrument(app: FastifyInstance, m: ApiMetrics): void {
  app.addHook('onRequest', (req: Timed, _reply: FastifyReply, done: () => void) => {
    req[START] = process.hrtime.bigint();
    done();
  });
  app.addHook('onResponse', (req: Timed, reply: FastifyReply, done: () => void) => {
    const start = req[START];
    if (start !== undefined) {
      // the route template, never the raw URL; a method outside HTTP's usual ones is `other`
      const route = req.routeOptions.url ?? 'unmatched';
      const labels = { method: HTTP_METHODS.includes(req.method) ? req.method : 'other', route, status_code: statusLabel(reply.statusCode) };
      m.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      m.httpRequests.inc(labels);
    }
    done();
  });
}
