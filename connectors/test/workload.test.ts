/**
 * The two workloads of the department simulators (connectors/feeds/workload.ts), measured through
 * the real engine: the simulator's updates over the small city (2,000 households, the Hangzhou
 * mix of categories) go through the engine's pure step (`processUpdate` on states from
 * `initialState`) and its alert records (`upsertAlerts`: a trigger joins the household's open case
 * or opens one). Nobody verifies here, so every case stays open and the alerts opened are the
 * families alerted.
 *
 * - realistic (the live default): alerts opened per 10,000 households per simulated day within
 *   ±50 % of the aim, 1.37 (25,000 alerted families / 223,000 households / 821 days, seeds 000 and
 *   002). Why ±50 %: the aim itself is that uncertain — the app went live some time after the
 *   pilot's start in June 2022 (a later start raises the rate), a family may be alerted twice and
 *   the 25,000 are the families helped, so 1.37 is a floor, not a measurement — while the count
 *   measured here (≈ 140 alerts) has a sampling spread of ≈ 9 %: the bound fails when the mix or
 *   the rules drift by half, never by chance. Seeds are fixed; 100,000 updates ≈ 520 simulated days.
 * - bench (the simulator's own clock): about one update in twenty still raises an alert.
 */
import { describe, expect, it } from 'vitest';
import { KIND_CODES } from '../../engine/catalogue/departments.js';
import { upsertAlerts } from '../../engine/alerts/records.js';
import { caseOf, type Alert, type AlertType } from '../../engine/alerts/types.js';
import { DEFAULT_MODEL } from '../../engine/model.js';
import { initialState, processUpdate } from '../../engine/process.js';
import type { Household, HouseholdState, Kind } from '../../engine/types.js';
import { generateCity } from '../city/generator.js';
import { profileByName } from '../city/profiles.js';
import { ConnectorError } from '../errors.js';
import {
  AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY,
  BENCH_KIND_RATES,
  CityIndex,
  DEFAULT_KIND_RATES,
  FeedSimulator,
  PILOT,
  REALISTIC_KIND_RATES,
  REALISTIC_UPDATES_PER_HOUSEHOLD_DAY,
  realisticGapMs,
  speedUp,
  type Workload,
} from '../feeds/index.js';

const CITY_SEED = 21;
const FEED_SEED = 7;
const DAY_MS = 86_400_000;
const profile = profileByName('small');
const households: Household[] = [...generateCity(profile, CITY_SEED)];
const index = () => CityIndex.fromHouseholds(profile, households);

interface Run {
  updates: number;
  rejected: string[];
  /** Updates whose triggers raised or joined an alert. */
  triggering: number;
  opened: Alert[];
  days: number;
  sim: FeedSimulator;
}

/** `n` updates of `workload` through the engine's step and alert records, from the city's initial states. */
function run(workload: Workload, n: number): Run {
  const sim = new FeedSimulator(index(), { seed: FEED_SEED, workload });
  const states = new Map<string, HouseholdState>(households.map((h) => [h.id, initialState(h, DEFAULT_MODEL)]));
  const open = new Map<string, Alert>();
  const opened: Alert[] = [];
  const rejected: string[] = [];
  let triggering = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const u = sim.next();
    if (i === 0) first = u.occurredAt;
    last = u.occurredAt;
    const r = processUpdate(states.get(u.householdId)!, u, DEFAULT_MODEL, { receivedAt: u.occurredAt });
    if (!r.ok) {
      rejected.push(`${u.kind} ${u.id}: ${r.code}`);
      continue;
    }
    states.set(u.householdId, r.state);
    if (r.triggers.length === 0) continue;
    triggering++;
    const key = (t: AlertType) => `${u.householdId}:${caseOf(t)}`;
    for (const { alert, created } of upsertAlerts(r.triggers, r.state, DEFAULT_MODEL, u.occurredAt, (t) => open.get(key(t)))) {
      open.set(key(alert.type), alert);
      if (created) opened.push(alert);
    }
  }
  return { updates: n, rejected, triggering, opened, days: (last - first) / DAY_MS, sim };
}

const per10kPerDay = (r: Run) => (r.opened.length / households.length / r.days) * 10_000;

describe('the aim', () => {
  it('is 25,000 alerted families / 223,000 households / 821 days ≈ 1.37 per 10,000 households a day', () => {
    expect(PILOT).toEqual({ alertedFamilies: 25_000, households: 223_000, days: 821 });
    // 2022-06-01 → 2024-08-30
    expect((Date.UTC(2024, 7, 30) - Date.UTC(2022, 5, 1)) / DAY_MS).toBe(PILOT.days);
    expect(AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY).toBeCloseTo(1.3655, 3);
  });

  it('a live feed at the default 200 updates/s over Hangzhou runs ≈ 800 simulated days per wall day, ≈ 17 alerts a wall minute', () => {
    expect(REALISTIC_UPDATES_PER_HOUSEHOLD_DAY).toBeGreaterThan(0.09);
    expect(REALISTIC_UPDATES_PER_HOUSEHOLD_DAY).toBeLessThan(0.1);
    const s = speedUp(200, 223_000);
    expect(s).toBeGreaterThan(750);
    expect(s).toBeLessThan(850);
    const perWallMinute = (AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY * 22.3 * s) / 1440;
    expect(perWallMinute).toBeGreaterThan(15);
    expect(perWallMinute).toBeLessThan(19);
  });
});

