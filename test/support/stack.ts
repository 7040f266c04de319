/**
 * The whole Lifeline stack for end-to-end tests, booted the way production boots it: real NATS
 * (unique streams from `testEnv()`), a small synthetic city written by `connectors/city` and
 * bulk-loaded into LMDB, the streaming engine with its worker pool, the publisher and the
 * Fastify API listening on a free loopback port, with API keys issued through the auth module.
 *
 * Boot order: city → initial load → store → engine → publisher → keys → API (listening).
 * `stop()` undoes it in reverse and checks that nothing is left open: the HTTP server, the
 * engine's pool and NATS connection, the test's own connection, and the LMDB environment.
 * Piscina workers load `dist/`: run `npm run build` first (`npm test` does).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import type { Config } from '../../config/index.js';
import { layoutByName, profileByName, readCity, writeCity, type CityManifest, type ProfileName, type RegionLayout } from '../../connectors/city/index.js';
import { openPublisher, type Publisher } from '../../connectors/publisher/index.js';
import type { Household } from '../../engine/types.js';
import { initialLoad } from '../../workers/initial-load.js';
import { seedRegistry } from '../../workers/help-seed.js';
import { startEngine, type Engine } from '../../workers/engine.js';
import { openStore, storeOptions, type Store } from '../../workers/store/index.js';
import { buildApp, type LifelineApp } from '../../api/app.js';
import { issueKey, LmdbKeyStore, type IssuedKey, type Role } from '../../api/auth/index.js';
import { testConnection, testEnv, type TestEnv } from './nats.js';

export interface StackOptions {
  /** City profile (default `small`, 2,000 households on the Hangzhou layout). */
  profile?: ProfileName;
  /** Generator seed (default 20260801). */
  seed?: number;
  /** Config overrides on top of `testEnv()`'s (dotted keys). */
  overrides?: Record<string, unknown>;
  /** Listen on a loopback port (default true); false = `app.inject` only. */
  listen?: boolean;
  /** Start the lease sweeper in the API (default true). */
  sweeper?: boolean;
  /** Clock of the API (default Date.now). */
  now?: () => number;
  /** Seed the alliance registry (help loop) into the stream and wait until the API's help view holds it (default false). */
  helpRegistry?: boolean | { projects?: number };
}

export interface StackKeys {
  /** Every capability; sees masked names. */
  admin: string;
  /** Pushes updates only. */
  integration: string;
  /** Aggregates only. */
  analyst: string;
}

export interface Stack {
  config: Readonly<Config>;
  env: TestEnv;
  manifest: CityManifest;
  /** Every household of the generated city, as written. */
  households: Household[];
  layout: RegionLayout;
  /** The test's own NATS connection (the engine has its own). */
  nc: NatsConnection;
  store: Store;
  engine: Engine;
  publisher: Publisher;
  keyStore: LmdbKeyStore;
  registry: Registry;
  app: LifelineApp;
  /** `http://127.0.0.1:<port>` when listening, else null. */
  url: string | null;
  keys: StackKeys;
  /** Issues one more key through the API's auth module (stored in LMDB, so the API accepts it at once). */
  issueKey(role: Role, townships?: readonly string[]): Promise<IssuedKey>;
  /** The township holding the most households (a busy queue for tests). */
  busiestTownship(): string;
  /** Stops everything in reverse order and throws if a handle stayed open. */
  stop(): Promise<void>;
}

/** What a test wired by hand (or `startStack`) holds open; every part is optional. */
export interface StackParts {
  app?: LifelineApp | undefined;
  publisher?: Publisher | undefined;
  engine?: Engine | undefined;
  store?: Store | undefined;
  nc?: NatsConnection | undefined;
  env?: TestEnv | undefined;
}

/** The handles of `parts` that are still open, by name (empty when everything closed). */
export function openHandles(parts: StackParts): string[] {
  const open: string[] = [];
  if (parts.app?.server.listening) open.push('HTTP server');
  if (parts.nc && !parts.nc.isClosed()) open.push('test NATS connection');
  if (parts.engine && !parts.engine.nc.isClosed()) open.push('engine NATS connection');
  if (parts.engine && parts.engine.status().threads > 0) open.push(`engine pool (${parts.engine.status().threads} threads)`);
  // lmdb-js keeps its state in `status` (open → closing → closed); its typings omit it
  if (parts.store && (parts.store.env as unknown as { status?: string }).status !== 'closed') open.push('LMDB environment');
  return open;
}

