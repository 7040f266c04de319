/**
 * `npm run bench [-- --quick] [-- part ...]`: runs each part as its own process (so one part's
 * memory and threads never colour the next), then writes the markdown table of all results.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, readResults, RESULTS_DIR } from './harness/results.js';

/** In the order a load tester reads them; each is `bench/<part>.ts`. */
export const PARTS = ['rescore', 'engine-step', 'publisher', 'city', 'load', 'rebuild', 'pipeline', 'latency', 'resync', 'api', 'help', 'scale', 'cluster'] as const;

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const chosen = args.filter((a) => !a.startsWith('--'));
const parts = chosen.length ? chosen : [...PARTS];
const started = Date.now();
const outcome: { part: string; status: string; seconds: number }[] = [];

for (const [i, part] of parts.entries()) {
  const script = join(here, `${part}.js`);
  process.stderr.write(`\n[${i + 1}/${parts.length}] ${part}${quick ? ' (quick)' : ''} …\n`);
  if (!existsSync(script)) {
    outcome.push({ part, status: 'not built', seconds: 0 });
    continue;
  }
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [script, ...(quick ? ['--quick'] : [])], { stdio: 'inherit', env: process.env });
  outcome.push({ part, status: r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal})`, seconds: (Date.now() - t0) / 1000 });
}

const table = markdownTable(readResults(RESULTS_DIR, quick));
writeFileSync(join(RESULTS_DIR, quick ? 'RESULTS.quick.md' : 'RESULTS.md'), `# Benchmark results${quick ? ' (quick)' : ''}\n\n${table}`);
console.log(`\n${table}`);
for (const o of outcome) console.log(`${o.part.padEnd(10)} ${o.status.padEnd(20)} ${o.seconds.toFixed(1)} s`);
console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(outcome.some((o) => o.status.startsWith('failed')) ? 1 : 0);
