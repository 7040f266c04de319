/**
 * Resilience scoring: seven dimension scorers, the total (0–100, higher = stronger), tier, the
 * nine cause factors and need types. `rescore` recomputes only what an update could change.
 *
 * With the `affected` masks `applyFacts` returns (engine/scoring/affected.ts): exactly the
 * dimension scorers, causes and need types that read a field the update changed (plus the
 * emergency need type when the illness cause moved); everything when membership changed. The
 * READS lists behind the masks are checked against the scorers' real reads by a recording proxy.
 *
 * Without them, by dimension:
 * - the touched dimensions' scorers (looked up in SCORERS at call time);
 * - when `structure` is touched, every dimension: structure owns membership (births, deaths,
 *   residence), and all scorers count members, so any of them may move;
 * - the causes whose CAUSE_DIMENSIONS intersect the recomputed dimensions (each cause reads only
 *   fields of those dimensions plus membership; see engine/causes.ts);
 * - the need types whose NEED_DIMENSIONS intersect them (engine/needs.ts);
 * - total and tier always.
 *
 * A profile scored under another model version is rescored in full: its cache is not comparable.
 */
import { DIMENSIONS } from '../catalogue/departments.js';
import { CAUSE_SCORERS, causeScores } from '../causes.js';
import { scoreEmployment } from '../dimensions/employment.js';
import { scoreExpenditure } from '../dimensions/expenditure.js';
import { scoreHealth } from '../dimensions/health.js';
import { scoreOther } from '../dimensions/other.js';
import { scoreProperty } from '../dimensions/property.js';
import { scoreSource } from '../dimensions/source.js';
import { scoreStructure } from '../dimensions/structure.js';
import type { Model } from '../model.js';
import { NEED_DIMENSIONS, NEED_PREDICATES, needTypes, type NeedPredicate } from '../needs.js';
import { CAUSES, NEED_TYPES, type Cause, type CauseScores, type Dimension, type DimensionScore, type Household, type NeedType, type Profile } from '../types.js';
import { READERS_OF_DIMENSION } from '../apply/diff.js';
import { ALL_DIMS, type Affected } from './affected.js';
import { tierOf } from './tiers.js';

export { tierOf } from './tiers.js';
export { affectedBy, EVERYTHING, type Affected } from './affected.js';

/** A profile without suggestions: what scoring produces. */
export type Scored = Omit<Profile, 'suggestions'>;
export type Scorer = (h: Household, model: Model) => DimensionScore;

/** The dimension scorers; mutable so tests (and instrumentation) can wrap an entry. */
export const SCORERS: Record<Dimension, Scorer> = {
  source: scoreSource,
  structure: scoreStructure,
  health: scoreHealth,
  property: scoreProperty,
  expenditure: scoreExpenditure,
  employment: scoreEmployment,
  other: scoreOther,
};

/** Dimensions whose fields each cause reads (membership aside, which touches everything). */
export const CAUSE_DIMENSIONS: Readonly<Record<Cause, readonly Dimension[]>> = Object.freeze({
  illness: ['health', 'expenditure'],
  disability: ['health'],
  education: ['structure', 'expenditure', 'other'],
  housing: ['property', 'other'],
  disaster: ['other'],
  employment: ['employment'],
  skills: ['employment'],
  labour: ['employment', 'health'],
  other: ['source', 'structure', 'other'],
});

/** Per dimension, the causes to recompute when it is touched. */
const CAUSES_OF: Readonly<Record<Dimension, readonly Cause[]>> = Object.freeze(
  Object.fromEntries(DIMENSIONS.map((d) => [d, CAUSES.filter((c) => CAUSE_DIMENSIONS[c].includes(d))])) as Record<Dimension, Cause[]>,
);

export function scoreDimension(dim: Dimension, h: Household, model: Model): DimensionScore {
  return SCORERS[dim](h, model);
}

