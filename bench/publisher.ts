/**
 * Publisher throughput against raw JetStream async publish of the same messages, same run.
 *
 * raw: pre-built subjects and JSON bodies, `js.publish(subject, body, { msgID })` in windows of
 * 1000 (publish 1000, await them all, repeat) on a `noAsyncTraces` connection: the transport limit.
 * ours: `Publisher.publishMany` on the same updates (routing, encoding, window 1000, counters
 * included). Runs alternate raw/ours on fresh file-storage streams; the best of each is compared.
 */
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { Update } from '../engine/types.js';
import { loadConfig } from '../config/index.js';
import { ensureStreams, partitionOf, Publisher, subjectFor } from '../connectors/publisher/index.js';
import { fmt, isQuick, writeResult } from './harness/results.js';

const quick = isQuick();
const N = quick ? 20_000 : 200_000;
const RUNS = quick ? 1 : 2;
const WINDOW = 1000;
const PARTITIONS = 8;
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

const SOURCES = [
  ['medical_insurance', 'medical_claim'],
  ['health', 'major_disease_diagnosed'],
  ['human_resources', 'unemployment_registered'],
  ['education', 'tuition_charged'],
] as const;

function makeUpdates(n: number, tag: string): Update[] {
  const out: Update[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const [source, kind] = SOURCES[i % SOURCES.length]!;
    out[i] = {
      id: `${tag}-${i.toString(36)}-000000`,
      source,
      kind,
      householdId: `H3301${String((i * 7919) % 223_000).padStart(7, '0')}`,
      personId: `P3301${String(i % 400_000).padStart(8, '0')}`,
      occurredAt: 1_790_000_000_000 + i,
      payload: { amountCny: 1234.5 + (i % 1000), outOfPocketCny: 456.25, diagnosis: 'J18.9', hospital: 'Hangzhou First People\'s Hospital', inpatient: i % 3 === 0 },
    };
  }
  return out;
}

async function freshStreams(jsm: JetStreamManager, tag: string) {
  const id = `${tag}${randomBytes(3).toString('hex')}`;
  const cfg = loadConfig({
    env: { NATS_URL },
    overrides: {
      'stream.name': `BENCH_${id}_UPD`,
      'stream.deadLetterName': `BENCH_${id}_DLQ`,
      'stream.subjectPrefix': `bench.${id}`,
      'stream.partitions': PARTITIONS,
      'stream.maxBytes': 512 * 1024 ** 2, // JetStream reserves max_bytes up front: keep the reservation small on a shared server
    },
  });
  await ensureStreams(jsm, cfg.stream);
  return cfg.stream;
}

async function main(): Promise<void> {
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true, name: 'bench-publisher' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const rawRates: number[] = [];
  const ourRates: number[] = [];
  let bytes = 0;
  const loadBefore = loadavg()[0]!;
  try {
    {
      // warm-up: JIT and connection buffers, so the first measured variant is not penalised
      const s = await freshStreams(jsm, 'warm');
      const w = makeUpdates(5000, 'w');
      await Promise.all(w.map((u) => js.publish(subjectFor(s.subjectPrefix, partitionOf(u.householdId, PARTITIONS), u.source), JSON.stringify(u), { msgID: u.id })));
      await new Publisher(js, { subjectPrefix: s.subjectPrefix, partitions: PARTITIONS }).publishMany(makeUpdates(5000, 'w2'));
      await jsm.streams.delete(s.name);
      await jsm.streams.delete(s.deadLetterName);
    }
    for (let run = 0; run < RUNS; run++) {
      // raw
      {
        const s = await freshStreams(jsm, 'raw');
        const updates = makeUpdates(N, `r${run}`);
        const subjects = updates.map((u) => subjectFor(s.subjectPrefix, partitionOf(u.householdId, PARTITIONS), u.source));
        const bodies = updates.map((u) => JSON.stringify(u));
        const ids = updates.map((u) => `${u.source}:${u.id}`);
        bytes = bodies.reduce((a, b) => a + b.length, 0) / N;
        const t0 = performance.now();
        for (let i = 0; i < N; i += WINDOW) {
          const batch: Promise<unknown>[] = [];
          for (let j = i; j < Math.min(N, i + WINDOW); j++) batch.push(js.publish(subjects[j]!, bodies[j]!, { msgID: ids[j]! }));
          await Promise.all(batch);
        }
        const secs = (performance.now() - t0) / 1000;
        rawRates.push(N / secs);
        const stored = (await jsm.streams.info(s.name)).state.messages;
        if (stored !== N) throw new Error(`raw run stored ${stored} of ${N}`);
        await jsm.streams.delete(s.name);
        await jsm.streams.delete(s.deadLetterName);
        process.stderr.write(`raw  run ${run + 1}: ${fmt(N / secs)} msg/s\n`);
      }
      // ours
      {
        const s = await freshStreams(jsm, 'pub');
        const updates = makeUpdates(N, `o${run}`);
        const publisher = new Publisher(js, { subjectPrefix: s.subjectPrefix, partitions: PARTITIONS }, { window: WINDOW });
        const t0 = performance.now();
        for (let i = 0; i < N; i += 10_000) await publisher.publishMany(updates.slice(i, i + 10_000));
        const secs = (performance.now() - t0) / 1000;
        ourRates.push(N / secs);
        const st = publisher.stats();
        const stored = (await jsm.streams.info(s.name)).state.messages;
        if (stored !== N || st.published !== N) throw new Error(`publisher run stored ${stored} of ${N} (stats ${JSON.stringify(st)})`);
        await jsm.streams.delete(s.name);
        await jsm.streams.delete(s.deadLetterName);
        process.stderr.write(`ours run ${run + 1}: ${fmt(N / secs)} msg/s\n`);
      }
    }
  } finally {
    await nc.close();
  }
  const raw = Math.max(...rawRates);
  const ours = Math.max(...ourRates);
  writeResult({
    part: 'publisher',
    figures: {
      publisher: { value: Math.round(ours), unit: 'msg/s' },
      raw_windowed_async_publish: { value: Math.round(raw), unit: 'msg/s' },
      messages_per_run: { value: N, unit: 'messages' },
      runs_each: { value: RUNS, unit: 'runs' },
      mean_body: { value: Math.round(bytes), unit: 'B' },
      window: { value: WINDOW, unit: 'messages' },
      publisher_runs: { value: Math.round(ourRates.reduce((a, b) => a + b, 0) / ourRates.length), unit: 'msg/s (mean)' },
      raw_runs: { value: Math.round(rawRates.reduce((a, b) => a + b, 0) / rawRates.length), unit: 'msg/s (mean)' },
      // the 2 cores are shared: a high load average explains absolute figures far below limits.md
      load_average_1m_before: { value: Math.round(loadBefore * 100) / 100, unit: 'runnable tasks' },
      load_average_1m_after: { value: Math.round(loadavg()[0]! * 100) / 100, unit: 'runnable tasks' },
    },
    limit: { name: 'raw windowed JetStream async publish', value: Math.round(raw), unit: 'msg/s' },
    ratio: Math.round((ours / raw) * 1000) / 1000,
    goal: 0.8,
    notes: [
      'raw: pre-built subjects and JSON bodies, js.publish with msgID, windows of 1000 awaited with Promise.all, noAsyncTraces.',
      'ours: Publisher.publishMany (partition routing, JSON encoding, Nats-Msg-Id, sliding window 1000, counters) on the same kind of messages.',
      `file storage, fresh stream per run, ${PARTITIONS} partitions, ${RUNS} alternating run(s) each, best of each compared.`,
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
