/**
 * The seeds' real cases (seeds 001 and 003), fed as department updates through the whole engine
 * step, with alerts kept the way the workers keep them: one open case per household (hardship)
 * plus an eligibility review.
 */
import { describe, expect, it } from 'vitest';
import type { Household } from '../types.js';
import { Desk, at, type Step } from './desk.js';
import { makeHousehold, makePerson } from './fixtures.js';

const unregistered = (h: Household, category: Household['assistance']['category'] = 'proactive_discovery'): Household => ({
  ...h,
  assistance: { ...h.assistance, category, enrolled: false, enrolledAt: null },
});

describe('seed 001: a divorced father in hospital with a daughter at university (于某, 昌邑)', () => {
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

  it('a major disease raises an urgent alert at once', () => {
    const t = desk.feed({ id: 'wj-1', source: 'health', kind: 'major_disease_diagnosed', personId: 'yu', date: '2026-03-02', payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-03-02' } });
    expect(t.map((x) => [x.type, x.level])).toEqual([['major_disease', 'urgent']]);
    expect(desk.open.get('hardship')?.dueAt).toBe(at('2026-03-02') + 60_000 + 3 * 86_400_000);
  });

  it('losing his work and 72,400 CNY of bills push the household into tier 1 with a medical-expense alert', () => {
    desk.feed(
      { id: 'yb-1', source: 'medical_insurance', kind: 'inpatient_admission', personId: 'yu', date: '2026-03-03', payload: { admissionId: 'ZY-1', hospitalLevel: 'tertiary', admittedAt: '2026-03-03', days: 35, diagnosisCode: 'C34.9' } },
    );
    const jobless = desk.feed({ id: 'rs-1', source: 'human_resources', kind: 'unemployment_registered', personId: 'yu', date: '2026-04-01', payload: { registeredAt: '2026-04-01', reason: 'dismissed' } });
    expect(jobless.map((x) => x.type)).toEqual(['unemployment']);
    const bill = desk.feed({
      id: 'yb-2',
      source: 'medical_insurance',
      kind: 'medical_claim',
      personId: 'yu',
      date: '2026-04-10',
      payload: { claimId: 'YB-2', totalCny: 72_400, insurancePaidCny: 30_400, outOfPocketCny: 42_000, hospitalLevel: 'tertiary', inpatient: true, diagnosisCode: 'C34.900', settledAt: '2026-04-10' },
    });
    expect(bill.map((x) => [x.type, x.level])).toEqual([['medical_expense', 'urgent']]);
    expect(before.tier).toBeGreaterThan(1);
    expect(desk.state.profile.tier).toBe(1);
  });

  it('the portrait names illness and lost work as the causes', () => {
    expect(desk.state.profile.causes.illness).toBeGreaterThanOrEqual(2); // illness-driven (Yuanzhou definition)
    expect(desk.state.profile.causes.education).toBeGreaterThan(0);
    expect(desk.leadingCauses(3)).toEqual(expect.arrayContaining(['employment', 'illness']));
    expect(desk.state.profile.needTypes).toEqual(expect.arrayContaining(['safety_net', 'expenditure']));
  });

  it('suggests dibao, temporary and medical assistance, the critical-illness top-up and a grant for the daughter', () => {
    expect(desk.codes('policy')).toEqual(['dibao', 'temporary_assistance', 'medical_assistance', 'critical_illness_topup', 'education_grant']);
    const alert = desk.open.get('hardship');
    expect(alert?.triggers.map((t) => t.type)).toEqual(['major_disease', 'unemployment', 'medical_expense']); // one case, every trigger
    expect(alert?.snapshot.suggestions.map((s) => s.code)).toContain('critical_illness_topup');
    expect(alert?.snapshot.tier).toBe(1);
  });
});

describe('seed 001: a woman in her sixties who cannot walk, with two intellectually disabled sons (孙启萍, 南京)', () => {
  const son = (id: string, name: string, birthDate: string) =>
    makePerson({ id, name, relation: 'child', birthDate, maritalStatus: 'single', employment: 'unable', monthlyWage: 0, socialInsuranceMonths: 0, disabilityGrade: 3, disabilityType: 'intellectual' });
  const desk = new Desk(
    unregistered(
      makeHousehold({
        id: 'h-sun',
        persons: [
          makePerson({ id: 'sun', name: '孙启萍', sex: 'F', birthDate: '1962-08-15', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 1650 }),
          son('sun-1', '大儿子', '1988-02-01'),
          son('sun-2', '小儿子', '1991-07-01'),
        ],
      }),
    ),
  );

  it('diabetes, immobility and a grade-2 disability certificate end in an urgent disability alert', () => {
    desk.feed(
      { id: 'yb-10', source: 'medical_insurance', kind: 'chronic_disease_certified', personId: 'sun', date: '2026-02-10', payload: { disease: '2型糖尿病', icd10: 'E11.900', certifiedAt: '2026-02-10' } },
      { id: 'cl-10', source: 'disabled_persons_federation', kind: 'care_dependency_assessed', personId: 'sun', date: '2026-03-05', payload: { level: 'partial', adlScore: 45, assessedAt: '2026-03-05' } },
    );
    const t = desk.feed({
      id: 'cl-11',
      source: 'disabled_persons_federation',
      kind: 'disability_certified',
      personId: 'sun',
      date: '2026-03-20',
      payload: { certificateNo: '32011319620815252X42', grade: 2, type: 'physical', certifiedAt: '2026-03-20' },
    });
    expect(t.map((x) => [x.type, x.level])).toEqual([['disability_change', 'urgent']]);
    expect(t[0]?.reason).toContain('孙启萍');
  });

  it('the portrait leads with disability and missing labour, and names care as a need', () => {
    expect(desk.leadingCauses(2)).toEqual(['disability', 'labour']);
    expect(desk.state.profile.causes.illness).toBeGreaterThan(0);
    expect(desk.state.profile.needTypes).toContain('care');
  });

  it('suggests dibao and the disability subsidies, and errands, cleaning and home care from the community', () => {
    expect(desk.codes('policy')).toEqual(expect.arrayContaining(['dibao', 'disability_two_subsidies']));
    expect(desk.codes('service')).toEqual(expect.arrayContaining(['home_care', 'medicine_delivery', 'home_cleaning', 'day_care', 'peer_support_group']));
    expect(desk.codes('service')).not.toContain('job_matching');
  });
});

describe('seed 003: a child without parental care, living with old grandparents, needing costly medicine (小A, 原州)', () => {
  const desk = new Desk(
    makeHousehold({
      id: 'h-a',
      rural: true,
      persons: [
        makePerson({ id: 'gf', name: '爷爷', birthDate: '1950-02-01', maritalStatus: 'married', employment: 'retired', monthlyWage: 0, pensionMonthly: 230, educationLevel: 'primary' }),
        makePerson({ id: 'gm', name: '奶奶', sex: 'F', relation: 'spouse', birthDate: '1952-06-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 230, educationLevel: 'none' }),
        makePerson({ id: 'a', name: '小A', relation: 'grandchild', birthDate: '2013-04-01', maritalStatus: 'single', employment: 'student', monthlyWage: 0, schoolStage: 'junior', withoutParentalCare: true }),
      ],
      finances: { ...makeHousehold({ id: 'x', persons: [] }).finances, assistanceMonthly: 780 },
    }),
  );

  it('medicine bills large for this household raise a medical-expense alert at once; more of them make it urgent', () => {
    desk.feed({ id: 'yb-20', source: 'medical_insurance', kind: 'chronic_disease_certified', personId: 'a', date: '2026-01-15', payload: { disease: '强直性脊柱炎', icd10: 'M45.X00', certifiedAt: '2026-01-15' } });
    const first = desk.feed({
      id: 'yb-21',
      source: 'medical_insurance',
      kind: 'medical_claim',
      personId: 'a',
      date: '2026-05-08',
      payload: { claimId: 'YB-21', totalCny: 9_800, insurancePaidCny: 3_900, outOfPocketCny: 5_900, hospitalLevel: 'tertiary', inpatient: false, diagnosisCode: 'M45.X00', settledAt: '2026-05-08' },
    });
    // 5,900 CNY is 40 % of the household's 14,880 CNY a year: large for them, whatever the absolute sum
    expect(first.map((t) => [t.type, t.level])).toEqual([['medical_expense', desk.state.profile.tier === 1 ? 'urgent' : 'general']]);
    const second = desk.feed({
      id: 'yb-22',
      source: 'medical_insurance',
      kind: 'medical_claim',
      personId: 'a',
      date: '2026-09-08',
      payload: { claimId: 'YB-22', totalCny: 14_200, insurancePaidCny: 5_700, outOfPocketCny: 8_500, hospitalLevel: 'tertiary', inpatient: false, diagnosisCode: 'M45.X00', settledAt: '2026-09-08' },
    });
    const alert = second.find((t) => t.type === 'medical_expense');
    expect(alert?.level).toBe('urgent'); // 14,400 CNY: almost a year's income
    expect(alert?.reason).toContain('14,400 CNY');
    expect(desk.open.get('hardship')).toMatchObject({ level: 'urgent', triggers: [{ updateId: 'yb-21' }, { updateId: 'yb-22' }] });
  });

  it('the portrait shows old carers, the missing parental care and the illness', () => {
    expect(desk.leadingCauses(3)).toEqual(['labour', 'other', 'illness']);
    expect(desk.state.profile.causes.other).toBeGreaterThanOrEqual(1);
    expect(desk.state.profile.needTypes).toContain('care');
  });

  it('suggests the unsupported-child allowance, medical assistance, and counselling, tutoring, clothes, school things and medicine delivery', () => {
    expect(desk.codes('policy')).toEqual(expect.arrayContaining(['medical_assistance', 'unsupported_child_allowance', 'student_living_subsidy']));
    expect(desk.codes('policy')).not.toContain('dibao'); // already enrolled
    expect(desk.codes('service')).toEqual(expect.arrayContaining(['counselling', 'tutoring', 'clothing', 'school_supplies', 'medicine_delivery', 'legal_aid']));
  });
});

describe('seed 001: an old man living alone, found collapsed at home (于大爷, 沙坪坝)', () => {
  const desk = new Desk(
    unregistered(
      makeHousehold({
        id: 'h-old',
        persons: [makePerson({ id: 'old', name: '于大爷', birthDate: '1939-11-20', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 1900 })],
      }),
    ),
  );

  it('a serious domestic accident is urgent whatever his tier', () => {
    const visit = desk.feed({
      id: 'sq-1',
      source: 'community',
      kind: 'proactive_discovery_recorded',
      date: '2026-10-12',
      payload: { discoveredBy: 'volunteer', discoveredOn: '2026-10-12', concern: 3, note: '志愿者透过窗户看到老人倒地,民警开门送医' },
    });
    expect(visit.map((t) => t.type)).not.toContain('accident');
    const t = desk.feed({
      id: 'yj-1',
      source: 'emergency_management',
      kind: 'accident_reported',
      personId: 'old',
      date: '2026-10-12',
      payload: { accidentType: 'domestic', severity: 'serious', lossCny: 0, occurredOn: '2026-10-12' },
    });
    expect(t.map((x) => [x.type, x.level, x.severe])).toEqual([['accident', 'urgent', true]]);
  });

  it('the portrait names his lack of anyone to work or care, and the accident', () => {
    expect(desk.leadingCauses(2)).toEqual(expect.arrayContaining(['labour', 'other']));
    expect(desk.state.profile.needTypes).toEqual(expect.arrayContaining(['care', 'emergency']));
  });

  it('suggests visits, meals, home care and crisis help rather than jobs', () => {
    expect(desk.codes('service')).toEqual(expect.arrayContaining(['companionship_visits', 'meal_assistance', 'home_care', 'crisis_intervention', 'volunteer_pairing']));
    expect(desk.codes()).not.toContain('job_matching');
    expect(desk.codes()).not.toContain('dibao'); // his pension is above the dibao line
  });
});

describe('Guanshanhu: an enrolled dibao household registers a new car', () => {
  const make = (enrolled: boolean) =>
    new Desk(
      (() => {
        const h = makeHousehold({
          id: 'h-car',
          persons: [
            makePerson({ id: 'c1', name: '王某', employment: 'flexible', monthlyWage: 1800 }),
            makePerson({ id: 'c2', name: '李某', sex: 'F', relation: 'spouse', employment: 'unemployed', monthlyWage: 0 }),
          ],
        });
        return enrolled ? { ...h, finances: { ...h.finances, assistanceMonthly: 1240 } } : unregistered(h, 'exited_assistance');
      })(),
    );
  const car: Step = { id: 'ga-1', source: 'public_security', kind: 'vehicle_registered', date: '2026-06-06', payload: { plate: '浙A8K2L7', vehicleKind: 'car', valueCny: 156_000, registeredAt: '2026-06-06' } };

  it('raises an eligibility review, not a hardship alert', () => {
    const desk = make(true);
    const before = desk.state.profile.score;
    const t = desk.feed(car);
    expect(desk.state.profile.score).toBeGreaterThanOrEqual(before); // a car is a resource, not a hardship
    expect(desk.leadingCauses(1)).toEqual(['employment']);
    expect(t.map((x) => [x.type, x.level])).toEqual([['eligibility_review', 'general']]);
    expect(t[0]?.reason).toContain('156,000 CNY');
    expect([...desk.open.keys()]).toEqual(['eligibility_review']);
    expect(desk.open.get('eligibility_review')?.dueAt).toBe(at('2026-06-06') + 60_000 + 7 * 86_400_000);
    expect(desk.codes('policy')).not.toContain('dibao');
  });

  it('the same car in a household that is not enrolled raises nothing', () => {
    expect(make(false).feed(car)).toEqual([]);
  });
});

describe('one open case per household', () => {
  it('a second accident joins the open alert and raises it to urgent; a later minor one never lowers it', () => {
    const desk = new Desk(
      unregistered(makeHousehold({ id: 'h-j', persons: [makePerson({ id: 'j1', monthlyWage: 6000, skilled: true }), makePerson({ id: 'j2', sex: 'F', relation: 'spouse', monthlyWage: 6000 })] })),
    );
    const acc = (id: string, date: string, severity: string): Step => ({
      id,
      source: 'emergency_management',
      kind: 'accident_reported',
      personId: 'j1',
      date,
      payload: { accidentType: 'traffic', severity, lossCny: 1000, occurredOn: date },
    });
    expect(desk.feed(acc('e1', '2026-06-01', 'minor')).map((t) => t.level)).toEqual(['general']);
    const first = desk.open.get('hardship');
    expect(first?.level).toBe('general');
    expect(first?.dueAt).toBe(at('2026-06-01') + 60_000 + 7 * 86_400_000);

    desk.feed(acc('e2', '2026-06-03', 'serious'));
    const raised = desk.open.get('hardship');
    expect(raised?.id).toBe(first?.id);
    expect(raised?.level).toBe('urgent');
    expect(raised?.dueAt).toBe(at('2026-06-03') + 60_000 + 3 * 86_400_000); // 3 days from the join, sooner than the original 7
    desk.feed(acc('e3', '2026-06-04', 'minor'));
    const after = desk.open.get('hardship');
    expect(after?.level).toBe('urgent');
    expect(after?.triggers.map((t) => t.updateId)).toEqual(['e1', 'e2', 'e3']);
    expect(desk.open.size).toBe(1);
  });
});
