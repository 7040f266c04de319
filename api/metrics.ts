/**
 * Prometheus metrics of the API process: default process metrics (CPU, memory, GC, event-loop
 * lag) plus HTTP request durations per route template. The engine registers its own metrics in
 * the same registry, so `/metrics` shows the whole process.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Sub-millisecond buckets: most API answers are LMDB reads of well under a millisecond. */
export const HTTP_DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  updatesReceived: Counter<'result'>;
  alertTransitions: Counter<'action' | 'result'>;
  leasesExpired: Counter;
  overdueAlerts: Gauge<'township' | 'level'>;
  sseClients: Gauge;
  auditWrites: Counter<'action'>;
}

const created = new WeakMap<Registry, ApiMetrics>();

/** Creates (once per registry) the API's metrics; default process metrics are collected into the same registry. */
export function createApiMetrics(registry: Registry = new Registry()): ApiMetrics {
  const existing = created.get(registry);
  if (existing) return existing;
  if (registry.getSingleMetric('process_cpu_user_seconds_total') === undefined) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  const registers = [registry];
  const m: ApiMetrics = {
    registry,
    httpDuration: new Histogram({
      name: 'lifeline_http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    }),
    httpRequests: new Counter({ name: 'lifeline_http_requests_total', help: 'HTTP requests by route template and status', labelNames: ['method', 'route', 'status_code'], registers }),
    updatesReceived: new Counter({ name: 'lifeline_api_updates_total', help: 'Updates received over HTTP by result (accepted, duplicate, rejected, failed)', labelNames: ['result'], registers }),
    alertTransitions: new Counter({ name: 'lifeline_alert_transitions_total', help: 'Alert transitions requested over HTTP by action and result', labelNames: ['action', 'result'], registers }),
    leasesExpired: new Counter({ name: 'lifeline_alert_leases_expired_total', help: 'Claimed alerts returned to the queue because their lease expired', registers }),
    overdueAlerts: new Gauge({ name: 'lifeline_alerts_overdue', help: 'Alerts past their verification deadline without a verification, per township and level', labelNames: ['township', 'level'], registers }),
    sseClients: new Gauge({ name: 'lifeline_alert_stream_clients', help: 'Open server-sent-event alert streams', registers }),
    auditWrites: new Counter({ name: 'lifeline_audit_entries_total', help: 'Audit entries written by action', labelNames: ['action'], registers }),
  };
  created.set(registry, m);
  return m;
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
      const route = req.routeOptions.url ?? 'unmatched';
      const labels = { method: req.method, route, status_code: String(reply.statusCode) };
      m.httpDuration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
      m.httpRequests.inc(labels);
    }
    done();
  });
}
