import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { DIMENSIONS } from '../catalogue/departments.js';
import { DEFAULT_MODEL, ModelSchema } from '../model.js';
import { CAUSE_DIMENSIONS, rescore, SCORERS, scoreFull, type Scorer } from '../scoring/index.js';
import { CAUSES, type Dimension, type Household } from '../types.js';
import { applyFacts, changedFacts } from '../apply/index.js';
import { READERS_OF_DIMENSION } from '../apply/diff.js';
import { family, update } from './apply-support.js';
import { makePerson } from './fixtures.js';
import { ALL_HOUSEHOLDS, dibaoFamily } from './scoring-households.js';

const M = DEFAULT_MODEL;
const original = { ...SCORERS };
const calls: Record<string, number> = {};

function instrument(): void {
  for (const d of DIMENSIONS) {
    calls[d] = 0;
    const inner: Scorer = original[d];
    SCORERS[d] = (h, m) => {
      calls[d]!++;
      return inner(h, m);
    };
  }
}

afterEach(() => Object.assign(SCORERS, original));

describe('rescore runs only what the update could change', () => {
  it.each(DIMENSIONS.filter((d) => d !== 'structure'))('touching %s calls only that scorer and those reading its facts, once each', (dim) => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    instrument();
    rescore(h, prev, [dim], M);
    const readers = READERS_OF_DIMENSION[DIMENSIONS.indexOf(dim)]!.dims;
    expect(calls).toEqual(Object.fromEntries(DIMENSIONS.map((d, i) => [d, d === dim || readers & (1 << i) ? 1 : 0])));
    expect(calls[dim]).toBe(1);
  });

  it('touching employment also rescores property, which counts a former member\'s wage out of the filing', () => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    instrument();
    rescore(h, prev, ['employment'], M);
    expect(calls['property']).toBe(1);
    expect(calls['health']).toBe(0);
  });

  it('touching structure (membership) recomputes every dimension', () => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    instrument();
    rescore(h, prev, ['structure'], M);
    expect(Object.values(calls)).toEqual(DIMENSIONS.map(() => 1));
  });

  it('touching nothing reuses every cached dimension', () => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    instrument();
    const s = rescore(h, prev, [], M);
    expect(Object.values(calls)).toEqual(DIMENSIONS.map(() => 0));
    expect(s).toEqual(prev);
  });

  it('rescores in full when the profile was scored under another model version', () => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    const next = ModelSchema.parse({ version: 'next', weights: { source: { dibao: 9 } } });
    instrument();
    const s = rescore(h, prev, ['other'], next);
    expect(Object.values(calls)).toEqual(DIMENSIONS.map(() => 1));
    expect(s).toEqual(scoreFull(h, next));
  });

  it('reuses cached dimensions it was not told about (the cache is what makes it incremental)', () => {
    const h = dibaoFamily();
    const prev = scoreFull(h, M);
    h.housing.safety = 'D'; // an `other` fact, but only `health` is named
    const s = rescore(h, prev, ['health'], M);
    expect(s.dimensions.other).toBe(prev.dimensions.other);
    expect(rescore(h, prev, ['other'], M).dimensions.other.score).toBeLessThan(prev.dimensions.other.score);
  });

  it('every cause depends on at least one dimension', () => {
    for (const c of CAUSES) expect(CAUSE_DIMENSIONS[c].length).toBeGreaterThan(0);
  });
});

