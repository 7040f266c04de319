/**
 * A first start killed while it loads the city leaves part of the city in LMDB; the next start
 * must not serve that partial city: it says what it found, clears it and loads the whole city
 * (the load is all or nothing: snapshot 0 and the completion mark are written only at its end).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCity } from '../connectors/city/index.js';
import { openStore } from '../workers/store/index.js';
import { killHard, spawnNode, stopNode, waitReady, type NodeProcess } from '../bench/harness/lifeline-process.js';
import { freePort } from '../bench/harness/ports.js';
import { testEnv, type TestEnv } from './support/nats.js';
import { waitForExit } from '../bench/harness/wait.js';

describe('a city load killed part way', () => {
  let env: TestEnv;
  const nodes: NodeProcess[] = [];
  beforeAll(() => {
    env = testEnv();
  });
  afterAll(async () => {
    for (const n of nodes) await killHard(n.child).catch(() => undefined);
    await env?.cleanup();
  });

  it('is never served: the next start clears it and loads the whole city', async () => {
    const config = env.config;
    const manifest = await writeCity(config.city.profile, config.city.seed, config.city.dataDir);
    const file = join(config.city.dataDir, '..', 'node.json');
    writeFileSync(file, JSON.stringify(config));
    const port = await freePort();

    const first = spawnNode(file, port, [], { LIFELINE_FAULT_KILL_LOAD_AFTER: '500' });
    nodes.push(first);
    expect(await waitForExit(first.child, 90_000)).toBe('SIGKILL');
    const partial = openStore({ path: config.lmdb.path, readOnly: true });
    const loaded = partial.households.getCount();
    await partial.close();
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(manifest.counts.households);

    const second = spawnNode(file, port);
    nodes.push(second);
    await waitReady(second, 90_000);
    expect(second.output()).toMatch(/did not stop cleanly/);
    expect(second.output()).toMatch(/no snapshot in JetStream: loading the city into a cleared/);
    expect(second.output()).toContain(`${manifest.counts.households.toLocaleString('en-US')} households`);
    expect(await stopNode(second)).toBe(0);
    const whole = openStore({ path: config.lmdb.path, readOnly: true });
    try {
      expect(whole.households.getCount()).toBe(manifest.counts.households);
    } finally {
      await whole.close();
    }
  }, 180_000);
});