/** Per dimension, the need types to re-evaluate when it is touched. */
const NEEDS_OF: Readonly<Record<Dimension, readonly NeedType[]>> = Object.freeze(
  Object.fromEntries(DIMENSIONS.map((d) => [d, NEED_TYPES.filter((t) => NEED_DIMENSIONS[t].includes(d))])) as Record<Dimension, NeedType[]>,
);

function total(dimensions: Record<Dimension, DimensionScore>): number {
  return (
    dimensions.source.score +
    dimensions.structure.score +
    dimensions.health.score +
    dimensions.property.score +
    dimensions.expenditure.score +
    dimensions.employment.score +
    dimensions.other.score
  );
}

function assemble(h: Household, dimensions: Record<Dimension, DimensionScore>, causes: CauseScores, model: Model): Scored {
  const score = total(dimensions);
  const scored: Scored = { modelVersion: model.version, score, tier: tierOf(score, model), dimensions, causes, needTypes: [] };
  scored.needTypes = needTypes(h, scored, model);
  return scored;
}

export function scoreFull(h: Household, model: Model): Scored {
  const s = SCORERS;
  const dimensions: Record<Dimension, DimensionScore> = {
    source: s.source(h, model),
    structure: s.structure(h, model),
    health: s.health(h, model),
    property: s.property(h, model),
    expenditure: s.expenditure(h, model),
    employment: s.employment(h, model),
    other: s.other(h, model),
  };
  return assemble(h, dimensions, causeScores(h, model), model);
}

/**
 * `affected` (from `applyFacts`): the dimensions, causes and need types that read a changed
 * fact. With it, exactly those are recomputed and `touched` is not needed; membership changes,
 * which affect everything, rescore in full. Without it, the dimension-level rule of the header
 * applies to `touched`, widened to whatever reads a fact of a touched dimension.
 */
export function rescore(h: Household, prev: Scored, touched: Iterable<Dimension>, model: Model, affected?: Affected): Scored {
  if (prev.modelVersion !== model.version) return scoreFull(h, model);
  let mask: number;
  let causeMask: number;
  let needMask: number;
  if (affected === undefined) {
    mask = 0;
    for (const d of touched) mask |= BIT[d];
    if (mask & BIT.structure) return scoreFull(h, model);
    const reach = TOUCHED_REACH[mask]!;
    mask = reach.dims;
    causeMask = reach.causes;
    needMask = reach.needs;
  } else {
    // a touched dimension none of whose facts changed (a grid visit's observations) would score the same
    mask = affected.dims;
    if (mask === ALL_DIMS) return scoreFull(h, model);
    causeMask = affected.causes;
    needMask = affected.needs;
    // nothing read a changed fact (a repeated monthly record): the profile stands as it is
    if ((mask | causeMask | needMask) === 0) return prev;
  }
  const s = SCORERS;
  const p = prev.dimensions;
  // one literal per result keeps a single object shape (spreads and keyed writes are slower here)
  const dimensions: Record<Dimension, DimensionScore> =
    mask === 0
      ? p
      : {
          source: mask & 1 ? s.source(h, model) : p.source,
          structure: mask & 2 ? s.structure(h, model) : p.structure,
          health: mask & 4 ? s.health(h, model) : p.health,
          property: mask & 8 ? s.property(h, model) : p.property,
          expenditure: mask & 16 ? s.expenditure(h, model) : p.expenditure,
          employment: mask & 32 ? s.employment(h, model) : p.employment,
          other: mask & 64 ? s.other(h, model) : p.other,
        };
  const c = prev.causes;
  let causes = c; // shared, like unchanged dimensions, while no cause moves
  if (causeMask !== 0) {
    const k = CAUSE_SCORERS;
    const illness = causeMask & 1 ? k.illness(h, model) : c.illness;
    const disability = causeMask & 2 ? k.disability(h, model) : c.disability;
    const education = causeMask & 4 ? k.education(h, model) : c.education;
    const housing = causeMask & 8 ? k.housing(h, model) : c.housing;
    const disaster = causeMask & 16 ? k.disaster(h, model) : c.disaster;
    const employment = causeMask & 32 ? k.employment(h, model) : c.employment;
    const skills = causeMask & 64 ? k.skills(h, model) : c.skills;
    const labour = causeMask & 128 ? k.labour(h, model) : c.labour;
    const other = causeMask & 256 ? k.other(h, model) : c.other;
    if (
      illness !== c.illness ||
      disability !== c.disability ||
      education !== c.education ||
      housing !== c.housing ||
      disaster !== c.disaster ||
      employment !== c.employment ||
      skills !== c.skills ||
      labour !== c.labour ||
      other !== c.other
    ) {
      causes = { illness, disability, education, housing, disaster, employment, skills, labour, other };
    }
    // the emergency type reads the illness cause
    if (illness !== c.illness) needMask |= NEED_BIT.emergency;
  }
  const score = total(dimensions);
  const scored: Scored = { modelVersion: model.version, score, tier: tierOf(score, model), dimensions, causes, needTypes: prev.needTypes };
  if (needMask !== 0) {
    // shared like the causes while no re-evaluated type changes its answer
    const was = needBits(prev.needTypes);
    let now = was & ~needMask;
    for (let i = 0; i < NEED_LIST.length; i++) if (needMask & (1 << i) && NEED_LIST[i]!(h, scored, model)) now |= 1 << i;
    if (now !== was) {
      const needs: NeedType[] = [];
      for (let i = 0; i < NEED_TYPES.length; i++) if (now & (1 << i)) needs.push(NEED_TYPES[i]!);
      scored.needTypes = needs;
    }
  }
  return scored;
}

