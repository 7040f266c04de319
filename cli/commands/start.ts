/**
 * `lifeline start`: everything up on one machine. Streams, the city (generated and loaded when
 * absent), the engine, the API with the dashboard, and the 17 simulated department feeds at a
 * live rate; then one status line. Ctrl-C stops the feeds first, then drains the engine, so
 * nothing accepted is lost.
 */
import { seedRegistry } from '../../workers/help-seed.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from '../../config/index.js';
import { layoutByName, profileByName, readManifest, HOUSEHOLDS_FILE } from '../../connectors/city/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import { openPublisher } from '../../connectors/publisher/index.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { startEngine } from '../../workers/engine.js';
import { consumerName } from '../../workers/options.js';
import { counts, openStore, storeOptions } from '../../workers/store/index.js';
import { buildApp } from '../../api/app.js';
import { openClusterServing } from '../../api/cluster/index.js';
import { issueKey, KvKeyStore } from '../../api/auth/index.js';
import { openAuditLog } from '../../connectors/audit/index.js';
import { startScaleOut, type ScaleOut } from '../../workers/leases/scale-out.js';
import { markStopped, prepareView, Snapshotter } from '../../workers/recovery.js';
import { numberFlag, type Command } from '../command.js';
import { generateWithProgress } from './generate.js';
import { loadWithProgress } from './load.js';
import { startLiveFeeds } from './feed.js';

export const start: Command = {
  name: 'start',
  summary: 'Start everything: streams, city (generated and loaded if absent), engine, API + dashboard, live department feeds.',
  usage: 'start [--rate N] [--no-feeds] [--port N] [--scale-out]',
  help: `
  --rate      simulated department updates per second, all 17 departments together (default: config city.liveRatePerSec)
  --no-feeds  start without the simulated feeds (real departments push over HTTP or file drops)
  --port      API port (default: config api.port, 8080)
  --scale-out join a multi-node deployment: partitions are leased from a JetStream KV bucket and restored
              from their snapshots on takeover; every node answers for the whole city (alerts from the
              alert feed, households from their partition's owner)
  Prints the dashboard, API docs and metrics URLs, then a live status line. Ctrl-C stops cleanly.`,
  flags: { rate: { type: 'string' }, 'no-feeds': { type: 'boolean' }, port: { type: 'string' }, 'scale-out': { type: 'boolean' } },
  async run({ values }) {
    const overrides: Record<string, unknown> = {};
    if (values['port'] !== undefined) overrides['api.port'] = numberFlag(values, 'port', 8080);
    const config = loadConfig({ overrides });
    const rate = numberFlag(values, 'rate', config.city.liveRatePerSec);
    return runStack(config, { rate, feeds: values['no-feeds'] !== true, scaleOut: values['scale-out'] === true });
  },
};

