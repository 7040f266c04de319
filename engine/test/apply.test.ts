import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import { DEPARTMENTS, KIND_CODES, KIND_SOURCE, type Kind } from '../catalogue/departments.js';
import { KIND_DIMENSIONS, personRole } from '../catalogue/payloads.js';
import { MAX_INCIDENTS, applyFacts, changedDimensions } from '../apply/index.js';
import type { Household, Update } from '../types.js';
import { T, deepFreeze, family, update } from './apply-support.js';
import { makePerson } from './fixtures.js';

const Y2027 = Date.UTC(2027, 0, 10, 2);
const Y2025 = Date.UTC(2025, 11, 20, 2);

function ok(h: Household, u: Update) {
  const r = applyFacts(deepFreeze(h), deepFreeze(u));
  if (!r.ok) throw new Error(`rejected: ${r.code} ${r.message}`);
  return r;
}

function rejected(h: Household, u: Update) {
  const r = applyFacts(deepFreeze(h), deepFreeze(u));
  if (r.ok) throw new Error('expected a rejection');
  return r;
}

describe('applyFacts rejections', () => {
  it('names an unknown person', () => {
    const r = rejected(family(), update('major_disease_diagnosed', {}, 'P99'));
    expect(r.code).toBe('LIFELINE_ERR_UNKNOWN_PERSON');
    expect(r.issues[0]?.field).toBe('personId');
    expect(r.message).toContain('P99');
  });

  it('refuses the birth of an existing member and a newborn with a member\'s id number', () => {
    const r = rejected(family(), update('birth_certificate_issued', {}, 'P3'));
    expect(r.code).toBe('LIFELINE_ERR_INCONSISTENT_UPDATE');
    expect(r.issues[0]?.field).toBe('personId');
    const twin = update('birth_certificate_issued', { newborn: { name: 'x', idNumber: '330106201405060017', sex: 'M', birthDate: '2026-04-15', relation: 'child' } }, 'P7');
    expect(rejected(family(), twin).issues[0]?.field).toBe('payload.newborn.idNumber');
  });

  it('refuses the death of a dead person and updates about the dead, but takes their late bills', () => {
    const first = ok(family(), update('death_registered', {}, 'P4'));
    const again = rejected(first.household, update('death_registered', {}, 'P4'));
    expect(again.code).toBe('LIFELINE_ERR_INCONSISTENT_UPDATE');
    expect(again.message).toContain('dead');
    expect(rejected(first.household, update('employment_registered', {}, 'P4')).code).toBe('LIFELINE_ERR_INCONSISTENT_UPDATE');
    // a fact dated up to the death is a late record of the person's life
    expect(ok(first.household, update('employment_registered', {}, 'P4', Date.parse(`${first.household.persons.find((p) => p.id === 'P4')?.deathDate ?? ''}T08:00:00+08:00`))).ok).toBe(true);
    expect(ok(first.household, update('medical_claim', { diagnosisCode: 'I10' }, 'P4')).touched).toEqual(['expenditure']);
  });

  it('refuses to dispose what the household does not hold', () => {
    expect(rejected(family(), update('property_disposed')).issues[0]).toMatchObject({ field: 'payload.certificate' });
    expect(rejected(family(), update('vehicle_deregistered')).issues[0]).toMatchObject({ field: 'payload.plate' });
    expect(rejected(family(), update('business_deregistered')).issues[0]).toMatchObject({ field: 'payload.registration' });
    expect(rejected({ ...family(), landMu: 1 }, update('land_transferred', { direction: 'out', areaMu: 2.5 })).issues[0]).toMatchObject({
      field: 'payload.areaMu',
    });
  });

  it('refuses acquiring the same asset twice', () => {
    const once = ok(family(), update('vehicle_registered')).household;
    expect(rejected(once, update('vehicle_registered')).code).toBe('LIFELINE_ERR_INCONSISTENT_UPDATE');
    const prop = ok(family(), update('property_acquired')).household;
    expect(rejected(prop, update('property_acquired')).code).toBe('LIFELINE_ERR_INCONSISTENT_UPDATE');
  });

  it('refuses state contradictions named by field', () => {
    const marriedAgain = rejected(family(), update('marriage_registered', { status: 'married' }, 'P1'));
    expect(marriedAgain.issues[0]).toEqual({ field: 'payload.status', reason: 'the person is already married' });
    const exitUnenrolled = { ...family(), assistance: { ...family().assistance, enrolled: false } };
    expect(rejected(exitUnenrolled, update('assistance_exited')).issues[0]?.field).toBe('kind');
    expect(rejected(family(), update('disability_allowance_granted', {}, 'P4')).issues[0]?.field).toBe('personId');
    expect(rejected(family(), update('disability_certified', { grade: 0, type: 'none' }, 'P4')).issues[0]?.field).toBe('payload.grade');
    const left = ok(family(), update('residence_cancelled', {}, 'P4')).household;
    expect(rejected(left, update('residence_cancelled', {}, 'P4')).issues[0]?.field).toBe('personId');
    expect(rejected(family(), update('unemployment_benefit_granted', {}, 'P1')).issues[0]?.field).toBe('personId');
  });

  it('refuses an update addressed to another household', () => {
    const r = rejected(family(), { ...update('vehicle_registered'), householdId: 'H2' });
    expect(r).toMatchObject({ code: 'LIFELINE_ERR_INCONSISTENT_UPDATE', issues: [{ field: 'householdId' }] });
  });

  it('refuses an elderly-care subsidy for a household without elderly members', () => {
    const young = { ...family(), persons: family().persons.filter((p) => p.id !== 'P4') };
    expect(rejected(young, update('elderly_care_subsidy_granted')).issues[0]?.field).toBe('kind');
  });
});

