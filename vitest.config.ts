import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{engine,connectors,workers,api,config,cli,bench}/**/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two cores: more parallel files only fight over them and over the one NATS server
    maxWorkers: 2,
    reporters: ['default'],
  },
});
