import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import { KIND_CODES, KIND_SOURCE, type Kind } from '../catalogue/departments.js';
import { examplePayload } from '../catalogue/examples.js';
import { personRole } from '../catalogue/payloads.js';
import { REJECTION_CODES } from '../errors.js';
import { validateUpdate } from '../validate.js';

const T0 = Date.UTC(2026, 8, 1, 2);

function envelope(kind: Kind, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: `rec-${kind}-1`,
    source: KIND_SOURCE[kind],
    kind,
    householdId: 'H330106000001',
    occurredAt: T0,
    payload: examplePayload(kind),
  };
  if (personRole(kind) !== 'none') base['personId'] = 'P1';
  return { ...base, ...over };
}

function rejected(raw: unknown) {
  const r = validateUpdate(raw);
  if (r.ok) throw new Error('expected a rejection');
  return r;
}

describe('validateUpdate', () => {
  it.each(KIND_CODES)('accepts the example update of %s as a fresh object', (kind) => {
    const raw = envelope(kind);
    const r = validateUpdate(JSON.parse(JSON.stringify(raw)));
    expect(r.ok ? undefined : r.issues).toBeUndefined();
    if (!r.ok) return;
    expect(r.update).toEqual(raw);
    expect(r.update.payload).not.toBe(raw['payload']);
  });

  it('names an unknown department', () => {
    const r = rejected(envelope('medical_claim', { source: 'weather_bureau' }));
    expect(r.code).toBe('LIFELINE_ERR_UNKNOWN_SOURCE');
    expect(r.issues[0]?.field).toBe('source');
    expect(r.message).toContain('weather_bureau');
  });

  it('names an unknown kind', () => {
    const r = rejected(envelope('medical_claim', { kind: 'horoscope' }));
    expect(r.code).toBe('LIFELINE_ERR_UNKNOWN_KIND');
    expect(r.issues).toEqual([{ field: 'kind', reason: "unknown kind 'horoscope'" }]);
  });

  it("rejects a kind reported by the wrong department, naming the owner", () => {
    const r = rejected(envelope('medical_claim', { source: 'taxation' }));
    expect(r.code).toBe('LIFELINE_ERR_SOURCE_KIND_MISMATCH');
    expect(r.issues[0]?.field).toBe('kind');
    expect(r.issues[0]?.reason).toContain('medical_insurance');
  });

  it('reports every payload issue with its dotted field', () => {
    const payload = { ...examplePayload('medical_claim'), totalCny: -5, hospitalLevel: 'clinic', extraField: true };
    delete (payload as Record<string, unknown>)['claimId'];
    const r = rejected(envelope('medical_claim', { payload }));
    expect(r.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    const fields = r.issues.map((i) => i.field).sort();
    expect(fields).toEqual(['payload.claimId', 'payload.extraField', 'payload.hospitalLevel', 'payload.totalCny']);
    for (const i of r.issues) expect(i.reason.length).toBeGreaterThan(0);
    expect(r.issues.find((i) => i.field === 'payload.extraField')?.reason).toBe('unknown field');
  });

  it('names nested payload fields', () => {
    const p = examplePayload('birth_certificate_issued') as { newborn: Record<string, unknown> };
    p.newborn['sex'] = 'X';
    const r = rejected(envelope('birth_certificate_issued', { payload: p, personId: 'P9' }));
    expect(r.issues.map((i) => i.field)).toEqual(['payload.newborn.sex']);
  });

  it('requires personId on person kinds and refuses it on household kinds', () => {
    const missing = envelope('major_disease_diagnosed');
    delete missing['personId'];
    const r1 = rejected(missing);
    expect(r1.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(r1.issues).toEqual([{ field: 'personId', reason: "required by 'major_disease_diagnosed'" }]);

    const newborn = envelope('birth_certificate_issued');
    delete newborn['personId'];
    expect(rejected(newborn).issues[0]?.field).toBe('personId');

    const r2 = rejected(envelope('vehicle_registered', { personId: 'P1' }));
    expect(r2.issues[0]?.field).toBe('personId');
  });

  it('checks the envelope fields and collects their issues together', () => {
    const r = rejected(envelope('medical_claim', { id: '', householdId: 'h'.repeat(129), occurredAt: 1.5, payload: [], extra: 1 }));
    expect(r.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(r.issues.map((i) => i.field).sort()).toEqual(['extra', 'householdId', 'id', 'occurredAt', 'payload']);
  });

  it.each([null, undefined, 'update', 42, [], true])('rejects a non-object update (%s)', (raw) => {
    const r = rejected(raw);
    expect(r.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(r.issues[0]?.field).toBe('update');
  });

  it('rejects huge and non-finite instants', () => {
    for (const occurredAt of [1e300, -1, Number.NaN, Infinity, '1785000000000', 2 ** 53]) {
      expect(rejected(envelope('medical_claim', { occurredAt })).issues[0]?.field).toBe('occurredAt');
    }
  });

  it('does not let prototype-pollution keys through', () => {
    const raw = JSON.parse(
      `{"id":"x","source":"health","kind":"major_disease_diagnosed","householdId":"h","personId":"p","occurredAt":${T0},` +
        `"payload":{"disease":"肺癌","icd10":"C34.9","diagnosedAt":"2026-07-01","__proto__":{"polluted":true}},"constructor":{"prototype":{"x":1}}}`,
    );
    const r = rejected(raw);
    expect(r.issues.map((i) => i.field).sort()).toEqual(['constructor', 'payload.__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const src = rejected(envelope('medical_claim', { source: '__proto__' }));
    expect(src.code).toBe('LIFELINE_ERR_UNKNOWN_SOURCE');
    expect(rejected(envelope('medical_claim', { kind: 'constructor' })).code).toBe('LIFELINE_ERR_UNKNOWN_KIND');
  });

  it('survives objects whose getters throw', () => {
    const raw = Object.defineProperty({}, 'source', { enumerable: true, get: () => { throw new Error('boom'); } });
    const r = rejected(raw);
    expect(r.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(r.message).toContain('boom');
  });

  it('never throws on arbitrary JSON, and its verdict is a known code', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.jsonValue(), (v) => {
        const r = validateUpdate(v);
        if (!r.ok) {
          expect(REJECTION_CODES).toContain(r.code);
          expect(r.issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid updates', { tags: ['property'] }, () => {
    const kinds = fc.constantFrom(...KIND_CODES);
    const keys = fc.constantFrom('id', 'source', 'kind', 'householdId', 'personId', 'occurredAt', 'payload', '__proto__', 'x');
    assertProperty(
      fc.property(kinds, keys, fc.jsonValue(), fc.jsonValue(), (kind, key, v, pv) => {
        const raw = envelope(kind, { [key]: v });
        const payload = raw['payload'];
        if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
          const pk = Object.keys(payload)[0];
          if (pk !== undefined) (payload as Record<string, unknown>)[pk] = pv;
        }
        const r = validateUpdate(raw);
        if (!r.ok) for (const i of r.issues) expect(typeof i.field).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});