/** Mutations that change only facts owned by one dimension (see engine/dimensions/reads.ts). */
type Mutation = { dim: Dimension; apply: (h: Household, pick: number) => void };
const member = (h: Household, pick: number) => h.persons[pick % h.persons.length]!;
/** A current member (or anyone when none is left): a former member's wage also feeds the property dimension (their share of the tax filing). */
const current = (h: Household, pick: number) => {
  const live = h.persons.filter((p) => p.alive && p.registered);
  return live.length > 0 ? live[pick % live.length]! : member(h, pick);
};
const MUTATIONS: Mutation[] = [
  { dim: 'source', apply: (h, k) => Object.assign(h.assistance, { category: (['dibao', 'marginal', 'extreme_poverty', 'exited_assistance', 'proactive_discovery'] as const)[k % 5], enrolled: k % 2 === 0 }) },
  { dim: 'source', apply: (h, k) => Object.assign(h.assistance, { observedConcern: k % 4, povertyRiskFlagged: k % 3 === 0, lastGridVisitAt: Date.UTC(2026, k % 12, 1) }) },
  { dim: 'source', apply: (h, k) => Object.assign(member(h, k), { veteran: k % 2 === 0, hardshipWorker: k % 3 === 0 }) },
  { dim: 'expenditure', apply: (h, k) => (h.finances.temporaryAssistance = { year: 2026, amount: (k % 3) * 1000 }) },
  { dim: 'health', apply: (h, k) => (member(h, k).majorDiseases = k % 2 ? ['C34.9'] : []) },
  { dim: 'health', apply: (h, k) => Object.assign(member(h, k), { disabilityGrade: k % 5, disabilityType: k % 5 ? 'mental' : 'none', careDependency: (['none', 'partial', 'full'] as const)[k % 3] }) },
  { dim: 'health', apply: (h, k) => Object.assign(member(h, k), { inpatientDays: k * 7, admissions: k % 5, chronicDiseases: k % 2 ? ['I10'] : [] }) },
  { dim: 'property', apply: (h, k) => h.vehicles.push({ plate: `浙A1000${k % 10}`, kind: 'car', valueCny: k * 30_000, registeredAt: '2026-01-01' }) },
  { dim: 'property', apply: (h, k) => Object.assign(h.housing, { renting: k % 2 === 0, publicRental: k % 3 === 0, areaM2: 10 + k * 5 }) },
  { dim: 'property', apply: (h, k) => ((h.landMu = k % 4), (h.finances.taxableIncomeAnnual = k * 20_000), (member(h, k).providentFundBalance = k * 10_000)) },
  { dim: 'property', apply: (h, k) => (member(h, k).pensionMonthly = (k % 3) * 900) },
  { dim: 'expenditure', apply: (h, k) => (h.finances.medicalTotal = { year: 2026, amount: k * 15_000 }) },
  { dim: 'expenditure', apply: (h, k) => ((h.finances.tuition = { year: 2026, amount: k * 3000 }), (h.finances.rentMonthly = k * 400)) },
  { dim: 'expenditure', apply: (h, k) => ((h.finances.assistanceMonthly = k * 300), (member(h, k).tuitionAnnual = k * 2000)) },
  { dim: 'employment', apply: (h, k) => (current(h, k).alive && current(h, k).registered ? Object.assign(current(h, k), { employment: (['employed', 'unemployed', 'flexible', 'unable'] as const)[k % 4], monthlyWage: (k % 4) * 1500 }) : undefined) },
  { dim: 'employment', apply: (h, k) => Object.assign(member(h, k), { educationLevel: k % 2 ? 'primary' : 'college', skilled: k % 3 === 0, socialInsuranceMonths: k }) },
  { dim: 'other', apply: (h, k) => (h.housing.safety = (['A', 'B', 'C', 'D'] as const)[k % 4]) },
  { dim: 'other', apply: (h, k) => h.incidents.push({ kind: (['disaster', 'fire', 'accident'] as const)[k % 3], at: Date.UTC(2026, k % 11, 1), severity: (['minor', 'serious', 'fatal'] as const)[k % 3], lossCny: k * 5000 }) },
  { dim: 'other', apply: (h, k) => ((member(h, k).droppedOut = k % 2 === 1), (h.finances.disasterLoss = { year: 2026, amount: k * 8000 })) },
  { dim: 'structure', apply: (h, k) => Object.assign(member(h, k), { alive: false, deathDate: '2026-10-01' }) },
  { dim: 'structure', apply: (h, k) => h.persons.push(makePerson({ id: `n${h.persons.length}`, relation: 'child', birthDate: '2026-09-01', employment: 'child', monthlyWage: 0, socialInsuranceMonths: k })) },
  { dim: 'structure', apply: (h, k) => (member(h, k).registered = false) },
];

describe('incremental equals full', () => {
  it('after any sequence of updates, each rescored with only its own dimension (fast-check)', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 12 }),
        (base, steps) => {
          const h = structuredClone(ALL_HOUSEHOLDS()[base]!);
          let state = scoreFull(h, M);
          for (const [i, k] of steps) {
            const m = MUTATIONS[i]!;
            m.apply(h, k);
            state = rescore(h, state, [m.dim], M);
          }
          expect(state).toEqual(scoreFull(h, M));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('incremental equals full, field by field (the masks applyFacts returns)', () => {
  it('after any sequence of changes, each rescored with only what reads a changed field (fast-check)', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: MUTATIONS.length - 1 }), fc.integer({ min: 0, max: 20 })), { minLength: 1, maxLength: 12 }),
        (base, steps) => {
          const h = structuredClone(ALL_HOUSEHOLDS()[base]!);
          let state = scoreFull(h, M);
          for (const [i, k] of steps) {
            const before = structuredClone(h);
            MUTATIONS[i]!.apply(h, k);
            const { touched, affected } = changedFacts(before, h);
            state = rescore(h, state, touched, M, affected);
          }
          expect(state).toEqual(scoreFull(h, M));
        },
      ),
      { numRuns: 400 },
    );
  });
});

function applied0(h: Household, u: ReturnType<typeof update>): Household {
  const a = applyFacts(h, u);
  if (!a.ok) throw new Error(a.message);
  return a.household;
}

