import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.js';

export const bench: Command = {
  name: 'bench',
  summary: 'Run the benchmark suite against the real stack; each part is held against a raw limit measured in the same run.',
  usage: 'bench [--quick] [PART...]',
  help: `
  PART        rescore, publisher, city, load, pipeline, latency, resync, api, scale (default: all)
  --quick     smaller runs: about 4½ minutes in all instead of about 13
  Results: bench/results/<part>.json and bench/results/RESULTS.md.`,
  flags: { quick: { type: 'boolean' } },
  async run({ values, positionals }) {
    const runner = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'run.js');
    const r = spawnSync(process.execPath, [runner, ...(values['quick'] ? ['--quick'] : []), ...positionals], { stdio: 'inherit' });
    return r.status ?? 1;
  },
};