describe('applyFacts facts over time', () => {
  it('adds medical spending within a year and restarts the sums in a later year', () => {
    const a = ok(family(), update('medical_claim', { totalCny: 1000, insurancePaidCny: 700, outOfPocketCny: 300 }, 'P1'));
    const b = ok(a.household, update('medical_claim', { totalCny: 500, insurancePaidCny: 250, outOfPocketCny: 250 }, 'P2'));
    expect(b.household.finances.medicalTotal).toEqual({ year: 2026, amount: 1500 });
    expect(b.events.find((e) => e.type === 'medical_spend')).toMatchObject({ yearOutOfPocketCny: 550 });

    const next = ok(b.household, update('medical_claim', { totalCny: 200, insurancePaidCny: 100, outOfPocketCny: 100 }, 'P1', Y2027));
    expect(next.household.finances.medicalTotal).toEqual({ year: 2027, amount: 200 });
    expect(next.household.finances.medicalInsurancePaid).toEqual({ year: 2027, amount: 100 });
    expect(next.events.find((e) => e.type === 'medical_spend')).toMatchObject({ yearOutOfPocketCny: 100 });
  });

  it('other payers reduce the year out-of-pocket; a payer record of a closed year does not', () => {
    const claim = ok(family(), update('medical_claim', { totalCny: 10000, insurancePaidCny: 6000, outOfPocketCny: 4000 }, 'P1'));
    const aid = ok(claim.household, update('medical_assistance_granted', { amountCny: 1500 }, 'P1'));
    const ci = ok(aid.household, update('critical_illness_insurance_paid', { amountCny: 500 }, 'P1'));
    const again = ok(ci.household, update('medical_claim', { totalCny: 100, insurancePaidCny: 0, outOfPocketCny: 100 }, 'P1'));
    expect(again.events.find((e) => e.type === 'medical_spend')).toMatchObject({ yearOutOfPocketCny: 2100 });

    const late = ok(ci.household, update('medical_assistance_granted', { amountCny: 999 }, 'P1', Y2025));
    expect(late.household.finances.medicalAssistance).toEqual({ year: 2026, amount: 1500 });
    expect(late.touched).toEqual([]);
  });

  it('takes the year in China time: 2026-12-31 23:30 +08:00 counts in 2026', () => {
    const newYearsEveUtc = Date.UTC(2026, 11, 31, 15, 30);
    const r = ok(family(), update('tuition_charged', {}, 'P3', newYearsEveUtc));
    expect(r.household.finances.tuition.year).toBe(2026);
    const after = ok(family(), update('tuition_charged', {}, 'P3', newYearsEveUtc + 3600_000));
    expect(after.household.finances.tuition).toEqual({ year: 2027, amount: 5400 });
  });

  it(`keeps the last ${MAX_INCIDENTS} incidents`, () => {
    let h = family();
    for (let i = 0; i < MAX_INCIDENTS + 5; i++) h = ok(h, update('fire_incident_reported', { lossCny: i }, undefined, T + i)).household;
    expect(h.incidents).toHaveLength(MAX_INCIDENTS);
    expect(h.incidents[0]?.lossCny).toBe(5);
    expect(h.incidents.at(-1)?.lossCny).toBe(MAX_INCIDENTS + 4);
  });

  it('takes ages from the update, not a clock: a child is a minor at the death date', () => {
    const base = family();
    const persons = base.persons.map((p) => (p.id === 'P3' ? { ...p, birthDate: '2008-07-10' } : p.id === 'P2' ? { ...p, alive: false, deathDate: '2020-01-01' } : p));
    const h = { ...base, persons };
    const the17th = ok(h, update('death_registered', { deathDate: '2026-07-09' }, 'P1'));
    expect(the17th.household.persons.find((p) => p.id === 'P3')?.withoutParentalCare).toBe(true);
    const adult = ok(h, update('death_registered', { deathDate: '2026-07-10' }, 'P1'));
    expect(adult.household.persons.find((p) => p.id === 'P3')?.withoutParentalCare).toBe(false);
  });

  it('repeats that change nothing touch nothing and emit nothing', () => {
    const first = ok(family(), update('major_disease_diagnosed', {}, 'P1'));
    const repeat = ok(first.household, update('major_disease_diagnosed', {}, 'P1'));
    expect(repeat.touched).toEqual([]);
    expect(repeat.events).toEqual([]);
    expect(repeat.household).toBe(first.household);
  });

  it('a grade change emits both grades; a same-grade recertification does not', () => {
    const g2 = ok(family(), update('disability_certified', { grade: 2 }, 'P4')).household;
    const g1 = ok(g2, update('disability_certified', { grade: 1 }, 'P4'));
    expect(g1.events).toEqual([{ type: 'disability_grade_changed', personId: 'P4', from: 2, to: 1 }]);
    const same = ok(g2, update('disability_certified', { grade: 2, type: 'physical' }, 'P4'));
    expect(same.events).toEqual([]);
    const revoked = ok(g2, update('disability_certified', { grade: 0, type: 'none' }, 'P4'));
    expect(revoked.events).toEqual([{ type: 'disability_grade_changed', personId: 'P4', from: 2, to: 0 }]);
  });

  it('shares the parts it did not change', () => {
    const h = family();
    const r = ok(h, update('vehicle_registered'));
    expect(r.household.persons).toBe(h.persons);
    expect(r.household.finances).toBe(h.finances);
    expect(r.household.vehicles).not.toBe(h.vehicles);
  });
});

