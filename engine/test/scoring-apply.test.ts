/**
 * Incremental rescoring against the real fact reducers: every kind's example update applied with
 * `applyFacts`, rescored with the `touched` it reports, must equal a full rescore.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { applyFacts } from '../apply/index.js';
import { KIND_CODES, KIND_SOURCE, type Kind } from '../catalogue/departments.js';
import { examplePayload } from '../catalogue/examples.js';
import { personRole } from '../catalogue/payloads.js';
import { DEFAULT_MODEL } from '../model.js';
import { rescore, scoreFull, type Scored } from '../scoring/index.js';
import type { Household } from '../types.js';
import { validateUpdate } from '../validate.js';
import { ALL_HOUSEHOLDS } from './scoring-households.js';

const M = DEFAULT_MODEL;

function updateFor(h: Household, kind: Kind, n: number): unknown {
  const role = personRole(kind);
  const living = h.persons.filter((p) => p.alive);
  // nobody left alive (every member died earlier in the sequence): name a dead member, which the engine refuses
  const pick = living.length > 0 ? living[n % living.length] : h.persons[n % Math.max(1, h.persons.length)];
  const personId = role === 'existing' ? (pick?.id ?? 'nobody') : role === 'new' ? `new-${n}` : undefined;
  return {
    id: `${kind}-${n}`,
    source: KIND_SOURCE[kind],
    kind,
    householdId: h.id,
    ...(personId === undefined ? {} : { personId }),
    occurredAt: Date.UTC(2026, 9, 1) + n * 60_000,
    payload: examplePayload(kind),
  };
}

function step(h: Household, prev: Scored, kind: Kind, n: number): { h: Household; s: Scored } | null {
  const v = validateUpdate(updateFor(h, kind, n));
  if (!v.ok) throw new Error(`example of ${kind} invalid: ${v.message}`);
  const r = applyFacts(h, v.update);
  if (!r.ok) return null; // e.g. a death of the only member: inconsistent, skipped
  return { h: r.household, s: rescore(r.household, prev, r.touched, M) };
}

describe('rescore after applyFacts equals a full rescore', () => {
  const appliedKinds = new Set<Kind>();
  it.each(KIND_CODES)('%s', (kind) => {
    for (const h of ALL_HOUSEHOLDS()) {
      const next = step(h, scoreFull(h, M), kind, 1);
      if (next === null) continue; // e.g. deregistering a vehicle the household does not have
      appliedKinds.add(kind);
      expect(next.s).toEqual(scoreFull(next.h, M));
    }
  });

  it('applied nearly every kind to some fixture household', () => {
    expect(appliedKinds.size).toBeGreaterThanOrEqual(48);
  });

  it('over random sequences of kinds (fast-check)', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(fc.constantFrom(...KIND_CODES), { minLength: 1, maxLength: 15 }), (base, kinds) => {
        let h = ALL_HOUSEHOLDS()[base]!;
        let s = scoreFull(h, M);
        kinds.forEach((kind, i) => {
          const next = step(h, s, kind, i + 2);
          if (next !== null) ({ h, s } = next);
        });
        expect(s).toEqual(scoreFull(h, M));
      }),
      { numRuns: 200 },
    );
  });
});
