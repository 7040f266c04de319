/**
 * Incremental rescoring must never drift: after every step of any update sequence, the profile
 * the engine maintains (touched dimensions rescored, the rest cached) equals the profile computed
 * from scratch on the same facts. Sequences draw kinds from all 54, payloads varied from the
 * catalogue's examples (enums, numbers, flags), persons at random (members, dead members, new
 * and unknown ids), with duplicates and out-of-order times mixed in. The stored profile holds
 * numbers only; the suggestions derived from it on demand must equal those of the full profile.
 */
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KIND_CODES, KIND_SOURCE, type Kind } from '../catalogue/departments.js';
import { examplePayload } from '../catalogue/examples.js';
import { KIND_PAYLOADS, personRole } from '../catalogue/payloads.js';
import { DEFAULT_MODEL } from '../model.js';
import { initialState, processUpdate, profileOf, storedOf, suggestionsOf } from '../process.js';
import type { Household, HouseholdState, Person } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';

const model = DEFAULT_MODEL;
const RUNS = Number(process.env['LIFELINE_PROPERTY_RUNS'] ?? 2000);
const T0 = Date.parse('2026-01-05T09:00:00+08:00');

/** The fields of a kind's payload schema (refinements keep the object's shape). */
function shapeOf(kind: Kind): Record<string, z.ZodType> {
  const s = KIND_PAYLOADS[kind] as unknown;
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : {};
}

const SCALES = [0, 0.05, 0.3, 1, 1, 2, 7, 40];

/** A payload built from the kind's example: each field kept or varied within its schema's kind. */
function variedPayload(kind: Kind, pick: (n: number) => number): Record<string, unknown> {
  const out = examplePayload(kind);
  const shape = shapeOf(kind);
  for (const [key, field] of Object.entries(shape)) {
    const base = out[key];
    if (pick(3) === 0) continue; // keep the template value a third of the time
    if (field instanceof z.ZodEnum) {
      const opts = field.options as readonly (string | number)[];
      out[key] = opts[pick(opts.length)];
    } else if (field instanceof z.ZodUnion) {
      const lits = (field.options as z.ZodType[]).filter((o): o is z.ZodLiteral => o instanceof z.ZodLiteral).map((o) => o.value);
      if (lits.length > 0) out[key] = lits[pick(lits.length)];
    } else if (field instanceof z.ZodBoolean) {
      out[key] = pick(2) === 0;
    } else if (field instanceof z.ZodNumber && typeof base === 'number') {
      const v = base * (SCALES[pick(SCALES.length)] ?? 1);
      out[key] = field.isInt ? Math.round(v) : Math.round(v * 100) / 100;
    } else if (field instanceof z.ZodArray && Array.isArray(base) && base.length > 1 && pick(2) === 0) {
      out[key] = base.slice(0, 1 + pick(base.length));
    }
  }
  if (kind === 'medical_claim') {
    // keep the claim's own arithmetic valid so most varied claims apply
    const total = Number(out['totalCny']);
    const paid = Math.min(total, Number(out['insurancePaidCny']));
    out['insurancePaidCny'] = paid;
    out['outOfPocketCny'] = Math.round((total - paid) * 100) / 100;
  }
  if (kind === 'grid_visit_recorded' && pick(2) === 0) out['observed'] = ['health', 'other'];
  return out;
}

const personArb: fc.Arbitrary<Omit<Person, 'id'>> = fc
  .record({
    sex: fc.constantFrom('M' as const, 'F' as const),
    birthYear: fc.integer({ min: 1930, max: 2025 }),
    employment: fc.constantFrom('employed', 'flexible', 'farmer', 'unemployed', 'retired', 'unable', 'student', 'child' as const),
    wage: fc.constantFrom(0, 0, 900, 2500, 4800, 12000),
    pension: fc.constantFrom(0, 0, 230, 1800, 4200),
    grade: fc.constantFrom(0, 0, 0, 1, 2, 3, 4),
    chronic: fc.boolean(),
    major: fc.boolean(),
    care: fc.constantFrom('none', 'none', 'partial', 'full' as const),
    stage: fc.constantFrom('none', 'none', 'primary', 'junior', 'senior', 'university' as const),
    withoutCare: fc.boolean(),
    alive: fc.constantFrom(true, true, true, true, false),
  })
  .map((r) => {
    const p = makePerson({
      id: 'tmp',
      sex: r.sex,
      birthDate: `${r.birthYear}-0${1 + (r.birthYear % 9)}-1${r.birthYear % 10}`,
      employment: r.employment as Person['employment'],
      monthlyWage: r.wage,
      pensionMonthly: r.pension,
      disabilityGrade: r.grade as Person['disabilityGrade'],
      disabilityType: r.grade === 0 ? 'none' : 'physical',
      chronicDiseases: r.chronic ? ['E11.9'] : [],
      majorDiseases: r.major ? ['C34.9'] : [],
      careDependency: r.care as Person['careDependency'],
      schoolStage: r.stage as Person['schoolStage'],
      withoutParentalCare: r.withoutCare && r.birthYear > 2008,
      alive: r.alive,
      deathDate: r.alive ? null : '2026-02-01',
    });
    const { id: _drop, ...rest } = p;
    return rest;
  });

