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
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { loadConfig } from '../config/index.js';
import { generateCity } from '../connectors/city/index.js';
import { initialState } from '../engine/process.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { fmt, isQuick, writeResult } from './harness/results.js';
import { runScale } from './harness/scale-run.js';
import { NATS_URL } from './harness/streams.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 2_000 : 20_000;
const UPDATES = quick ? 60_000 : 300_000;
const PARTITIONS = 8;

async function main(): Promise<void> {
  const households = [...generateCity('hangzhou', 20231017, { limit: HOUSEHOLDS })];
  const states = households.map((h) => initialState(h, loadConfig({ env: {} }).model));
  const updates = [...simulateUpdates(households.map(simHousehold), UPDATES, { idPrefix: `scale${Date.now().toString(36)}` })];
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  try {
    const base = { nc, jsm, partitions: PARTITIONS, replicas: 1, natsUrl: NATS_URL, updates, states, tag: 'S' };
    const one = await runScale({ ...base, processes: 1 });
    console.log(`one process: ${fmt(one.updatesPerSec)} updates/s (${one.measured} in ${fmt(one.seconds)} s)`);
    const two = await runScale({ ...base, processes: 2 });
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
