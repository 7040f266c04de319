import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import type { FactEvent } from '../apply/events.js';
import { DIMENSIONS, type Dimension } from '../catalogue/departments.js';
import { evaluateTriggers } from '../alerts/rules.js';
import { joinAlert, openAlert, upsertAlerts } from '../alerts/records.js';
import { isOverdue } from '../alerts/lifecycle.js';
import { MAX_ALERT_TRIGGERS, type Alert, type AlertTrigger } from '../alerts/types.js';
import { DEFAULT_MODEL } from '../model.js';
import { storedOf, suggestionsOf } from '../process.js';
import type { DimensionScore, Household, HouseholdState, Profile, Tier, Update } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';

type Scored = Omit<Profile, 'suggestions'>;
const model = DEFAULT_MODEL;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 20, 2);

/** A scored view with the given total; the per-dimension split does not matter to the rules. */
function scored(score: number): Scored {
  const tier: Tier = score < model.tiers.tier2From ? 1 : score < model.tiers.tier3From ? 2 : 3;
  const dimensions = {} as Record<Dimension, DimensionScore>;
  for (const d of DIMENSIONS) dimensions[d] = { dimension: d, score: (model.dimensionMax[d] * score) / 100, max: model.dimensionMax[d], indicators: [] };
  return {
    modelVersion: model.version,
    score,
    tier,
    dimensions,
    causes: { illness: 0, disability: 0, education: 0, housing: 0, disaster: 0, employment: 0, skills: 0, labour: 0, other: 0 },
    needTypes: [],
  };
}

const head = makePerson({ id: 'p1', name: '于建国', monthlyWage: 5000 });
const daughter = makePerson({ id: 'p2', name: '于晓', relation: 'child', birthDate: '2005-03-02', employment: 'student', monthlyWage: 0, schoolStage: 'university' });

function household(over: Partial<Household> = {}): Household {
  return makeHousehold({ id: 'h1', persons: [head, daughter], ...over });
}
const notEnrolled = (): Household => {
  const h = household();
  return { ...h, assistance: { ...h.assistance, category: 'proactive_discovery', enrolled: false, enrolledAt: null } };
};

function update(over: Partial<Update> = {}): Update {
  return { id: 'u1', source: 'health', kind: 'major_disease_diagnosed', householdId: 'h1', personId: 'p1', occurredAt: T0 - 3600_000, payload: {}, ...over };
}

function triggers(events: FactEvent[], before = 75, after = 72, h = household(), u = update()): AlertTrigger[] {
  return evaluateTriggers(scored(before), scored(after), h, u, events, model, T0);
}

