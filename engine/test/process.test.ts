import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import { upsertAlerts } from '../alerts/records.js';
import type { Alert } from '../alerts/types.js';
import { examplePayload } from '../catalogue/examples.js';
import { DEFAULT_MODEL } from '../model.js';
import {
  initialState,
  processUpdate,
  processValidated,
  profileOf,
  RECENT_IDS_KEPT,
  RECENT_UPDATES_KEPT,
  recentUpdates,
  storedOf,
  suggestionsOf,
  wasApplied,
  watermarkOf,
  type ProcessResult,
} from '../process.js';
import { scoreFull } from '../scoring/index.js';
import type { HouseholdState, Update } from '../types.js';
import { validateUpdate } from '../validate.js';
import { makeHousehold, makePerson } from './fixtures.js';

const model = DEFAULT_MODEL;
const T0 = Date.parse('2026-06-01T10:00:00+08:00');
const HOUR = 3_600_000;

function start(): HouseholdState {
  return initialState(
    makeHousehold({
      id: 'h1',
      persons: [
        makePerson({ id: 'p1', name: '张伟', monthlyWage: 3800 }),
        makePerson({ id: 'p2', name: '王芳', sex: 'F', relation: 'spouse', birthDate: '1982-03-03', monthlyWage: 2600 }),
        makePerson({ id: 'p3', name: '张小明', relation: 'child', birthDate: '2012-09-09', employment: 'student', monthlyWage: 0, schoolStage: 'junior' }),
      ],
    }),
    model,
  );
}

const claim = (id: string, occurredAt: number, total = 3000): Update => ({
  id,
  source: 'medical_insurance',
  kind: 'medical_claim',
  householdId: 'h1',
  personId: 'p1',
  occurredAt,
  payload: { claimId: `C-${id}`, totalCny: total, insurancePaidCny: total / 2, outOfPocketCny: total / 2, hospitalLevel: 'secondary', inpatient: false, diagnosisCode: 'I10', settledAt: '2026-06-01' },
});

function ok(r: ProcessResult) {
  if (!r.ok) throw new Error(`rejected: ${r.code} ${r.message}`);
  return r;
}

