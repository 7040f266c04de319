import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const TEST_DIRS = ['engine', 'connectors', 'workers', 'api', 'config', 'cli', 'bench', 'test'];

/** Test files holding a property test (they call `assertProperty`), for the fresh-seed pass. */
function propertyTestFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'dist') walk(p);
      } else if (e.name.endsWith('.test.ts') && readFileSync(p, 'utf8').includes('assertProperty(')) out.push(p);
    }
  };
  for (const d of TEST_DIRS) walk(d);
  return out.sort();
}

// LIFELINE_TEST_FRESH_SEED=1: CI's second pass, only the tests tagged `property`, with a fresh printed seed
const freshSeedPass = process.env['LIFELINE_TEST_FRESH_SEED'] === '1';

export default defineConfig({
  test: {
    include: freshSeedPass ? propertyTestFiles() : ['{engine,connectors,workers,api,config,cli,bench}/**/test/**/*.test.ts', 'test/**/*.test.ts'],
    ...(freshSeedPass ? { tagsFilter: ['property'] } : {}),
    tags: [{ name: 'property', description: 'a fast-check property (assertProperty); `npm test` repeats it with a fresh seed' }],
    globalSetup: ['test/support/seed-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two cores: more parallel files only fight over them and over the one NATS server
    maxWorkers: 2,
    reporters: ['default'],
  },
});