describe('alert rules', () => {
  it('a major disease is severe: urgent even for a tier-2 household, stamped with the receive time', () => {
    const [t, ...rest] = triggers([{ type: 'major_disease', personId: 'p1', disease: '肺恶性肿瘤' }]);
    expect(rest).toHaveLength(0);
    expect(t).toMatchObject({ type: 'major_disease', level: 'urgent', severe: true, updateId: 'u1', personId: 'p1', at: T0 });
    expect(t?.reason).toContain('肺恶性肿瘤');
    expect(t?.reason).toContain('于建国');
  });

  it('a birth in a tier-2 household is general, in a tier-1 household urgent', () => {
    const birth: FactEvent[] = [{ type: 'birth', personId: 'p2' }];
    expect(triggers(birth, 75, 74)[0]).toMatchObject({ type: 'birth', level: 'general', severe: false });
    expect(triggers(birth, 55, 54)[0]).toMatchObject({ type: 'birth', level: 'urgent', severe: false });
  });

  it('maps every hardship event to its alert type', () => {
    const cases: [FactEvent, string][] = [
      [{ type: 'death', personId: 'p1', cause: 'illness', mainEarner: true }, 'death'],
      [{ type: 'disability_grade_changed', personId: 'p1', from: 0, to: 3 }, 'disability_change'],
      [{ type: 'accident', personId: 'p1', severity: 'minor', lossCny: 0 }, 'accident'],
      [{ type: 'fire', severity: 'minor', lossCny: 2000, housingLost: false }, 'fire'],
      [{ type: 'disaster', severity: 'minor', lossCny: 800, housingLost: false }, 'disaster'],
      [{ type: 'unemployment', personId: 'p1', mainEarner: true }, 'unemployment'],
      [{ type: 'school_dropout', personId: 'p2', stage: 'university' }, 'school_dropout'],
      [{ type: 'dangerous_housing', grade: 'C', from: 'B' }, 'dangerous_housing'],
    ];
    for (const [e, type] of cases) expect(triggers([e]).map((t) => t.type), e.type).toEqual([type]);
  });

  it('grades severity: fire always, accidents and disasters when serious, disability when it worsens to grade 1–2', () => {
    const sev = (e: FactEvent) => triggers([e])[0]?.level;
    expect(sev({ type: 'fire', severity: 'minor', lossCny: 0, housingLost: false })).toBe('urgent');
    expect(sev({ type: 'accident', personId: 'p1', severity: 'minor', lossCny: 0 })).toBe('general');
    expect(sev({ type: 'accident', personId: 'p1', severity: 'serious', lossCny: 0 })).toBe('urgent');
    expect(sev({ type: 'disaster', severity: 'minor', lossCny: 0, housingLost: true })).toBe('urgent');
    expect(sev({ type: 'disability_grade_changed', personId: 'p1', from: 3, to: 2 })).toBe('urgent');
    expect(sev({ type: 'disability_grade_changed', personId: 'p1', from: 2, to: 3 })).toBe('general');
    expect(sev({ type: 'dangerous_housing', grade: 'D', from: 'A' })).toBe('urgent');
  });

  it('ignores what is no hardship: a non-main earner losing work, a house graded safe, a chronic disease', () => {
    expect(
      triggers([
        { type: 'unemployment', personId: 'p2', mainEarner: false },
        { type: 'dangerous_housing', grade: 'B', from: 'C' },
        { type: 'chronic_disease', personId: 'p1', disease: '高血压' },
      ]),
    ).toEqual([]);
  });

  it('alerts on medical spending when the year crosses the threshold relative to income, not on every later bill', () => {
    // income: 5000 × 12 = 60 000 CNY a year → limit max(2 000, 30 % × 60 000) = 18 000; severe from 50 % = 30 000
    const spend = (year: number, bill: number): FactEvent => ({ type: 'medical_spend', personId: 'p1', totalCny: bill * 2, outOfPocketCny: bill, yearOutOfPocketCny: year, inpatient: true });
    expect(triggers([spend(15_000, 15_000)])).toEqual([]);
    const crossed = triggers([spend(19_000, 4000)]);
    expect(crossed.map((t) => t.type)).toEqual(['medical_expense']);
    expect(crossed[0]?.reason).toContain('19,000 CNY');
    expect(triggers([spend(24_000, 5000)])).toEqual([]); // already over, small bill
    expect(triggers([spend(40_000, 16_000)])).toEqual([]); // already over, a bill below the household's limit
    expect(triggers([spend(40_000, 18_000)]).map((t) => t.type)).toEqual(['medical_expense']); // a bill as large as the limit on its own
    expect(triggers([spend(29_000, 18_000)])[0]?.level).toBe('general');
    expect(triggers([spend(60_000, 20_000)])[0]?.level).toBe('urgent'); // half a year's income or more is severe
  });

  it('raises tier_drop when the score falls into tier 1 or drops sharply, and not when an event already alerts', () => {
    expect(triggers([], 64, 58)).toMatchObject([{ type: 'tier_drop', level: 'urgent' }]);
    expect(triggers([], 95, 95 - model.alerts.sharpDropPoints)).toMatchObject([{ type: 'tier_drop', level: 'general' }]);
    expect(triggers([], 95, 95 - model.alerts.sharpDropPoints + 0.5)).toEqual([]);
    expect(triggers([], 55, 52)).toEqual([]); // already tier 1, small drop
    expect(triggers([{ type: 'death', personId: 'p1', cause: 'accident', mainEarner: true }], 64, 40).map((t) => t.type)).toEqual(['death']);
  });

  it('an enrolled household acquiring a car gets an eligibility review instead of any hardship alert', () => {
    const car: FactEvent = { type: 'vehicle_acquired', plate: '浙A8K2L7', valueCny: 156_000 };
    const u = update({ source: 'public_security', kind: 'vehicle_registered', personId: undefined });
    const enrolled = triggers([car], 70, 50, household(), u);
    expect(enrolled).toHaveLength(1);
    expect(enrolled[0]).toMatchObject({ type: 'eligibility_review', level: 'general', severe: false, personId: null });
    expect(enrolled[0]?.reason).toContain('浙A8K2L7');
    expect(triggers([car], 70, 72, notEnrolled(), u)).toEqual([]);
  });

  it('joins several events of one type in one update into one trigger', () => {
    const t = triggers([
      { type: 'accident', personId: 'p1', severity: 'minor', lossCny: 0 },
      { type: 'accident', personId: 'p2', severity: 'serious', lossCny: 0 },
    ]);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ type: 'accident', severe: true, level: 'urgent' });
  });
});

