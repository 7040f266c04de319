/**
 * Serves the dashboard at `/`: its own files plus Leaflet and Chart.js from node_modules, so
 * the page works on a machine without internet access (no CDN, no map tiles).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifySchema } from 'fastify';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

/** `api/dashboard/public`, whether running from sources or from `dist/`. */
function publicDir(): string {
  const fromDist = join(here, '..', '..', '..', 'api', 'dashboard', 'public');
  return here.includes(`${'/dist/'}`) ? fromDist : join(here, 'public');
}

export async function dashboardPlugin(app: FastifyInstance): Promise<void> {
  const root = publicDir();
  await app.register(fastifyStatic, { root, prefix: '/dashboard/', decorateReply: true, index: false });
  await app.register(fastifyStatic, {
    root: dirname(require.resolve('leaflet/dist/leaflet.js')),
    prefix: '/vendor/leaflet/',
    decorateReply: false,
  });
  await app.register(fastifyStatic, {
    // chart.js exports no subpaths: its main entry sits in dist/, beside chart.umd.js
    root: dirname(require.resolve('chart.js')),
    prefix: '/vendor/chart.js/',
    decorateReply: false,
  });
  app.get('/', { schema: { hide: true } as FastifySchema }, (_req, reply) => reply.sendFile('index.html', root));
}
