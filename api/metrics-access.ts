/**
 * Who reads `/metrics` (config `metrics.*`): by default anyone who reaches the API port, as
 * before. With `metrics.token` a scrape must send `Authorization: Bearer <token>`; with
 * `metrics.port` the figures are served by a listener of their own (started when the API starts
 * listening, closed with it) and the API port answers 404 for `/metrics`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { ApiError } from './errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** True when the Authorization header carries the configured token (or none is configured). */
export function metricsTokenOk(config: Readonly<Config>, authorization: string | string[] | undefined): boolean {
  const token = config.metrics.token;
  if (token === undefined) return true;
  if (typeof authorization !== 'string') return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  // equal-length digests: the comparison takes the same time whatever was sent
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

const unauthenticated = (): ApiError => ApiError.of('LIFELINE_ERR_API_UNAUTHENTICATED', 'authorization: /metrics needs the bearer token of metrics.token', { field: 'authorization' });

/** Applies `metrics.*` to the API's own `/metrics` route, and starts the separate listener when one is configured. */
export function guardMetrics(app: FastifyInstance, config: Readonly<Config>, registry: Registry): { address(): AddressInfo | null } {
  const separate = config.metrics.port !== undefined;
  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (req.routeOptions.url !== '/metrics') return;
    if (separate) throw ApiError.of('LIFELINE_ERR_API_NOT_FOUND', '/metrics is served on metrics.port, not on the API port', { field: 'url' });
    if (!metricsTokenOk(config, req.headers.authorization)) throw unauthenticated();
  });
  let server: Server | null = null;
  if (separate) {
    app.addHook('onListen', async () => {
      server = createMetricsServer(config, registry);
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(config.metrics.port, config.metrics.host ?? config.api.host, () => {
          s.off('error', reject);
          resolve();
        });
      });
    });
    app.addHook('onClose', async () => {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    });
  }
  return { address: () => (server?.address() as AddressInfo | null) ?? null };
}

/** A bare HTTP listener answering GET /metrics only, with the token check; every other request is a 404 in the API's error shape. */
export function createMetricsServer(config: Readonly<Config>, registry: Registry): Server {
  return createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      send(404, 'application/json; charset=utf-8', JSON.stringify(ApiError.of('LIFELINE_ERR_API_NOT_FOUND', 'only GET /metrics is served here', { field: 'url' }).body()));
      return;
    }
    if (!metricsTokenOk(config, req.headers.authorization)) {
      send(401, 'application/json; charset=utf-8', JSON.stringify(unauthenticated().body()));
      return;
    }
    registry.metrics().then(
      (text) => send(200, registry.contentType, text),
      () => send(500, 'application/json; charset=utf-8', JSON.stringify(ApiError.of('LIFELINE_ERR_API_INTERNAL', 'metrics could not be collected').body())),
    );
  });
}
