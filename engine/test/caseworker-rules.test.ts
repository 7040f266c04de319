/**
 * Rules a caseworker would sign (issue 13), one scenario per rule on the seeds' own cases, through
 * the whole engine step with the queue kept as the workers keep it (one hardship case per
 * household, eligibility reviews apart): level, leading cause, suggestions and the queue.
 */
import { describe, expect, it } from 'vitest';
import { applyReviewOutcome } from '../alerts/review.js';
import { examplePayload } from '../catalogue/examples.js';
import { incomeOf } from '../alerts/facts.js';
import { isOverdue } from '../alerts/lifecycle.js';
import { finalRefusal, profileOf } from '../process.js';
import type { Household, Update } from '../types.js';
import { Desk, at, model, type Step } from './desk.js';
import { makeHousehold, makePerson } from './fixtures.js';

const DAY = 86_400_000;
const unregistered = (h: Household): Household => ({ ...h, assistance: { ...h.assistance, category: 'proactive_discovery', enrolled: false, enrolledAt: null } });
const claim = (id: string, personId: string, date: string, total: number, insurance: number, code: string, inpatient = false): Step => ({
  id,
  source: 'medical_insurance',
  kind: 'medical_claim',
  personId,
  date,
  payload: { claimId: id, totalCny: total, insurancePaidCny: insurance, outOfPocketCny: total - insurance, hospitalLevel: 'tertiary', inpatient, diagnosisCode: code, settledAt: date },
});

