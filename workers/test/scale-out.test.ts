/**
 * Scale-out end to end: two REAL engine processes (`dist/workers/leases/engine-node.js`, each its
 * own LMDB folder) share one stream through partition leases; one is killed with SIGKILL in the
 * middle of the stream. The survivor must take over and finish every partition, and the final
 * states and alerts — in its LMDB and in the snapshots it leaves — must equal a single-process run of the
 * same updates on a second stream. Needs `npm run build` (piscina and the child load dist/).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { generateCity } from '../../connectors/city/index.js';
import { ensureStreams, partitionOf, subjectFor } from '../../connectors/publisher/index.js';
import { initialState } from '../../engine/process.js';
import type { Alert } from '../../engine/alerts/types.js';
import type { Household, Update } from '../../engine/types.js';
import type { Config } from '../../config/index.js';
import { simHousehold, simulateUpdates } from '../sim/updates.js';
import { alertsByHousehold, openStore, type Store } from '../store/index.js';
import { openSnapshotBucket, restorePartition } from '../snapshots/index.js';
import { seedSnapshots } from './support.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE_JS = join(ROOT, 'dist/workers/leases/engine-node.js');
const PARTITIONS = 4;
const HOUSEHOLDS = 150;
const UPDATES = 3000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface NodeEvent {
  at?: number;
  event: string;
  partition?: number;
  checkpoint?: number | null;
  reason?: string;
  message?: string;
}

/** A child engine process and what it has said on stdout. */
class EngineProc {
  readonly events: NodeEvent[] = [];
  readonly owned = new Set<number>();
  readonly checkpoints = new Map<number, number>();
  batches = 0;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(
    readonly name: string,
    config: Readonly<Config>,
    readonly lmdbPath: string,
  ) {
    const file = join(dirname(config.lmdb.path), `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...config, lmdb: { ...config.lmdb, path: lmdbPath }, engine: { ...config.engine, nodeId: name } }));
    this.child = spawn(process.execPath, [NODE_JS], { env: { ...process.env, LIFELINE_CONFIG: file }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let e: NodeEvent;
      try {
        e = JSON.parse(line) as NodeEvent;
      } catch {
        return;
      }
      this.events.push(e);
      const p = e.partition;
      if (e.event === 'acquired' && p !== undefined) this.owned.add(p);
      if (e.event === 'lost' && p !== undefined) this.owned.delete(p);
      if ((e.event === 'batch' || e.event === 'restored') && p !== undefined && typeof e.checkpoint === 'number') {
        this.checkpoints.set(p, Math.max(this.checkpoints.get(p) ?? 0, e.checkpoint));
        if (e.event === 'batch') this.batches++;
      }
    });
  }

  async until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      const fatal = this.events.find((e) => e.event === 'fatal');
      if (fatal || this.child.exitCode !== null) throw new Error(`${this.name} ended while waiting for ${what}: ${fatal?.message ?? ''}\n${this.stderr.slice(-2000)}`);
      if (Date.now() > end) throw new Error(`${this.name}: ${what} did not happen in ${timeoutMs} ms; owned ${[...this.owned]}, checkpoints ${JSON.stringify([...this.checkpoints])}\n${this.stderr.slice(-2000)}`);
      await sleep(50);
    }
  }

  doneWith(lastSeq: ReadonlyMap<number, number>): boolean {
    return [...lastSeq].every(([p, seq]) => (this.checkpoints.get(p) ?? 0) >= seq);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }
}

/** One stream with its households in snapshot 0; publishes updates and remembers each partition's last sequence. */
class Feed {
  readonly lastSeq = new Map<number, number>();
  constructor(
    readonly env: TestEnv,
    readonly nc: NatsConnection,
  ) {}

  static async create(env: TestEnv, households: Household[]): Promise<Feed> {
    const nc = await testConnection();
    await ensureStreams(await jetstreamManager(nc), env.config.stream);
    await seedSnapshots(nc, env.config, households.map((h) => initialState(h, env.config.model)), PARTITIONS);
    return new Feed(env, nc);
  }

  async publish(updates: readonly Update[]): Promise<void> {
    const js = jetstream(this.nc);
    const { subjectPrefix } = this.env.config.stream;
    await Promise.all(
      updates.map(async (u) => {
        const p = partitionOf(u.householdId, PARTITIONS);
        const ack = await js.publish(subjectFor(subjectPrefix, p, u.source), JSON.stringify(u), { msgID: `${u.source}:${u.id}` });
        this.lastSeq.set(p, Math.max(this.lastSeq.get(p) ?? 0, ack.seq));
      }),
    );
  }
}

/** Alert fields that depend on when a message happened to be received, not on the updates. */
function comparable(a: Alert): unknown {
  return {
    ...a,
    createdAt: 0,
    dueAt: 0,
    updatedAt: 0,
    closedAt: null,
    triggers: a.triggers.map((t) => ({ ...t, at: 0 })),
    history: a.history.map((h) => ({ ...h, at: 0 })),
  };
}

function snapshot(store: Store, ids: readonly string[]) {
  return ids.map((id) => ({ id, state: store.households.get(id) ?? null, alerts: alertsByHousehold(store, id).map(comparable) }));
}

const envs: TestEnv[] = [];
const procs: EngineProc[] = [];
const conns: NatsConnection[] = [];
const stores: Store[] = [];

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  for (const s of stores) await s.close();
  for (const nc of conns) await nc.close();
  for (const e of envs) await e.cleanup();
});

describe('scale-out on NATS', () => {
  it('a node killed mid-stream: the survivor finishes every partition and ends where a single process ends', { timeout: 240_000 }, async () => {
    expect(existsSync(NODE_JS), `${NODE_JS} is missing: run npm run build`).toBe(true);
    // small max_bytes: every stream reserves its cap against the server's storage, shared with other tests
    const overrides = { 'stream.partitions': PARTITIONS, 'stream.maxBytes': 64 * 1024 ** 2, 'engine.leaseTtlSec': 6, 'engine.batchMax': 100 };
    const env = testEnv(overrides);
    const refEnv = testEnv(overrides);
    envs.push(env, refEnv);

    const households = [...generateCity('small', 11, { limit: HOUSEHOLDS })];
    const updates = [...simulateUpdates(households.map(simHousehold), UPDATES, { alertEvery: 20, idPrefix: 'so' })];
    const feed = await Feed.create(env, households);
    const ref = await Feed.create(refEnv, households);
    conns.push(feed.nc, ref.nc);

    const third = Math.floor(UPDATES / 3);
    await Promise.all([feed.publish(updates.slice(0, third)), ref.publish(updates.slice(0, third))]);

    const dir = dirname(env.config.lmdb.path);
    const a = new EngineProc('node-a', env.config, join(dir, 'lmdb-a'));
    const b = new EngineProc('node-b', env.config, join(dir, 'lmdb-b'));
    const single = new EngineProc('single', refEnv.config, join(dirname(refEnv.config.lmdb.path), 'lmdb-single'));
    procs.push(a, b, single);
    await a.until('its fair share', () => a.owned.size === 2 && b.owned.size === 2);
    // node-a is live once it has applied a batch, or restored its partitions (node-b may have drained the first third before the rebalance)
    await a.until('a first batch or restore', () => a.batches > 0 || [...a.owned].every((p) => a.checkpoints.has(p)));

    // the rest arrives while both run; node-a dies half way
    const rest = updates.slice(third);
    const chunks = 20;
    const per = Math.ceil(rest.length / chunks);
    let killedAt = 0;
    let killedOwned: number[] = [];
    for (let i = 0; i < chunks; i++) {
      const chunk = rest.slice(i * per, (i + 1) * per);
      await Promise.all([feed.publish(chunk), ref.publish(chunk)]);
      if (i === chunks / 2) {
        killedOwned = [...a.owned].sort();
        killedAt = Date.now();
        a.kill('SIGKILL');
      }
      await sleep(50);
    }
    expect(await a.exited).toBe(null); // killed by the signal
    expect(killedOwned.length).toBeGreaterThan(0);

    await b.until('the takeover of every partition', () => b.owned.size === PARTITIONS, 30_000);
    await b.until('the end of every partition', () => b.doneWith(feed.lastSeq), 120_000);
    await single.until('the end of every partition', () => single.doneWith(ref.lastSeq), 120_000);
    // the dead node's partitions were restored from their snapshots after the kill
    const takeovers = b.events.filter((e) => e.event === 'restored' && (e.at ?? 0) > killedAt);
    expect(new Set(takeovers.map((e) => e.partition))).toEqual(new Set(killedOwned));
    expect(b.events.some((e) => e.event === 'fatal' || e.event === 'error')).toBe(false);

    // a clean stop snapshots every partition it gives back; then read the LMDB folders
    b.kill('SIGTERM');
    single.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(await single.exited).toBe(0);

    const ids = households.map((h) => h.id);
    const survivor = openStore({ path: b.lmdbPath });
    const reference = openStore({ path: single.lmdbPath });
    const fromLog = openStore({ path: join(dir, 'lmdb-restored') });
    stores.push(survivor, reference, fromLog);
    const nc = await testConnection();
    conns.push(nc);
    const bucket = await openSnapshotBucket(nc, { streamName: env.config.stream.name, replicas: 1 });
    for (let p = 0; p < PARTITIONS; p++) {
      const r = await restorePartition(fromLog, bucket, p, PARTITIONS);
      expect(r.checkpoint).toBe(feed.lastSeq.get(p));
    }

    const expected = snapshot(reference, ids);
    expect(expected.reduce((n, h) => n + h.alerts.length, 0)).toBeGreaterThan(10);
    expect(expected.filter((h) => (h.state?.version ?? 0) > 0).length).toBeGreaterThan(HOUSEHOLDS / 2);
    expect(snapshot(survivor, ids)).toEqual(expected);
    expect(snapshot(fromLog, ids)).toEqual(expected);
  });
});
