import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import { loadConfig } from '../../config/index.js';
import { isDepartment, DEPARTMENT_CODES } from '../../engine/catalogue/departments.js';
import { profileByName } from '../../connectors/city/profiles.js';
import { CityIndex, FeedSimulator } from '../../connectors/feeds/index.js';
import type { HouseholdState } from '../../engine/types.js';
import { openStore } from '../../workers/store/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import { openPublisher, type Publisher } from '../../connectors/publisher/index.js';
import { Progress } from '../../bench/harness/progress.js';
import { numberFlag, type Command } from '../command.js';

/**
 * Where the simulators start from: the engine's current household states (none: the city file's
 * facts). Async so a caller can first wait until the engine has applied what an earlier run sent.
 */
export type StatesSource = () => Iterable<HouseholdState> | Promise<Iterable<HouseholdState>>;

/**
 * The household states in the engine's LMDB store (read-only, in id order), streamed; nothing
 * when there is no store yet. Read once at start: the simulators then keep their own index.
 */
export function* storedStates(config: Readonly<Config>): Generator<HouseholdState> {
  if (!existsSync(join(config.lmdb.path, 'data.mdb'))) return;
  const store = openStore({ path: config.lmdb.path, readOnly: true });
  try {
    for (const { key, value } of store.households.getRange({})) if (typeof key === 'string') yield value;
  } finally {
    void store.close();
  }
}

/**
 * A simulator whose update ids and events differ from every earlier run of the same city. It
 * continues from the engine's states when there are any (else from the city's original facts)
 * and stamps updates with the wall clock, so a restart never contradicts what the engine holds.
 */
async function liveSimulator(config: Readonly<Config>, rate: number, states: StatesSource = () => storedStates(config)): Promise<FeedSimulator> {
  const now = Date.now();
  const profile = profileByName(config.city.profile);
  const current = CityIndex.fromStates(profile, await states());
  const index = current.householdCount > 0 ? current : CityIndex.build(profile, config.city.seed);
  // a fresh run tag and seed per run: ids never collide with an earlier run's, events are new
  return new FeedSimulator(index, { seed: (config.city.seed ^ Math.floor(now / 1000)) | 0, runTag: now.toString(36), meanGapMs: 1000 / Math.max(rate, 1), clock: Date.now });
}

/** Starts the 17 simulated departments at `rate` updates/s; `stop()` ends the loop and waits for its last batch. */
export async function startLiveFeeds(
  config: Readonly<Config>,
  publisher: Publisher,
  rate: number,
  opts: { states?: StatesSource } = {},
): Promise<{ stop(): Promise<void>; sent(): number }> {
  const sim = await liveSimulator(config, rate, opts.states);
  const ac = new AbortController();
  let sent = 0;
  let failure: Error | null = null;
  const loop = sim
    .live(
      rate,
      async (updates) => {
        const results = await publisher.publishMany(updates);
        sent += results.length;
      },
      { signal: ac.signal },
    )
    .catch((err: unknown) => {
      failure = err as Error;
      process.stderr.write(`\nfeeds stopped: ${(err as Error).message}\n`);
    });
  return {
    sent: () => sent,
    async stop() {
      ac.abort();
      await loop;
      if (failure) throw failure;
    },
  };
}

export const feed: Command = {
  name: 'feed',
  summary: 'Simulate the 17 departments over the generated city: a steady live rate, or one department\'s nightly re-sync dump.',
  usage: 'feed [--rate N] [--duration SECONDS] | feed --resync DEPARTMENT [--out FILE]',
  help: `
  --rate      live updates per second across all departments (default: config city.liveRatePerSec)
  --duration  stop after this many seconds (default: until Ctrl-C)
  --resync    publish DEPARTMENT's full dump for every monitored person instead (one of:
              ${DEPARTMENT_CODES.join(', ')})
  --out       with --resync: write the dump as an NDJSON drop file (for \`lifeline intake\`) instead of publishing`,
  flags: { rate: { type: 'string' }, duration: { type: 'string' }, resync: { type: 'string' }, out: { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const dept = values['resync'] as string | undefined;
    if (dept !== undefined) {
      if (!isDepartment(dept)) throw new Error(`--resync: unknown department '${dept}' (one of ${DEPARTMENT_CODES.join(', ')})`);
      const sim = await liveSimulator(config, 1000);
      const out = values['out'] as string | undefined;
      if (out) {
        const ws = createWriteStream(out);
        let n = 0;
        for (const u of sim.resync(dept)) {
          if (!ws.write(`${JSON.stringify(u)}\n`)) await once(ws, 'drain');
          n++;
        }
        ws.end();
        await once(ws, 'finish');
        console.log(`${n.toLocaleString('en-US')} ${dept} records → ${out}`);
        return 0;
      }
      const nc = await connectNats(config.nats);
      try {
        const { publisher } = await openPublisher(nc, config);
        const bar = new Progress(`resync ${dept}`, sim.index.personCount);
        let batch = [];
        let n = 0;
        for (const u of sim.resync(dept)) {
          batch.push(u);
          if (batch.length === 1000) {
            await publisher.publishMany(batch);
            n += batch.length;
            bar.update(n);
            batch = [];
          }
        }
        await publisher.publishMany(batch);
        n += batch.length;
        bar.done();
        console.log(`${n.toLocaleString('en-US')} ${dept} records published; publisher: ${JSON.stringify(publisher.stats())}`);
        return 0;
      } finally {
        await nc.drain();
      }
    }
    const rate = numberFlag(values, 'rate', config.city.liveRatePerSec);
    const duration = numberFlag(values, 'duration', 0);
    const nc = await connectNats(config.nats);
    try {
      const { publisher } = await openPublisher(nc, config);
      const feeds = await startLiveFeeds(config, publisher, rate);
      console.log(`feeding ${rate}/s from 17 departments; Ctrl-C stops`);
      await new Promise<void>((resolve) => {
        const t = duration > 0 ? setTimeout(resolve, duration * 1000) : null;
        process.once('SIGINT', () => {
          if (t) clearTimeout(t);
          resolve();
        });
      });
      await feeds.stop();
      await publisher.flush();
      console.log(`${feeds.sent().toLocaleString('en-US')} updates published; publisher: ${JSON.stringify(publisher.stats())}`);
      return 0;
    } finally {
      await nc.drain();
    }
  },
};
