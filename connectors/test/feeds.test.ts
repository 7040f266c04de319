import { describe, expect, it } from 'vitest';
import { DEPARTMENT_CODES, KIND_CODES, KIND_SOURCE } from '../../engine/catalogue/departments.js';
import { applyFacts } from '../../engine/apply/index.js';
import { validateUpdate } from '../../engine/validate.js';
import type { Household, Kind, Update } from '../../engine/types.js';
import { generateCity } from '../city/generator.js';
import { CityIndex, DEFAULT_KIND_RATES, FeedSimulator } from '../feeds/index.js';
import { ConnectorError } from '../errors.js';

const CITY_SEED = 21;
const index = () => CityIndex.build('small', CITY_SEED);
const cityState = () => new Map<string, Household>([...generateCity('small', CITY_SEED)].map((h) => [h.id, h]));

/** Validates and applies updates in order to the real households; returns the failures. */
function applyAll(state: Map<string, Household>, updates: Iterable<Update>): string[] {
  const failures: string[] = [];
  for (const u of updates) {
    const v = validateUpdate(JSON.parse(JSON.stringify(u)));
    if (!v.ok) {
      failures.push(`${u.kind} invalid: ${v.message}`);
      continue;
    }
    const h = state.get(u.householdId);
    if (!h) {
      failures.push(`${u.kind}: unknown household ${u.householdId}`);
      continue;
    }
    const r = applyFacts(h, v.update);
    if (!r.ok) failures.push(`${u.kind} ${r.code}: ${r.message}`);
    else state.set(h.id, r.household);
  }
  return failures;
}

