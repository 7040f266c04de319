import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { fnv1a32, partitionOf, subjectFor } from '../publisher/partition.js';
import { uniqueId } from '../../test/support/nats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'node_modules', '.cache', 'lifeline-test', uniqueId('partition'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = [...Array.from({ length: 2000 }, (_, i) => `H330106${String(i * 37).padStart(6, '0')}`), '户-杭州-1', 'émile', ''];

describe('partitionOf', () => {
  it('is FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII ids', () => {
    // 'é' is C3 A9 in UTF-8: hashing those two bytes by hand must agree
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193);
    expect(fnv1a32('é')).toBe(h >>> 0);
  });

  it('gives the same partitions in another process', () => {
    mkdirSync(dir, { recursive: true });
    const src = readFileSync(join(root, 'connectors', 'publisher', 'partition.ts'), 'utf8');
    writeFileSync(join(dir, 'partition.mjs'), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
    writeFileSync(join(dir, 'ids.json'), JSON.stringify(ids));
    const child = `import { partitionOf } from './partition.mjs'; import { readFileSync } from 'node:fs';
      const ids = JSON.parse(readFileSync(new URL('./ids.json', import.meta.url), 'utf8'));
      process.stdout.write(JSON.stringify([8, 16, 5].map((n) => ids.map((id) => partitionOf(id, n)))));`;
    writeFileSync(join(dir, 'child.mjs'), child);
    const r = spawnSync(process.execPath, [join(dir, 'child.mjs')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const theirs = JSON.parse(r.stdout) as number[][];
    const ours = [8, 16, 5].map((n) => ids.map((id) => partitionOf(id, n)));
    expect(theirs).toEqual(ours);
  });

  it('spreads households over every partition roughly evenly', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 40_000; i++) counts[partitionOf(`H${i}`, 8)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(4000);
    for (const c of counts) expect(c).toBeLessThan(6000);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionOf('H1', 0)).toThrow(RangeError);
    expect(() => partitionOf('H1', 2.5)).toThrow(RangeError);
  });

  it('builds <prefix>.upd.<partition>.<source>', () => {
    expect(subjectFor('lifeline', 3, 'health')).toBe('lifeline.upd.3.health');
  });
});