describe('changedDimensions', () => {
  it('maps each changed fact to its dimension', () => {
    const h = family();
    const p0 = h.persons[0]!;
    expect(changedDimensions(h, h)).toEqual([]);
    expect(changedDimensions(h, { ...h, persons: [{ ...p0, monthlyWage: 1 }, ...h.persons.slice(1)] })).toEqual(['employment']);
    expect(changedDimensions(h, { ...h, persons: [{ ...p0, name: 'renamed' }, ...h.persons.slice(1)] })).toEqual([]);
    expect(changedDimensions(h, { ...h, persons: [...h.persons, makePerson({ id: 'P9' })] })).toEqual(['structure']);
    expect(changedDimensions(h, { ...h, finances: { ...h.finances, medicalTotal: { year: 2026, amount: 0 } } })).toEqual([]);
    expect(changedDimensions(h, { ...h, landMu: 3, housing: { ...h.housing, safety: 'D' } })).toEqual(['property', 'other']);
  });
});

// ---- properties over arbitrary households and updates ------------------------------------------

const personIds = ['P1', 'P2', 'P3', 'P4', 'P5', 'P99'];

const updateArb = fc
  .record({
    kind: fc.constantFrom(...KIND_CODES),
    person: fc.constantFrom(...personIds),
    at: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
    factor: fc.constantFrom(0, 0.5, 1, 3),
  })
  .map(({ kind, person, at, factor }): Update => {
    const u = update(kind as Kind, {}, personRole(kind) === 'none' ? undefined : person, at);
    // vary amounts so sums and flags move, keeping each payload valid
    for (const [k, v] of Object.entries(u.payload)) if (typeof v === 'number' && /Cny$/.test(k) && k !== 'outOfPocketCny' && k !== 'insurancePaidCny' && k !== 'totalCny') u.payload[k] = v * factor;
    return u;
  });

const householdArb = fc
  .record({
    enrolled: fc.boolean(),
    dead: fc.subarray(['P1', 'P2', 'P3', 'P4']),
    landMu: fc.constantFrom(0, 3),
    renting: fc.boolean(),
  })
  .map(({ enrolled, dead, landMu, renting }): Household => {
    const h = family();
    return {
      ...h,
      landMu,
      housing: { ...h.housing, renting },
      assistance: { ...h.assistance, enrolled },
      persons: h.persons.map((p) => (dead.includes(p.id) ? { ...p, alive: false, deathDate: '2025-06-01' } : p)),
    };
  });

describe('applyFacts properties', () => {
  it('never throws or mutates; touched ⊆ KIND_DIMENSIONS ⊆ the department; touched is what changed', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(householdArb, fc.array(updateArb, { minLength: 1, maxLength: 30 }), (h0, updates) => {
        let h = deepFreeze(h0);
        const snapshot = JSON.stringify(h);
        for (const u0 of updates) {
          const u = deepFreeze(u0);
          const r = applyFacts(h, u);
          if (!r.ok) {
            expect(['LIFELINE_ERR_UNKNOWN_PERSON', 'LIFELINE_ERR_INCONSISTENT_UPDATE']).toContain(r.code);
            expect(r.issues[0]?.field.length).toBeGreaterThan(0);
            continue;
          }
          const allowed = KIND_DIMENSIONS[u.kind];
          const dept = DEPARTMENTS[KIND_SOURCE[u.kind]].dimensions as readonly string[];
          for (const d of r.touched) {
            expect(allowed, `${u.kind} touched ${d}`).toContain(d);
            expect(dept).toContain(d);
          }
          // what really changed must be reported (grid visits report what the worker observed instead)
          const changed = changedDimensions(h, r.household);
          if (u.kind === 'grid_visit_recorded') for (const d of changed) expect(r.touched).toContain(d);
          else expect(r.touched).toEqual(changed);
          expect(r.household.incidents.length).toBeLessThanOrEqual(MAX_INCIDENTS);
          expect(new Set(r.household.persons.map((p) => p.id)).size).toBe(r.household.persons.length);
          h = deepFreeze(r.household);
        }
        expect(JSON.stringify(h0)).toBe(snapshot);
      }),
      { numRuns: 300 },
    );
  });
});
