import { describe, expect, it } from 'vitest';
import { DIMENSIONS } from '../catalogue/departments.js';
import { CAUSE_READS, CAUSE_SCORERS } from '../causes.js';
import { EMPLOYMENT_INDICATORS } from '../dimensions/employment.js';
import { EXPENDITURE_INDICATORS } from '../dimensions/expenditure.js';
import { HEALTH_INDICATORS } from '../dimensions/health.js';
import { OTHER_INDICATORS } from '../dimensions/other.js';
import { PROPERTY_INDICATORS } from '../dimensions/property.js';
import { DIMENSION_READS, MEMBERSHIP_READS } from '../dimensions/reads.js';
import { SOURCE_INDICATORS } from '../dimensions/source.js';
import { STRUCTURE_INDICATORS } from '../dimensions/structure.js';
import { DEFAULT_MODEL } from '../model.js';
import { NEED_DIMENSIONS, NEED_PREDICATES, NEED_READS } from '../needs.js';
import { CAUSE_DIMENSIONS, SCORERS, scoreFull } from '../scoring/index.js';
import { CAUSES, NEED_TYPES, type Household } from '../types.js';
import { ALL_HOUSEHOLDS } from './scoring-households.js';

/** Wraps a household so every property read is recorded as a path (`persons[].alive`). */
function recording(h: Household, seen: Set<string>): Household {
  const wrap = (o: object, path: string): object =>
    new Proxy(o, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver) as unknown;
        if (typeof key === 'symbol' || typeof v === 'function') return v;
        const isArray = Array.isArray(target);
        if (isArray && (key === 'length' || /^\d+$/.test(key))) {
          return v !== null && typeof v === 'object' ? wrap(v, `${path}[]`) : v;
        }
        const p = path === '' ? key : `${path}.${key}`;
        seen.add(p);
        return v !== null && typeof v === 'object' ? wrap(v, p) : v;
      },
    });
  return wrap(h, '') as Household;
}

/** Drops container paths (`finances`, `persons`) that are a prefix of a deeper path read. */
const leaves = (paths: Set<string>): string[] => [...paths].filter((p) => ![...paths].some((q) => q !== p && (q.startsWith(`${p}.`) || q.startsWith(`${p}[]`))));

/** A path is allowed when listed, or when it is the container of a listed path (an empty list read whole). */
const strays = (paths: Set<string>, allowed: Set<string>): string[] =>
  leaves(paths).filter((p) => !allowed.has(p) && ![...allowed].some((a) => a.startsWith(`${p}[]`) || a.startsWith(`${p}.`)));

const DECLARED = [SOURCE_INDICATORS, STRUCTURE_INDICATORS, HEALTH_INDICATORS, PROPERTY_INDICATORS, EXPENDITURE_INDICATORS, EMPLOYMENT_INDICATORS, OTHER_INDICATORS];

describe('indicators and data fields (Hangzhou: 50+ indicators, 100+ data fields)', () => {
  it('declares at least 50 indicators with unique codes prefixed by their dimension', () => {
    const all = DECLARED.flat();
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(new Set(all.map((i) => i.code)).size).toBe(all.length);
    DIMENSIONS.forEach((d, i) => DECLARED[i]!.forEach((ind) => expect(ind.code.startsWith(`${d}.`)).toBe(true)));
  });

  it('the scorers read at least 100 distinct data fields: leaves only, not the objects and arrays holding them', () => {
    const seen = new Set<string>();
    for (const h of ALL_HOUSEHOLDS()) for (const d of DIMENSIONS) SCORERS[d](recording(h, seen), DEFAULT_MODEL);
    const fields = leaves(seen);
    // a leaf is a primitive or a list of primitives (persons[].chronicDiseases), per element for arrays of records
    expect(fields.filter((p) => p === 'persons' || p === 'finances' || p.endsWith('.medicalTotal'))).toEqual([]);
    expect(fields.length).toBeGreaterThanOrEqual(100);
    // and every one is declared in the contract applyFacts relies on
    const declared = new Set([...MEMBERSHIP_READS, ...Object.values(DIMENSION_READS).flat()]);
    expect(fields.filter((p) => !declared.has(p))).toEqual([]);
    expect(declared.size).toBe(fields.length);
  });

  it('each scorer reads only its own fields plus membership (the contract applyFacts relies on)', () => {
    for (const d of DIMENSIONS) {
      const seen = new Set<string>();
      for (const h of ALL_HOUSEHOLDS()) SCORERS[d](recording(h, seen), DEFAULT_MODEL);
      const allowed = new Set([...DIMENSION_READS[d], ...MEMBERSHIP_READS]);
      const stray = strays(seen, allowed);
      expect(stray, d).toEqual([]);
      // and the contract lists nothing the scorer does not read
      const unread = DIMENSION_READS[d].filter((p) => !seen.has(p) && !MEMBERSHIP_READS.includes(p));
      expect(unread, d).toEqual([]);
    }
  });

  it('each cause reads exactly its CAUSE_READS plus membership, all within its CAUSE_DIMENSIONS', () => {
    for (const c of CAUSES) {
      const seen = new Set<string>();
      for (const h of ALL_HOUSEHOLDS()) CAUSE_SCORERS[c](recording(h, seen), DEFAULT_MODEL);
      expect(strays(seen, new Set([...CAUSE_READS[c], ...MEMBERSHIP_READS])), c).toEqual([]);
      expect(CAUSE_READS[c].filter((p) => !seen.has(p)), c).toEqual([]);
      const inDims = new Set(CAUSE_DIMENSIONS[c].flatMap((d) => DIMENSION_READS[d]));
      expect(CAUSE_READS[c].filter((p) => !inDims.has(p)), c).toEqual([]);
    }
  });

  it('each need type reads exactly its NEED_READS plus membership, all within its NEED_DIMENSIONS', () => {
    for (const t of NEED_TYPES) {
      const seen = new Set<string>();
      for (const h of ALL_HOUSEHOLDS()) {
        const s = scoreFull(h, DEFAULT_MODEL);
        NEED_PREDICATES[t](recording(h, seen), s, DEFAULT_MODEL);
        // and past the emergency type's early answers (lost dwelling, grave illness cause, recent death, incident)
        const calm = { ...s, causes: { ...s.causes, illness: 0 } };
        const housed = { ...h, housing: { ...h.housing, uninhabitable: false } };
        NEED_PREDICATES[t](recording(housed, seen), calm, DEFAULT_MODEL);
        NEED_PREDICATES[t](recording({ ...housed, incidents: [] }, seen), calm, DEFAULT_MODEL);
        const accidents = { ...housed, persons: h.persons.filter((p) => p.alive), incidents: h.incidents.map((i) => ({ ...i, kind: 'accident' as const })) };
        NEED_PREDICATES[t](recording(accidents, seen), calm, DEFAULT_MODEL);
      }
      expect(strays(seen, new Set([...NEED_READS[t], ...MEMBERSHIP_READS])), t).toEqual([]);
      expect(NEED_READS[t].filter((p) => !seen.has(p)), t).toEqual([]);
      const inDims = new Set(NEED_DIMENSIONS[t].flatMap((d) => DIMENSION_READS[d]));
      expect(NEED_READS[t].filter((p) => !inDims.has(p)), t).toEqual([]);
    }
  });
});
