/**
 * Sustained end-to-end updates/s through the engine (JetStream → piscina → LMDB, one transaction
 * per batch, ack after commit) with the stream pre-filled, against, in the same run and on the
 * same messages: (a) a raw consumer that only acks (AckAll on each batch's last message), and
 * (b) the raw skeleton: batches of ≤ 500 per partition, one in flight, a read + rewrite of the
 * household record and the checkpoint in one LMDB transaction, then the ack. Also measured: the
 * pure engine step (processValidated, one thread, no I/O), the ceiling the engine itself sets.
 * The headline runs with the truth on (the defaults: LMDB flushed after each commit without holding
 * the write lock, audit/dead-letter outbox, command outcomes, and partition snapshots to the
 * JetStream object store — one taken in the middle of a second run, far more often than the
 * 15-minute default); the same pipeline without that recovery work (lmdb.noSync, no snapshots)
 * is measured on the same messages for the ratio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Config } from '../config/index.js';
import { generateCity } from '../connectors/city/generator.js';
import { openPublisher } from '../connectors/publisher/index.js';
import { initialState, processValidated } from '../engine/process.js';
import type { HouseholdState, Update } from '../engine/types.js';
import { startEngine } from '../workers/engine.js';
import { initialLoad } from '../workers/initial-load.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { openStore } from '../workers/store/index.js';
import { openSnapshotBucket, takeSnapshots } from '../workers/snapshots/index.js';
import { copyStore } from './harness/copy-store.js';
import { rewriteBatch } from './raw/rewrite-skeleton.js';
import { Progress } from './harness/progress.js';
import { cpuMeter, type CpuShares } from './harness/thread-cpu.js';
import { fmt, isQuick, writeResult } from './harness/results.js';
import { writeFileSync, mkdirSync } from 'node:fs';
import { NATS_URL, benchConfig, deleteStreams } from './harness/streams.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 10_000 : 100_000;
const MESSAGES = quick ? 15_000 : 60_000;
const PARTITIONS = 8;
const cores = availableParallelism();
const BATCH = 500;
const id = `B${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'));
const config: Readonly<Config> = benchConfig(id, PARTITIONS, {
  'lmdb.path': join(dir, 'lmdb'),
  'city.dataDir': join(dir, 'city'),
});
const withPath = (path: string, noSync: boolean): Readonly<Config> => ({ ...config, lmdb: { ...config.lmdb, path, noSync } });

const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
const jsm = await jetstreamManager(nc);
const js = jetstream(nc);

try {
  // city and households in LMDB
  const households = [...generateCity('hangzhou', 20231017, { limit: HOUSEHOLDS })];
  mkdirSync(config.city.dataDir, { recursive: true });
  writeFileSync(join(config.city.dataDir, 'households.ndjson'), households.map((h) => JSON.stringify(h)).join('\n') + '\n');
  const load = await initialLoad(config);
  process.stderr.write(`loaded ${load.households} households in ${load.seconds.toFixed(1)} s\n`);
  // one loaded store per engine run (the first no-sync run uses the original)
  for (const name of ['lmdb-warmup', 'lmdb-durable', 'lmdb-nosync-2', 'lmdb-durable-2', 'lmdb-snapshot', 'lmdb-skeleton']) await copyStore(config.lmdb.path, join(dir, name));

  // the stream, pre-filled
  const updates = [...simulateUpdates(households.map(simHousehold), MESSAGES, { idPrefix: id })];
  const { publisher } = await openPublisher(nc, config);
  const bar = new Progress('publish', MESSAGES);
  const last = new Map<number, number>();
  for (let i = 0; i < updates.length; i += 5000) {
    for (const r of await publisher.publishMany(updates.slice(i, i + 5000))) last.set(r.partition, Math.max(last.get(r.partition) ?? 0, r.seq));
    bar.update(Math.min(MESSAGES, i + 5000));
  }
  bar.done();
  await publisher.close();
  const bytes = updates.reduce((n, u) => n + JSON.stringify(u).length, 0) / updates.length;

  // (a) raw ack-only consumer and (b) raw skeleton share this driver: batches per partition, one in flight
  async function rawRun(tag: string, handle: ((p: number, batch: JsMsg[]) => void) | null): Promise<{ rate: number; cpu: CpuShares }> {
    const meter = cpuMeter();
    const t0 = performance.now();
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    const stops: (() => Promise<void>)[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const name = `${config.stream.name}_${tag}_p${p}`;
      await jsm.consumers.add(config.stream.name, {
        durable_name: name,
        filter_subject: `${config.stream.subjectPrefix}.upd.${p}.>`,
        ack_policy: AckPolicy.All,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: config.engine.maxAckPending,
      });
      const c = await js.consumers.get(config.stream.name, name);
      const queue: JsMsg[] = [];
      let scheduled = false;
      const target = last.get(p) ?? 0;
      const drain = (): void => {
        scheduled = false;
        while (queue.length) {
          const batch = queue.splice(0, BATCH);
          if (handle) handle(p, batch);
          batch[batch.length - 1]!.ack();
          done += batch.length;
          if (batch[batch.length - 1]!.seq >= target && done >= MESSAGES) finish();
        }
      };
      const msgs = await c.consume({
        max_messages: BATCH * 2,
        callback: (m) => {
          queue.push(m);
          if (!scheduled) {
            scheduled = true;
            setImmediate(drain);
          }
        },
      });
      stops.push(() => msgs.close().then(() => undefined));
    }
    await all;
    const secs = (performance.now() - t0) / 1000;
    const cpu = meter.perMessage(MESSAGES);
    await Promise.all(stops.map((s) => s()));
    return { rate: MESSAGES / secs, cpu };
  }

  const rawOut = await rawRun('raw', null);
  const raw = rawOut.rate;
  process.stderr.write(`raw ack-only: ${Math.round(raw)} msgs/s\n`);

  const skStore = openStore({ path: join(dir, 'lmdb-skeleton'), noSync: true });
  const skeletonOut = await rawRun('skeleton', (p, batch) => {
    const ids = batch.map((m) => (JSON.parse(Buffer.from(m.data).toString('utf8')) as Update).householdId);
    rewriteBatch(skStore, ids, p, batch[batch.length - 1]!.seq);
  });
  await skStore.close();
  const skeleton = skeletonOut.rate;
  process.stderr.write(`raw skeleton: ${Math.round(skeleton)} msgs/s\n`);

  const bucket = await openSnapshotBucket(nc, { streamName: config.stream.name, replicas: 1 });
  async function engineRun(cfg: Readonly<Config>, tag: string, snapshotMidway = false): Promise<{ rate: number; p50: number; cpu: CpuShares; snapshotMs: number | null }> {
    // CPU is counted from the first batch's result on: thread start-up and module loading are not per-update work
    let meter: ReturnType<typeof cpuMeter> | undefined;
    let meteredFrom = 0;
    const store = openStore({ path: cfg.lmdb.path, noSync: cfg.lmdb.noSync });
    let first = 0;
    let lastAt = 0;
    let seen = 0;
    const totals: number[] = [];
    let finish!: () => void;
    const all = new Promise<void>((r) => (finish = r));
    const engine = await startEngine(cfg, { store, tuning: { consumerTag: tag, pendingPollMs: 0 } });
    const bar = new Progress(`engine ${tag}`, MESSAGES);
    let snapshot: Promise<number> | null = null;
    engine.onBatch((r) => {
      if (snapshotMidway && !snapshot && seen >= MESSAGES / 3) {
        const t = performance.now();
        snapshot = takeSnapshots(store, bucket, { partitions: Array.from({ length: PARTITIONS }, (_, i) => i), partitionCount: PARTITIONS }).then(() => performance.now() - t);
      }
      if (!first) first = performance.now() - r.timings.totalMs;
      seen += r.messages;
      if (!meter) {
        meter = cpuMeter();
        meteredFrom = seen;
      }
      totals.push(r.timings.totalMs);
      lastAt = performance.now();
      bar.update(seen);
      if (seen >= MESSAGES) finish();
    });
    await all;
    const cpu = meter!.perMessage(seen - meteredFrom);
    bar.done();
    const snapshotMs = snapshot ? await snapshot : null;
    await engine.stop();
    await store.close();
    totals.sort((a, b) => a - b);
    return { rate: MESSAGES / ((lastAt - first) / 1000), p50: totals[Math.floor(totals.length / 2)] ?? 0, cpu, snapshotMs };
  }
  // without the recovery work: no flush at all, no snapshots (what the engine did before the truth moved to JetStream);
  // the two variants alternate twice (A B A B) so a slow spell of the machine lands on both, after
  // one uncounted run (the first engine run of a process was up to a third slower: it is not a variant's cost)
  await engineRun(withPath(join(dir, 'lmdb-warmup'), true), 'warmup');
  const bare = await engineRun(withPath(config.lmdb.path, true), 'nosync');
  process.stderr.write(`engine without recovery work (noSync): ${Math.round(bare.rate)} msgs/s\n`);
  const fast = await engineRun(withPath(join(dir, 'lmdb-durable'), false), 'truth');
  process.stderr.write(`engine with the truth on: ${Math.round(fast.rate)} msgs/s\n`);
  const bare2 = await engineRun(withPath(join(dir, 'lmdb-nosync-2'), true), 'nosync2');
  process.stderr.write(`engine without recovery work (noSync), again: ${Math.round(bare2.rate)} msgs/s\n`);
  const fast2 = await engineRun(withPath(join(dir, 'lmdb-durable-2'), false), 'truth2');
  process.stderr.write(`engine with the truth on, again: ${Math.round(fast2.rate)} msgs/s\n`);
  const snap = await engineRun(withPath(join(dir, 'lmdb-snapshot'), false), 'snapshot', true);
  process.stderr.write(`engine with the truth on and a snapshot of every partition during the run: ${Math.round(snap.rate)} msgs/s (snapshot ${Math.round(snap.snapshotMs ?? 0)} ms)\n`);
  const pairRatios = [fast.rate / bare.rate, fast2.rate / bare2.rate];
  const truthRatio = (pairRatios[0]! + pairRatios[1]!) / 2;
  const durable = fast;

  // the pure engine step on the same updates, one thread, no I/O
  const states = new Map<string, HouseholdState>(households.map((h) => [h.id, initialState(h, config.model)]));
  const n = Math.min(updates.length, 20_000);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const u = updates[i]!;
    const r = processValidated(states.get(u.householdId)!, u, config.model, { receivedAt: 0 });
    if (r.ok) states.set(u.householdId, r.state);
  }
  const step = n / ((performance.now() - t0) / 1000);

  const vsRaw = fast.rate / raw;
  const vsSkeleton = fast.rate / skeleton;
  writeResult({
    part: 'pipeline',
    figures: {
      engineTruthOn: { value: fast.rate, unit: 'updates/s (defaults: flushed commits, outbox, snapshots at their interval)' },
      engineTruthOnSnapshotting: { value: snap.rate, unit: 'updates/s with a snapshot of all partitions taken during the run' },
      engineWithoutRecovery: { value: bare.rate, unit: 'updates/s (lmdb.noSync, no snapshots)' },
      engineTruthOnAgain: { value: fast2.rate, unit: 'updates/s, second truth-on run' },
      engineWithoutRecoveryAgain: { value: bare2.rate, unit: 'updates/s, second run without recovery work' },
      truthRatio: { value: truthRatio, unit: '× the same pipeline without the recovery work, mean of the two A/B pairs (goal 0.85)' },
      truthRatioSnapshotting: { value: snap.rate / bare.rate, unit: '× without recovery work, with a snapshot in the run' },
      snapshotMs: { value: snap.snapshotMs ?? 0, unit: `ms to snapshot ${HOUSEHOLDS} households (all partitions) while the pipeline runs` },
      rawAckOnly: { value: raw, unit: 'msgs/s' },
      rawSkeleton: { value: skeleton, unit: 'msgs/s' },
      ratioVsRaw: { value: vsRaw, unit: '× raw ack-only (goal 0.35)' },
      ratioVsSkeleton: { value: vsSkeleton, unit: '× raw skeleton (goal 0.8)' },
      engineStepOneThread: { value: step, unit: 'updates/s (processValidated, no I/O)' },
      batchP50NoSync: { value: fast.p50, unit: 'ms per batch in the worker' },
      cpuWorker: { value: fast.cpu.worker, unit: 'µs CPU per update, piscina worker thread (truth-on run)' },
      cpuMain: { value: fast.cpu.main, unit: 'µs CPU per update, main thread (NATS, dispatch)' },
      cpuOtherThreads: { value: fast.cpu.otherThreads, unit: 'µs CPU per update, other threads (V8 GC and compiler, LMDB writer, libuv)' },
      ...(fast.cpu.natsServer === null ? {} : { cpuNatsServer: { value: fast.cpu.natsServer, unit: 'µs CPU per update, nats-server (shared: includes any other client)' } }),
      cpuTotal: { value: fast.cpu.total, unit: 'µs CPU per update, all of the above' },
      cpuCeiling: { value: (cores * 1e6) / fast.cpu.total, unit: `updates/s if all ${cores} cores did nothing else (cores / cpuTotal)` },
      cpuSkeletonTotal: { value: skeletonOut.cpu.total, unit: 'µs CPU per message, raw skeleton, same accounting' },
      cpuRawTotal: { value: rawOut.cpu.total, unit: 'µs CPU per message, raw ack-only consumer, same accounting' },
      messages: { value: MESSAGES, unit: 'messages' },
      households: { value: HOUSEHOLDS, unit: 'households' },
      messageSize: { value: bytes, unit: 'bytes (mean JSON body)' },
    },
    limit: { name: 'raw ack-only consumer, same messages, same run', value: raw, unit: 'msgs/s' },
    ratio: vsRaw,
    goal: 0.35,
    met: vsRaw >= 0.35 && vsSkeleton >= 0.8 && truthRatio >= 0.85,
    notes: [
      `headline with the truth on (flushed commits, outbox, snapshots): ${Math.round(fast.rate)} and ${Math.round(fast2.rate)} updates/s = ${fmt(truthRatio)}× (pairs ${pairRatios.map(fmt).join(', ')}) the same pipeline without the recovery work (${Math.round(bare.rate)} and ${Math.round(bare2.rate)} updates/s, lmdb.noSync, goal 0.85; runs alternate A B A B); with a snapshot of every partition taken during the run ${Math.round(snap.rate)} updates/s (${fmt(snap.rate / bare.rate)}×, snapshot ${Math.round(snap.snapshotMs ?? 0)} ms; the default interval is 15 minutes)`,
      `${PARTITIONS} partitions, batchMax ${BATCH}, ${config.engine.threads} worker thread(s), AckAll on each batch's last message, maxAckPending ${config.engine.maxAckPending}`,
      'met requires ≥ 0.35 × raw ack-only, ≥ 0.8 × raw skeleton and ≥ 0.85 × the pipeline without recovery work',
      'the engine step itself (validate excluded: processValidated) is the ceiling shown as engineStepOneThread',
      `CPU per update (truth-on run): worker ${fmt(fast.cpu.worker)} µs, main ${fmt(fast.cpu.main)} µs, other threads ${fmt(fast.cpu.otherThreads)} µs, nats-server ${fast.cpu.natsServer === null ? 'n/a' : `${fmt(fast.cpu.natsServer)} µs`}: ${fmt(fast.cpu.total)} µs in all, so ${cores} cores cap the pipeline near ${fmt((cores * 1e6) / fast.cpu.total)} updates/s; the raw skeleton spends ${fmt(skeletonOut.cpu.total)} µs per message, the ack-only consumer ${fmt(rawOut.cpu.total)} µs`,
    ],
  });
} finally {
  await deleteStreams(jsm, id);
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
}
