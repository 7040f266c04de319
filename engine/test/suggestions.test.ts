import { describe, expect, it } from 'vitest';
import { POLICY_CATEGORY_OF, POLICY_CODES, SERVICE_CATEGORY_OF, SERVICE_CODES, type PolicyCode, type ServiceCode } from '../catalogue/assistance.js';
import { DIMENSIONS, type Dimension } from '../catalogue/departments.js';
import { DEFAULT_MODEL } from '../model.js';
import { suggest } from '../suggestions.js';
import type { DimensionScore, Household, NeedType, Profile, Suggestion, Tier } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';

type Scored = Omit<Profile, 'suggestions'>;
const model = DEFAULT_MODEL;

function scored(score: number, needTypes: NeedType[] = []): Scored {
  const tier: Tier = score < model.tiers.tier2From ? 1 : score < model.tiers.tier3From ? 2 : 3;
  const dimensions = {} as Record<Dimension, DimensionScore>;
  for (const d of DIMENSIONS) dimensions[d] = { dimension: d, score: (model.dimensionMax[d] * score) / 100, max: model.dimensionMax[d], indicators: [] };
  return {
    modelVersion: model.version,
    score,
    tier,
    dimensions,
    causes: { illness: 3, disability: 0, education: 1.5, housing: 0, disaster: 0, employment: 0, skills: 0, labour: 0, other: 0 },
    needTypes,
  };
}

const codes = (s: Suggestion[]): string[] => s.map((x) => x.code);
const reasonOf = (s: Suggestion[], code: PolicyCode | ServiceCode): string => s.find((x) => x.code === code)?.reason ?? '';

function unregistered(h: Household): Household {
  return { ...h, assistance: { ...h.assistance, category: 'proactive_discovery', enrolled: false, enrolledAt: null } };
}

const year = (amount: number) => ({ year: 2026, amount });

/** Seed 001: a divorced father in hospital, 70,000+ CNY of bills, unable to work, a daughter at university. */
function fatherInHospital(over: Partial<Household> = {}): Household {
  const h = makeHousehold({
    id: 'h-yu',
    persons: [
      makePerson({ id: 'yu', name: '于某', maritalStatus: 'divorced', birthDate: '1975-05-10', employment: 'unable', monthlyWage: 0, majorDiseases: ['C34.9'], inpatientDays: 40, admissions: 2 }),
      makePerson({ id: 'yu-d', name: '于大女儿', sex: 'F', relation: 'child', birthDate: '2005-09-01', employment: 'student', monthlyWage: 0, schoolStage: 'university', maritalStatus: 'single', tuitionAnnual: 6000 }),
    ],
  });
  return unregistered({
    ...h,
    finances: { ...h.finances, medicalTotal: year(72_000), medicalInsurancePaid: year(30_000) },
    ...over,
  });
}