describe('FeedSimulator live mix', () => {
  const sim = new FeedSimulator(index(), { seed: 5 });
  const updates = sim.batch(40_000);

  it('produces only valid updates about existing households and members, which the engine applies without contradiction', () => {
    const failures = applyAll(cityState(), updates);
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('covers all 54 kinds of the 17 departments', () => {
    const kinds = new Set(updates.map((u) => u.kind));
    expect(kinds.size).toBe(54);
    expect(new Set(updates.map((u) => u.source)).size).toBe(17);
    expect(updates.filter((u) => KIND_SOURCE[u.kind] !== u.source)).toEqual([]);
  });

  it('follows the configured rates: frequent kinds within 20 % of their share, medical claims far above deaths', () => {
    const total = Object.values(DEFAULT_KIND_RATES).reduce((a, b) => a + b, 0);
    const counts: Partial<Record<Kind, number>> = {};
    for (const u of updates) counts[u.kind] = (counts[u.kind] ?? 0) + 1;
    for (const k of KIND_CODES) {
      const expected = (DEFAULT_KIND_RATES[k] / total) * updates.length;
      if (expected < 300) continue;
      expect(Math.abs((counts[k] ?? 0) - expected) / expected, k).toBeLessThan(0.2);
    }
    expect(counts.medical_claim!).toBeGreaterThan(50 * (counts.death_registered ?? 0));
  });

  it('gives unique ids and strictly increasing times per department', () => {
    expect(new Set(updates.map((u) => u.id)).size).toBe(updates.length);
    const last: Record<string, number> = {};
    const wrong: string[] = [];
    for (const u of updates) {
      if (!u.id.startsWith(`${u.source}-`)) wrong.push(`id ${u.id}`);
      if (!(u.occurredAt > (last[u.source] ?? -1))) wrong.push(`time of ${u.id}`);
      last[u.source] = u.occurredAt;
    }
    expect(wrong).toEqual([]);
  });

  it('includes the trigger events: big hospital bills, major illness, deaths, births, disability changes, job loss, purchases', () => {
    const big = updates.filter((u) => u.kind === 'medical_claim' && (u.payload['outOfPocketCny'] as number) >= 20_000);
    expect(big.length).toBeGreaterThan(0);
    for (const k of ['major_disease_diagnosed', 'death_registered', 'birth_certificate_issued', 'disability_certified', 'unemployment_registered', 'vehicle_registered', 'property_acquired'] as const) {
      expect(updates.some((u) => u.kind === k), k).toBe(true);
    }
  });
});

describe('FeedSimulator determinism and options', () => {
  it('the same seed gives the same updates; another seed different ones', () => {
    const a = new FeedSimulator(index(), { seed: 9 }).batch(500);
    const b = new FeedSimulator(index(), { seed: 9 }).batch(500);
    const c = new FeedSimulator(index(), { seed: 10 }).batch(500);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('switches a kind off with rate 0 and refuses bad options with a coded error', () => {
    const only = new FeedSimulator(index(), { seed: 1, rates: Object.fromEntries(KIND_CODES.map((k) => [k, k === 'pension_paid' ? 1 : 0])) });
    expect(new Set(only.batch(200).map((u) => u.kind))).toEqual(new Set(['pension_paid']));
    expect(() => new FeedSimulator(index(), { meanGapMs: 0 })).toThrow(ConnectorError);
    try {
      new FeedSimulator(index(), { rates: { medical_claim: -1 } });
      expect.unreachable();
    } catch (e) {
      expect((e as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_FEED_OPTION');
      expect((e as Error).message).toMatch(/rates\.medical_claim/);
    }
  });
});

describe('FeedSimulator resync', () => {
  it('dumps each department’s state records, all valid and consistent, after live updates of that department', () => {
    const idx = index();
    const sim = new FeedSimulator(idx, { seed: 2 });
    const state = cityState();
    const live = sim.batch(2000);
    expect(applyAll(state, live)).toEqual([]);
    const lastLive: Record<string, number> = {};
    for (const u of live) lastLive[u.source] = u.occurredAt;
    let total = 0;
    for (const d of DEPARTMENT_CODES) {
      const dump = [...sim.resync(d)];
      total += dump.length;
      for (const u of dump) {
        expect(u.source).toBe(d);
        expect(u.occurredAt).toBeGreaterThan(lastLive[d] ?? -1);
      }
      expect(applyAll(state, dump), d).toEqual([]);
    }
    expect(total).toBeGreaterThan(10_000);
  });

  it('sends pension_paid for every pensioner and a contribution for every worker', () => {
    const idx = index();
    const dump = [...new FeedSimulator(idx, { seed: 2 }).resync('human_resources')];
    let pensioners = 0;
    let workers = 0;
    for (const h of generateCity('small', CITY_SEED)) {
      // departments hold records of the members registered in the household
      for (const p of h.persons.filter((x) => x.registered)) {
        if (p.pensionMonthly > 0) pensioners++;
        if (p.employment === 'employed' || p.employment === 'self_employed' || p.employment === 'flexible') workers++;
      }
    }
    expect(dump.filter((u) => u.kind === 'pension_paid')).toHaveLength(pensioners);
    expect(dump.filter((u) => u.kind === 'social_insurance_contribution')).toHaveLength(workers);
    // ids are stable within the month: a repeated dump is recognised as the same records
    const again = [...new FeedSimulator(index(), { seed: 2 }).resync('human_resources')];
    expect(again.map((u) => u.id)).toEqual(dump.map((u) => u.id));
  });
});

describe('FeedSimulator live loop', () => {
  it('hands batches to the callback until maxUpdates, and the async iterator yields the same stream', async () => {
    const got: Update[] = [];
    const sent = await new FeedSimulator(index(), { seed: 4 }).live(5000, (b) => void got.push(...b), { maxUpdates: 400 });
    expect(sent).toBe(400);
    expect(got).toHaveLength(400);
    const iter: Update[] = [];
    for await (const u of new FeedSimulator(index(), { seed: 4 }).liveUpdates(5000, { maxUpdates: 400 })) iter.push(u);
    expect(iter.map((u) => u.id)).toEqual(got.map((u) => u.id));
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    let n = 0;
    const sent = await new FeedSimulator(index(), { seed: 4 }).live(
      1000,
      (b) => {
        n += b.length;
        if (n >= 50) ac.abort();
      },
      { signal: ac.signal },
    );
    expect(sent).toBe(n);
    expect(sent).toBeGreaterThanOrEqual(50);
  });
});
