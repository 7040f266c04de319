/**
 * The pure engine step per update, one thread: `processValidated` over the live feed's kind mix
 * (connectors/feeds/rates.ts, drawn by the feed simulator) on households of the synthetic
 * Hangzhou city, each household's state carried from update to update as the workers do.
 *
 * Timed: (a) the step alone; (b) the step plus the alert snapshot of every update that raised a
 * trigger (what the batch task does when it opens or joins an alert); (c) msgpack encoding of the
 * resulting states (the store encodes each changed state once per batch). Validation runs before
 * timing (the workers validate while parsing). Also printed: the mean stored state size, msgpack
 * `pack` alone and with shared structures as the store uses them.
 *
 * The limit it is held against, measured in the same run on the same updates: the LMDB
 * read-modify-write skeleton on one thread (each update's household record read and written back,
 * batches of 500 in one transaction with a checkpoint, as the pipeline's raw skeleton does without
 * NATS): the step must not be what bounds the pipeline.
 *
 * Before/after in one run: `LIFELINE_BENCH_BASELINE=<dist root of an older build>` (e.g. made
 * with `git archive <commit> | tar -x -C /tmp/base && cd /tmp/base && npx tsc`) loads that
 * build's engine too and times both on the same updates, runs alternating.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { Packr, pack } from 'msgpackr';
import { generateCity, profileByName } from '../connectors/city/index.js';
import { CityIndex, FeedSimulator } from '../connectors/feeds/index.js';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as alertRecords from '../engine/alerts/records.js';
import type { AlertSnapshot } from '../engine/alerts/types.js';
import * as models from '../engine/model.js';
import type { Model } from '../engine/model.js';
import * as engineStep from '../engine/process.js';
import type { ProcessContext } from '../engine/process.js';
import type { Household, Update } from '../engine/types.js';
import { validateUpdate } from '../engine/validate.js';
import { openStore, type Store } from '../workers/store/index.js';
import { fmt, isQuick, writeResult } from './harness/results.js';
import { rewriteBatch } from './raw/rewrite-skeleton.js';

const quick = isQuick();
const PROFILE = 'hangzhou';
const SEED = 20261101;
const HOUSEHOLDS = Number(process.env['LIFELINE_BENCH_HOUSEHOLDS'] ?? (quick ? 5_000 : 20_000));
const UPDATES = Number(process.env['LIFELINE_BENCH_UPDATES'] ?? (quick ? 50_000 : 200_000));
const RUNS = quick ? 2 : 3;
const SKELETON_BATCH = 500;
/** The step should leave the skeleton at least this much headroom. */
const GOAL = 1;
const BASELINE = process.env['LIFELINE_BENCH_BASELINE'];

/** The engine functions the bench drives; state shapes differ between builds, so they stay opaque. */
type State = { readonly version: number };
interface EngineUnderTest {
  name: string;
  model: Model;
  initialState(h: Household, model: Model): State;
  processValidated(s: State, u: Update, model: Model, ctx: ProcessContext): { ok: true; state: State; triggers: readonly unknown[] } | { ok: false };
  /** Older builds take the state only; the extra argument is ignored there. */
  snapshotOf(s: State, model: Model): AlertSnapshot;
}

const current: EngineUnderTest = {
  name: 'current',
  model: models.DEFAULT_MODEL,
  initialState: engineStep.initialState as EngineUnderTest['initialState'],
  processValidated: engineStep.processValidated as unknown as EngineUnderTest['processValidated'],
  snapshotOf: alertRecords.snapshotOf as unknown as EngineUnderTest['snapshotOf'],
};

async function baseline(root: string): Promise<EngineUnderTest> {
  const load = (f: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(resolve(root), f)).href) as Promise<Record<string, unknown>>;
  const [p, r, m] = await Promise.all([load('engine/process.js'), load('engine/alerts/records.js'), load('engine/model.js')]);
  return {
    name: 'baseline',
    model: m['DEFAULT_MODEL'] as Model,
    initialState: p['initialState'] as EngineUnderTest['initialState'],
    processValidated: p['processValidated'] as EngineUnderTest['processValidated'],
    snapshotOf: r['snapshotOf'] as EngineUnderTest['snapshotOf'],
  };
}

interface Prepared {
  households: Household[];
  updates: Update[];
  invalid: number;
}

