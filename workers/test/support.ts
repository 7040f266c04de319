/** Shared helpers of the workers' tests: a small city in LMDB, publishing, waiting, canonical dumps. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { pack } from 'msgpackr';
import type { Config } from '../../config/index.js';
import { generateCity } from '../../connectors/city/generator.js';
import { ensureStreams, openPublisher } from '../../connectors/publisher/index.js';
import type { Household, HouseholdState, Update } from '../../engine/types.js';
import { openSnapshotBucket, takeSnapshots } from '../snapshots/index.js';
import { listCheckpoints, openStore, type Store } from '../store/index.js';

export function smallCity(config: Readonly<Config>, n: number, seed = 11): { households: Household[]; file: string } {
  const households = [...generateCity('small', seed, { limit: n })];
  mkdirSync(config.city.dataDir, { recursive: true });
  const file = join(config.city.dataDir, 'households.ndjson');
  writeFileSync(file, households.map((h) => JSON.stringify(h)).join('\n') + '\n');
  return { households, file };
}

/** Publishes through the real Publisher; returns the last stream sequence per partition. */
export async function publishAll(nc: NatsConnection, config: Readonly<Config>, updates: Iterable<Update>): Promise<Map<number, number>> {
  const { publisher } = await openPublisher(nc, config);
  const results = await publisher.publishMany([...updates]);
  await publisher.close();
  const last = new Map<number, number>();
  for (const r of results) last.set(r.partition, Math.max(last.get(r.partition) ?? 0, r.seq));
  return last;
}

/** Publishes a raw body on one partition's subject (for malformed input the Publisher would refuse). */
export async function publishRaw(nc: NatsConnection, config: Readonly<Config>, partition: number, source: string, body: string): Promise<number> {
  await ensureStreams(await jetstreamManager(nc), config.stream);
  const ack = await jetstream(nc).publish(`${config.stream.subjectPrefix}.upd.${partition}.${source}`, body);
  return ack.seq;
}

export function mergeLast(...maps: Map<number, number>[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of maps) for (const [p, s] of m) out.set(p, Math.max(out.get(p) ?? 0, s));
  return out;
}

/** Resolves once every partition's checkpoint reached its target sequence. */
export async function waitForCheckpoints(store: Store, targets: Map<number, number>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    store.env.resetReadTxn();
    const cps = listCheckpoints(store);
    const behind = [...targets].filter(([p, s]) => (cps.get(p) ?? 0) < s);
    if (behind.length === 0) return;
    if (Date.now() > until) throw new Error(`checkpoints behind: ${behind.map(([p, s]) => `p${p} ${cps.get(p) ?? 0}/${s}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every household and alert, each packed without shared structures: equal buffers = equal records. */
export function dump(store: Store): { households: Map<string, Buffer>; alerts: Map<string, Buffer> } {
  store.env.resetReadTxn();
  const households = new Map<string, Buffer>();
  for (const { key, value } of store.households.getRange({})) if (typeof key === 'string') households.set(key, pack(value));
  const alerts = new Map<string, Buffer>();
  for (const { key, value } of store.alerts.getRange({})) if (typeof key === 'string') alerts.set(key, pack(value));
  return { households, alerts };
}

/** Snapshot 0 of a stream's partitions: the households as loaded, what a node restores before replaying the stream. */
export async function seedSnapshots(nc: NatsConnection, config: Readonly<Config>, states: Iterable<HouseholdState>, partitions: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-seed-'));
  const seed = openStore({ path: dir, noSync: true });
  try {
    await seed.env.transaction(() => {
      for (const s of states) seed.households.putSync(s.household.id, s);
    });
    const bucket = await openSnapshotBucket(nc, { streamName: config.stream.name, replicas: config.stream.replicas });
    await takeSnapshots(seed, bucket, { partitions: Array.from({ length: partitions }, (_, i) => i), partitionCount: partitions });
  } finally {
    await seed.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