function state(version: number, score = 72): HouseholdState {
  return { household: household(), profile: storedOf(scored(score)), watermarks: [], recentIds: [], recent: [], version };
}

function trig(over: Partial<AlertTrigger> = {}): AlertTrigger {
  return { type: 'accident', level: 'general', severe: false, reason: 'minor accident', updateId: 'u1', kind: 'accident_reported', source: 'emergency_management', personId: 'p1', at: T0, ...over };
}

describe('alert records', () => {
  it('opens a deterministic alert: id from household, version and type; deadline from the level', () => {
    const a = openAlert(trig(), state(4), model, T0);
    const b = openAlert(trig(), state(4), model, T0);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a).toMatchObject({ id: 'h1:4:accident', householdId: 'h1', status: 'open', level: 'general', createdAt: T0, dueAt: T0 + 7 * DAY, lease: null, closedAt: null });
    expect(a.region.townshipId).toBe('330106001');
    expect(a.snapshot.score).toBe(72);
    expect(a.snapshot.dimensions.health.max).toBe(model.dimensionMax.health);
    expect(openAlert(trig({ level: 'urgent' }), state(4), model, T0).dueAt).toBe(T0 + 3 * DAY);
  });

  it('the snapshot carries the suggestions of the household as it is when the alert is opened or joined', () => {
    const s = state(4);
    const a = openAlert(trig(), s, model, T0);
    expect(a.snapshot.suggestions).toEqual(suggestionsOf(s, model));
    expect(a.snapshot.suggestions.map((x) => x.code)).toContain('education_grant');
    // the daughter has left the household: a join shows what is suggested now
    const later: HouseholdState = { ...state(5), household: household({ persons: [head] }) };
    const joined = joinAlert(a, trig({ updateId: 'u2' }), later, model, T0 + DAY);
    expect(joined.snapshot.suggestions.map((x) => x.code)).not.toContain('education_grant');
    expect(joined.snapshot.suggestions).toEqual(suggestionsOf(later, model));
  });

  it('joining an urgent trigger raises a general alert and pulls its deadline in; a general one never lowers it', () => {
    const a = openAlert(trig(), state(1), model, T0);
    const raised = joinAlert(a, trig({ level: 'urgent', updateId: 'u2', at: T0 + 2 * DAY }), state(2, 55), model, T0 + 2 * DAY);
    expect(raised.id).toBe(a.id);
    expect(raised.level).toBe('urgent');
    expect(raised.dueAt).toBe(T0 + 5 * DAY);
    expect(raised.snapshot.score).toBe(55);
    expect(raised.triggers.map((t) => t.updateId)).toEqual(['u1', 'u2']);
    const after = joinAlert(raised, trig({ updateId: 'u3', at: T0 + 3 * DAY }), state(3), model, T0 + 3 * DAY);
    expect(after.level).toBe('urgent');
    expect(after.dueAt).toBe(T0 + 5 * DAY);
    // an urgent join late in a general alert's life never extends its deadline
    const late = joinAlert(openAlert(trig(), state(1), model, T0), trig({ level: 'urgent' }), state(2), model, T0 + 6 * DAY);
    expect(late.dueAt).toBe(T0 + 7 * DAY);
  });

  it('keeps the newest triggers when many join', () => {
    let a = openAlert(trig(), state(1), model, T0);
    for (let i = 2; i <= MAX_ALERT_TRIGGERS + 10; i++) a = joinAlert(a, trig({ updateId: `u${i}` }), state(i), model, T0 + i);
    expect(a.triggers).toHaveLength(MAX_ALERT_TRIGGERS);
    expect(a.triggers.at(-1)?.updateId).toBe(`u${MAX_ALERT_TRIGGERS + 10}`);
  });

  it('a closed alert is not joined: a new one opens', () => {
    const closed: Alert = { ...openAlert(trig(), state(1), model, T0), status: 'closed', closedAt: T0 + DAY };
    const next = joinAlert(closed, trig({ updateId: 'u9' }), state(9), model, T0 + 2 * DAY);
    expect(next.id).toBe('h1:9:accident');
    expect(next.status).toBe('open');
    expect(next.triggers.map((t) => t.updateId)).toEqual(['u9']);
  });

  it('upserts one case per household: every hardship trigger joins the open case, an eligibility review is its own', () => {
    const open = openAlert(trig(), state(1), model, T0);
    const out = upsertAlerts(
      [trig({ updateId: 'u5' }), trig({ type: 'fire', level: 'urgent', severe: true, updateId: 'u5' }), trig({ type: 'eligibility_review', updateId: 'u5' })],
      state(5),
      model,
      T0 + DAY,
      (type) => (type === 'eligibility_review' ? null : open),
    );
    expect(out.map((o) => [o.alert.id, o.created])).toEqual([
      ['h1:1:accident', false],
      ['h1:5:eligibility_review', true],
    ]);
    const hardship = out[0]!.alert;
    expect(hardship.level).toBe('urgent');
    expect(hardship.type).toBe('fire'); // a severe trigger leads a case a mild one opened
    expect(hardship.dueAt).toBe(T0 + DAY + 3 * DAY); // the most urgent trigger's deadline
    expect(hardship.triggers.map((t) => t.type)).toEqual(['accident', 'accident', 'fire']);
  });

  it('a trigger joining a verified or disposed case reopens verification with a new due time', () => {
    const claimed: Alert = { ...openAlert(trig(), state(1), model, T0), status: 'verified', lease: { token: 't'.repeat(16), holder: 'cw1', expiresAt: T0 + 30 * DAY }, verification: { outcome: 'confirmed', note: '', by: 'cw1', at: T0 + DAY } };
    const overdueAt = T0 + 20 * DAY;
    expect(isOverdue(claimed, overdueAt)).toBe(false); // verified: not awaiting verification
    const joined = joinAlert(claimed, trig({ updateId: 'u7', at: T0 + 10 * DAY }), state(7), model, T0 + 10 * DAY);
    expect(joined.status).toBe('claimed'); // the holder keeps it and must verify again
    expect(joined.dueAt).toBe(T0 + 17 * DAY);
    expect(joined.history.at(-1)).toMatchObject({ from: 'verified', to: 'claimed', by: 'engine', requestId: null });
    expect(isOverdue(joined, overdueAt)).toBe(true);
    // a disposed case whose lease has run out goes back to the queue
    const disposed: Alert = { ...claimed, status: 'disposed', lease: { token: 't'.repeat(16), holder: 'cw1', expiresAt: T0 + 2 * DAY } };
    const reopened = joinAlert(disposed, trig({ level: 'urgent', updateId: 'u8' }), state(8), model, T0 + 10 * DAY);
    expect(reopened).toMatchObject({ status: 'open', lease: null, level: 'urgent', dueAt: T0 + 13 * DAY });
  });

  it('over any sequence of joins the level only rises, the deadline only comes sooner, the id stays', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.array(fc.record({ urgent: fc.boolean(), dt: fc.integer({ min: 0, max: 5 * DAY }) }), { minLength: 1, maxLength: 30 }), (joins) => {
        let a = openAlert(trig(), state(1), model, T0);
        let t = T0;
        let seenUrgent = false;
        for (const [i, j] of joins.entries()) {
          t += j.dt;
          const next = joinAlert(a, trig({ level: j.urgent ? 'urgent' : 'general', updateId: `j${i}`, at: t }), state(i + 2), model, t);
          seenUrgent ||= j.urgent;
          expect(next.id).toBe(a.id);
          expect(next.level).toBe(seenUrgent ? 'urgent' : 'general');
          expect(next.dueAt).toBeLessThanOrEqual(a.dueAt);
          if (j.urgent && a.level === 'general') expect(next.dueAt).toBe(Math.min(a.dueAt, t + 3 * DAY));
          a = next;
        }
      }),
      { numRuns: 300 },
    );
  });
});