function prepare(): Prepared {
  const households: Household[] = [...generateCity(PROFILE, SEED, { limit: HOUSEHOLDS })];
  const index = CityIndex.fromHouseholds(profileByName(PROFILE), households);
  const sim = new FeedSimulator(index, { seed: 7 });
  const updates: Update[] = [];
  let invalid = 0;
  for (const raw of sim.batch(UPDATES)) {
    // the simulator hands out objects; a round trip through JSON is what the workers see
    const v = validateUpdate(JSON.parse(JSON.stringify(raw)));
    if (v.ok) updates.push(v.update);
    else invalid++;
  }
  return { households, updates, invalid };
}

interface Initial {
  states: Map<string, State>;
  perSec: number;
}

function initialStates(e: EngineUnderTest, households: readonly Household[]): Initial {
  const t0 = process.hrtime.bigint();
  const states = new Map<string, State>();
  for (const h of households) states.set(h.id, e.initialState(h, e.model));
  return { states, perSec: households.length / (Number(process.hrtime.bigint() - t0) / 1e9) };
}

interface Run {
  perSec: number;
  applied: number;
  rejected: number;
  triggered: number;
  states: Map<string, State>;
}

function run(e: EngineUnderTest, initial: Initial, p: Prepared, withSnapshots: boolean, limit = p.updates.length): Run {
  const M = e.model;
  const states = new Map(initial.states);
  let applied = 0;
  let rejected = 0;
  let triggered = 0;
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < limit; i++) {
    const u = p.updates[i]!;
    const s = states.get(u.householdId);
    if (s === undefined) {
      rejected++;
      continue;
    }
    const r = e.processValidated(s, u, M, { receivedAt: u.occurredAt + 5 });
    if (!r.ok) {
      rejected++;
      continue;
    }
    applied++;
    states.set(u.householdId, r.state);
    if (r.triggers.length > 0) {
      triggered++;
      if (withSnapshots) sink += e.snapshotOf(r.state, M).score;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink < 0) throw new Error('unreachable');
  return { perSec: limit / secs, applied, rejected, triggered, states };
}

/** The raw limit: each update's household record read and written back, batches in one transaction each. */
function skeleton(store: Store, p: Prepared, limit = p.updates.length): number {
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < limit; from += SKELETON_BATCH) {
    const to = Math.min(limit, from + SKELETON_BATCH);
    rewriteBatch(store, p.updates.slice(from, to).map((u) => u.householdId), 0, to);
  }
  return limit / (Number(process.hrtime.bigint() - t0) / 1e9);
}

interface Sizes {
  plain: number;
  shared: number;
  /** 95th percentile, shared structures. */
  p95: number;
  packPerSec: number;
}

function sizes(states: Iterable<State>): Sizes {
  const list = [...states];
  let plain = 0;
  for (const s of list) plain += pack(s).length;
  // the store's encoder: record shapes written once per database, not once per value
  const packr = new Packr({ structures: [], maxSharedStructures: 8160 });
  for (const s of list) packr.pack(s); // learn the shapes first, as a long-running store has
  const each = new Float64Array(list.length);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < list.length; i++) each[i] = packr.pack(list[i]).length;
  const packPerSec = list.length / (Number(process.hrtime.bigint() - t0) / 1e9);
  const shared = each.reduce((a, b) => a + b, 0);
  each.sort();
  return { plain: plain / list.length, shared: shared / list.length, p95: each[Math.floor(list.length * 0.95)] ?? 0, packPerSec };
}

interface Measured {
  step: Run;
  withSnapshots: number;
  initial: Initial;
  initialSize: Sizes;
  finalSize: Sizes;
}