/** The need predicates by catalogue position (an element load is cheaper than a keyed one by name). */
const NEED_LIST: readonly NeedPredicate[] = NEED_TYPES.map((t) => NEED_PREDICATES[t]);

/** The catalogue positions (bits) of the need types in `list`; other names are ignored. */
function needBits(list: readonly NeedType[]): number {
  let bits = 0;
  for (let j = 0; j < list.length; j++) {
    const x = list[j];
    for (let i = 0; i < NEED_TYPES.length; i++) {
      if (x === NEED_TYPES[i]) {
        bits |= 1 << i;
        break;
      }
    }
  }
  return bits;
}

const BIT = Object.fromEntries(DIMENSIONS.map((d, i) => [d, 1 << i])) as Record<Dimension, number>;
const CAUSE_BIT = Object.fromEntries(CAUSES.map((c, i) => [c, 1 << i])) as Record<Cause, number>;
const NEED_BIT = Object.fromEntries(NEED_TYPES.map((t, i) => [t, 1 << i])) as Record<NeedType, number>;

/** For every set of touched dimensions (bit mask), the causes and need types to recompute. */
function masksFor<T extends string>(of: Readonly<Record<Dimension, readonly T[]>>, bit: Record<T, number>): Int32Array {
  const out = new Int32Array(1 << DIMENSIONS.length);
  for (let m = 0; m < out.length; m++) {
    DIMENSIONS.forEach((d, i) => {
      if (m & (1 << i)) for (const x of of[d]) out[m]! |= bit[x];
    });
  }
  return out;
}
const CAUSE_MASK = masksFor(CAUSES_OF, CAUSE_BIT);
const NEED_MASK = masksFor(NEEDS_OF, NEED_BIT);

/**
 * For every set of touched dimensions: what to recompute, widened to the computations that read a
 * touched dimension's facts (another dimension may: property counts a former member's wage).
 */
const TOUCHED_REACH: readonly Affected[] = Array.from({ length: 1 << DIMENSIONS.length }, (_, m) => {
  const r = { dims: m, causes: 0, needs: 0 };
  READERS_OF_DIMENSION.forEach((readers, i) => {
    if (!(m & (1 << i))) return;
    r.dims |= readers.dims;
    r.causes |= readers.causes;
    r.needs |= readers.needs;
  });
  r.causes |= CAUSE_MASK[r.dims]!;
  r.needs |= NEED_MASK[r.dims]!;
  return r;
});