/**
 * Closes `parts` in reverse boot order — API, publisher, engine, store, test connection, env —
 * trying every step even when an earlier one throws, then checks that nothing stayed open.
 * Throws every failure at once (an AggregateError when there are several).
 */
export async function stopParts(parts: StackParts): Promise<void> {
  const errors: Error[] = [];
  const steps: [string, (() => Promise<unknown>) | undefined][] = [
    ['API', parts.app && (() => parts.app!.close())],
    ['publisher', parts.publisher && (() => parts.publisher!.close())],
    ['engine', parts.engine && (() => parts.engine!.stop())],
    ['LMDB store', parts.store && (() => parts.store!.close())],
    ['test NATS connection', parts.nc && (() => parts.nc!.close())],
    ['test streams and folders', parts.env && (() => parts.env!.cleanup())],
  ];
  for (const [what, close] of steps) {
    if (!close) continue;
    try {
      await close();
    } catch (err) {
      errors.push(new Error(`closing the ${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }));
    }
  }
  const open = openHandles(parts);
  if (open.length) errors.push(new Error(`stack left open: ${open.join(', ')}`));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new AggregateError(errors, `stopping the stack failed ${errors.length} times: ${errors.map((e) => e.message).join('; ')}`);
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Piscina loads compiled tasks: say how to get them rather than failing deep inside a worker. */
function requireBuild(): void {
  const root = projectRoot();
  const missing = ['dist/workers/batch-task.js', 'dist/workers/load-task.js'].filter((f) => !existsSync(join(root, f)));
  if (missing.length) throw new Error(`the stack needs compiled worker tasks (${missing.join(', ')} missing): run \`npm run build\` first`);
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  requireBuild();
  const profile = opts.profile ?? 'small';
  const seed = opts.seed ?? 20260801;
  const env = testEnv({ 'city.profile': profile, ...opts.overrides });
  const config = env.config;
  const registry = new Registry();
  // everything opened so far, closed in reverse if a later step fails
  const undo: (() => Promise<unknown>)[] = [() => env.cleanup()];
  const unwind = async () => {
    for (const f of undo.reverse()) await f().catch(() => undefined);
  };
  try {
    const manifest = await writeCity(profile, seed, config.city.dataDir);
    const households: Household[] = [];
    for await (const h of readCity(config.city.dataDir)) households.push(h);
    await initialLoad(config, { threads: 1 });

    const nc = await testConnection();
    undo.push(() => nc.close());
    const store = openStore(storeOptions(config));
    undo.push(() => store.close());
    const engine = await startEngine(config, { registry, store });
    undo.push(() => engine.stop());
    const { publisher } = await openPublisher(nc, config);
    undo.push(() => publisher.close());

    const keyStore = new LmdbKeyStore(store.env);
    const mint = (role: Role, townships: readonly string[] = []) => issueKey(role, townships, { store: keyStore });
    const keys: StackKeys = {
      admin: (await mint('admin')).token,
      integration: (await mint('integration')).token,
      analyst: (await mint('analyst')).token,
    };
    const layout = layoutByName(profileByName(profile).layout);
    const app = await buildApp(config, {
      store,
      publisher,
      engine,
      nats: nc,
      registry,
      keyStore,
      layout,
      ...(opts.now ? { now: opts.now } : {}),
      sweeper: opts.sweeper ?? true,
    });
    undo.push(() => app.close());
    if (opts.helpRegistry) {
      const want = typeof opts.helpRegistry === 'object' ? opts.helpRegistry.projects : undefined;
      const seeded = await seedRegistry(nc, config, { layout, now: Date.parse('2025-01-01T00:00:00+08:00'), ...(want !== undefined ? { projects: want } : {}) });
      const view = app.lifeline.help!.view;
      const deadline = Date.now() + 60_000;
      while (view.projects.size < seeded.projects) {
        if (Date.now() > deadline) throw new Error(`the help view holds ${view.projects.size} of ${seeded.projects} seeded projects after 60 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    let url: string | null = null;
    if (opts.listen ?? true) url = await app.listen({ host: '127.0.0.1', port: 0 });

    const perTownship = new Map<string, number>();
    for (const h of households) perTownship.set(h.region.townshipId, (perTownship.get(h.region.townshipId) ?? 0) + 1);

    let stopped = false;
    return {
      config,
      env,
      manifest,
      households,
      layout,
      nc,
      store,
      engine,
      publisher,
      keyStore,
      registry,
      app,
      url,
      keys,
      issueKey: mint,
      busiestTownship: () => [...perTownship.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopParts({ app, publisher, engine, store, nc, env });
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
