/**
 * Incremental vs full rescoring per update, one thread, same process, same updates.
 *
 * Updates come from the department simulators (connectors/feeds) over the synthetic Hangzhou
 * city: all 54 kinds in the live feed's proportions (connectors/feeds/rates.ts), realistic
 * payloads and persons. Before timing, each update is validated and applied in order with the
 * real `applyFacts`, so every household evolves and each case holds the household after the
 * update, its profile before it, and what `applyFacts` says changed (`touched`, `affected`).
 *
 * Timed, on exactly those cases:
 * - incremental: `rescore(after, prev, touched, model, affected)`: what engine/process.ts runs;
 * - full: `scoreFull(after, model)`: the same Scored profile recomputed from scratch.
 * Both produce the whole Scored profile (7 dimensions with their indicator explanations, total,
 * tier, 9 causes, need types); neither includes validation, applyFacts or suggestions. Runs
 * alternate in chunks (incremental first on even chunks, full first on odd) so both see the
 * same machine load; the checksum proves both paths agree. The diff inside applyFacts that
 * yields `touched`/`affected` is timed separately and reported, with the ratio it would leave.
 */
import { loadavg } from 'node:os';
import { generateCity, profileByName } from '../connectors/city/index.js';
import { CityIndex, DEFAULT_KIND_RATES, FeedSimulator } from '../connectors/feeds/index.js';
import { applyFacts } from '../engine/apply/index.js';
import { KIND_CODES, type Dimension, type Kind } from '../engine/catalogue/departments.js';
import { DEFAULT_MODEL } from '../engine/model.js';
import { rescore, scoreFull, type Affected, type Scored } from '../engine/scoring/index.js';
import type { Household, Update } from '../engine/types.js';
import { validateUpdate } from '../engine/validate.js';
import { fmt, isQuick, writeResult } from './harness/results.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 5_000 : 20_000;
const UPDATES = quick ? 50_000 : 200_000;
const RUNS = quick ? 2 : 3;
/** Updates per chunk: small enough that a chunk's households and profiles stay in the CPU cache between `ready` and the timed loop. */
const CHUNK = 256;
const GOAL = 5;
const SEED = 20261101;
const M = DEFAULT_MODEL;

interface Case {
  before: Household;
  update: Update;
  prev: Scored;
  touched: Dimension[];
  affected: Affected;
  kind: Kind;
}

function prepare(): { cases: Case[]; byKind: Map<Kind, number>; rejected: number } {
  const households: Household[] = [];
  for (const h of generateCity('hangzhou', SEED, { limit: HOUSEHOLDS })) households.push(h);
  const at = new Map(households.map((h, i) => [h.id, i]));
  // Kept profiles are copies, as the store keeps encoded copies: retaining the engine's own result
  // objects by the hundred thousand makes V8 pretenure their allocation sites, after which every
  // scoring allocation in both timed paths survives scavenges (measured: GC dominated the run).
  const scored = households.map((h) => structuredClone(scoreFull(h, M)));
  const sim = new FeedSimulator(CityIndex.fromHouseholds(profileByName('hangzhou'), households), { seed: 7 });
  const cases: Case[] = [];
  const byKind = new Map<Kind, number>();
  let rejected = 0;
  while (cases.length < UPDATES) {
    const v = validateUpdate(sim.next());
    if (!v.ok) throw new Error(`the simulator sent an invalid update: ${v.message}`);
    const i = at.get(v.update.householdId)!;
    const before = households[i]!;
    const a = applyFacts(before, v.update);
    if (!a.ok) {
      rejected++; // e.g. a person who died earlier in this feed
      continue;
    }
    const prev = scored[i]!;
    cases.push({ before, update: v.update, prev, touched: a.touched, affected: a.affected, kind: v.update.kind });
    byKind.set(v.update.kind, (byKind.get(v.update.kind) ?? 0) + 1);
    households[i] = a.household;
    // the next update of this household starts from this profile
    scored[i] = structuredClone(rescore(a.household, prev, a.touched, M, a.affected));
  }
  return { cases, byKind, rejected };
}

