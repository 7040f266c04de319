/**
 * "One truth" under fire: the whole node (engine + API in one process) is SIGKILLed 20 times at
 * seeded moments while department updates stream into JetStream and two scripted caseworkers
 * claim, extend, verify, dispose and close over HTTP, retrying with the same request id whenever
 * the node is down. Afterwards every LMDB database (indexes and counters included) equals that of
 * an uninterrupted engine that consumed the same stream from the same city, and every action
 * that got a 2xx is in its alert's history exactly once.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Config } from '../config/index.js';
import { openPublisher, type Publisher } from '../connectors/publisher/index.js';
import { startEngine } from '../workers/engine.js';
import { initialLoad } from '../workers/initial-load.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { diffDumps, dumpStore } from './support/lmdb-dump.js';
import { killHard, spawnNode, stopNode, waitDrained, waitReady, writeTestCity, type NodeProcess } from '../bench/harness/lifeline-process.js';
import { freePort } from '../bench/harness/ports.js';
import { testConnection, testEnv, type TestEnv } from './support/nats.js';
import { testRandom } from './support/seed.js';
import { waitFor, waitForExit } from '../bench/harness/wait.js';

const KILLS = 20;
const UPDATES = 2400;
/** Databases that legitimately differ: the start-up marker, rows still to publish, key records. */
const NOT_COMPARED = ['meta', 'outbox_rows', 'api_keys', 'audit'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

interface Done {
  requestId: string;
  alertId: string;
  action: string;
}

describe('one truth: a node killed 20 times while caseworkers work', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let publisher: Publisher;
  let node: NodeProcess | null = null;
  const children: NodeProcess[] = [];

  beforeAll(async () => {
    env = testEnv({ 'lmdb.snapshotIntervalSec': 1 });
    nc = await testConnection();
  });
  afterAll(async () => {
    for (const c of children) await killHard(c.child).catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await nc?.close();
    await env?.cleanup();
  });

  it('loses no acknowledged action and ends equal to an uninterrupted run', async () => {
    const rnd = testRandom();
    const base = env.config;
    const households = await writeTestCity(base);
    const perTownship = new Map<string, number>();
    for (const h of households) perTownship.set(h.region.townshipId, (perTownship.get(h.region.townshipId) ?? 0) + 1);
    const townships = [...perTownship.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 2).map(([t]) => t);
    const tokens = townships.map((_, i) => `lifeline_caseworker${i}_${rnd.seed.toString(36)}xxxxxxxxxxxxxxxx`);
    const config: Config = {
      ...base,
      api: { ...base.api, keys: townships.map((t, i) => ({ id: `cw-${i}`, sha256: sha(tokens[i]!), role: 'caseworker' as const, townships: [t] })) },
    };
    const file = join(base.city.dataDir, '..', 'node.json');
    writeFileSync(file, JSON.stringify(config));
    const port = await freePort();

    // department updates stream into JetStream whether the node is up or not
    ({ publisher } = await openPublisher(nc, config));
    const sims = households.map(simHousehold);
    const updates = [...simulateUpdates(sims, UPDATES, { seed: rnd.seed, alertEvery: 8, idPrefix: `ot${rnd.seed}` })];
    let feeding = true;
    const feeder = (async () => {
      for (let i = 0; i < updates.length && feeding; i += 40) {
        await publisher.publishMany(updates.slice(i, i + 40));
        await sleep(60);
      }
    })();

    // caseworkers: every request is retried with the same request id until the node answers it
    let working = true;
    let aborted = false;
    const done: Done[] = [];
    const anomalies: string[] = [];
    const call = async (token: string, path: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> => {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 2000) throw new Error(`${path} never answered`);
        if (aborted) throw new Error(`${path}: the test is over`);
        const n = node;
        if (!n) {
          await sleep(50);
          continue;
        }
        try {
          const r = await fetch(`${n.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000) });
          if (r.status === 503 || r.status === 504) {
            await sleep(100);
            continue;
          }
          const json = (await r.json()) as Record<string, unknown>;
          if (r.status >= 500) anomalies.push(`${path} ${r.status} ${JSON.stringify(json).slice(0, 200)}`);
          return { status: r.status, json };
        } catch {
          await sleep(50); // killed mid-request: ask again
        }
      }
    };
    /** Whether the engine moved the alert back from verified or disposed (a department update joined the case): not an anomaly. */
    const reopenedByEngine = async (token: string, alert: string): Promise<boolean> => {
      const n = node;
      if (!n) return false;
      try {
        const r = await fetch(`${n.url}/v1/alerts/${alert}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
        if (r.status !== 200) return false;
        const history = ((await r.json()) as { history: { from: string | null; to: string; by: string }[] }).history;
        return history.some((h) => h.by === 'engine' && (h.from === 'verified' || h.from === 'disposed'));
      } catch {
        return false;
      }
    };
    const caseworker = async (i: number): Promise<void> => {
      const token = tokens[i]!;
      const t = townships[i]!;
      for (let s = 0; working; s++) {
        const id = `cw${i}-s${s}`;
        const c = await call(token, `/v1/townships/${t}/alerts/claim`, { requestId: `${id}-claim`, max: 1, leaseSec: 600 });
        const claimed = (c.json['claimed'] as { id: string; lease: { token: string } }[] | undefined) ?? [];
        if (c.status !== 200) anomalies.push(`claim ${c.status}`);
        if (claimed.length === 0) {
          await sleep(150);
          continue;
        }
        const a = claimed[0]!;
        done.push({ requestId: `${id}-claim`, alertId: a.id, action: 'claim' });
        const alert = encodeURIComponent(a.id);
        const steps: [string, Record<string, unknown>][] = [
          ['extend', { leaseSec: 900 }],
          ['verify', { outcome: (['confirmed', 'not_confirmed', 'unreachable'] as const)[(s + i) % 3], note: `visit ${s}` }],
          ['dispose', { referrals: [{ kind: 'service', code: 'home_care' }], note: '' }],
          ['close', {}],
        ];
        for (const [action, extra] of steps) {
          const r = await call(token, `/v1/alerts/${alert}/${action}`, { requestId: `${id}-${action}`, leaseToken: a.lease.token, ...extra });
          if (r.status === 200) done.push({ requestId: `${id}-${action}`, alertId: a.id, action });
          else if (r.status === 409 && (await reopenedByEngine(token, alert))) break; // a new trigger joined after the visit: verify again, as the life cycle wants
          else anomalies.push(`${action} ${a.id} ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
        }
      }
    };

    const workers: Promise<void>[] = [];
    // a failure part way must not leave the feed or the caseworkers running into closed connections
    onTestFinished(async () => {
      feeding = false;
      working = false;
      aborted = true;
      await Promise.allSettled([feeder, ...workers]);
    });
    const started = Date.now();
    for (let k = 0; k <= KILLS; k++) {
      const n = spawnNode(file, port);
      children.push(n);
      // a quarter of the kills land while the node is still starting (the first one may hit the city load)
      const early = k < KILLS && rnd.next() < 0.25;
      if (early) {
        await sleep(rnd.int(100, 1500));
      } else {
        await waitReady(n, 90_000);
        node = n;
        if (workers.length === 0) workers.push(caseworker(0), caseworker(1));
        if (k < KILLS) await sleep(rnd.int(300, 2500));
      }
      if (k === KILLS) break;
      node = null;
      n.child.kill('SIGKILL');
      await waitForExit(n.child, 10_000);
    }
    // the last start stays up: finish the feed and the scripts, then let the engine drain
    await feeder;
    feeding = false;
    await sleep(1500);
    working = false;
    await Promise.all(workers);
    const last = node!;
    await waitDrained(nc, config);
    expect(await stopNode(last)).toBe(0);
    process.stdout.write(`one-truth: ${KILLS} kills in ${((Date.now() - started) / 1000).toFixed(1)} s, ${done.length} acknowledged actions, seed ${rnd.seed}\n`);

    // the uninterrupted run: same city, same stream, a fresh folder, one engine from start to end
    const ref: Config = { ...config, lmdb: { ...config.lmdb, path: join(base.city.dataDir, '..', 'reference') } };
    await initialLoad(ref, { threads: 1 });
    const killed = dumpStore(config.lmdb.path, { exclude: NOT_COMPARED });
    const targets = new Map((killed.get('checkpoints')?.entries ?? []).map(([k, v]) => [Number(JSON.parse(k)), Number(JSON.parse(v))]));
    const engine = await startEngine(ref, { tuning: { consumerTag: 'reference', warmUpUpdates: 0 } });
    try {
      await waitFor('the reference engine caught up', () => [...targets].every(([p, s]) => (engine.status().partitions.find((x) => x.partition === p)?.checkpoint ?? 0) >= s), { timeoutMs: 120_000, everyMs: 50 });
    } finally {
      await engine.stop();
    }
    const reference = dumpStore(ref.lmdb.path, { exclude: NOT_COMPARED });
    expect(killed.get('households')?.entries.length).toBe(households.length);
    expect(killed.get('alert_queue')?.entries.length).toBeGreaterThan(0);
    expect(diffDumps(killed, reference)).toEqual([]);

    // every acknowledged action is in its alert's history exactly once; no second open case per household and type
    expect(anomalies).toEqual([]);
    expect(done.length).toBeGreaterThan(0);
    const alerts = new Map((killed.get('alerts')?.entries ?? []).map(([k, v]) => [JSON.parse(k) as string, JSON.parse(v) as { householdId: string; type: string; status: string; history: { requestId: string | null }[] }]));
    for (const d of done) {
      const a = alerts.get(d.alertId);
      expect(a, d.alertId).toBeDefined();
      expect(a!.history.filter((h) => h.requestId === d.requestId).length, `${d.requestId} on ${d.alertId}`).toBe(1);
    }
    const open = new Set<string>();
    for (const a of alerts.values()) {
      if (a.status === 'closed') continue;
      const key = `${a.householdId}|${a.type}`;
      expect(open.has(key), key).toBe(false);
      open.add(key);
    }
  }, 600_000);
});
