import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, parseSeed, testSeed } from './support/seed.js';

describe('property-test seeds', () => {
  it('a failing property names its seed and the command that replays it', () => {
    const seed = testSeed();
    let message = '';
    try {
      assertProperty(fc.property(fc.integer(), (n) => n < 0));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`property failed with seed ${seed}`);
    expect(message).toContain(`LIFELINE_TEST_SEED=${seed} npx vitest run test/seed.test.ts`);
    // fast-check's own report (counterexample) is kept below
    expect(message).toMatch(/Counterexample/);
  });

  it('the same seed draws the same values, so the replay is exact', () => {
    const draw = () => {
      const seen: number[] = [];
      assertProperty(fc.property(fc.integer(), (n) => void seen.push(n)), { numRuns: 20 });
      return seen;
    };
    expect(draw()).toEqual(draw());
  });

  it('async properties get the seed too', async () => {
    const seed = testSeed();
    await expect(assertProperty(fc.asyncProperty(fc.nat(), async (n) => n > 1_000_000_000_000))).rejects.toThrow(`property failed with seed ${seed}`);
  });

  it('a malformed LIFELINE_TEST_SEED is an error, not a silently different run', () => {
    expect(parseSeed(undefined)).toBeUndefined();
    expect(parseSeed('42')).toBe(42);
    expect(() => parseSeed('forty-two')).toThrow(/LIFELINE_TEST_SEED must be a 32-bit integer/);
    expect(() => parseSeed('1.5')).toThrow(/LIFELINE_TEST_SEED/);
  });

  it('no test calls fc.assert directly, and every file with a property test tags it for the fresh-seed pass', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'node_modules' && e.name !== 'dist' && !e.name.startsWith('.')) walk(p);
        } else if (e.name.endsWith('.ts') && !p.startsWith(join('test', 'support'))) files.push(p);
      }
    };
    for (const d of ['engine', 'connectors', 'workers', 'api', 'config', 'cli', 'bench', 'test']) walk(d);
    const direct = files.filter((f) => /\bfc\.assert\(/.test(readFileSync(f, 'utf8')));
    expect(direct, 'use assertProperty (test/support/seed.ts) so the seed is fixed, printed and replayable').toEqual([]);
    const untagged = files.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return f.endsWith('.test.ts') && text.includes('assertProperty(') && !text.includes("tags: ['property']") && f !== join('test', 'seed.test.ts');
    });
    expect(untagged, "tag property tests { tags: ['property'] } so npm test repeats them with a fresh seed").toEqual([]);
  });
});
