/**
 * Takeover keeps caseworkers' work: two nodes share the partitions by lease; a caseworker
 * verifies an alert on the node that owns its partition, and the other node shows it verified
 * (city view); that node is SIGKILLed; once its lease lapses the other node restores the
 * partition (snapshot + the stream, where the verification is a command) and serves the
 * household's portrait, with the alert verified and the caseworker's history entry. A service order
 * dispatched on node-a to a project of a partition node-a owned (its place taken there) is
 * accepted on node-b after the takeover: the project and the order were rebuilt from JetStream.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config/index.js';
import { openPublisher } from '../connectors/publisher/index.js';
import { partitionOf } from '../connectors/publisher/partition.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { killHard, ownedPartitions, spawnNode, stopNode, waitReady, writeTestCity, type NodeProcess } from '../bench/harness/lifeline-process.js';
import { freePort } from '../bench/harness/ports.js';
import { testConnection, testEnv, type TestEnv } from './support/nats.js';
import { waitFor } from '../bench/harness/wait.js';

const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const TTL_SEC = 3;

describe('takeover', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  const nodes: NodeProcess[] = [];
  beforeAll(async () => {
    env = testEnv({ 'engine.leaseTtlSec': TTL_SEC });
    nc = await testConnection();
  });
  afterAll(async () => {
    for (const n of nodes) await killHard(n.child).catch(() => undefined);
    await nc?.close();
    await env?.cleanup();
  });

  it("the surviving node serves the dead node's verified alert as verified", async () => {
    const base = env.config;
    const households = await writeTestCity(base);
    const township = households[0]!.region.townshipId;
    const cw = 'lifeline_takeover_caseworker_000000000';
    const admin = 'lifeline_takeover_admin_0000000000000';
    const config: Config = {
      ...base,
      api: { ...base.api, keys: [{ id: 'cw-1', sha256: sha(cw), role: 'caseworker', townships: [township] }, { id: 'admin-1', sha256: sha(admin), role: 'admin', townships: [] }] },
    };
    const dir = join(base.city.dataDir, '..');
    const spawnOne = async (name: string): Promise<NodeProcess> => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ ...config, lmdb: { ...config.lmdb, path: join(dir, `lmdb-${name}`) }, engine: { ...config.engine, nodeId: name } }));
      const n = spawnNode(file, await freePort(), ['--scale-out']);
      nodes.push(n);
      await waitReady(n, 90_000);
      return n;
    };
    const auth = { authorization: `Bearer ${cw}`, 'content-type': 'application/json' };
    const a = await spawnOne('node-a');
    const b = await spawnOne('node-b');
    const { publisher } = await openPublisher(nc, config);
    try {
      await publisher.publishMany([...simulateUpdates(households.filter((h) => h.region.townshipId === township).map(simHousehold), 400, { seed: 3, alertEvery: 4, idPrefix: 'to' })]);
    } finally {
      await publisher.close();
    }
    // claim (on node-a) an alert of a partition node-a owns, and verify it there
    let claimed: { id: string; householdId: string; lease: { token: string } } | undefined;
    let round = 0;
    await waitFor(
      'an alert of a partition node-a owns',
      async () => {
        const owned = await ownedPartitions(a.url);
        const r = await fetch(`${a.url}/v1/townships/${township}/alerts/claim`, { method: 'POST', headers: auth, body: JSON.stringify({ requestId: `to-claim-${round++}`, max: 20, leaseSec: 3600 }) });
        const got = ((await r.json()) as { claimed?: { id: string; householdId: string; lease: { token: string } }[] }).claimed ?? [];
        claimed = got.find((x) => owned.has(partitionOf(x.householdId, config.stream.partitions)));
        return claimed !== undefined;
      },
      { timeoutMs: 60_000, everyMs: 200 },
    );
    const id = encodeURIComponent(claimed!.id);
    const v = await fetch(`${a.url}/v1/alerts/${id}/verify`, { method: 'POST', headers: auth, body: JSON.stringify({ requestId: 'to-verify', leaseToken: claimed!.lease.token, outcome: 'confirmed', note: 'home visit' }) });
    expect(v.status).toBe(200);
    // any node answers for the whole city: node-b shows node-a's alert from its city view
    await waitFor('node-b showing the verified alert', async () => {
      const r = await fetch(`${b.url}/v1/alerts/${id}`, { headers: auth });
      return r.status === 200 && ((await r.json()) as { status: string }).status === 'verified';
    }, { timeoutMs: 30_000, everyMs: 100 });
    // a service order to a project whose partition node-a owns: the place is taken by node-a's engine
    const ownedByA = await ownedPartitions(a.url);
    const projects = ((await (await fetch(`${a.url}/v1/projects?township=${township}&active=true&limit=200`, { headers: auth })).json()) as { items: { id: string; services: string[]; placesLeft: number }[] }).items;
    const project = projects.find((x) => x.placesLeft > 0 && ownedByA.has(partitionOf(x.id, config.stream.partitions)))!;
    expect(project, 'a project of a partition node-a owns').toBeDefined();
    const order = await fetch(`${a.url}/v1/alerts/${id}/orders`, { method: 'POST', headers: auth, body: JSON.stringify({ requestId: 'to-order', projectId: project.id, service: project.services[0], note: '' }) });
    expect(order.status, await order.clone().text()).toBe(200);
    const referralId = encodeURIComponent(((await order.json()) as { referral: { id: string } }).referral.id);
    const householdId = encodeURIComponent((await (await fetch(`${b.url}/v1/alerts/${id}`, { headers: auth })).json() as { householdId: string }).householdId);

    await killHard(a.child);
    const killedAt = Date.now();
    // the household's portrait (its partition's state, alerts included) comes from the partition's owner: node-b once it took over
    let served: { status: string; verification: { outcome: string } | null; history: { to: string; requestId: string | null }[] } | null = null;
    await waitFor(
      'node-b serving the household of the alert',
      async () => {
        const r = await fetch(`${b.url}/v1/households/${householdId}`, { headers: auth });
        if (r.status !== 200) return false;
        const portrait = (await r.json()) as { alerts: NonNullable<typeof served & { id: string }>[] };
        served = portrait.alerts.find((x) => x.id === claimed!.id) ?? null;
        return served !== null;
      },
      { timeoutMs: 60_000, everyMs: 100 },
    );
    const tookMs = Date.now() - killedAt;
    process.stdout.write(`takeover: node-b served the household ${tookMs} ms after node-a was killed (lease TTL ${TTL_SEC} s)\n`);
    expect(served!.status).toBe('verified');
    expect(served!.verification?.outcome).toBe('confirmed');
    expect(served!.history.filter((h) => h.requestId === 'to-verify').map((h) => h.to)).toEqual(['verified']);
    const alertOnB = (await (await fetch(`${b.url}/v1/alerts/${id}`, { headers: auth })).json()) as { status: string };
    expect(alertOnB.status).toBe('verified');
    // the project's partition moved to node-b too: the order is there, its place still taken, and it moves on
    const adminAuth = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    await waitFor('node-b accepting the order dispatched on node-a', async () => {
      const r = await fetch(`${b.url}/v1/referrals/${referralId}/accept`, { method: 'POST', headers: adminAuth, body: JSON.stringify({ requestId: 'to-accept' }) });
      return r.status === 200;
    }, { timeoutMs: 30_000, everyMs: 200 });
    const p = (await (await fetch(`${b.url}/v1/projects/${project.id}`, { headers: auth })).json()) as { placesLeft: number; usage: { active: number } };
    expect(p.placesLeft).toBe(project.placesLeft - 1);
    expect(p.usage.active).toBeGreaterThanOrEqual(1);
    expect(await stopNode(b)).toBe(0);
  }, 240_000);
});