type Path = 'incremental' | 'full';

interface Ready {
  after: Household;
  prev: Scored;
  touched: Dimension[];
  affected: Affected;
}

/**
 * What engine/process.ts does right before rescoring: apply the update and take the stored
 * profile without its suggestions. Untimed; it also brings the chunk's data into the cache, as
 * reading and applying the state does in the pipeline.
 */
function ready(cases: readonly Case[], from: number, to: number, out: Ready[]): void {
  for (let i = from; i < to; i++) {
    const c = cases[i]!;
    const a = applyFacts(c.before, c.update);
    if (!a.ok) throw new Error(`update ${c.update.id} no longer applies`);
    const p = c.prev;
    out[i - from] = {
      after: a.household,
      prev: { modelVersion: p.modelVersion, score: p.score, tier: p.tier, dimensions: p.dimensions, causes: p.causes, needTypes: p.needTypes },
      touched: a.touched,
      affected: a.affected,
    };
  }
}

function time(path: Path, work: readonly Ready[], n: number): { ns: number; check: number } {
  let check = 0;
  const t0 = process.hrtime.bigint();
  if (path === 'incremental') {
    for (let i = 0; i < n; i++) {
      const w = work[i]!;
      check += rescore(w.after, w.prev, w.touched, M, w.affected).score;
    }
  } else {
    for (let i = 0; i < n; i++) check += scoreFull(work[i]!.after, M).score;
  }
  return { ns: Number(process.hrtime.bigint() - t0), check };
}

/** One pass over all cases, chunk by chunk; each path runs right after its own `ready` step, alternating which goes first. */
function pass(cases: readonly Case[]): Record<Path, number> {
  const ns: Record<Path, number> = { incremental: 0, full: 0 };
  const work: Ready[] = [];
  for (let from = 0, k = 0; from < cases.length; from += CHUNK, k++) {
    const to = Math.min(cases.length, from + CHUNK);
    const check: Partial<Record<Path, number>> = {};
    for (const path of k % 2 === 0 ? (['incremental', 'full'] as const) : (['full', 'incremental'] as const)) {
      ready(cases, from, to, work);
      const r = time(path, work, to - from);
      ns[path] += r.ns;
      check[path] = r.check;
    }
    if (Math.abs(check.incremental! - check.full!) > 1e-6 * Math.max(1, check.full!)) {
      throw new Error(`incremental and full disagree on updates ${from}–${to}: ${check.incremental} vs ${check.full}`);
    }
  }
  return ns;
}

/** applyFacts alone (with its diff), for the notes: the step every update pays before either path. */
function timeApply(cases: readonly Case[]): number {
  const work: Ready[] = [];
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < cases.length; from += CHUNK) ready(cases, from, Math.min(cases.length, from + CHUNK), work);
  return Number(process.hrtime.bigint() - t0) / cases.length;
}