describe('suggestions', () => {
  it('gives a sick, jobless, unregistered household the policies it is eligible for, with the facts as reasons', () => {
    const s = suggest(fatherInHospital(), scored(41, ['safety_net', 'expenditure', 'emergency']), model);
    expect(codes(s)).toEqual(expect.arrayContaining(['dibao', 'temporary_assistance', 'medical_assistance', 'critical_illness_topup', 'education_grant']));
    expect(codes(s)).not.toContain('student_living_subsidy'); // university, not compulsory schooling
    expect(codes(s)).not.toContain('extreme_poverty_support'); // the adult daughter can work
    expect(reasonOf(s, 'medical_assistance')).toContain('42,000 CNY');
    expect(reasonOf(s, 'medical_assistance')).toContain('illness cause 3');
    expect(reasonOf(s, 'critical_illness_topup')).toContain('72,000 CNY');
    expect(reasonOf(s, 'education_grant')).toContain('于大女儿');
    expect(reasonOf(s, 'dibao')).toContain('below the dibao line');
  });

  it('does not offer dibao to an enrolled dibao household, nor temporary assistance already granted this year', () => {
    const base = fatherInHospital();
    const h: Household = {
      ...base,
      assistance: { ...base.assistance, category: 'dibao', enrolled: true, enrolledAt: '2026-07-01' },
      finances: { ...base.finances, temporaryAssistance: year(5537) },
    };
    const s = suggest(h, scored(45), model);
    expect(codes(s)).not.toContain('dibao');
    expect(codes(s)).not.toContain('temporary_assistance');
    expect(reasonOf(s, 'medical_assistance')).toContain('enrolled dibao');
  });

  it('offers services, not policies, to a household in need that owns a car', () => {
    const h = fatherInHospital({ vehicles: [{ plate: '浙A8K2L7', kind: 'car', valueCny: 120_000, registeredAt: '2024-01-01' }] });
    const s = suggest(h, scored(48, ['safety_net', 'expenditure']), model);
    expect(codes(s)).not.toContain('dibao');
    expect(codes(s)).not.toContain('medical_assistance');
    expect(codes(s)).toEqual(expect.arrayContaining(['charity_matching', 'supermarket_vouchers']));
    expect(reasonOf(s, 'charity_matching')).toContain('not covered by medical assistance');
  });

  it('a child without parental care gets the child allowance and the care services around it', () => {
    const h = makeHousehold({
      id: 'h-a',
      rural: true,
      persons: [
        makePerson({ id: 'gf', name: '爷爷', birthDate: '1950-02-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 300 }),
        makePerson({ id: 'gm', name: '奶奶', sex: 'F', relation: 'spouse', birthDate: '1952-06-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 300 }),
        makePerson({ id: 'a', name: '小A', relation: 'grandchild', birthDate: '2014-04-01', employment: 'student', monthlyWage: 0, schoolStage: 'junior', withoutParentalCare: true, chronicDiseases: ['M45'] }),
      ],
    });
    const s = suggest(h, scored(52, ['safety_net', 'care']), model);
    expect(codes(s)).toEqual(expect.arrayContaining(['unsupported_child_allowance', 'student_living_subsidy', 'counselling', 'tutoring', 'medicine_delivery', 'clothing', 'school_supplies']));
    expect(codes(s)).not.toContain('orphan_allowance');
    // both parents recorded dead in the household: an orphan
    const dead = (id: string, sex: 'M' | 'F') => makePerson({ id, sex, relation: 'child', birthDate: '1985-01-01', alive: false, deathDate: '2020-03-01' });
    const orphaned = suggest({ ...h, persons: [...h.persons, dead('f', 'M'), dead('m', 'F')] }, scored(52), model);
    expect(codes(orphaned)).toContain('orphan_allowance');
    expect(codes(orphaned)).not.toContain('unsupported_child_allowance');
  });

  it('an old man living alone gets visits, meals and home care; no employment help', () => {
    const h = unregistered(
      makeHousehold({ id: 'h-old', persons: [makePerson({ id: 'o', name: '于大爷', birthDate: '1940-01-01', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 1800 })] }),
    );
    const s = suggest(h, scored(66, ['care']), model);
    expect(codes(s)).toEqual(expect.arrayContaining(['companionship_visits', 'meal_assistance', 'home_care', 'volunteer_pairing']));
    expect(codes(s)).not.toContain('job_matching');
    expect(codes(s)).not.toContain('employment_assistance');
  });

  it('does not suggest what the household already receives', () => {
    const h = makeHousehold({
      id: 'h-d',
      persons: [makePerson({ id: 'd', name: '残疾人', disabilityGrade: 2, disabilityType: 'physical', disabilityAllowanceMonthly: 0, employment: 'unable', monthlyWage: 0 })],
    });
    expect(codes(suggest(h, scored(50), model))).toContain('disability_two_subsidies');
    const receiving = { ...h, persons: h.persons.map((p) => ({ ...p, disabilityAllowanceMonthly: 360 })) };
    expect(codes(suggest(receiving, scored(50), model))).not.toContain('disability_two_subsidies');
  });

  it('lists policies first then services, each in catalogue order and category, deterministically', () => {
    const h = fatherInHospital();
    const a = suggest(h, scored(41, ['safety_net', 'expenditure', 'emergency']), model);
    expect(JSON.stringify(suggest(h, scored(41, ['safety_net', 'expenditure', 'emergency']), model))).toBe(JSON.stringify(a));
    const rank = (x: Suggestion) => (x.kind === 'policy' ? POLICY_CODES.indexOf(x.code as PolicyCode) : 100 + SERVICE_CODES.indexOf(x.code as ServiceCode));
    const ranks = a.map(rank);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    for (const x of a) {
      expect(x.category).toBe(x.kind === 'policy' ? POLICY_CATEGORY_OF[x.code as PolicyCode] : SERVICE_CATEGORY_OF[x.code as ServiceCode]);
      expect(x.reason.length).toBeGreaterThan(10);
    }
  });

  it('a comfortable, healthy household gets nothing', () => {
    const h = unregistered(
      makeHousehold({
        id: 'h-ok',
        persons: [makePerson({ id: 'x', monthlyWage: 9000, skilled: true }), makePerson({ id: 'y', sex: 'F', relation: 'spouse', monthlyWage: 8000 })],
      }),
    );
    expect(suggest(h, scored(93), model)).toEqual([]);
  });
});
