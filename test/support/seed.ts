/**
 * One seed for every random choice of a test run, printed on failure and replayable.
 *
 * - `testSeed()`: the run's seed — LIFELINE_TEST_SEED when set, else FIXED_TEST_SEED. With
 *   LIFELINE_TEST_FRESH_SEED=1 the global setup (`seed-setup.ts`) draws a fresh one, prints it and
 *   hands it to every test file.
 * - `assertProperty(prop, opts)`: `fc.assert` with that seed; a failure names the seed and the
 *   command that replays it. Tag the test `{ tags: ['property'] }` so the fresh-seed pass runs it.
 * - `testRandom()`: a seeded PRNG for random choices outside fast-check (kill moments, seeds of
 *   generators); a failing test prints its seed.
 *
 * `npm test` runs everything with the fixed seed, then the tests tagged `property` once more with
 * a fresh printed seed (see vitest.config.ts).
 */
import { relative } from 'node:path';
import fc from 'fast-check';
import { expect, inject, onTestFailed } from 'vitest';
import { FIXED_TEST_SEED, parseSeed } from './seed-setup.js';

export { FIXED_TEST_SEED, parseSeed };

/** Tag of the tests that `npm test` repeats with a fresh seed. */
export const PROPERTY_TAG = 'property';

declare module 'vitest' {
  export interface ProvidedContext {
    lifelineTestSeed: number;
  }
}

/** The run's seed: the one the global setup provided, else LIFELINE_TEST_SEED, else the fixed one. */
export function testSeed(): number {
  let provided: number | undefined;
  try {
    provided = inject('lifelineTestSeed');
  } catch {
    // outside a vitest worker (a script importing the helper): fall back to the environment
  }
  if (typeof provided === 'number') return provided;
  return parseSeed(process.env['LIFELINE_TEST_SEED']) ?? FIXED_TEST_SEED;
}

/** The command that replays a run with `seed`, limited to the current test file when vitest knows it. */
export function replayCommand(seed: number): string {
  let file = '';
  try {
    const path = expect.getState().testPath;
    if (path) file = ` ${relative(process.cwd(), path)}`;
  } catch {
    // not inside a test
  }
  return `LIFELINE_TEST_SEED=${seed} npx vitest run${file}`;
}

function rethrow(seed: number, err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  throw new Error(`property failed with seed ${seed}; replay: ${replayCommand(seed)}\n\n${message}`, { cause: err });
}

/** `fc.assert(prop, { seed: testSeed(), ...opts })`; a failure names the seed and the replay command. */
export function assertProperty<Ts>(prop: fc.IAsyncProperty<Ts>, opts?: fc.Parameters<Ts>): Promise<void>;
export function assertProperty<Ts>(prop: fc.IProperty<Ts>, opts?: fc.Parameters<Ts>): void;
export function assertProperty<Ts>(prop: fc.IRawProperty<Ts>, opts: fc.Parameters<Ts> = {}): Promise<void> | void {
  const seed = opts.seed ?? testSeed();
  let out: Promise<void> | void;
  try {
    out = fc.assert(prop, { ...opts, seed });
  } catch (err) {
    rethrow(seed, err);
  }
  if (out instanceof Promise) return out.catch((err: unknown) => rethrow(seed, err));
}

export interface TestRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
}

/**
 * A seeded PRNG (mulberry32) for tests that draw random choices outside fast-check. Called inside
 * a test, a failure of that test prints the seed and the replay command.
 */
export function testRandom(seed = testSeed()): TestRandom {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  try {
    const replay = replayCommand(seed);
    onTestFailed(() => void process.stderr.write(`[seed] this test drew its random choices from seed ${seed}; replay: ${replay}\n`));
  } catch {
    // outside a running test: nothing to report to
  }
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