describe('which workload', () => {
  it('realistic on a wall clock (a live feed), bench on the simulator\'s own clock; either when asked; nothing else', () => {
    expect(new FeedSimulator(index(), { seed: 1 }).options.workload).toBe('bench');
    expect(new FeedSimulator(index(), { seed: 1, clock: Date.now }).options.workload).toBe('realistic');
    expect(new FeedSimulator(index(), { seed: 1, workload: 'realistic' }).options.workload).toBe('realistic');
    expect(new FeedSimulator(index(), { seed: 1, clock: Date.now, workload: 'bench' }).options.workload).toBe('bench');
    // the benches report against DEFAULT_KIND_RATES: still the heavy mix
    expect(DEFAULT_KIND_RATES).toBe(BENCH_KIND_RATES);
    expect(() => new FeedSimulator(index(), { workload: 'heavy' as Workload })).toThrow(ConnectorError);
  });

  it('realistic on its own clock keeps a true calendar: one simulated day per day of the city\'s updates', () => {
    const sim = new FeedSimulator(index(), { seed: 1, workload: 'realistic' });
    expect(sim.options.meanGapMs).toBeCloseTo(realisticGapMs(households.length), 6);
    expect(new FeedSimulator(index(), { seed: 1 }).options.meanGapMs).toBe(1000);
  });

  it('a live feed follows the realistic rates: routine records dominate, alert-raising kinds are rare', () => {
    let t = Date.UTC(2026, 10, 2, 8);
    const sim = new FeedSimulator(index(), { seed: 3, clock: () => (t += 50) });
    const updates = sim.batch(30_000);
    const total = KIND_CODES.reduce((a, k) => a + REALISTIC_KIND_RATES[k], 0);
    const counts: Partial<Record<Kind, number>> = {};
    for (const u of updates) counts[u.kind] = (counts[u.kind] ?? 0) + 1;
    for (const k of KIND_CODES) {
      const expected = (REALISTIC_KIND_RATES[k] / total) * updates.length;
      if (expected < 300) continue;
      expect(Math.abs((counts[k] ?? 0) - expected) / expected, k).toBeLessThan(0.2);
    }
    const rare = (['death_registered', 'major_disease_diagnosed', 'birth_certificate_issued', 'disability_certified', 'accident_reported'] as const).reduce((a, k) => a + (counts[k] ?? 0), 0);
    expect(rare / updates.length).toBeLessThan(0.002);
  });
});

describe('alerts through the engine', () => {
  it('realistic: alerts opened per 10,000 households per simulated day within ±50 % of 1.37, from the hardship triggers the seeds name', () => {
    const r = run('realistic', 100_000);
    expect(r.rejected.slice(0, 5)).toEqual([]);
    // the calendar: ≈ 520 days of the small city
    expect(r.days / (r.updates / (households.length * REALISTIC_UPDATES_PER_HOUSEHOLD_DAY))).toBeCloseTo(1, 1);
    const rate = per10kPerDay(r);
    const byType: Partial<Record<AlertType, number>> = {};
    for (const a of r.opened) byType[a.type] = (byType[a.type] ?? 0) + 1;
    const summary = `${r.opened.length} alerts in ${r.days.toFixed(0)} days over ${households.length} households = ${rate.toFixed(2)} per 10,000 a day; ${JSON.stringify(byType)}`;
    expect(rate, summary).toBeGreaterThan(AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY * 0.5);
    expect(rate, summary).toBeLessThan(AIMED_ALERTS_PER_10K_HOUSEHOLDS_PER_DAY * 1.5);
    // one update in several hundred, against one in twenty for the bench
    expect(r.triggering / r.updates, summary).toBeLessThan(0.004);
    // not one rule's noise: the seeds' triggers are there and none of them is most of the queue
    for (const t of ['death', 'major_disease', 'medical_expense', 'disability_change'] as const) expect(byType[t] ?? 0, `${t}: ${summary}`).toBeGreaterThan(0);
    expect(Math.max(...Object.values(byType)) / r.opened.length, summary).toBeLessThan(0.4);
    // grid workers' concern keeps the city's distribution (visits mostly confirm, a fresh look follows the profile)
    const grave = (c: Uint8Array) => c.reduce((n, x) => n + (x >= 2 ? 1 : 0), 0);
    const before = grave(index().hConcern);
    expect(Math.abs(grave(r.sim.index.hConcern) - before) / before, 'households of concern ≥ 2').toBeLessThan(0.3);
  }, 60_000);

  it('bench: about one update in twenty still raises an alert', () => {
    const r = run('bench', 20_000);
    expect(r.rejected.slice(0, 5)).toEqual([]);
    const share = r.triggering / r.updates;
    expect(share, `${r.triggering} of ${r.updates}`).toBeGreaterThan(1 / 30);
    expect(share, `${r.triggering} of ${r.updates}`).toBeLessThan(1 / 13);
  }, 60_000);
});