const loadBefore = loadavg()[0]!;
const t0 = Date.now();
const p = prepare();
process.stderr.write(`prepared ${p.updates.length} updates (${p.invalid} invalid) over ${p.households.length} households in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

const engines = [current, ...(BASELINE ? [await baseline(BASELINE)] : [])];
const initial = new Map(engines.map((e) => [e, initialStates(e, p.households)]));
for (const e of engines) run(e, initial.get(e)!, p, true, Math.min(20_000, p.updates.length)); // warm the JIT
const best = new Map<EngineUnderTest, { step?: Run; withSnapshots: number }>(engines.map((e) => [e, { withSnapshots: 0 }]));
// the skeleton's store holds the states the step produces, written as the workers write them
const skeletonDir = mkdtempSync(join(tmpdir(), 'lifeline-engine-step-'));
const store = openStore({ path: join(skeletonDir, 'lmdb'), noSync: true });
for (const [id, s] of run(current, initial.get(current)!, p, false).states) store.households.put(id, s as never);
await store.env.flushed;
skeleton(store, p, Math.min(20_000, p.updates.length)); // warm
let skeletonPerSec = 0;
for (let r = 0; r < RUNS; r++) {
  skeletonPerSec = Math.max(skeletonPerSec, skeleton(store, p));
  process.stderr.write(`run ${r + 1} skeleton: ${fmt(skeletonPerSec)} records/s\n`);
  for (const e of engines) {
    const a = run(e, initial.get(e)!, p, false);
    const b = run(e, initial.get(e)!, p, true);
    const m = best.get(e)!;
    if (!m.step || a.perSec > m.step.perSec) m.step = a;
    m.withSnapshots = Math.max(m.withSnapshots, b.perSec);
    process.stderr.write(`run ${r + 1} ${e.name}: step ${fmt(a.perSec)}/s, step + alert snapshots ${fmt(b.perSec)}/s\n`);
  }
}
const measured = new Map<EngineUnderTest, Measured>(
  engines.map((e) => {
    const m = best.get(e)!;
    const init = initial.get(e)!;
    return [e, { step: m.step!, withSnapshots: m.withSnapshots, initial: init, initialSize: sizes(init.states.values()), finalSize: sizes(m.step!.states.values()) }];
  }),
);
const now = measured.get(current)!;
const step = now.step;
const before = BASELINE ? measured.get(engines[1]!) : undefined;
const baselineFigures: Record<string, { value: number; unit: string }> = before
  ? {
      baselineStep: { value: before.step.perSec, unit: 'updates/s (baseline build, same run)' },
      baselineStepWithSnapshots: { value: before.withSnapshots, unit: 'updates/s (baseline build, same run)' },
      baselineInitialState: { value: before.initial.perSec, unit: 'households/s (baseline build)' },
      baselineStateBytes: { value: before.finalSize.plain, unit: 'bytes (baseline, mean msgpack pack, after the run)' },
      baselineStateBytesShared: { value: before.finalSize.shared, unit: 'bytes (baseline, shared structures)' },
      speedup: { value: now.step.perSec / before.step.perSec, unit: '× baseline step' },
    }
  : {};

writeResult({
  part: 'engine-step',
  figures: {
    step: { value: step.perSec, unit: 'updates/s (processValidated)' },
    stepWithSnapshots: { value: now.withSnapshots, unit: 'updates/s (step + alert snapshot on triggers)' },
    initialState: { value: now.initial.perSec, unit: 'households/s (initialState)' },
    stateBytesShared: { value: now.finalSize.shared, unit: 'bytes (mean, msgpack with shared structures as stored, after the run)' },
    stateBytesSharedP95: { value: now.finalSize.p95, unit: 'bytes (95th percentile, shared structures)' },
    stateBytes: { value: now.finalSize.plain, unit: 'bytes (mean msgpack pack, after the run)' },
    initialStateBytes: { value: now.initialSize.plain, unit: 'bytes (mean msgpack pack, initial)' },
    initialStateBytesShared: { value: now.initialSize.shared, unit: 'bytes (mean, shared structures, initial)' },
    packRate: { value: now.finalSize.packPerSec, unit: 'states/s (msgpack encode, shared structures)' },
    applied: { value: step.applied, unit: 'updates applied' },
    rejected: { value: step.rejected, unit: 'updates rejected (stale, unknown person…)' },
    triggered: { value: step.triggered, unit: 'updates raising alert triggers' },
    households: { value: p.households.length, unit: 'households' },
    ...baselineFigures,
  },
  limit: { name: 'LMDB read-modify-write skeleton, one thread, same updates, same run', value: skeletonPerSec, unit: 'records/s' },
  ratio: step.perSec / skeletonPerSec,
  goal: GOAL,
  notes: [
    `skeleton: lmdb noSync, each update's household read (msgpack decode) and written back (encode), ${SKELETON_BATCH} per transaction with a checkpoint, best of ${RUNS}`,
    `one thread; ${PROFILE} city (${p.households.length} households), ${p.updates.length} validated updates of the feed simulator's default kind rates; validation outside the timing`,
    ...(BASELINE ? [`baseline: the engine of ${BASELINE}, timed on the same updates in the same process, runs alternating`] : []),
    'stepWithSnapshots adds the alert snapshot (suggestions included) of each update that raised a trigger, as the batch task does when opening or joining alerts',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on shared cores: absolute rates are depressed by other work`,
  ],
});
await store.close();
rmSync(skeletonDir, { recursive: true, force: true });