describe('processUpdate', () => {
  it('applies an update: new facts, rescored profile, version, watermark, recent ids and summaries', () => {
    const s0 = start();
    const r = ok(processUpdate(s0, claim('u1', T0, 30_000), model, { receivedAt: T0 + 5000 }));
    expect(r.state.version).toBe(1);
    expect(r.state.household.finances.medicalTotal.amount).toBe(30_000);
    expect(r.touched).toContain('expenditure');
    expect(r.state.profile.dimensions.expenditure).toBeLessThan(s0.profile.dimensions.expenditure);
    expect(r.state.profile.score).toBeLessThan(s0.profile.score);
    expect(watermarkOf(r.state, 'medical_insurance')).toBe(T0);
    expect(watermarkOf(r.state, 'health')).toBeUndefined();
    expect(wasApplied(r.state, 'u1')).toBe(true);
    expect(wasApplied(r.state, 'u2')).toBe(false);
    expect(recentUpdates(r.state)).toEqual([{ source: 'medical_insurance', kind: 'medical_claim', personId: 'p1', occurredAt: T0, score: r.state.profile.score }]);
    expect(s0.version).toBe(0); // the input state is not mutated
    expect(s0.household.finances.medicalTotal.amount).toBe(0);
  });

  it('rejects a malformed update naming the field, without throwing', () => {
    const r = processUpdate(start(), { ...claim('u1', T0), payload: { claimId: 'x' } }, model, { receivedAt: T0 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
      expect(r.issues[0]?.field).toMatch(/^payload\./);
    }
  });

  it('never throws and never accepts arbitrary junk', { tags: ['property'] }, () => {
    const s0 = start();
    assertProperty(
      fc.property(fc.anything(), (raw) => {
        const r = processUpdate(s0, raw, model, { receivedAt: T0 });
        expect(r.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects an update for another household', () => {
    const r = processUpdate(start(), { ...claim('u1', T0), householdId: 'h2' }, model, { receivedAt: T0 });
    expect(r).toMatchObject({ ok: false, code: 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD', issues: [{ field: 'householdId' }] });
  });

  it('rejects a duplicate id, leaving the state as it was; a late claim still adds up', () => {
    const s1 = ok(processUpdate(start(), claim('u1', T0 + HOUR), model, { receivedAt: T0 + HOUR })).state;
    const frozen = JSON.stringify(s1);
    const dup = processUpdate(s1, claim('u1', T0 + 2 * HOUR), model, { receivedAt: T0 + 2 * HOUR });
    expect(dup).toMatchObject({ ok: false, code: 'LIFELINE_ERR_DUPLICATE_UPDATE', issues: [{ field: 'id' }] });
    expect(JSON.stringify(s1)).toBe(frozen);
    // an earlier claim settled late is a different fact: it applies (order is per fact, not per department)
    const late = ok(processUpdate(s1, claim('u2', T0), model, { receivedAt: T0 + 2 * HOUR }));
    expect(late.state.household.finances.medicalTotal.amount).toBe(6000);
    expect(late.superseded).toBe(false);
    // same time from the same department, or an older time from another department, is fine
    const same = ok(processUpdate(s1, claim('u3', T0 + HOUR), model, { receivedAt: T0 + 3 * HOUR }));
    const other: Update = { id: 'e1', source: 'education', kind: 'student_enrolled', householdId: 'h1', personId: 'p3', occurredAt: T0 - HOUR, payload: { school: '杭州市文晖中学', stage: 'junior', enrolledAt: '2026-05-31', boarding: false } };
    const older = ok(processUpdate(same.state, other, model, { receivedAt: T0 + 4 * HOUR }));
    expect(watermarkOf(older.state, 'medical_insurance')).toBe(T0 + HOUR);
    expect(watermarkOf(older.state, 'education')).toBe(T0 - HOUR);
    expect(recentUpdates(older.state).map((x) => [x.kind, x.personId])).toEqual([
      ['student_enrolled', 'p3'],
      ['medical_claim', 'p1'],
      ['medical_claim', 'p1'],
    ]);
  });

  it('passes on rejections of the facts (an unknown person) with the state untouched', () => {
    const r = processUpdate(start(), { ...claim('u1', T0), personId: 'nobody' }, model, { receivedAt: T0 });
    expect(r).toMatchObject({ ok: false, code: 'LIFELINE_ERR_UNKNOWN_PERSON', issues: [{ field: 'personId' }] });
  });

  it(`keeps the last ${RECENT_IDS_KEPT} ids and the last ${RECENT_UPDATES_KEPT} summaries, newest summary first`, () => {
    let s = start();
    const n = RECENT_IDS_KEPT + 6;
    for (let i = 1; i <= n; i++) s = ok(processUpdate(s, claim(`u${i}`, T0 + i * HOUR, 100), model, { receivedAt: T0 + i * HOUR })).state;
    expect(s.version).toBe(n);
    expect(s.recentIds).toHaveLength(RECENT_IDS_KEPT);
    expect(wasApplied(s, 'u6')).toBe(false);
    expect(wasApplied(s, 'u7')).toBe(true);
    expect(wasApplied(s, `u${n}`)).toBe(true);
    const recent = recentUpdates(s);
    expect(recent).toHaveLength(RECENT_UPDATES_KEPT);
    expect(recent.map((x) => x.occurredAt)).toEqual(Array.from({ length: RECENT_UPDATES_KEPT }, (_, i) => T0 + (n - i) * HOUR));
    // a replay still in the window is a duplicate even with a newer time (a repeated resync dump)
    expect(processUpdate(s, claim('u7', T0 + (n + 1) * HOUR, 100), model, { receivedAt: T0 })).toMatchObject({ code: 'LIFELINE_ERR_DUPLICATE_UPDATE' });
    // a value older than the one on record (a late grade, status or amount) is kept in the history only
    const job = (id: string, at: number, wage: number): Update => ({ id, source: 'human_resources', kind: 'employment_registered', householdId: 'h1', personId: 'p2', occurredAt: at, payload: { employer: '杭州某公司', employmentType: 'employed', monthlyWageCny: wage, startDate: '2026-06-01' } });
    const newer = ok(processUpdate(s, job('j2', T0 + 100 * HOUR, 5200), model, { receivedAt: T0 }));
    const older = ok(processUpdate(newer.state, job('j1', T0 + 50 * HOUR, 3100), model, { receivedAt: T0 }));
    expect(older.superseded).toBe(true);
    expect(older.state.household.persons[1]?.monthlyWage).toBe(5200);
    expect(recentUpdates(older.state)[0]).toMatchObject({ kind: 'employment_registered', occurredAt: T0 + 50 * HOUR });
  });

  it('processValidated gives the same result as processUpdate for a validated update', () => {
    const s0 = start();
    const v = validateUpdate(claim('u1', T0, 45_000));
    if (!v.ok) throw new Error(v.message);
    expect(JSON.stringify(processValidated(s0, v.update, model, { receivedAt: T0 }))).toBe(JSON.stringify(processUpdate(s0, claim('u1', T0, 45_000), model, { receivedAt: T0 })));
  });

  it('a replay of the same messages gives byte-identical states and alerts', () => {
    const msgs: Update[] = [
      claim('u1', T0, 20_000),
      { id: 'u2', source: 'health', kind: 'major_disease_diagnosed', householdId: 'h1', personId: 'p1', occurredAt: T0 + HOUR, payload: examplePayload('major_disease_diagnosed') },
      { id: 'u3', source: 'human_resources', kind: 'unemployment_registered', householdId: 'h1', personId: 'p1', occurredAt: T0 + 2 * HOUR, payload: examplePayload('unemployment_registered') },
      claim('u4', T0 + 3 * HOUR, 60_000),
    ];
    const run = () => {
      let s = start();
      const open = new Map<string, Alert>();
      for (const [i, m] of msgs.entries()) {
        const r = ok(processUpdate(s, m, model, { receivedAt: T0 + 10 * HOUR + i }));
        s = r.state;
        for (const u of upsertAlerts(r.triggers, s, model, T0 + 10 * HOUR + i, (t) => open.get(t))) open.set(u.alert.type, u.alert);
      }
      return JSON.stringify({ s, alerts: [...open.values()] });
    };
    const a = run();
    expect(run()).toBe(a);
    expect(JSON.parse(a).alerts.map((x: Alert) => x.type)).toEqual(['major_disease', 'unemployment', 'medical_expense']);
  });

  it('initialState scores the household in full; its suggestions are derived from it', () => {
    const s = start();
    expect(s.version).toBe(0);
    expect(watermarkOf(s, 'medical_insurance')).toBeUndefined();
    expect(s.profile).toEqual(storedOf(scoreFull(s.household, model)));
    const full = profileOf(s.household, model);
    expect(full.suggestions.length).toBeGreaterThan(0);
    expect(suggestionsOf(s, model)).toEqual(full.suggestions);
  });

  it('stores numbers, not text: explanations and suggestions are rebuilt on read and match a full recomputation', () => {
    const r = ok(processUpdate(start(), claim('u1', T0, 60_000), model, { receivedAt: T0 }));
    const full = profileOf(r.state.household, model);
    const stored = JSON.stringify(r.state.profile);
    expect(full.dimensions.expenditure.indicators.length).toBeGreaterThan(0);
    for (const d of Object.values(full.dimensions)) {
      expect(r.state.profile.dimensions[d.dimension]).toBe(d.score);
      for (const i of d.indicators) expect(stored).not.toContain(i.reason);
    }
    expect(JSON.stringify(r.state)).not.toContain('reason');
    expect(suggestionsOf(r.state, model)).toEqual(full.suggestions);
    expect(r.state.profile).toEqual(storedOf(full));
  });
});
