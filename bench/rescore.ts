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
import { applyFacts, changedFacts } from '../engine/apply/index.js';
import { KIND_CODES, type Dimension, type Kind } from '../engine/catalogue/departments.js';
import { DEFAULT_MODEL } from '../engine/model.js';
import { rescore, scoreFull, type Affected, type Scored } from '../engine/scoring/index.js';
import type { Household } from '../engine/types.js';
import { validateUpdate } from '../engine/validate.js';
import { fmt, isQuick, writeResult } from './harness/results.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 5_000 : 20_000;
const UPDATES = quick ? 50_000 : 200_000;
const RUNS = quick ? 2 : 3;
const CHUNK = 5_000;
const GOAL = 5;
const SEED = 20261101;
const M = DEFAULT_MODEL;

interface Case {
  before: Household;
  after: Household;
  prev: Scored;
  touched: Dimension[];
  affected: Affected;
  kind: Kind;
}

function prepare(): { cases: Case[]; byKind: Map<Kind, number>; rejected: number } {
  const households: Household[] = [];
  for (const h of generateCity('hangzhou', SEED, { limit: HOUSEHOLDS })) households.push(h);
  const at = new Map(households.map((h, i) => [h.id, i]));
  const scored = households.map((h) => scoreFull(h, M));
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
    cases.push({ before, after: a.household, prev, touched: a.touched, affected: a.affected, kind: v.update.kind });
    byKind.set(v.update.kind, (byKind.get(v.update.kind) ?? 0) + 1);
    households[i] = a.household;
    // the next update of this household starts from this profile (rescore shares unchanged parts)
    scored[i] = rescore(a.household, prev, a.touched, M, a.affected);
  }
  return { cases, byKind, rejected };
}

function timeIncremental(cases: readonly Case[], from: number, to: number): { ns: number; check: number } {
  let check = 0;
  const t0 = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    const c = cases[i]!;
    check += rescore(c.after, c.prev, c.touched, M, c.affected).score;
  }
  return { ns: Number(process.hrtime.bigint() - t0), check };
}

function timeFull(cases: readonly Case[], from: number, to: number): { ns: number; check: number } {
  let check = 0;
  const t0 = process.hrtime.bigint();
  for (let i = from; i < to; i++) check += scoreFull(cases[i]!.after, M).score;
  return { ns: Number(process.hrtime.bigint() - t0), check };
}

function timeDiff(cases: readonly Case[]): number {
  let check = 0;
  const t0 = process.hrtime.bigint();
  for (const c of cases) check += changedFacts(c.before, c.after).affected.dims;
  const ns = Number(process.hrtime.bigint() - t0);
  if (check < 0) throw new Error('unreachable');
  return ns / cases.length;
}

/** One pass over all cases, chunks alternating which path goes first. */
function pass(cases: readonly Case[]): { incNs: number; fullNs: number } {
  let incNs = 0;
  let fullNs = 0;
  for (let from = 0, k = 0; from < cases.length; from += CHUNK, k++) {
    const to = Math.min(cases.length, from + CHUNK);
    const order = k % 2 === 0 ? ['inc', 'full'] : ['full', 'inc'];
    let inc = { ns: 0, check: 0 };
    let full = { ns: 0, check: 0 };
    for (const o of order) {
      if (o === 'inc') inc = timeIncremental(cases, from, to);
      else full = timeFull(cases, from, to);
    }
    if (Math.abs(inc.check - full.check) > 1e-6 * Math.max(1, full.check)) {
      throw new Error(`incremental and full disagree on updates ${from}–${to}: ${inc.check} vs ${full.check}`);
    }
    incNs += inc.ns;
    fullNs += full.ns;
  }
  return { incNs, fullNs };
}

const loadBefore = loadavg()[0]!;
const t0 = Date.now();
const { cases, byKind, rejected } = prepare();
process.stderr.write(`prepared ${cases.length} updates (${rejected} rejected) over ${HOUSEHOLDS} households in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

// warm both paths so the JIT has compiled them before timing
pass(cases.slice(0, 20_000));

let incTotal = 0;
let fullTotal = 0;
let bestInc = 0;
let bestFull = 0;
const ratios: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const { incNs, fullNs } = pass(cases);
  incTotal += incNs;
  fullTotal += fullNs;
  const inc = cases.length / (incNs / 1e9);
  const full = cases.length / (fullNs / 1e9);
  bestInc = Math.max(bestInc, inc);
  bestFull = Math.max(bestFull, full);
  ratios.push(fullNs / incNs);
  process.stderr.write(`run ${r + 1}: incremental ${fmt(inc)}/s, full ${fmt(full)}/s, ratio ${fmt(fullNs / incNs)}\n`);
}
const diffNs = timeDiff(cases);

const ratio = fullTotal / incTotal;
const incPerUpdate = incTotal / RUNS / cases.length;
const fullPerUpdate = fullTotal / RUNS / cases.length;
const bits = (m: number) => {
  let n = 0;
  for (; m !== 0; m &= m - 1) n++;
  return n;
};
const recomputed = (c: Case) => {
  let mask = c.affected.dims;
  for (const d of c.touched) mask |= 1 << (['source', 'structure', 'health', 'property', 'expenditure', 'employment', 'other'] as const).indexOf(d as never);
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
    incremental: { value: bestInc, unit: 'updates/s' },
    full: { value: bestFull, unit: 'updates/s' },
    incrementalPerUpdate: { value: incPerUpdate / 1000, unit: 'µs (mean over all runs)' },
    fullPerUpdate: { value: fullPerUpdate / 1000, unit: 'µs (mean over all runs)' },
    diffPerUpdate: { value: diffNs / 1000, unit: 'µs (applyFacts diff yielding touched/affected; in neither timed path)' },
    ratioWithDiff: { value: fullPerUpdate / (incPerUpdate + diffNs), unit: '× (full / (incremental + diff))' },
    dimensionsRecomputedPerUpdate: { value: dims, unit: 'dimensions (mean, of 7)' },
    causesRecomputedPerUpdate: { value: causes, unit: 'causes (mean, of 9)' },
    fullRescoreShare: { value: fullShare * 100, unit: '% of updates (membership changed)' },
    kinds: { value: byKind.size, unit: 'kinds in the mix (of 54)' },
    updates: { value: cases.length, unit: 'updates' },
    households: { value: HOUSEHOLDS, unit: 'households' },
  },
  limit: { name: 'full rescore, same updates, same run', value: bestFull, unit: 'updates/s' },
  ratio,
  goal: GOAL,
  notes: [
    'ratio = summed full time / summed incremental time over all runs, chunks of 5,000 updates alternating which path goes first; per run: ' +
      ratios.map((r) => fmt(r)).join(', '),
    'timed: incremental = rescore(after, prev, touched, model, affected) as engine/process.ts runs it; full = scoreFull(after, model); both yield the whole Scored profile (dimensions with reason lines, total, tier, causes, need types); validation, applyFacts and suggestions are in neither',
    `mix: the feed simulator over the city (rates.ts), ${rejected} updates rejected by applyFacts and skipped; ` +
      `${top.slice(0, 4).map(([k, n]) => `${k} ${((n / cases.length) * 100).toFixed(1)}% (rate ${((DEFAULT_KIND_RATES[k] / rateTotal) * 100).toFixed(1)}%)`).join(', ')}`,
    'membership changes (births, deaths, residence) rescore everything by design; other updates recompute only the dimensions, causes and need types that read a changed field (engine/scoring/affected.ts)',
    `1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on 2 shared cores: absolute rates are depressed by other work; the ratio compares both paths in the same windows`,
  ],
});