const householdArb: fc.Arbitrary<Household> = fc
  .record({
    persons: fc.array(personArb, { minLength: 1, maxLength: 5 }),
    category: fc.constantFrom('dibao', 'marginal', 'extreme_poverty', 'expenditure_dibao', 'exited_assistance', 'proactive_discovery' as const),
    enrolled: fc.boolean(),
    rural: fc.boolean(),
    safety: fc.constantFrom('A', 'B', 'C', 'D' as const),
    renting: fc.boolean(),
    car: fc.boolean(),
  })
  .map((r) =>
    makeHousehold({
      id: 'hp',
      rural: r.rural,
      persons: r.persons.map((p, i) => ({ ...p, id: `m${i}`, relation: i === 0 ? 'head' : i === 1 ? 'spouse' : 'child' })),
      assistance: { ...makeHousehold({ id: 'x', persons: [] }).assistance, category: r.category, enrolled: r.enrolled },
      housing: { safety: r.safety, publicRental: false, renting: r.renting, areaM2: 48, uninhabitable: false },
      vehicles: r.car ? [{ plate: '浙A12345', kind: 'car', valueCny: 80_000, registeredAt: '2023-01-01' }] : [],
    }),
  );

/** One step: a kind, a seed for its variations, how to pick the person, the time move, and whether to replay an id. */
const stepArb = fc.record({
  kind: fc.constantFrom(...KIND_CODES),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  person: fc.integer({ min: 0, max: 7 }),
  dt: fc.integer({ min: -2 * 86_400_000, max: 20 * 86_400_000 }),
  replay: fc.integer({ min: 0, max: 19 }),
});

function picker(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return Math.abs(x) % n;
  };
}

type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

function rawUpdate(state: HouseholdState, step: Step, i: number, t: number, lastId: string | null) {
  const pick = picker(step.seed);
  const kind = step.kind as Kind;
  const persons = state.household.persons;
  const role = personRole(kind);
  const personId =
    role === 'new' ? `new${i}` : role === 'existing' ? (step.person < persons.length ? persons[step.person]?.id : step.person === 7 ? 'ghost' : persons[0]?.id) : undefined;
  return {
    id: step.replay === 0 && lastId !== null ? lastId : `u${i}`,
    source: KIND_SOURCE[kind],
    kind,
    householdId: state.household.id,
    occurredAt: t,
    payload: variedPayload(kind, pick),
    ...(personId === undefined ? {} : { personId }),
  };
}

describe('incremental rescoring equals full rescoring', () => {
  it(`holds over ${RUNS} random update sequences of all 54 kinds`, { tags: ['property'] }, () => {
    let applied = 0;
    let rejected = 0;
    const kindsApplied = new Set<string>();
    assertProperty(
      fc.property(householdArb, fc.array(stepArb, { minLength: 1, maxLength: 25 }), (h, steps) => {
        let state = initialState(h, model);
        let t = T0;
        let lastId: string | null = null;
        for (const [i, step] of steps.entries()) {
          t += step.dt;
          const raw = rawUpdate(state, step, i, t, lastId);
          // serialising the state is the costliest part of the check: sample every fourth step
          const before = i % 4 === 0 ? JSON.stringify(state) : null;
          const r = processUpdate(state, raw, model, { receivedAt: t + 1000 });
          if (before !== null) expect(JSON.stringify(state)).toBe(before); // the input state is never mutated
          if (!r.ok) {
            rejected++;
            continue;
          }
          applied++;
          kindsApplied.add(raw.kind);
          lastId = raw.id;
          state = r.state;
          // stored numbers equal a full recomputation; suggestions derived from them equal the full profile's
          const full = profileOf(state.household, model);
          expect(state.profile).toEqual(storedOf(full));
          expect(suggestionsOf(state, model)).toEqual(full.suggestions);
        }
      }),
      { numRuns: RUNS },
    );
    // the generator must really exercise the engine, not just produce rejections
    expect(applied).toBeGreaterThan(rejected);
    expect(kindsApplied.size).toBe(KIND_CODES.length);
  }, 300_000);
});
