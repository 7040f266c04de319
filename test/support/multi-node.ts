/**
 * Test support: a multi-node Lifeline deployment on a NATS cluster (nodes are spawned with
 * `spawnNodes` of bench/harness/lifeline-process.ts). `startReference` runs, in the test process, a
 * single node that owns every partition of the same stream through consumers of its own, so its
 * answers are those of a one-node deployment over exactly the same input (same messages, same store
 * times).
 */
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Config } from '../../config/index.js';
import { layoutByName, profileByName } from '../../connectors/city/index.js';
import { openAuditLog } from '../../connectors/audit/index.js';
import { buildApp, type LifelineApp } from '../../api/app.js';
import { startEngine, type Engine } from '../../workers/engine.js';
import { consumerName } from '../../workers/options.js';
import { prepareView } from '../../workers/recovery.js';
import { openStore, storeOptions, type Store } from '../../workers/store/index.js';
import { ownedPartitions, type NodeProcess } from '../../bench/harness/lifeline-process.js';
import { waitFor } from '../../bench/harness/wait.js';


/** Waits until the nodes together own every partition, each exactly once, none idle. */
export async function waitSpread(nodes: readonly NodeProcess[], partitions: number, timeoutMs = 60_000): Promise<Set<number>[]> {
  let owned: Set<number>[] = [];
  await waitFor(
    `${partitions} partitions spread over ${nodes.length} nodes`,
    async () => {
      owned = await Promise.all(nodes.map((n) => ownedPartitions(n.url).catch(() => new Set<number>())));
      const all = owned.flatMap((s) => [...s]);
      return all.length === partitions && new Set(all).size === partitions && owned.every((s) => s.size > 0);
    },
    { timeoutMs, everyMs: 200, detail: () => owned.map((s, i) => `node-${i}: ${[...s].join(',')}`).join('; ') },
  );
  return owned;
}

export interface Reference {
  engine: Engine;
  app: LifelineApp;
  store: Store;
  url: string;
  stop(): Promise<void>;
}

/**
 * A single node over the same stream: restored from the partitions' snapshots, consuming every
 * partition with consumers tagged `ref`, serving the whole city from its own LMDB. Its alert feed
 * and feed health go to buckets of its own, so the deployment's are not touched.
 */
export async function startReference(nc: NatsConnection, config: Readonly<Config>, dir: string): Promise<Reference> {
  const refConfig: Config = {
    ...config,
    lmdb: { ...config.lmdb, path: join(dir, 'lmdb-ref') },
    engine: { ...config.engine, nodeId: 'ref' },
    stream: { ...config.stream, alertsBucket: `${config.stream.alertsBucket}_REF`, helpBucket: `${config.stream.helpBucket}_REF`, feedsBucket: `${config.stream.feedsBucket}_REF` },
  };
  const store = openStore(storeOptions(refConfig));
  try {
    await prepareView(nc, store, refConfig.lmdb.path, {
      partitionCount: config.stream.partitions,
      streamName: config.stream.name,
      replicas: config.stream.replicas,
      noSync: refConfig.lmdb.noSync,
      leased: false,
      loadCity: () => Promise.reject(new Error('the reference restores from the snapshots the deployment wrote')),
      log: () => undefined,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  // with a server of the cluster down a consumer create can time out: each partition is retried alone, as a node does
  const engine = await startEngine(refConfig, { store, partitions: [], tuning: { consumerTag: 'ref', warmUpUpdates: 0 } });
  try {
    for (let p = 0; p < config.stream.partitions; p++) {
      for (let attempt = 0; ; attempt++) {
        try {
          await engine.startPartition(p);
          break;
        } catch (err) {
          await engine.stopPartition(p);
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  } catch (err) {
    await engine.stop();
    await store.close();
    throw err;
  }
  const audit = await openAuditLog(nc, refConfig);
  const app = await buildApp(refConfig, { store, engine, nats: nc, audit, layout: layoutByName(profileByName(config.city.profile).layout), persistFeeds: false, sweeper: false, dashboard: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    engine,
    app,
    store,
    url,
    async stop() {
      await app.close();
      await engine.stop();
      await store.close();
    },
  };
}

/** Waits until every partition consumer with `tags` (the deployment's '' and the reference's 'ref') has nothing pending or unacknowledged. */
export async function waitAllDrained(nc: NatsConnection, config: Readonly<Config>, tags: readonly string[], timeoutMs = 90_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await waitFor(
    'every consumer drained',
    async () => {
      for (const tag of tags) {
        for (let p = 0; p < config.stream.partitions; p++) {
          const ci = await jsm.consumers.info(config.stream.name, consumerName(config.stream.name, p, tag)).catch(() => null);
          if (!ci || ci.num_pending > 0 || ci.num_ack_pending > 0) return false;
        }
      }
      return true;
    },
    { timeoutMs, everyMs: 200 },
  );
}

/** GET as JSON with a key; the status comes along. */
export async function getJson(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: r.status, body };
}

/** A township's whole queue, page by page (small pages, so cursors are exercised). */
export async function wholeQueue(base: string, token: string, township: string, pageSize = 7): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const q = new URLSearchParams({ limit: String(pageSize), status: 'open,claimed,verified,disposed' });
    if (cursor) q.set('cursor', cursor);
    const r = await getJson(`${base}/v1/townships/${township}/alerts?${q}`, token);
    if (r.status !== 200) throw new Error(`queue of ${township} on ${base}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    const b = r.body as { items: unknown[]; nextCursor: string | null };
    items.push(...b.items);
    cursor = b.nextCursor;
    if (!cursor) break;
  }
  return items;
}

/** Drops the fields that say when a figure was built (they differ between two equal answers). */
export function withoutBuildTimes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutBuildTimes);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'householdsAsOf' && k !== 'builtAt' && k !== 'asOf') out[k] = withoutBuildTimes(x);
    return out;
  }
  return v;
}
