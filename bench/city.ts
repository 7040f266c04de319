/**
 * City bench: generate the 400k-person Hangzhou city (stream only, then NDJSON + sha256 on
 * disk), index it for the simulators, and drive the department simulators. Prints seconds and
 * peak RSS; writes bench/results/city.json. The raw floor measured in the same run is reading the
 * written file back with JSON.parse: generating a household should cost about what decoding it does.
 * `--quick`: the first 40,000 households.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCity, readCity, writeCity } from '../connectors/city/index.js';
import { CityIndex, FeedSimulator } from '../connectors/feeds/index.js';
import { DEPARTMENT_CODES } from '../engine/catalogue/departments.js';
import { isQuick, writeResult, type Figure } from './harness/results.js';

const quick = isQuick();
const SEED = 20231017;
const limit = quick ? 40_000 : undefined;
const opts = limit === undefined ? {} : { limit };
const figures: Record<string, Figure> = {};
const mb = () => process.memoryUsage().rss / 2 ** 20;
const secs = (t0: number) => (performance.now() - t0) / 1000;

// 1. generation alone (the streaming iterator), with RSS sampled while it runs
let peakStream = mb();
let t0 = performance.now();
const gen = generateCity('hangzhou', SEED, opts);
let i = 0;
for (const _ of gen) {
  if (++i % 10_000 === 0) peakStream = Math.max(peakStream, mb());
}
const genSec = secs(t0);
const persons = gen.counters.persons;
figures['generate_seconds'] = { value: genSec, unit: 's' };
figures['households'] = { value: gen.counters.households, unit: 'households' };
figures['persons'] = { value: persons, unit: 'persons' };
figures['generate_us_per_person'] = { value: (genSec * 1e6) / persons, unit: 'µs/person' };
figures['rss_while_streaming'] = { value: peakStream, unit: 'MiB' };

// 2. written to disk: NDJSON + manifest with sha256
const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-city-'));
try {
  t0 = performance.now();
  const manifest = await writeCity('hangzhou', SEED, dir, opts);
  figures['write_seconds'] = { value: secs(t0), unit: 's' };
  figures['file_bytes'] = { value: manifest.bytes, unit: 'B' };

  // raw floor: decoding the same households back
  t0 = performance.now();
  let back = 0;
  for await (const h of readCity(dir)) back += h.persons.length;
  const readSec = secs(t0);
  figures['read_back_seconds'] = { value: readSec, unit: 's' };
  if (back !== persons) throw new Error(`read back ${back} persons, generated ${persons}`);

  // 3. the simulators' compact index and their throughput
  t0 = performance.now();
  const index = CityIndex.build('hangzhou', SEED, opts);
  figures['index_seconds'] = { value: secs(t0), unit: 's' };
  figures['index_bytes_per_person'] = { value: index.byteSize() / index.personCount, unit: 'B/person' };
  const sim = new FeedSimulator(index, { seed: 1 });
  const n = quick ? 20_000 : 100_000;
  t0 = performance.now();
  sim.batch(n);
  figures['live_updates_per_second'] = { value: n / secs(t0), unit: 'updates/s' };
  t0 = performance.now();
  let dumped = 0;
  for (const d of DEPARTMENT_CODES) for (const _ of sim.resync(d)) dumped++;
  figures['resync_updates'] = { value: dumped, unit: 'updates' };
  figures['resync_updates_per_second'] = { value: dumped / secs(t0), unit: 'updates/s' };
  figures['peak_rss'] = { value: process.resourceUsage().maxRSS / 1024, unit: 'MiB' };

  const goalSec = quick ? 2 : 10;
  writeResult({
    part: 'city',
    figures,
    limit: { name: 'read back + JSON.parse of the same city', value: readSec, unit: 's' },
    ratio: goalSec / genSec,
    goal: 1,
    notes: [
      `goal: the ${quick ? '40,000-household sample' : '223,000-household / ~400,000-person city'} generated within ${goalSec} s (ratio = goal / measured)`,
      'generation streams: memory stays bounded however large the city (rss_while_streaming)',
      'the machine is shared by parallel work: figures vary between runs',
    ],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