describe('with the affected masks, rescore recomputes only what reads a changed fact', () => {
  const counted = (): Record<string, number> => {
    instrument();
    return calls;
  };

  it('a medical claim runs only the expenditure scorer, and the illness cause follows the bill', () => {
    const h = family();
    const prev = scoreFull(h, M);
    const a = applyFacts(h, update('medical_claim', { totalCny: 90_000, insurancePaidCny: 20_000, outOfPocketCny: 70_000, diagnosisCode: 'I10' }, 'P1')); // hypertension: no major disease
    if (!a.ok) throw new Error(a.message);
    const c = counted();
    const s = rescore(a.household, prev, a.touched, M, a.affected);
    expect(c).toEqual(Object.fromEntries(DIMENSIONS.map((d) => [d, d === 'expenditure' ? 1 : 0])));
    expect(s).toEqual(scoreFull(a.household, M));
    expect(s.causes.illness).toBeGreaterThan(prev.causes.illness);
    expect(s.causes.disability).toBe(prev.causes.disability);
  });

  it('a social insurance contribution reuses every cause and need type', () => {
    const h = family();
    const prev = scoreFull(h, M);
    const a = applyFacts(h, update('social_insurance_contribution', { months: 3 }, 'P1'));
    if (!a.ok) throw new Error(a.message);
    const s = rescore(a.household, prev, a.touched, M, a.affected);
    expect(a.affected.causes).toBe(0);
    expect(a.affected.needs).toBe(0);
    expect(s.causes).toBe(prev.causes); // shared, not recomputed
    expect(s).toEqual(scoreFull(a.household, M));
  });

  it('recomputed causes and need types that do not move keep the cached objects; moved ones are rebuilt', () => {
    const h = family();
    const prev = scoreFull(h, M);
    const small = applyFacts(h, update('medical_claim', { totalCny: 120, insurancePaidCny: 80, outOfPocketCny: 40, diagnosisCode: 'I10' }, 'P1'));
    if (!small.ok) throw new Error(small.message);
    expect(small.affected.causes).not.toBe(0);
    expect(small.affected.needs).not.toBe(0);
    const s = rescore(small.household, prev, small.touched, M, small.affected);
    expect(s).toEqual(scoreFull(small.household, M));
    expect(s.causes).toBe(prev.causes);
    expect(s.needTypes).toBe(prev.needTypes);
    const big = applyFacts(h, update('medical_claim', { totalCny: 400_000, insurancePaidCny: 20_000, outOfPocketCny: 380_000 }, 'P1'));
    if (!big.ok) throw new Error(big.message);
    const b = rescore(big.household, prev, big.touched, M, big.affected);
    expect(b).toEqual(scoreFull(big.household, M));
    expect(b.causes).not.toBe(prev.causes);
    expect(b.needTypes).not.toEqual(prev.needTypes);
  });

  it('an update no computation reads (the same pension again) keeps the profile as it is', () => {
    const h = applied0(family(), update('pension_paid', { pensionType: 'urban_rural_resident', monthlyCny: 260 }, 'P4'));
    const prev = scoreFull(h, M);
    const a = applyFacts(h, update('pension_paid', { pensionType: 'urban_rural_resident', monthlyCny: 260 }, 'P4'));
    if (!a.ok) throw new Error(a.message);
    expect(a.affected).toEqual({ dims: 0, causes: 0, needs: 0 });
    expect(rescore(a.household, prev, a.touched, M, a.affected)).toBe(prev);
  });

  it('a grid visit rescores the source dimension only, whatever the worker observed', () => {
    const h = family();
    const prev = scoreFull(h, M);
    const a = applyFacts(h, update('grid_visit_recorded', { observed: ['health', 'expenditure'], concern: 3 }));
    if (!a.ok) throw new Error(a.message);
    expect(a.touched).toEqual(['source', 'health', 'expenditure']);
    const c = counted();
    const s = rescore(a.household, prev, a.touched, M, a.affected);
    expect(c).toEqual(Object.fromEntries(DIMENSIONS.map((d) => [d, d === 'source' ? 1 : 0])));
    expect(s).toEqual(scoreFull(a.household, M));
  });

  it('a marriage (a structure fact, not membership) does not rescore everything; a death does', () => {
    const h = family();
    const prev = scoreFull(h, M);
    const wed = applyFacts(h, update('marriage_registered', { status: 'divorced' }, 'P2'));
    if (!wed.ok) throw new Error(wed.message);
    let c = counted();
    const afterWedding = rescore(wed.household, prev, wed.touched, M, wed.affected);
    expect(c).toEqual(Object.fromEntries(DIMENSIONS.map((d) => [d, d === 'structure' ? 1 : 0])));
    expect(afterWedding).toEqual(scoreFull(wed.household, M));
    const died = applyFacts(h, update('death_registered', {}, 'P4'));
    if (!died.ok) throw new Error(died.message);
    c = counted();
    const afterDeath = rescore(died.household, prev, died.touched, M, died.affected);
    expect(Object.values(c)).toEqual(DIMENSIONS.map(() => 1));
    expect(afterDeath).toEqual(scoreFull(died.household, M));
  });
});

