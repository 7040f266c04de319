import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { diffDumps, dumpStore } from '../../test/support/lmdb-dump.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { testRandom, type TestRandom } from '../../test/support/seed.js';
import { killHard, waitFor, waitForExit } from '../../bench/harness/wait.js';
import type { Config } from '../../config/index.js';
import { startEngine, type Engine } from '../engine.js';
import { initialLoad } from '../initial-load.js';
import { simHousehold, simulateUpdates } from '../sim/updates.js';
import { listCheckpoints, openStore, type Store } from '../store/index.js';
import { mergeLast, publishAll, smallCity, waitForCheckpoints } from './support.js';

const MAIN = join(process.cwd(), 'dist', 'workers', 'main.js');
const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 30_000;
const CATCH_UP_TIMEOUT_MS = 120_000;
/** Engine processes started and SIGKILLed before the last one runs to the end. */
const ROUNDS = 5;

/** Starts the engine process; resolves once it printed `ready`, rejects if it exits or stays silent first. */
function spawnEngine(configFile: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, LIFELINE_CONFIG: configFile, LIFELINE_ENGINE_TUNING: JSON.stringify({ consumerTag: 'kill' }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`engine exited before it was ready (${code ?? signal})`));
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, ready };
}

function progress(store: Store): number {
  store.env.resetReadTxn();
  return [...listCheckpoints(store).values()].reduce((a, b) => a + b, 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the seeded kill moment. Either a seeded delay after `ready` (lands anywhere: while a
 * batch is read, scored, committed or acked), or a seeded number of committed messages plus a
 * seeded few milliseconds (so not only right after a commit).
 */
async function killMoment(rnd: TestRandom, store: Store, from: number, total: number): Promise<string> {
  if (rnd.next() < 0.5) {
    const ms = rnd.int(0, 1500);
    await sleep(ms);
    return `${ms} ms after ready`;
  }
  const n = rnd.int(1, Math.max(1, Math.floor((total - from) / 3)));
  await waitFor(`${n} more committed messages (from ${from})`, () => progress(store) >= Math.min(total, from + n), {
    timeoutMs: CATCH_UP_TIMEOUT_MS,
    everyMs: 2,
    detail: () => `at ${progress(store)}`,
  });
  const ms = rnd.int(0, 25);
  await sleep(ms);
  return `${ms} ms after ${n} more commits`;
}

describe('effectively once: SIGKILL mid-stream, restart, same result', () => {
  let env: TestEnv;
  let nc: NatsConnection;

  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    await nc?.close();
    await env?.cleanup();
  });

  it('every database equals that of an uninterrupted run', async () => {
    const rnd = testRandom();
    const stores: Store[] = [];
    let ref: Engine | undefined;
    let child: ChildProcess | undefined;
    try {
      const { households } = smallCity(env.config, 200);
      const refCfg: Readonly<Config> = { ...env.config, lmdb: { ...env.config.lmdb, path: join(env.config.city.dataDir, 'ref-lmdb') } };
      const killCfg: Readonly<Config> = { ...env.config, lmdb: { ...env.config.lmdb, path: join(env.config.city.dataDir, 'kill-lmdb') } };
      await initialLoad(refCfg, { threads: 1 });
      await initialLoad(killCfg, { threads: 1 });
      const updates = [...simulateUpdates(households.map(simHousehold), 4000, { alertEvery: 15, idPrefix: 'k', seed: rnd.int(1, 2 ** 31) })];

      // the interrupted run: a child process SIGKILLed at seeded moments; the updates arrive in
      // ROUNDS slices, one per round, so every round has work left to be killed in
      const configFile = join(env.config.city.dataDir, 'kill-config.json');
      writeFileSync(configFile, JSON.stringify(killCfg));
      const killStore = openStore({ path: killCfg.lmdb.path });
      stores.push(killStore);
      const kills: string[] = [];
      let last = new Map<number, number>();
      const slice = Math.ceil(updates.length / ROUNDS);
      for (let round = 0; round < ROUNDS; round++) {
        last = mergeLast(last, await publishAll(nc, env.config, updates.slice(round * slice, (round + 1) * slice)));
        const published = [...last.values()].reduce((a, b) => a + b, 0);
        const started = spawnEngine(configFile);
        child = started.child;
        await started.ready;
        const from = progress(killStore);
        const when = await killMoment(rnd, killStore, from, published);
        await killHard(child, EXIT_TIMEOUT_MS);
        child = undefined;
        kills.push(`${when} (at ${from}→${progress(killStore)} of ${published})`);
      }
      expect(kills.length, `kills: ${kills.join('; ')}`).toBe(ROUNDS);
      const started = spawnEngine(configFile);
      child = started.child;
      await started.ready;
      await waitForCheckpoints(killStore, last, CATCH_UP_TIMEOUT_MS);
      child.kill('SIGTERM');
      await waitForExit(child, EXIT_TIMEOUT_MS);
      child = undefined;

      // the uninterrupted run over the same stream
      const refStore = openStore({ path: refCfg.lmdb.path });
      stores.push(refStore);
      ref = await startEngine(refCfg, { store: refStore, tuning: { consumerTag: 'ref' } });
      await waitForCheckpoints(refStore, last, CATCH_UP_TIMEOUT_MS);
      await ref.stop();
      ref = undefined;

      // every database, indexes and counters included
      const a = dumpStore(refCfg.lmdb.path);
      const b = dumpStore(killCfg.lmdb.path);
      expect(diffDumps(a, b), `ref vs killed run after kills: ${kills.join('; ')}`).toEqual([]);
      expect(a.get('alerts')!.entries.length).toBeGreaterThan(50);
      expect(a.get('alert_queue')!.entries.length).toBeGreaterThan(0);
    } finally {
      await killHard(child, EXIT_TIMEOUT_MS).catch(() => undefined);
      await ref?.stop().catch(() => undefined);
      for (const s of stores) await s.close().catch(() => undefined);
    }
  }, 300_000);
});
