/**
 * Vitest global setup: decides the run's seed once and hands it to every test file.
 * LIFELINE_TEST_FRESH_SEED=1 draws a fresh seed and prints it (CI's second pass); otherwise
 * LIFELINE_TEST_SEED or the fixed seed, printed only when it is not the fixed one.
 */
import { randomInt } from 'node:crypto';
import type { TestProject } from 'vitest/node';

/** The seed of every ordinary run: a failure on CI reproduces on any clone. */
export const FIXED_TEST_SEED = 20261207;

/** Parses LIFELINE_TEST_SEED: a 32-bit integer, or a clear error instead of a silently different run. */
export function parseSeed(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw new Error(`LIFELINE_TEST_SEED must be a 32-bit integer, got ${JSON.stringify(raw)}`);
  return n;
}

export default function setup(project: TestProject): (() => void) | void {
  const fresh = process.env['LIFELINE_TEST_FRESH_SEED'] === '1';
  const seed = fresh ? randomInt(0, 2 ** 31) : (parseSeed(process.env['LIFELINE_TEST_SEED']) ?? FIXED_TEST_SEED);
  // the env var too, so helpers in child processes and scripts see the same seed
  process.env['LIFELINE_TEST_SEED'] = String(seed);
  project.provide('lifelineTestSeed', seed);
  if (fresh || seed !== FIXED_TEST_SEED) {
    const say = () => process.stdout.write(`\n[seed] property tests use ${fresh ? 'a fresh' : 'the given'} seed ${seed}; replay: LIFELINE_TEST_SEED=${seed} npx vitest run <file>\n\n`);
    say();
    // again at the end, where a failure's summary is
    return say;
  }
}