describe('late facts are kept: 小A\'s medicine bills from Yinchuan settle out of order (seed 003, 原州)', () => {
  const child = () =>
    new Desk(
      makeHousehold({
        id: 'h-a',
        rural: true,
        persons: [
          makePerson({ id: 'gf', name: '爷爷', birthDate: '1950-02-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 230, educationLevel: 'primary' }),
          makePerson({ id: 'gm', name: '奶奶', sex: 'F', relation: 'spouse', birthDate: '1952-06-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 230, educationLevel: 'none' }),
          makePerson({ id: 'a', name: '小A', relation: 'grandchild', birthDate: '2013-04-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'junior', withoutParentalCare: true }),
        ],
        finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, assistanceMonthly: 780 },
      }),
    );

  it('an earlier claim settled after a later one still counts, this year by its own date; a replay does not', () => {
    const desk = child();
    desk.feed(
      { id: 'yb-20', source: 'medical_insurance', kind: 'chronic_disease_certified', personId: 'a', date: '2026-01-15', payload: { disease: '强直性脊柱炎', icd10: 'M45.X00', certifiedAt: '2026-01-15' } },
      claim('yb-sep', 'a', '2026-09-08', 14_200, 5_700, 'M45.X00'),
    );
    // the May claim arrives afterwards (the Yinchuan pharmacy settled late): a different, valid fact
    const late = desk.try(claim('yb-may', 'a', '2026-05-08', 9_800, 3_900, 'M45.X00'));
    expect(late.ok).toBe(true);
    expect(desk.state.household.finances.medicalTotal).toEqual({ year: 2026, amount: 24_000 });
    // a bill of last year, arriving now, is not this year's spending
    desk.feed(claim('yb-2025', 'a', '2025-12-20', 3_000, 1_000, 'M45.X00'));
    expect(desk.state.household.finances.medicalTotal).toEqual({ year: 2026, amount: 24_000 });
    expect(desk.try(claim('yb-may', 'a', '2026-05-08', 9_800, 3_900, 'M45.X00'))).toMatchObject({ ok: false, code: 'LIFELINE_ERR_DUPLICATE_UPDATE' });
    // one hardship case, urgent: 14,400 CNY out of pocket is almost the household's year
    const hardship = desk.open.get('hardship');
    expect(desk.open.size).toBe(1);
    expect(hardship).toMatchObject({ type: 'medical_expense', level: 'urgent', status: 'open' });
    expect(desk.leadingCauses(3)).toEqual(['labour', 'other', 'illness']); // old carers, no parental care, the illness
    expect(desk.codes('policy')).toEqual(expect.arrayContaining(['medical_assistance', 'unsupported_child_allowance']));
  });

  it('a disability grade older than the one on record is kept in the history, not in the facts', () => {
    const desk = child();
    const cert = (id: string, date: string, grade: number): Step => ({
      id,
      source: 'disabled_persons_federation',
      kind: 'disability_certified',
      personId: 'a',
      date,
      payload: { certificateNo: `DC-${id}`, grade, type: 'physical', certifiedAt: date },
    });
    desk.feed(cert('dc-2', '2026-08-01', 2));
    const older = desk.try(cert('dc-1', '2026-03-01', 4));
    expect(older).toMatchObject({ ok: true, superseded: true, triggers: [] });
    expect(desk.state.household.persons[2]?.disabilityGrade).toBe(2);
    expect(desk.state.recent[0]?.[1]).toBe(at('2026-03-01'));
  });
});

describe('a dead member no longer earns: the Nanjing mother after her husband\'s death (seed 001, 孙启萍)', () => {
  const son = (id: string, name: string, birthDate: string) =>
    makePerson({ id, name, relation: 'child', birthDate, maritalStatus: 'single', employment: 'unable', monthlyWage: 0, disabilityGrade: 3, disabilityType: 'intellectual' });
  const desk = new Desk(
    unregistered(
      makeHousehold({
        id: 'h-sun',
        persons: [
          makePerson({ id: 'sun-h', name: '孙的丈夫', birthDate: '1960-03-01', maritalStatus: 'married', employment: 'employed', monthlyWage: 3430 }),
          makePerson({ id: 'sun', name: '孙启萍', sex: 'F', relation: 'spouse', birthDate: '1962-08-15', maritalStatus: 'married', employment: 'retired', monthlyWage: 0, pensionMonthly: 2050 }),
          son('sun-1', '大儿子', '1988-02-01'),
          son('sun-2', '小儿子', '1991-07-01'),
        ],
        // last year's filing: 65,760 CNY, of which 41,160 the husband's wages
        finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, taxableIncomeAnnual: 65_760, taxYear: 2025 },
      }),
    ),
  );

  it('before: 1,370 CNY a month per member, above the dibao line; no dibao suggested', () => {
    expect(desk.codes('policy')).not.toContain('dibao');
  });

  it('after the main earner\'s death his share of the filing stops counting: dibao is suggested, the portrait says why', () => {
    const t = desk.feed({ id: 'mz-1', source: 'civil_affairs', kind: 'death_registered', personId: 'sun-h', date: '2026-04-02', payload: { deathDate: '2026-04-01', cause: 'illness' } });
    expect(t.map((x) => [x.type, x.level])).toEqual([['death', 'urgent']]);
    expect(t[0]?.reason).toContain('the main earner');
    expect(desk.codes('policy')).toContain('dibao');
    const portrait = profileOf(desk.state.household, model);
    const dibao = portrait.suggestions.find((s) => s.code === 'dibao');
    expect(dibao?.reason).toMatch(/per-capita income 683/);
    expect(dibao?.reason).toContain('not counted: 41,160 CNY of 孙的丈夫 (died)');
    const filed = portrait.dimensions.property.indicators.find((i) => i.code === 'property.low_declared_income');
    expect(filed?.reason).toContain('not counted: 41,160 CNY of 孙的丈夫 (died)');
    expect(desk.leadingCauses(2)).toEqual(expect.arrayContaining(['labour']));
    expect([...desk.open.keys()]).toEqual(['hardship']);
  });
});

describe('a member\'s own transfers stop with them', () => {
  it('the elderly care subsidy and the veteran benefit no longer count once the elder and the veteran have died', () => {
    const desk = new Desk(
      unregistered(
        makeHousehold({
          id: 'h-t',
          persons: [
            makePerson({ id: 'old', name: '老兵', birthDate: '1940-01-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 0, veteran: true }),
            makePerson({ id: 'son', name: '儿子', relation: 'child', birthDate: '1975-01-01', maritalStatus: 'single', monthlyWage: 2000 }),
          ],
          finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, elderlyCareSubsidyMonthly: 300, veteranBenefitMonthly: 1500 },
        }),
      ),
    );
    expect(incomeOf(desk.state.household, model).totalAnnual).toBe((2000 + 300 + 1500) * 12);
    desk.feed({ id: 'mz-t', source: 'civil_affairs', kind: 'death_registered', personId: 'old', date: '2026-05-02', payload: { deathDate: '2026-05-01', cause: 'old_age' } });
    expect(incomeOf(desk.state.household, model).totalAnnual).toBe(2000 * 12);
  });
});

describe('medical alerts fit the household\'s means: Jiangyin\'s dibao and marginal households (seed 001)', () => {
  const household = (category: 'dibao' | 'marginal', assistance: number, wage: number) =>
    new Desk(
      makeHousehold({
        id: `h-jy-${category}`,
        persons: [makePerson({ id: 'jy', name: '江阴某', birthDate: '1966-05-01', maritalStatus: 'widowed', employment: wage > 0 ? 'flexible' : 'unable', monthlyWage: wage })],
        assistance: { ...makeHousehold({ id: 'x', persons: [] }).assistance, category },
        finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, assistanceMonthly: assistance },
      }),
    );

  it('a dibao household on 1,331 CNY a month paying half a year of it gets an urgent alert', () => {
    const desk = household('dibao', 1331, 0);
    const t = desk.feed(claim('jy-1', 'jy', '2026-06-10', 16_000, 8_000, 'I63.900', true));
    const med = t.find((x) => x.type === 'medical_expense');
    expect(med).toMatchObject({ level: 'urgent', severe: true });
    expect(med?.reason).toContain('8,000 CNY this year (50% of yearly income 15,972 CNY)');
    // the stroke on the claim is a major disease: both triggers are one case in the township's queue
    expect(desk.open.size).toBe(1);
    expect(desk.open.get('hardship')?.triggers.map((x) => x.type)).toEqual(['major_disease', 'medical_expense']);
    // illness-driven (Yuanzhou: ≥ 2 with a seriously ill member), second only to the labour she lost with it
    expect(desk.state.profile.causes.illness).toBeGreaterThanOrEqual(2);
    expect(desk.leadingCauses(2)).toEqual(['labour', 'illness']);
    expect(desk.codes('policy')).toEqual(expect.arrayContaining(['medical_assistance']));
  });

  it('a marginal household is judged against its own income: 5,500 CNY of 18,000 alerts (general), 2,000 does not', () => {
    const desk = household('marginal', 0, 1500);
    expect(desk.feed(claim('jy-2', 'jy', '2026-03-01', 4_000, 2_000, 'J18.900')).map((x) => x.type)).not.toContain('medical_expense');
    const t = desk.feed(claim('jy-3', 'jy', '2026-04-01', 8_000, 4_500, 'J18.900'));
    expect(t.find((x) => x.type === 'medical_expense')).toMatchObject({ level: desk.state.profile.tier === 1 ? 'urgent' : 'general', severe: false });
    expect(desk.open.get('hardship')?.dueAt).toBe(at('2026-04-01') + 60_000 + (desk.state.profile.tier === 1 ? 3 : 7) * DAY);
  });

  it('the same 8,000 CNY in a household earning 20,000 a month raises nothing', () => {
    const desk = new Desk(unregistered(makeHousehold({ id: 'h-rich', persons: [makePerson({ id: 'r', monthlyWage: 20_000, skilled: true, educationLevel: 'college' })] })));
    expect(desk.feed(claim('r-1', 'r', '2026-06-10', 16_000, 8_000, 'J18.900')).map((x) => x.type)).toEqual([]);
  });
});

describe('a diagnosis on a claim is evidence of disease: the divorced father in Shandong (seed 001, 于某, 昌邑)', () => {
  it('an inpatient claim for lung cancer counts as a major disease with the claim as its source', () => {
    const desk = new Desk(
      unregistered(
        makeHousehold({
          id: 'h-yu',
          rural: true,
          persons: [
            makePerson({ id: 'yu', name: '于某', birthDate: '1975-05-10', maritalStatus: 'divorced', employment: 'flexible', monthlyWage: 4500 }),
            makePerson({ id: 'yu-d', name: '于大女儿', sex: 'F', relation: 'child', birthDate: '2005-09-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'university', tuitionAnnual: 6000 }),
          ],
        }),
      ),
    );
    const before = desk.state.profile;
    expect(before.causes.illness).toBe(0);
    const t = desk.feed(claim('yb-1', 'yu', '2026-04-10', 72_400, 30_400, 'C34.900', true));
    expect(t.map((x) => [x.type, x.level])).toEqual([
      ['major_disease', 'urgent'],
      ['medical_expense', 'urgent'],
    ]);
    expect(t[0]?.reason).toContain('on claim yb-1');
    expect(desk.state.household.persons[0]?.majorDiseases).toEqual(['malignant neoplasm (C34)']);
    expect(desk.state.profile.causes.illness).toBeGreaterThanOrEqual(2);
    expect(desk.state.profile.dimensions.health).toBeLessThan(before.dimensions.health);
    // illness-driven, with the labour the household lost through it (he is its only adult)
    expect(desk.leadingCauses(2)).toEqual(['labour', 'illness']);
    // still earning 4,500 CNY: the critical-illness top-up, not the means-tested aid
    expect(desk.codes('policy')).toEqual(['critical_illness_topup']);
    // the formal diagnosis that follows names the same disease: no second disease, no second item
    desk.feed({ id: 'wj-1', source: 'health', kind: 'major_disease_diagnosed', personId: 'yu', date: '2026-04-12', payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-04-12' } });
    expect(desk.state.household.persons[0]?.majorDiseases).toEqual(['肺恶性肿瘤 (C34)']);
    expect(desk.open.size).toBe(1);
  });
});

describe('a claim for a disease already on record adds nothing', () => {
  it('a city record of cancer covers a lung-cancer claim: no second disease, no alert', () => {
    const desk = new Desk(unregistered(makeHousehold({ id: 'h-c', persons: [makePerson({ id: 'c', majorDiseases: ['cancer'], monthlyWage: 3000 })] })));
    const t = desk.feed(claim('c-1', 'c', '2026-02-01', 900, 600, 'C34.900'));
    expect(t).toEqual([]);
    expect(desk.state.household.persons[0]?.majorDiseases).toEqual(['cancer']);
  });
});

describe('one case per household: the Nanjing mother\'s stroke and disability certificate (seed 001, 孙启萍)', () => {
  it('a major disease then a disability certificate are one urgent item in the township\'s queue', () => {
    const desk = new Desk(
      unregistered(
        makeHousehold({
          id: 'h-sun2',
          persons: [
            makePerson({ id: 'sun', name: '孙启萍', sex: 'F', birthDate: '1962-08-15', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 1650 }),
            makePerson({ id: 'sun-1', name: '大儿子', relation: 'child', birthDate: '1988-02-01', maritalStatus: 'single', employment: 'unable', monthlyWage: 0, disabilityGrade: 3, disabilityType: 'intellectual' }),
          ],
        }),
      ),
    );
    desk.feed({ id: 'wj-9', source: 'health', kind: 'major_disease_diagnosed', personId: 'sun', date: '2026-03-01', payload: { disease: '脑梗死', icd10: 'I63.9', diagnosedAt: '2026-03-01' } });
    const first = desk.open.get('hardship');
    desk.feed({
      id: 'cl-9',
      source: 'disabled_persons_federation',
      kind: 'disability_certified',
      personId: 'sun',
      date: '2026-03-04',
      payload: { certificateNo: '32011319620815252X42', grade: 2, type: 'physical', certifiedAt: '2026-03-04' },
    });
    expect(desk.open.size).toBe(1);
    const hardship = desk.open.get('hardship');
    expect(hardship?.id).toBe(first?.id);
    expect(hardship).toMatchObject({ type: 'major_disease', level: 'urgent', dueAt: at('2026-03-01') + 60_000 + 3 * DAY });
    expect(hardship?.triggers.map((x) => x.type)).toEqual(['major_disease', 'disability_change']);
    expect(desk.leadingCauses(2)).toEqual(expect.arrayContaining(['disability']));
    expect(desk.codes('policy')).toEqual(expect.arrayContaining(['disability_two_subsidies']));

    // verified, then a new trigger: verification reopens with a new due time, and the item is overdue again when it passes
    const verified = { ...hardship!, status: 'verified' as const, lease: { token: 'x'.repeat(16), holder: 'cw', expiresAt: at('2026-03-20') }, verification: { outcome: 'confirmed' as const, note: '', by: 'cw', at: at('2026-03-03') } };
    desk.open.set('hardship', verified);
    desk.feed({ id: 'yj-9', source: 'emergency_management', kind: 'accident_reported', personId: 'sun', date: '2026-03-10', payload: { accidentType: 'domestic', severity: 'minor', lossCny: 0, occurredOn: '2026-03-10' } });
    const reopened = desk.open.get('hardship')!;
    expect(reopened).toMatchObject({ id: first?.id, status: 'claimed', dueAt: at('2026-03-10') + 60_000 + 3 * DAY });
    expect(isOverdue(reopened, at('2026-03-14'))).toBe(true);
  });
});

describe('an unverified asset waits for the review: Guanshanhu\'s car and company (seed 004)', () => {
  const enrolled = () =>
    new Desk(
      makeHousehold({
        id: 'h-gsh',
        persons: [
          makePerson({ id: 'g1', name: '王某', employment: 'flexible', monthlyWage: 1800 }),
          makePerson({ id: 'g2', name: '李某', sex: 'F', relation: 'spouse', employment: 'unemployed', monthlyWage: 0 }),
        ],
        finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, assistanceMonthly: 1240 },
      }),
    );
  const car: Step = { id: 'ga-1', source: 'public_security', kind: 'vehicle_registered', date: '2026-06-06', payload: { plate: '贵A8K2L7', vehicleKind: 'car', valueCny: 156_000, registeredAt: '2026-06-06' } };
  const company: Step = {
    id: 'sc-1',
    source: 'market_regulation',
    kind: 'business_registered',
    date: '2026-06-08',
    payload: { ...examplePayload('business_registered'), registration: '91520115MA6HXXXX3K', type: 'company', capitalCny: 500_000, registeredAt: '2026-06-08' },
  };

  it('a car and a company of an enrolled dibao household change neither score nor tier until the review; one review item', () => {
    const desk = enrolled();
    const before = desk.state.profile;
    const t = desk.feed(car, company);
    expect(t.map((x) => [x.type, x.level])).toEqual([
      ['eligibility_review', 'general'],
      ['eligibility_review', 'general'],
    ]);
    expect(desk.state.profile.score).toBe(before.score);
    expect(desk.state.profile.tier).toBe(before.tier);
    expect([...desk.open.keys()]).toEqual(['eligibility_review']);
    expect(desk.open.get('eligibility_review')?.triggers.map((x) => x.updateId)).toEqual(['ga-1', 'sc-1']);
    expect(desk.state.household.vehicles[0]?.reviewPending).toBe('ga-1');
  });

  it('confirmed by the review, the assets count and the score rises; not confirmed, they leave the facts', () => {
    const desk = enrolled();
    const before = desk.state.profile;
    desk.feed(car, company);
    const review = desk.open.get('eligibility_review')!;
    const confirmed = applyReviewOutcome(desk.state, review, 'confirmed', model, at('2026-06-12'));
    expect(confirmed.profile.score).toBeGreaterThan(before.score);
    expect(confirmed.household.vehicles).toEqual([{ plate: '贵A8K2L7', kind: 'car', valueCny: 156_000, registeredAt: '2026-06-06' }]);
    expect(confirmed.household.businesses[0]?.reviewPending).toBeUndefined();
    expect(applyReviewOutcome(confirmed, review, 'confirmed', model, at('2026-06-13'))).toBe(confirmed); // idempotent
    const dropped = applyReviewOutcome(desk.state, review, 'not_confirmed', model, at('2026-06-12'));
    expect(dropped.household.vehicles).toEqual([]);
    expect(dropped.household.businesses).toEqual([]);
    expect(dropped.profile.score).toBe(before.score);
    expect(applyReviewOutcome(desk.state, review, 'unreachable', model, at('2026-06-12'))).toBe(desk.state);
  });

  it('the same car in a household that is not enrolled counts at once and raises nothing', () => {
    const desk = new Desk(unregistered(enrolled().state.household));
    const before = desk.state.profile.score;
    expect(desk.feed(car)).toEqual([]);
    expect(desk.state.household.vehicles[0]?.reviewPending).toBeUndefined();
    expect(desk.state.profile.score).toBeGreaterThanOrEqual(before);
  });
});

describe('the last member\'s death: 于大爷 who lived alone (seed 001, 沙坪坝)', () => {
  it('the household is dissolved: kept with its alert for verification, later updates refused with a clear code', () => {
    const desk = new Desk(unregistered(makeHousehold({ id: 'h-old', persons: [makePerson({ id: 'old', name: '于大爷', birthDate: '1939-11-20', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 1900 })] })));
    desk.feed({ id: 'mz-9', source: 'civil_affairs', kind: 'death_registered', personId: 'old', date: '2026-10-13', payload: { deathDate: '2026-10-12', cause: 'accident' } });
    expect(desk.open.get('hardship')).toMatchObject({ type: 'death', status: 'open' });
    const later = desk.try({ id: 'sq-9', source: 'community', kind: 'grid_visit_recorded', date: '2026-10-20', payload: { visitedOn: '2026-10-20', worker: '网格员', observed: ['structure'], concern: 0, note: '' } });
    expect(later).toMatchObject({ ok: false, code: 'LIFELINE_ERR_HOUSEHOLD_DISSOLVED', issues: [{ field: 'householdId' }] });
    // an intake can say so before publishing: the refusal is final whatever arrives first
    const visit: Update = { id: 'sq-10', source: 'community', kind: 'grid_visit_recorded', householdId: 'h-old', occurredAt: at('2026-10-21'), payload: {} };
    expect(finalRefusal(desk.state, visit)).toMatchObject({ code: 'LIFELINE_ERR_HOUSEHOLD_DISSOLVED' });
    expect(finalRefusal(desk.state, { ...visit, occurredAt: at('2026-10-01') })).toBeNull(); // dated before: a late fact
    // his last hospital bill still settles
    expect(desk.try(claim('yb-9', 'old', '2026-10-25', 3_000, 2_000, 'S72.000')).ok).toBe(true);
    expect(desk.open.size).toBe(1);
  });
});
