import { describe, expect, it } from 'vitest';
import { DEPARTMENTS, DEPARTMENT_CODES, DIMENSIONS, KIND_CODES, KIND_SOURCE } from '../catalogue/departments.js';
import { EXAMPLE_PAYLOADS, examplePayload } from '../catalogue/examples.js';
import {
  KIND_DIMENSIONS,
  KIND_PAYLOADS,
  MEMBERSHIP_KINDS,
  NEW_PERSON_KINDS,
  PERSON_KINDS,
  UpdateEnvelopeSchema,
  personRole,
} from '../catalogue/payloads.js';

describe('payload catalogue', () => {
  it('has one schema, one example and a dimension list for each of the 54 kinds', () => {
    expect(KIND_CODES).toHaveLength(54);
    expect(Object.keys(KIND_PAYLOADS).sort()).toEqual([...KIND_CODES].sort());
    expect(Object.keys(EXAMPLE_PAYLOADS).sort()).toEqual([...KIND_CODES].sort());
    expect(Object.keys(KIND_DIMENSIONS).sort()).toEqual([...KIND_CODES].sort());
  });

  it.each(KIND_CODES)('the example of %s parses and round-trips unchanged', (kind) => {
    const r = KIND_PAYLOADS[kind].safeParse(examplePayload(kind));
    expect(r.error?.issues).toBeUndefined();
    expect(r.data).toEqual(EXAMPLE_PAYLOADS[kind]);
  });

  it.each(KIND_CODES)('%s rejects an unknown field and an empty payload', (kind) => {
    const extra = KIND_PAYLOADS[kind].safeParse({ ...examplePayload(kind), surprise: 1 });
    expect(extra.success).toBe(false);
    expect(KIND_PAYLOADS[kind].safeParse({}).success).toBe(false);
  });

  it("a kind's dimensions are a non-empty subset of its department's", () => {
    for (const kind of KIND_CODES) {
      const dept = DEPARTMENTS[KIND_SOURCE[kind]].dimensions as readonly string[];
      expect(KIND_DIMENSIONS[kind].length, kind).toBeGreaterThan(0);
      for (const d of KIND_DIMENSIONS[kind]) expect(dept, `${kind} → ${d}`).toContain(d);
      // canonical order, as applyFacts reports `touched`
      expect(KIND_DIMENSIONS[kind], kind).toEqual(DIMENSIONS.filter((d) => KIND_DIMENSIONS[kind].includes(d)));
    }
  });

  it('every dimension is reachable by some non-community kind', () => {
    const reached = new Set(KIND_CODES.filter((k) => KIND_SOURCE[k] !== 'community').flatMap((k) => KIND_DIMENSIONS[k]));
    expect([...reached].sort()).toEqual([...DIMENSIONS].sort());
  });

  it('person roles are disjoint and membership kinds name persons', () => {
    for (const k of NEW_PERSON_KINDS) expect(PERSON_KINDS as readonly string[]).not.toContain(k);
    expect(personRole('medical_claim')).toBe('existing');
    expect(personRole('birth_certificate_issued')).toBe('new');
    expect(personRole('vehicle_registered')).toBe('none');
    for (const k of MEMBERSHIP_KINDS) expect(personRole(k)).not.toBe('none');
  });

  it('medical_claim: out-of-pocket must equal total minus insurance, within rounding', () => {
    const ok = { ...EXAMPLE_PAYLOADS.medical_claim, totalCny: 100.1, insurancePaidCny: 70.07, outOfPocketCny: 30.03 };
    expect(KIND_PAYLOADS.medical_claim.safeParse(ok).success).toBe(true);
    const bad = KIND_PAYLOADS.medical_claim.safeParse({ ...ok, outOfPocketCny: 40 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['outOfPocketCny']);
    const over = KIND_PAYLOADS.medical_claim.safeParse({ ...ok, insurancePaidCny: 200, outOfPocketCny: -99.9 });
    expect(over.success).toBe(false);
  });

  it('dates are real calendar dates', () => {
    const s = KIND_PAYLOADS.death_registered;
    expect(s.safeParse({ deathDate: '2024-02-29', cause: 'illness' }).success).toBe(true);
    expect(s.safeParse({ deathDate: '2026-02-29', cause: 'illness' }).success).toBe(false);
    expect(s.safeParse({ deathDate: '2026-13-01', cause: 'illness' }).success).toBe(false);
    expect(s.safeParse({ deathDate: '20260101', cause: 'illness' }).success).toBe(false);
  });

  it('disability grade 0 means revoked, with type none', () => {
    const s = KIND_PAYLOADS.disability_certified;
    const base = EXAMPLE_PAYLOADS.disability_certified;
    expect(s.safeParse({ ...base, grade: 0, type: 'none' }).success).toBe(true);
    expect(s.safeParse({ ...base, grade: 0, type: 'physical' }).success).toBe(false);
    expect(s.safeParse({ ...base, grade: 5 }).success).toBe(false);
    expect(s.safeParse({ ...base, grade: 1.5 }).success).toBe(false);
  });

  it('grid visits name a non-empty set of distinct dimensions', () => {
    const s = KIND_PAYLOADS.grid_visit_recorded;
    const base = EXAMPLE_PAYLOADS.grid_visit_recorded;
    expect(s.safeParse({ ...base, observed: [] }).success).toBe(false);
    expect(s.safeParse({ ...base, observed: ['health', 'health'] }).success).toBe(false);
    expect(s.safeParse({ ...base, observed: ['wealth'] }).success).toBe(false);
    expect(s.safeParse({ ...base, concern: 4 }).success).toBe(false);
  });

  it('money is never negative or infinite', () => {
    const s = KIND_PAYLOADS.temporary_assistance_granted;
    const base = EXAMPLE_PAYLOADS.temporary_assistance_granted;
    for (const amountCny of [-1, Infinity, Number.NaN, 1e300, '3000']) expect(s.safeParse({ ...base, amountCny }).success).toBe(false);
  });

  it('the envelope schema accepts a well-formed update and rejects extras', () => {
    const env = { id: 'x1', source: 'health', kind: 'major_disease_diagnosed', householdId: 'h1', personId: 'p1', occurredAt: 1_785_000_000_000, payload: {} };
    expect(UpdateEnvelopeSchema.safeParse(env).success).toBe(true);
    expect(UpdateEnvelopeSchema.safeParse({ ...env, extra: 1 }).success).toBe(false);
    expect(UpdateEnvelopeSchema.safeParse({ ...env, id: 'x'.repeat(129) }).success).toBe(false);
    expect(UpdateEnvelopeSchema.safeParse({ ...env, source: 'weather' }).success).toBe(false);
    expect(DEPARTMENT_CODES).toHaveLength(17);
  });
});
