import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_MODEL, ModelSchema } from '../model.js';

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if ((d.type === 'default' || d.type === 'prefault' || d.type === 'optional') && d.innerType) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else return cur;
  }
}

/** Every leaf key of the schema with its (unwrapped) schema. */
function leaves(s: z.ZodType, path: string[] = []): { path: string[]; schema: z.ZodType }[] {
  const inner = unwrap(s);
  if (inner instanceof z.ZodObject) return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, schema: inner }];
}

function setPath(path: string[], value: unknown): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  path.slice(0, -1).forEach((k) => (node = node[k] = {} as Record<string, unknown>));
  node[path[path.length - 1]!] = value;
  return root;
}

/** The parse fails and one issue names exactly this key. */
function rejectsNaming(input: Record<string, unknown>, key: string): void {
  const r = ModelSchema.safeParse(input);
  expect(r.success, `${key} should be rejected`).toBe(false);
  expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(key);
}

const LEAVES = leaves(ModelSchema);
const NUMERIC = LEAVES.filter((l) => l.schema instanceof z.ZodNumber);

describe('model schema', () => {
  it('parses to defaults from nothing, and every key has a default', () => {
    const m = ModelSchema.parse({});
    expect(m).toEqual(DEFAULT_MODEL);
    for (const l of LEAVES) expect(l.path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], m), l.path.join('.')).not.toBeUndefined();
    expect(NUMERIC.length).toBeGreaterThan(150);
  });

  it('holds the documented alert thresholds', () => {
    expect(DEFAULT_MODEL.alerts).toEqual({ medicalOutOfPocketShare: 0.3, medicalSevereShare: 0.5, medicalOutOfPocketMinCny: 2_000, medicalSevereCny: 50_000, sharpDropPoints: 10 });
    expect(DEFAULT_MODEL.lines.dibaoMonthly).toBe(1240);
  });

  it.each(LEAVES.map((l) => [l.path.join('.'), l] as const))('%s: a value of the wrong type is rejected naming the key', (key, l) => {
    rejectsNaming(setPath(l.path, l.schema instanceof z.ZodNumber ? 'ten' : 12345), key);
  });

  it.each(NUMERIC.map((l) => [l.path.join('.'), l.schema as z.ZodNumber] as const))('%s: out-of-range values are rejected naming the key', (key, s) => {
    const path = key.split('.');
    if (s.minValue !== null && Number.isFinite(s.minValue)) rejectsNaming(setPath(path, s.minValue - 1), key);
    if (s.maxValue !== null && Number.isFinite(s.maxValue)) rejectsNaming(setPath(path, s.maxValue + 1), key);
    if (s.isInt) rejectsNaming(setPath(path, (s.minValue ?? 0) + 1.5), key);
    if (path[0] === 'causes') rejectsNaming(setPath(path, 0.25), key); // half steps only
    if (path[0] === 'dimensionMax') rejectsNaming(setPath(path, 0), key);
  });

  it('rejects unknown keys in every section, naming the section', () => {
    for (const section of ['lines', 'ages', 'thresholds', 'weights', 'weights.health', 'causes', 'alerts', 'needs', 'tiers']) {
      const r = ModelSchema.safeParse(setPath([...section.split('.'), 'bogus'], 1));
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]!.path.join('.')).toBe(section);
      expect(r.error!.issues[0]!.message).toContain('bogus');
    }
  });

  describe('cross-field rules name the offending key', () => {
    it.each([
      ['tiers.tier3From', { tiers: { tier2From: 70, tier3From: 60 } }],
      ['lines.marginalMonthly', { lines: { dibaoMonthly: 2000, marginalMonthly: 1900 } }],
      ['lines.lowMonthly', { lines: { lowMonthly: 1000 } }],
      ['lines.comfortableMonthly', { lines: { comfortableMonthly: 2000 } }],
      ['thresholds.medicalOopMidCny', { thresholds: { medicalOopMidCny: 4000 } }],
      ['thresholds.medicalOopHighCny', { thresholds: { medicalOopHighCny: 20_000 } }],
      ['thresholds.medicalTotalHighCny', { thresholds: { medicalTotalHighCny: 40_000 } }],
      ['thresholds.tuitionMidCny', { thresholds: { tuitionMidCny: 3000 } }],
      ['thresholds.tuitionHighCny', { thresholds: { tuitionHighCny: 8000 } }],
      ['thresholds.rentHighCny', { thresholds: { rentHighCny: 900 } }],
      ['thresholds.disasterLossHighCny', { thresholds: { disasterLossHighCny: 10_000 } }],
      ['thresholds.inpatientLongDays', { thresholds: { inpatientLongDays: 5 } }],
      ['ages.schoolFrom', { ages: { schoolFrom: 2 } }],
      ['ages.workFrom', { ages: { workFrom: 5 } }],
      ['ages.adultFrom', { ages: { adultFrom: 15 } }],
      ['ages.retireFemale', { ages: { retireFemale: 17 } }],
      ['ages.retireMale', { ages: { retireMale: 50 } }],
      ['ages.oldOldFrom', { ages: { oldOldFrom: 60 } }],
      ['ages.compulsoryUntil', { ages: { compulsoryUntil: 6 } }],
      ['dimensionMax', { dimensionMax: { source: 10, structure: 15, health: 20, property: 15, expenditure: 15, employment: 15, other: 11 } }],
      ['referenceDate', { referenceDate: '1 Nov 2026' }],
      ['version', { version: '' }],
    ])('%s', (key, input) => rejectsNaming(input, key));
  });
});
