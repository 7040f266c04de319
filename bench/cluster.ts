/**
 * Multi-node serving on a 3-server NATS cluster (JetStream, R3 streams and buckets), on this machine:
 *
 * 1. Throughput of 1, 2 and 3 engine processes sharing the partitions by lease (the scale-out run
 *    of bench/scale.ts, on the cluster, 6 partitions so each count splits them evenly).
 * 2. Portrait reads across nodes: two `lifeline start --scale-out` nodes; the portraits of
 *    households whose partition node A owns are read through A (its own LMDB) and through B
 *    (request-reply to A, answered from A's LMDB), interleaved, one at a time; p50 and p99 of each.
 *
 * headline: 3 nodes / 1 node (updates/s, same run). On 2 cores the three servers, the nodes and the
 * load generator share the same cores, so this shows that it works and what it costs, not the
 * gain separate machines bring.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig, type Config } from '../config/index.js';
import { generateCity } from '../connectors/city/index.js';
import { partitionOf } from '../connectors/publisher/partition.js';
import { initialState } from '../engine/process.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { killHard, ownedPartitions, spawnNodes, stopNode, writeTestCity, type NodeProcess } from './harness/lifeline-process.js';
import { startCluster, type NatsCluster } from './harness/nats-cluster.js';
import { fmt, isQuick, quantile, writeResult } from './harness/results.js';
import { runScale, type ScaleRun } from './harness/scale-run.js';
import { benchConfig, deleteStreams } from './harness/streams.js';
import { waitFor } from './harness/wait.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 2_000 : 20_000;
const UPDATES = quick ? 30_000 : 150_000;
const PARTITIONS = 6;
const READS = quick ? 300 : 2_000;
const ADMIN = 'lifeline_bench_cluster_admin_00000000000';

const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const pct = (xs: number[], q: number): number => quantile([...xs].sort((a, b) => a - b), q);

async function throughput(cluster: NatsCluster, nc: NatsConnection): Promise<ScaleRun[]> {
  const households = [...generateCity('hangzhou', 20231017, { limit: HOUSEHOLDS })];
  const model = loadConfig({ env: {} }).model;
  const states = households.map((h) => initialState(h, model));
  const updates = [...simulateUpdates(households.map(simHousehold), UPDATES, { idPrefix: `cluster${Date.now().toString(36)}` })];
  const jsm = await jetstreamManager(nc);
  const out: ScaleRun[] = [];
  for (const processes of [1, 2, 3]) {
    const r = await runScale({ nc, jsm, processes, partitions: PARTITIONS, replicas: 3, natsUrl: cluster.url, updates, states, tag: 'C' });
    console.log(`${processes} node(s): ${fmt(r.updatesPerSec)} updates/s (${r.measured} in ${fmt(r.seconds)} s, fair share after ${fmt(r.startupMs)} ms)`);
    out.push(r);
  }
  return out;
}

interface Reads {
  local: number[];
  remote: number[];
  households: number;
}

async function crossNodeReads(cluster: NatsCluster, nc: NatsConnection): Promise<Reads> {
  const id = `CP${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-cluster-bench-'));
  const base = benchConfig(id, PARTITIONS, {
    'nats.url': cluster.url,
    'stream.replicas': 3,
    'stream.maxBytes': 256 * 1024 ** 2,
    'engine.leaseTtlSec': 5,
    'city.profile': 'small',
    'city.dataDir': join(dir, 'city'),
    'api.rateLimitPerMin': 1_000_000,
  });
  const config: Config = { ...base, api: { ...base.api, keys: [{ id: 'bench-admin', sha256: sha(ADMIN), role: 'admin', townships: [] }] } };
  const nodes: NodeProcess[] = [];
  try {
    const households = await writeTestCity(config);
    await spawnNodes(config, dir, 2, nodes, 180_000);
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    let ownedA = new Set<number>();
    await waitFor(
      'both nodes owning their share',
      async () => {
        ownedA = await ownedPartitions(a.url);
        const ownedB = await ownedPartitions(b.url);
        return ownedA.size === PARTITIONS / 2 && ownedB.size === PARTITIONS / 2;
      },
      { timeoutMs: 120_000, everyMs: 200 },
    );
    const mine = households.filter((h) => ownedA.has(partitionOf(h.id, PARTITIONS)));
    const headers = { authorization: `Bearer ${ADMIN}` };
    const read = async (url: string, hid: string): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(`${url}/v1/households/${encodeURIComponent(hid)}`, { headers });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`portrait ${hid} via ${url}: ${r.status}`);
      return performance.now() - t0;
    };
    // warm both paths (connections, caches of the rendered portraits) before counting
    for (const h of mine.slice(0, 100)) {
      await read(a.url, h.id);
      await read(b.url, h.id);
    }
    const local: number[] = [];
    const remote: number[] = [];
    for (let i = 0; i < READS; i++) {
      const h = mine[i % mine.length]!;
      // alternate which path goes first, so neither always meets a warmer cache
      if (i % 2 === 0) {
        local.push(await read(a.url, h.id));
        remote.push(await read(b.url, h.id));
      } else {
        remote.push(await read(b.url, h.id));
        local.push(await read(a.url, h.id));
      }
    }
    for (const n of nodes) await stopNode(n).catch(() => killHard(n.child));
    return { local, remote, households: mine.length };
  } finally {
    for (const n of nodes) await killHard(n.child).catch(() => undefined);
    await deleteStreams(await jetstreamManager(nc), id).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cluster = await startCluster({ servers: 3, timeoutMs: 120_000, maxFileStore: 8 * 1024 ** 3 });
  let nc: NatsConnection | null = null;
  try {
    nc = await connect({ servers: cluster.urls, noAsyncTraces: true });
    const runs = await throughput(cluster, nc);
    const reads = await crossNodeReads(cluster, nc);
    const [one, two, three] = runs as [ScaleRun, ScaleRun, ScaleRun];
    const lp50 = pct(reads.local, 0.5);
    const lp99 = pct(reads.local, 0.99);
    const rp50 = pct(reads.remote, 0.5);
    const rp99 = pct(reads.remote, 0.99);
    console.log(`portrait through its owner: p50 ${fmt(lp50)} ms, p99 ${fmt(lp99)} ms; through the other node: p50 ${fmt(rp50)} ms, p99 ${fmt(rp99)} ms`);
    writeResult({
      part: 'cluster',
      figures: {
        '3 nodes': { value: three.updatesPerSec, unit: 'updates/s' },
        '2 nodes': { value: two.updatesPerSec, unit: 'updates/s' },
        '1 node': { value: one.updatesPerSec, unit: 'updates/s' },
        '2 nodes / 1 node': { value: two.updatesPerSec / one.updatesPerSec, unit: 'ratio' },
        '3 nodes, start until fair share': { value: three.startupMs, unit: 'ms' },
        'publish to the R3 stream (1,000 in flight)': { value: one.publishPerSec, unit: 'updates/s' },
        'portrait through its owner, p50': { value: lp50, unit: 'ms' },
        'portrait through its owner, p99': { value: lp99, unit: 'ms' },
        'portrait through another node, p50': { value: rp50, unit: 'ms' },
        'portrait through another node, p99': { value: rp99, unit: 'ms' },
        'cross-node / local portrait, p50': { value: rp50 / lp50, unit: 'ratio' },
        'cross-node / local portrait, p99': { value: rp99 / lp99, unit: 'ratio' },
      },
      limit: { name: 'one node on the same cluster, same run', value: one.updatesPerSec, unit: 'updates/s' },
      ratio: three.updatesPerSec / one.updatesPerSec,
      goal: 0.5,
      notes: [
        `3 nats-servers on loopback (R3 streams, buckets and object store), ${PARTITIONS} partitions; ${UPDATES.toLocaleString('en-US')} updates over ${HOUSEHOLDS.toLocaleString('en-US')} households published before the engines start; lease TTL 5 s.`,
        'Only messages committed after every process holds its fair share are counted (bench/harness/scale-run.ts).',
        'On this 2-core machine the servers, the engine processes and the publisher share the same cores: the ratio shows the cost of spreading the work (goal: 3 nodes keep at least half of one node\'s rate), not the gain of separate machines.',
        `Portraits: ${READS.toLocaleString('en-US')} reads each way, one at a time, admin key, small city (${reads.households.toLocaleString('en-US')} households of the owner's partitions); audited reads both ways (one audit row per read).`,
      ],
    });
  } finally {
    await nc?.close().catch(() => undefined);
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
