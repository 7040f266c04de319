/**
 * Scale-out: one engine process vs two on the same kind of stream (fresh stream per run, same
 * updates, households in snapshot 0 of the object store). The backlog is published first; the engine
 * processes (`dist/workers/leases/engine-node.js`, each its own LMDB folder) start together and
 * split the partitions through leases. Throughput counts only the messages committed after every
 * process holds its fair share (so start-up and the rebalance are not measured), until every
 * partition's checkpoint reaches the end of the stream.
 *
 * headline: updates/s of two processes; limit: one process, same run; ratio two/one.
 * On one 2-core machine both processes (each a main thread + a worker thread) share the same
 * cores with NATS and each other, so the ratio shows the overhead of leases and snapshot restores far
 * more than the gain; separate machines are what scale-out is for.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig, type Config } from '../config/index.js';
import { generateCity } from '../connectors/city/index.js';
import { ensureStreams, partitionOf, subjectFor } from '../connectors/publisher/index.js';
import { initialState } from '../engine/process.js';
import type { Update } from '../engine/types.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { openSnapshotBucket, takeSnapshots } from '../workers/snapshots/index.js';
import { openStore } from '../workers/store/index.js';
import { fmt, isQuick, projectRoot, writeResult } from './harness/results.js';
import { NATS_URL, benchConfig, deleteStreams } from './harness/streams.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 2_000 : 20_000;
const UPDATES = quick ? 60_000 : 300_000;
const PARTITIONS = 8;
const NODE_JS = join(projectRoot(), 'dist', 'workers', 'leases', 'engine-node.js');

interface Line {
  at: number;
  event: string;
  partition?: number;
  checkpoint?: number;
  messages?: number;
}

interface RunResult {
  processes: number;
  updatesPerSec: number;
  measured: number;
  seconds: number;
  startupMs: number;
}

function config(id: string, dir: string): Readonly<Config> {
  return benchConfig(id, PARTITIONS, {
    'stream.maxBytes': 2 * 1024 ** 3,
    'engine.leaseTtlSec': 5,
    'lmdb.path': join(dir, 'lmdb'),
  });
}

async function publishAll(nc: NatsConnection, cfg: Readonly<Config>, updates: readonly Update[]): Promise<Map<number, number>> {
  const js = jetstream(nc);
  const last = new Map<number, number>();
  for (let i = 0; i < updates.length; i += 1000) {
    await Promise.all(
      updates.slice(i, i + 1000).map(async (u) => {
        const p = partitionOf(u.householdId, PARTITIONS);
        const ack = await js.publish(subjectFor(cfg.stream.subjectPrefix, p, u.source), JSON.stringify(u), { msgID: `${u.source}:${u.id}` });
        last.set(p, Math.max(last.get(p) ?? 0, ack.seq));
      }),
    );
  }
  return last;
}

async function run(processes: number, nc: NatsConnection, jsm: JetStreamManager, updates: readonly Update[], states: ReturnType<typeof initialState>[]): Promise<RunResult> {
  const id = `S${processes}${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-scale-'));
  const cfg = config(id, dir);
  try {
    await ensureStreams(jsm, cfg.stream);
    // snapshot 0: the households as loaded, what every node restores a partition from before replaying
    const seedStore = openStore({ path: join(dir, 'seed'), noSync: true });
    try {
      await seedStore.env.transaction(() => {
        for (const s of states) seedStore.households.putSync(s.household.id, s);
      });
      const bucket = await openSnapshotBucket(nc, { streamName: cfg.stream.name, replicas: 1 });
      await takeSnapshots(seedStore, bucket, { partitions: Array.from({ length: PARTITIONS }, (_, i) => i), partitionCount: PARTITIONS });
    } finally {
      await seedStore.close();
    }
    const lastSeq = await publishAll(nc, cfg, updates);

    const started = Date.now();
    const owned = new Map<number, Set<number>>();
    const restoring = new Map<number, number>();
    const checkpoints = new Map<number, number>();
    const batches: Line[] = [];
    let shareAt = 0;
    let endAt = 0;
    const children: ReturnType<typeof spawn>[] = [];
    const done = new Promise<void>((resolve, reject) => {
      for (let n = 0; n < processes; n++) {
        const file = join(dir, `node${n}.json`);
        writeFileSync(file, JSON.stringify({ ...cfg, lmdb: { ...cfg.lmdb, path: join(dir, `lmdb-${n}`) }, engine: { ...cfg.engine, nodeId: `bench-${n}` } }));
        const child = spawn(process.execPath, [NODE_JS], { env: { ...process.env, LIFELINE_CONFIG: file }, stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        const mine = new Set<number>();
        owned.set(n, mine);
        child.on('exit', (code) => {
          if (!endAt) reject(new Error(`engine process ${n} exited with ${code} before the end`));
        });
        createInterface({ input: child.stdout }).on('line', (raw) => {
          let e: Line;
          try {
            e = JSON.parse(raw) as Line;
          } catch {
            return;
          }
          const p = e.partition;
          if (e.event !== 'batch') process.stderr.write(`[node ${n}] ${raw}\n`);
          if (e.event === 'fatal') reject(new Error(raw));
          if (p === undefined) return;
          if (e.event === 'acquired') {
            mine.add(p);
            restoring.set(p, (restoring.get(p) ?? 0) + 1);
          }
          if (e.event === 'lost') mine.delete(p);
          if (e.event === 'restored') restoring.set(p, (restoring.get(p) ?? 1) - 1);
          if (e.event === 'batch') {
            batches.push(e);
            checkpoints.set(p, Math.max(checkpoints.get(p) ?? 0, e.checkpoint ?? 0));
          }
          const fair = [...owned.values()].every((s) => s.size === PARTITIONS / processes) && [...restoring.values()].every((r) => r === 0);
          if (!shareAt && fair) shareAt = e.at;
          if (!endAt && [...lastSeq].every(([q, seq]) => (checkpoints.get(q) ?? 0) >= seq)) {
            endAt = e.at;
            resolve();
          }
        });
      }
    });
    await done;
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.on('exit', r)))));
    const measured = batches.filter((b) => b.at > shareAt).reduce((n, b) => n + (b.messages ?? 0), 0);
    const seconds = (endAt - shareAt) / 1000;
    return { processes, updatesPerSec: measured / seconds, measured, seconds, startupMs: shareAt - started };
  } finally {
    await deleteStreams(jsm, id);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const households = [...generateCity('hangzhou', 20231017, { limit: HOUSEHOLDS })];
  const states = households.map((h) => initialState(h, loadConfig({ env: {} }).model));
  const updates = [...simulateUpdates(households.map(simHousehold), UPDATES, { idPrefix: `scale${Date.now().toString(36)}` })];
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  try {
    const one = await run(1, nc, jsm, updates, states);
    console.log(`one process: ${fmt(one.updatesPerSec)} updates/s (${one.measured} in ${fmt(one.seconds)} s)`);
    const two = await run(2, nc, jsm, updates, states);
    console.log(`two processes: ${fmt(two.updatesPerSec)} updates/s (${two.measured} in ${fmt(two.seconds)} s)`);
    writeResult({
      part: 'scale',
      figures: {
        'two processes': { value: two.updatesPerSec, unit: 'updates/s' },
        'one process': { value: one.updatesPerSec, unit: 'updates/s' },
        'two processes, measured updates': { value: two.measured, unit: 'updates' },
        'one process, measured updates': { value: one.measured, unit: 'updates' },
        'two processes, start until fair share': { value: two.startupMs, unit: 'ms' },
      },
      limit: { name: 'one engine process, same run', value: one.updatesPerSec, unit: 'updates/s' },
      ratio: two.updatesPerSec / one.updatesPerSec,
      goal: 1,
      notes: [
        `${UPDATES.toLocaleString('en-US')} updates over ${HOUSEHOLDS.toLocaleString('en-US')} households, ${PARTITIONS} partitions, published before the engines start; lease TTL 5 s.`,
        'Only messages committed after every process holds its fair share (restores done) are counted.',
        'Both processes share this machine\'s cores with NATS: the ratio is a floor; on separate machines each process brings its own cores and LMDB writer.',
        'LMDB with overlapping sync; partitions restored from snapshot 0 in the JetStream object store on acquisition.',
      ],
    });
  } finally {
    await nc.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
