/**
 * One scale-out throughput run, shared by `bench/scale.ts` (one server) and `bench/cluster.ts`
 * (a 3-server cluster): a fresh stream with the households as snapshot 0 of the object store, the
 * backlog published first, then `processes` engine processes (`dist/workers/leases/engine-node.js`,
 * each its own LMDB folder) that split the partitions through leases. Only messages committed
 * after every process holds its fair share (restores done) are counted, until every partition's
 * checkpoint reaches the end of the stream.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { ensureStreams, partitionOf, subjectFor } from '../../connectors/publisher/index.js';
import type { initialState } from '../../engine/process.js';
import type { Update } from '../../engine/types.js';
import { openSnapshotBucket, takeSnapshots } from '../../workers/snapshots/index.js';
import { openStore } from '../../workers/store/index.js';
import { projectRoot } from './results.js';
import { benchConfig, deleteStreams } from './streams.js';

const NODE_JS = join(projectRoot(), 'dist', 'workers', 'leases', 'engine-node.js');

interface Line {
  at: number;
  event: string;
  partition?: number;
  checkpoint?: number;
  messages?: number;
}

export interface ScaleRun {
  processes: number;
  updatesPerSec: number;
  measured: number;
  seconds: number;
  startupMs: number;
  /** Publishing the backlog (acknowledged by the stream's replicas), updates/s. */
  publishPerSec: number;
}

export interface ScaleRunOptions {
  nc: NatsConnection;
  jsm: JetStreamManager;
  processes: number;
  /** Must divide by `processes` (fair share is counted as an equal split). */
  partitions: number;
  /** Stream, bucket and object-store replicas (1 on one server, 3 on a cluster). */
  replicas: number;
  /** Server URL(s) the engine processes connect to. */
  natsUrl: string;
  updates: readonly Update[];
  states: readonly ReturnType<typeof initialState>[];
  /** Stream names carry this tag (and a random part). */
  tag: string;
}

async function publishAll(nc: NatsConnection, cfg: Readonly<Config>, partitions: number, updates: readonly Update[]): Promise<Map<number, number>> {
  const js = jetstream(nc);
  const last = new Map<number, number>();
  for (let i = 0; i < updates.length; i += 1000) {
    await Promise.all(
      updates.slice(i, i + 1000).map(async (u) => {
        const p = partitionOf(u.householdId, partitions);
        const ack = await js.publish(subjectFor(cfg.stream.subjectPrefix, p, u.source), JSON.stringify(u), { msgID: `${u.source}:${u.id}` });
        last.set(p, Math.max(last.get(p) ?? 0, ack.seq));
      }),
    );
  }
  return last;
}

export async function runScale(o: ScaleRunOptions): Promise<ScaleRun> {
  const id = `${o.tag}${o.processes}${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-scale-'));
  const cfg = benchConfig(id, o.partitions, {
    'nats.url': o.natsUrl,
    'stream.replicas': o.replicas,
    'stream.maxBytes': 2 * 1024 ** 3,
    'engine.leaseTtlSec': 5,
    'lmdb.path': join(dir, 'lmdb'),
  });
  try {
    await ensureStreams(o.jsm, cfg.stream);
    // snapshot 0: the households as loaded, what every node restores a partition from before replaying
    const seedStore = openStore({ path: join(dir, 'seed'), noSync: true });
    try {
      await seedStore.env.transaction(() => {
        for (const s of o.states) seedStore.households.putSync(s.household.id, s);
      });
      const bucket = await openSnapshotBucket(o.nc, { streamName: cfg.stream.name, replicas: o.replicas });
      await takeSnapshots(seedStore, bucket, { partitions: Array.from({ length: o.partitions }, (_, i) => i), partitionCount: o.partitions });
    } finally {
      await seedStore.close();
    }
    const p0 = Date.now();
    const lastSeq = await publishAll(o.nc, cfg, o.partitions, o.updates);
    const publishPerSec = o.updates.length / Math.max(0.001, (Date.now() - p0) / 1000);

    const started = Date.now();
    const owned = new Map<number, Set<number>>();
    const restoring = new Map<number, number>();
    const checkpoints = new Map<number, number>();
    const batches: Line[] = [];
    let shareAt = 0;
    let endAt = 0;
    const children: ReturnType<typeof spawn>[] = [];
    const done = new Promise<void>((resolve, reject) => {
      for (let n = 0; n < o.processes; n++) {
        const file = join(dir, `node${n}.json`);
        writeFileSync(file, JSON.stringify({ ...cfg, lmdb: { ...cfg.lmdb, path: join(dir, `lmdb-${n}`) }, engine: { ...cfg.engine, nodeId: `bench-${n}` } }));
        const child = spawn(process.execPath, [NODE_JS], { env: { ...process.env, LIFELINE_CONFIG: file }, stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        const mine = new Set<number>();
        owned.set(n, mine);
        child.on('exit', (code) => {
          if (!endAt) reject(new Error(`engine process ${n} exited with ${code} before the end`));
        });
        createInterface({ input: child.stdout! }).on('line', (raw) => {
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
          const fair = [...owned.values()].every((s) => s.size === o.partitions / o.processes) && [...restoring.values()].every((r) => r === 0);
          if (!shareAt && fair) shareAt = e.at;
          if (!endAt && [...lastSeq].every(([q, seq]) => (checkpoints.get(q) ?? 0) >= seq)) {
            endAt = e.at;
            resolve();
          }
        });
      }
    });
    try {
      await done;
    } finally {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.on('exit', r)))));
    }
    const measured = batches.filter((b) => b.at > shareAt).reduce((n, b) => n + (b.messages ?? 0), 0);
    const seconds = (endAt - shareAt) / 1000;
    return { processes: o.processes, updatesPerSec: measured / seconds, measured, seconds, startupMs: shareAt - started, publishPerSec };
  } finally {
    await deleteStreams(o.jsm, id);
    rmSync(dir, { recursive: true, force: true });
  }
}