const loadBefore = loadavg()[0]!;
const t0 = Date.now();
const { cases, byKind, rejected } = prepare();
process.stderr.write(`prepared ${cases.length} updates (${rejected} rejected) over ${HOUSEHOLDS} households in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

// warm both paths so the JIT has compiled them before timing
pass(cases.slice(0, 20_000));

const total: Record<Path, number> = { incremental: 0, full: 0 };
const perRun: string[] = [];
for (let r = 0; r < RUNS; r++) {
  const ns = pass(cases);
  total.incremental += ns.incremental;
  total.full += ns.full;
  perRun.push(fmt(ns.full / ns.incremental));
  process.stderr.write(
    `run ${r + 1}: incremental ${fmt(ns.incremental / cases.length / 1000)} µs, full ${fmt(ns.full / cases.length / 1000)} µs per update, ratio ${fmt(ns.full / ns.incremental)}\n`,
  );
}
const applyUs = timeApply(cases) / 1000;

const n = RUNS * cases.length;
const incUs = total.incremental / n / 1000;
const fullUs = total.full / n / 1000;
const ratio = fullUs / incUs;
const bits = (m: number) => {
  let k = 0;
  for (; m !== 0; m &= m - 1) k++;
  return k;
};
const DIMS = ['source', 'structure', 'health', 'property', 'expenditure', 'employment', 'other'] as const;
const recomputed = (c: Case) => {
  let mask = c.affected.dims;
  for (const d of c.touched) mask |= 1 << DIMS.indexOf(d);
  return mask === 127 ? 7 : bits(mask);
};
const dims = cases.reduce((a, c) => a + recomputed(c), 0) / cases.length;
const fullShare = cases.filter((c) => recomputed(c) === 7).length / cases.length;
const causes = cases.reduce((a, c) => a + (recomputed(c) === 7 ? 9 : bits(c.affected.causes)), 0) / cases.length;
const top = [...byKind.entries()].sort((a, b) => b[1] - a[1]);
const rateTotal = KIND_CODES.reduce((a, k) => a + DEFAULT_KIND_RATES[k], 0);

writeResult({
  part: 'rescore',
  figures: {
    incremental: { value: 1e6 / incUs, unit: 'updates/s (rescoring step, mean of all runs)' },
    full: { value: 1e6 / fullUs, unit: 'updates/s (rescoring step, mean of all runs)' },
    incrementalPerUpdate: { value: incUs, unit: 'µs per update' },
    fullPerUpdate: { value: fullUs, unit: 'µs per update' },
    applyPerUpdate: { value: applyUs, unit: 'µs per update (applyFacts incl. its diff: untimed step before either path)' },
    ratioWithApply: { value: (applyUs + fullUs) / (applyUs + incUs), unit: '× ((apply + full) / (apply + incremental))' },
    dimensionsRecomputedPerUpdate: { value: dims, unit: 'dimensions (mean, of 7)' },
    causesRecomputedPerUpdate: { value: causes, unit: 'causes (mean, of 9)' },
    fullRescoreShare: { value: fullShare * 100, unit: '% of updates (membership changed)' },
    kinds: { value: byKind.size, unit: 'kinds in the mix (of 54)' },
    updates: { value: cases.length, unit: 'updates' },
    households: { value: HOUSEHOLDS, unit: 'households' },
  },
  limit: { name: 'full rescore, same updates, same run', value: 1e6 / fullUs, unit: 'updates/s' },
  ratio,
  goal: GOAL,
  notes: [
    'timed, per update: the rescoring step of engine/process.ts, incremental = rescore(after, prev, touched, model, affected), full = scoreFull(after, model); ' +
      `before each timed chunk of ${CHUNK} updates, untimed, the updates are applied (applyFacts) and the stored profile taken without suggestions, exactly as process.ts does before rescoring, for each path anew; so both exclude the same fixed work and run on data just read and applied, as in the pipeline`,
    'both paths yield the whole Scored profile (7 dimensions with their reason lines, total, tier, 9 causes, need types); validation and suggestions are in neither; checksums prove both agree',
    `ratio = summed full time / summed incremental time over ${RUNS} runs, chunks alternating which path goes first; per run: ${perRun.join(', ')}; with applyFacts counted in both it would be ${fmt((applyUs + fullUs) / (applyUs + incUs))}`,
    `mix: the feed simulator over the city (connectors/feeds/rates.ts), ${rejected} updates rejected by applyFacts and skipped; ` +
      `${top.slice(0, 4).map(([k, c]) => `${k} ${((c / cases.length) * 100).toFixed(1)}% (rate ${((DEFAULT_KIND_RATES[k] / rateTotal) * 100).toFixed(1)}%)`).join(', ')}`,
    'membership changes (births, deaths, residence) rescore everything by design; other updates recompute only the dimensions, causes and need types that read a changed field (engine/scoring/affected.ts)',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on 2 shared cores: absolute rates are depressed by other work; all paths run in the same windows`,
  ],
});
