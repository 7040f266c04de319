import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../workers/store/index.js';
import { compare } from '../compare.js';
import { copyStore } from '../harness/copy-store.js';
import { benchEnv } from '../harness/env.js';
import type { BenchResult } from '../harness/results.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('benchEnv', () => {
  it('records the installed version of every package a figure depends on', () => {
    const env = benchEnv();
    const installed = (name: string): string => (JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    for (const name of ['@nats-io/jetstream', '@nats-io/transport-node', 'lmdb', 'piscina', 'fastify', 'prom-client', 'zod', 'autocannon']) {
      expect(env.packages[name], name).toBe(installed(name));
    }
    expect(env.node).toBe(process.version);
    expect(env.cores).toBeGreaterThan(0);
  });
});

describe('copyStore', () => {
  it('copies the records and only the used pages of a write-mapped environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-copy-'));
    dirs.push(dir);
    const store = openStore({ path: join(dir, 'a'), noSync: true, writemap: true });
    for (let i = 0; i < 1000; i++) store.checkpoints.put(i, i * 2);
    await store.checkpoints.put(1000, 2000);
    await store.close();
    await copyStore(join(dir, 'a'), join(dir, 'b'));
    // the source file is as long as the map; the copy holds what was written
    expect(statSync(join(dir, 'a', 'data.mdb')).size).toBeGreaterThan(1024 ** 3);
    expect(statSync(join(dir, 'b', 'data.mdb')).size).toBeLessThan(4 * 1024 ** 2);
    const copy = openStore({ path: join(dir, 'b'), noSync: true });
    try {
      expect(copy.checkpoints.get(999)).toBe(1998);
      expect(copy.checkpoints.get(1000)).toBe(2000);
      expect(copy.checkpoints.getCount()).toBe(1001);
    } finally {
      await copy.close();
    }
  });
});

describe('compare', () => {
  const result = (part: string, ratio: number, over: Partial<BenchResult> = {}): BenchResult => ({
    part,
    figures: {},
    limit: { name: 'raw', value: 1, unit: 'msgs/s' },
    ratio,
    goal: 0.5,
    met: ratio >= 0.5,
    notes: [],
    quick: false,
    env: benchEnv(),
    ...over,
  });

  it('flags a ratio that fell by 10 % or more as a regression and a rise as better', () => {
    const lines = compare([result('pipeline', 0.4), result('load', 0.4), result('api', 0.4)], [result('pipeline', 0.3), result('load', 0.5), result('api', 0.41)]);
    expect(lines.find((l) => l.startsWith('pipeline'))).toMatch(/0\.4 +→ +0\.3 .*-25 %.*REGRESSION/);
    expect(lines.find((l) => l.startsWith('load'))).toMatch(/\+25 %.*missed → met.*better/);
    expect(lines.find((l) => l.startsWith('api'))).not.toMatch(/REGRESSION|better/);
  });

  it('does not compare ratios held against another limit or goal', () => {
    const lines = compare([result('load', 0.95, { goal: 1, limit: { name: 'goal time', value: 15, unit: 's' } })], [result('load', 0.3)]);
    expect(lines[0]).toMatch(/^load +redefined/);
    expect(lines[0]).not.toMatch(/%/);
  });

  it('lists a part without an earlier result as new', () => {
    expect(compare([], [result('scale', 1.1)])[0]).toMatch(/^scale +new +ratio 1\.1/);
  });
});
