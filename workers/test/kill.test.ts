import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import type { Config } from '../../config/index.js';
import { startEngine } from '../engine.js';
import { initialLoad } from '../initial-load.js';
import { simHousehold, simulateUpdates } from '../sim/updates.js';
import { listCheckpoints, openStore, type Store } from '../store/index.js';
import { dump, publishAll, smallCity, waitForCheckpoints } from './support.js';

const MAIN = join(process.cwd(), 'dist', 'workers', 'main.js');

function spawnEngine(configFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, LIFELINE_CONFIG: configFile, LIFELINE_ENGINE_TUNING: JSON.stringify({ consumerTag: 'kill' }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`engine exited early (${code})`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
  });
}

function progress(store: Store): number {
  store.env.resetReadTxn();
  return [...listCheckpoints(store).values()].reduce((a, b) => a + b, 0);
}

describe('effectively once: SIGKILL mid-stream, restart, same result', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await nc?.close();
    await env.cleanup();
  });

  it('household states and alerts equal those of an uninterrupted run', async () => {
    const { households } = smallCity(env.config, 200);
    const refCfg: Readonly<Config> = { ...env.config, lmdb: { ...env.config.lmdb, path: join(env.config.city.dataDir, 'ref-lmdb') } };
    const killCfg: Readonly<Config> = { ...env.config, lmdb: { ...env.config.lmdb, path: join(env.config.city.dataDir, 'kill-lmdb') } };
    await initialLoad(refCfg, { threads: 1 });
    await initialLoad(killCfg, { threads: 1 });
    const last = await publishAll(nc, env.config, simulateUpdates(households.map(simHousehold), 4000, { alertEvery: 15, idPrefix: 'k' }));
    const total = [...last.values()].reduce((a, b) => a + b, 0);

    // the uninterrupted run
    const refStore = openStore({ path: refCfg.lmdb.path });
    const ref = await startEngine(refCfg, { store: refStore, tuning: { consumerTag: 'ref' } });
    await waitForCheckpoints(refStore, last, 120_000);
    await ref.stop();

    // the interrupted run: a child process killed with SIGKILL whenever it has made progress
    const configFile = join(env.config.city.dataDir, 'kill-config.json');
    writeFileSync(configFile, JSON.stringify(killCfg));
    const killStore = openStore({ path: killCfg.lmdb.path });
    let kills = 0;
    for (let round = 0; round < 5 && progress(killStore) < total; round++) {
      child = await spawnEngine(configFile);
      const from = progress(killStore);
      const wantMore = 150 + Math.floor(Math.random() * 300);
      while (progress(killStore) < Math.min(total, from + wantMore)) await new Promise((r) => setTimeout(r, 5));
      if (progress(killStore) < total) {
        child.kill('SIGKILL');
        kills++;
        await new Promise((r) => child!.once('exit', r));
        child = undefined;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    child ??= await spawnEngine(configFile);
    await waitForCheckpoints(killStore, last, 120_000);
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    const a = dump(refStore);
    const b = dump(killStore);
    expect(b.households.size).toBe(a.households.size);
    for (const [id, bytes] of a.households) expect(b.households.get(id)?.equals(bytes), `household ${id}`).toBe(true);
    expect([...b.alerts.keys()].sort()).toEqual([...a.alerts.keys()].sort());
    for (const [id, bytes] of a.alerts) expect(b.alerts.get(id)?.equals(bytes), `alert ${id}`).toBe(true);
    expect(a.alerts.size).toBeGreaterThan(50);
    // no update lost: every household's applied count matches
    const versions = (s: Store) => [...s.households.getRange({})].filter((e) => typeof e.key === 'string').reduce((n, e) => n + e.value.version, 0);
    expect(versions(killStore)).toBe(versions(refStore));
    await refStore.close();
    await killStore.close();
  }, 300_000);
});
