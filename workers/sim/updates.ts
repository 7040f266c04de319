/**
 * A deterministic stream of valid department updates over a set of households, for the engine's
 * tests and benches (the department simulators in connectors/feeds are the realistic source).
 * Kinds are drawn from a mix that can repeat on one household without contradicting it; one in
 * `alertEvery` is a major-disease diagnosis, which raises an alert.
 */
import { examplePayload } from '../../engine/catalogue/examples.js';
import { KIND_SOURCE, type Kind } from '../../engine/catalogue/departments.js';
import { personRole } from '../../engine/catalogue/payloads.js';
import type { Household, Update } from '../../engine/types.js';

const MIX: readonly Kind[] = [
  'medical_claim',
  'pension_paid',
  'social_insurance_contribution',
  'grid_visit_recorded',
  'income_tax_filed',
  'provident_fund_contribution',
  'inpatient_admission',
  'agricultural_income_reported',
  'rent_registered',
  'tuition_charged',
];

export interface SimOptions {
  seed?: number;
  /** One update in this many is a major-disease diagnosis (default 50). */
  alertEvery?: number;
  /** occurredAt of the first update (default 2026-10-01); each next one is 1 s later. */
  startAt?: number;
  /** Prefix of update ids (default 'sim'), so runs do not collide in JetStream's duplicate window. */
  idPrefix?: string;
}

/** Households reduced to what the simulator needs. */
export interface SimHousehold {
  id: string;
  persons: string[];
}

export function simHousehold(h: Household): SimHousehold {
  return { id: h.id, persons: h.persons.filter((p) => p.alive).map((p) => p.id) };
}

/** Seeded xorshift32: uniform in [0, 1), the same sequence for the same seed everywhere. */
export function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** `count` updates; the same options always give the same updates. */
export function* simulateUpdates(households: readonly SimHousehold[], count: number, opts: SimOptions = {}): Generator<Update> {
  const rand = xorshift(opts.seed ?? 7);
  const every = opts.alertEvery ?? 50;
  const t0 = opts.startAt ?? Date.UTC(2026, 9, 1);
  const prefix = opts.idPrefix ?? 'sim';
  const payloads = new Map<Kind, Record<string, unknown>>();
  for (let i = 0; i < count; i++) {
    const h = households[Math.floor(rand() * households.length)]!;
    const kind: Kind = every > 0 && i % every === every - 1 ? 'major_disease_diagnosed' : MIX[Math.floor(rand() * MIX.length)]!;
    let payload = payloads.get(kind);
    if (!payload) payloads.set(kind, (payload = examplePayload(kind)));
    const role = personRole(kind);
    const u: Update = {
      id: `${prefix}-${i}`,
      source: KIND_SOURCE[kind],
      kind,
      householdId: h.id,
      occurredAt: t0 + i * 1000,
      payload,
    };
    if (role === 'existing') u.personId = h.persons[Math.floor(rand() * h.persons.length)] ?? h.persons[0];
    yield u;
  }
}
