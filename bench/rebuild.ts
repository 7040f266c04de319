/**
 * Rebuilding a lost LMDB folder from JetStream alone, against the initial bulk load of the same
 * city in the same run. The whole Hangzhou city (≈ 223k households) is loaded (timed), snapshot 0
 * is written to the object store (timed), a stream of department updates is consumed, a second
 * snapshot is taken halfway through it, more updates arrive; then the folder is deleted and a new
 * engine process-equivalent restores every partition from its latest snapshot and replays the
 * stream from each snapshot's checkpoint to the end (timed: restore + replay). Goal: the rebuild
 * takes at most twice the initial load (ratio = load time / rebuild time ≥ 0.5).
 */
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { generateCity } from '../connectors/city/generator.js';
import { openPublisher } from '../connectors/publisher/index.js';
import type { Household } from '../engine/types.js';
import { startEngine } from '../workers/engine.js';
import { initialLoad } from '../workers/initial-load.js';
import { restoreAll } from '../workers/recovery.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { openSnapshotBucket, takeSnapshots } from '../workers/snapshots/index.js';
import { openStore, storeOptions } from '../workers/store/index.js';
import { isQuick, writeResult } from './harness/results.js';
import { NATS_URL, benchConfig, deleteStreams } from './harness/streams.js';

const quick = isQuick();
const LIMIT = quick ? 20_000 : undefined;
const UPDATES = quick ? 10_000 : 60_000;
const PARTITIONS = 8;
const id = `R${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'lifeline-rebuild-'));
const config = benchConfig(id, PARTITIONS, { 'lmdb.path': join(dir, 'lmdb'), 'city.dataDir': join(dir, 'city') });
const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
const jsm = await jetstreamManager(nc);
const all = Array.from({ length: PARTITIONS }, (_, i) => i);

async function consumeAll(target: Map<number, number>): Promise<number> {
  const t0 = performance.now();
  const engine = await startEngine(config, { tuning: { pendingPollMs: 0, warmUpUpdates: 0 } });
  try {
    for (;;) {
      const st = engine.status().partitions;
      if ([...target].every(([p, s]) => (st.find((x) => x.partition === p)?.checkpoint ?? 0) >= s)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await engine.stop();
  }
  return (performance.now() - t0) / 1000;
}

try {
  const households: Household[] = [];
  const file = join(dir, 'households.ndjson');
  const out = createWriteStream(file);
  for await (const h of generateCity('hangzhou', config.city.seed, LIMIT === undefined ? {} : { limit: LIMIT })) {
    households.push(h);
    if (!out.write(JSON.stringify(h) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const load = await initialLoad(config, { file });
  process.stderr.write(`initial load: ${load.households} households in ${load.seconds.toFixed(1)} s\n`);

  const bucket = await openSnapshotBucket(nc, { streamName: config.stream.name, replicas: 1 });
  let store = openStore(storeOptions(config));
  let t = performance.now();
  const snap0 = await takeSnapshots(store, bucket, { partitions: all, partitionCount: PARTITIONS });
  const snapshotSeconds = (performance.now() - t) / 1000;
  const snapshotBytes = snap0.reduce((n, h) => n + h.bytes, 0);
  await store.close();
  process.stderr.write(`snapshot 0: ${(snapshotBytes / 1024 ** 2).toFixed(0)} MiB in ${snapshotSeconds.toFixed(1)} s\n`);

  // updates arrive; a snapshot halfway; more updates: the rebuild restores the later snapshot and replays the rest
  const updates = [...simulateUpdates(households.map(simHousehold), UPDATES, { idPrefix: id, alertEvery: 20 })];
  const { publisher } = await openPublisher(nc, config);
  const last = new Map<number, number>();
  const publish = async (from: number, to: number) => {
    for (let i = from; i < to; i += 5000) for (const r of await publisher.publishMany(updates.slice(i, Math.min(to, i + 5000)))) last.set(r.partition, Math.max(last.get(r.partition) ?? 0, r.seq));
  };
  await publish(0, UPDATES / 2);
  await consumeAll(new Map(last));
  store = openStore(storeOptions(config));
  await takeSnapshots(store, bucket, { partitions: all, partitionCount: PARTITIONS });
  await store.close();
  await publish(UPDATES / 2, UPDATES);
  await publisher.close();
  await consumeAll(new Map(last));

  // the disk goes; the view comes back from JetStream alone
  rmSync(config.lmdb.path, { recursive: true, force: true });
  t = performance.now();
  store = openStore(storeOptions(config));
  const restored = await restoreAll(store, bucket, PARTITIONS);
  await store.close();
  const restoreSeconds = (performance.now() - t) / 1000;
  const replaySeconds = await consumeAll(new Map(last));
  const rebuildSeconds = (performance.now() - t) / 1000;
  const households2 = restored.reduce((n, s) => n + s.households, 0);
  process.stderr.write(`rebuild: ${households2} households restored in ${restoreSeconds.toFixed(1)} s, replay of ${UPDATES / 2} updates ${replaySeconds.toFixed(1)} s\n`);
  const ratio = load.seconds / rebuildSeconds;
  writeResult({
    part: 'rebuild',
    figures: {
      rebuildSeconds: { value: rebuildSeconds, unit: 's (restore every partition from its snapshot + replay the stream to its end)' },
      restoreSeconds: { value: restoreSeconds, unit: 's (object store → LMDB, indexes and counters rebuilt)' },
      replaySeconds: { value: replaySeconds, unit: `s (replay of the ${UPDATES / 2} updates after the latest snapshot)` },
      loadSeconds: { value: load.seconds, unit: 's (initial bulk load of the same city, same run)' },
      snapshotSeconds: { value: snapshotSeconds, unit: 's (snapshot of every partition)' },
      snapshotMiB: { value: snapshotBytes / 1024 ** 2, unit: 'MiB in the object store' },
      households: { value: households2, unit: 'households' },
    },
    limit: { name: 'initial bulk load of the same city, same run', value: load.seconds, unit: 's' },
    ratio,
    goal: 0.5,
    notes: [
      `rebuild ${rebuildSeconds.toFixed(1)} s = ${(rebuildSeconds / load.seconds).toFixed(2)}× the initial load (${load.seconds.toFixed(1)} s); goal ≤ 2× (ratio load/rebuild ≥ 0.5)`,
      'the replay grows with the updates since the latest snapshot: at the default 15-minute interval and 200 updates/s that is ≤ 180,000 updates',
    ],
  });
} finally {
  await deleteStreams(jsm, id);
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
}