/** Waits (bounded) until every partition consumer has nothing pending and nothing in flight. */
async function caughtUp(engine: Awaited<ReturnType<typeof startEngine>>, timeoutMs: number): Promise<void> {
  const jsm = await jetstreamManager(engine.nc);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const infos = await Promise.all(engine.status().partitions.map((p) => jsm.consumers.info(engine.streamName, consumerName(engine.streamName, p.partition)).catch(() => null)));
    if (infos.every((i) => i !== null && i.num_pending === 0 && i.num_ack_pending === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`the engine is still replaying earlier updates after ${timeoutMs / 1000} s: feeds start anyway`);
}

async function ensureCity(config: Readonly<Config>): Promise<string> {
  const dir = config.city.dataDir;
  const file = join(dir, HOUSEHOLDS_FILE);
  let fresh = false;
  try {
    const m = readManifest(dir);
    fresh = m.profile === config.city.profile && m.seed === config.city.seed && existsSync(file);
  } catch {
    fresh = false;
  }
  if (!fresh) {
    console.log(`generating the ${config.city.profile} city (seed ${config.city.seed}) into ${dir}`);
    await generateWithProgress(config.city.profile, config.city.seed, dir);
  }
  return file;
}

export async function runStack(config: Readonly<Config>, opts: { rate: number; feeds: boolean; scaleOut: boolean }): Promise<number> {
  const nc = await connectNats(config.nats);
  const { publisher, streams } = await openPublisher(nc, config);
  const file = await ensureCity(config);
  const store = openStore(storeOptions(config));
  // the view is made consumable (resumed, restored from snapshots, or loaded with snapshot 0) before anything is served
  const view = await prepareView(nc, store, config.lmdb.path, {
    partitionCount: streams.partitions,
    streamName: config.stream.name,
    replicas: config.stream.replicas,
    noSync: config.lmdb.noSync,
    leased: opts.scaleOut,
    loadCity: async () => {
      console.log(`loading the city into ${config.lmdb.path}`);
      return loadWithProgress(config, file);
    },
    log: (line) => console.log(line),
  });
  if (view.decision === 'load') {
    // the alliance registry goes into the stream with the city: projects are commands like every change
    const layout = layoutByName(profileByName(config.city.profile).layout);
    const seeded = await seedRegistry(nc, config, { layout });
    console.log(`alliance registry: ${seeded.projects.toLocaleString('en-US')} service projects at ${seeded.sites.toLocaleString('en-US')} sites published to the stream`);
  }
  const registry = new Registry();
  const engine = await startEngine(config, {
    registry,
    store,
    ...(opts.scaleOut ? { partitions: [] } : {}),
    onError: (err) => process.stderr.write(`\nengine: ${err.message}\n`),
  });
  let scaleOut: ScaleOut | null = null;
  let snapshots: Snapshotter | null = null;
  if (opts.scaleOut) {
    scaleOut = await startScaleOut(engine, config, { onWarning: (err) => process.stderr.write(`\nscale-out: ${err.message}\n`) });
  } else {
    snapshots = new Snapshotter(store, view.bucket, streams.partitions, () => engine.status().partitions.map((p) => p.partition), (err) => process.stderr.write(`\nsnapshot: ${err.message}\n`));
    snapshots.start(config.lmdb.snapshotIntervalSec);
  }
  // keys live in JetStream KV (every node sees a revocation); the admin key issued here is audited like any other
  const keyStore = await KvKeyStore.open(nc, { bucket: config.stream.keysBucket, replicas: config.stream.replicas, onWarning: (err) => process.stderr.write(`\nkeys: ${err.message}\n`) });
  const audit = await openAuditLog(nc, config);
  const admin = await issueKey('admin', [], { store: keyStore, audit: { log: audit, actor: 'system', role: null, requestId: `start:${process.pid}` } });
  const layout = layoutByName(profileByName(config.city.profile).layout);
  // a node of several answers for the whole city: alerts from the city view, households from their owners
  const cluster = opts.scaleOut ? await openClusterServing(nc, config, engine, { onWarning: (err) => process.stderr.write(`\ncity view: ${err.message}\n`) }) : null;
  const app = await buildApp(config, { store, publisher, engine, nats: nc, registry, keyStore, audit, layout, cluster });
  const address = await app.listen({ host: config.api.host, port: config.api.port });
  // the simulator continues from the engine's state: let the engine apply what earlier runs published first
  if (opts.feeds && opts.rate > 0 && !opts.scaleOut) await caughtUp(engine, 60_000);
  const feeds = opts.feeds && opts.rate > 0 ? await startLiveFeeds(config, publisher, opts.rate) : null;

  console.log(`
Lifeline is up (${scaleOut ? `node ${scaleOut.nodeId}, partitions leased from ${streams.partitions}` : `${streams.partitions} partitions`}, ${store.households.getCount().toLocaleString('en-US')} households${feeds ? `, feeds at ${opts.rate}/s` : ''}).
  dashboard  ${address}/#key=${admin.token}
  API docs   ${address}/docs
  metrics    ${address}/metrics
  admin key  ${admin.token}   (issue others with: lifeline keys issue --role caseworker --township ID)
Ctrl-C stops everything cleanly.
`);

  let last = { at: Date.now(), processed: 0 };
  const pendingGauge = registry.getSingleMetric('lifeline_consumer_pending');
  const statusTimer = setInterval(async () => {
    const s = engine.status();
    const processed = s.partitions.reduce((a, p) => a + p.applied + p.rejected, 0);
    const lag = pendingGauge ? (await pendingGauge.get()).values.reduce((a, v) => a + v.value, 0) : s.partitions.reduce((a, p) => a + p.queued + p.inFlight, 0);
    const now = Date.now();
    const rate = ((processed - last.processed) * 1000) / Math.max(1, now - last.at);
    last = { at: now, processed };
    const c = counts(cluster?.view.store ?? store, { now });
    const open = c.byStatus.open.urgent + c.byStatus.open.general;
    const line = `${Math.round(rate).toLocaleString('en-US')} updates/s · lag ${lag.toLocaleString('en-US')} · open alerts ${Number(open).toLocaleString('en-US')} · processed ${processed.toLocaleString('en-US')}`;
    if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${line}`);
    else console.log(line);
  }, 2000);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (): Promise<void> => {
      if (stopping) return;
      stopping = true;
      clearInterval(statusTimer);
      console.log('\nstopping: feeds, API, engine (draining in-flight batches) …');
      try {
        await feeds?.stop();
        await publisher.flush();
        await app.close();
        await cluster?.close();
        keyStore.close();
        await scaleOut?.stop();
        await snapshots?.stop();
        await engine.stop();
        await store.close();
        markStopped(config.lmdb.path);
        await nc.drain();
        console.log('stopped cleanly');
        resolve(0);
      } catch (err) {
        console.error(`stop failed: ${(err as Error).message}`);
        resolve(1);
      }
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}
