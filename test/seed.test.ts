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
});
