import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { DIMENSIONS } from '../catalogue/departments.js';
import { EMPLOYMENT_INDICATORS } from '../dimensions/employment.js';
import { EXPENDITURE_INDICATORS } from '../dimensions/expenditure.js';
import { HEALTH_INDICATORS } from '../dimensions/health.js';
import { OTHER_INDICATORS } from '../dimensions/other.js';
import { PROPERTY_INDICATORS } from '../dimensions/property.js';
import { SOURCE_INDICATORS } from '../dimensions/source.js';
import { STRUCTURE_INDICATORS } from '../dimensions/structure.js';
import { DEFAULT_MODEL, ModelSchema, type Model } from '../model.js';
import { scoreDimension, scoreFull, tierOf } from '../scoring/index.js';
import type { Dimension, DimensionScore, Household } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';
import { ALL_HOUSEHOLDS, dibaoFamily, illEarnerFamily, ordinaryFamily, troubledHousehold, wealthyHousehold } from './scoring-households.js';

const M = DEFAULT_MODEL;
const DECLARED: Record<Dimension, readonly { code: string }[]> = {
  source: SOURCE_INDICATORS,
  structure: STRUCTURE_INDICATORS,
  health: HEALTH_INDICATORS,
  property: PROPERTY_INDICATORS,
  expenditure: EXPENDITURE_INDICATORS,
  employment: EMPLOYMENT_INDICATORS,
  other: OTHER_INDICATORS,
};

const find = (d: DimensionScore, code: string) => d.indicators.filter((i) => i.code === code);
const codes = (d: DimensionScore) => d.indicators.map((i) => i.code);
const with_ = (h: Household, f: (h: Household) => void): Household => {
  const c = structuredClone(h);
  f(c);
  return c;
};

describe('calibration of the total score and tier', () => {
  it('puts an ordinary employed family without problems in tier 3', () => {
    const s = scoreFull(ordinaryFamily(), M);
    expect(s.score).toBeGreaterThanOrEqual(90);
    expect(s.tier).toBe(3);
  });

  it('puts a typical registered dibao household in tier 1 or 2', () => {
    const s = scoreFull(dibaoFamily(), M);
    expect(s.score).toBeLessThan(90);
    expect([1, 2]).toContain(s.tier);
  });

  it('puts a household whose main earner is seriously ill with big medical bills in tier 1, registered or not', () => {
    const unregistered = scoreFull(illEarnerFamily(), M);
    expect(unregistered.tier).toBe(1);
    const enrolled = scoreFull(with_(illEarnerFamily(), (h) => Object.assign(h.assistance, { category: 'dibao', enrolled: true })), M);
    expect(enrolled.tier).toBe(1);
    expect(enrolled.score).toBeLessThan(unregistered.score);
  });

  it('ranks the fixtures from weakest to strongest as a caseworker would', () => {
    const t = scoreFull(troubledHousehold(), M).score;
    const ill = scoreFull(illEarnerFamily(), M).score;
    const dibao = scoreFull(dibaoFamily(), M).score;
    const ok = scoreFull(ordinaryFamily(), M).score;
    expect(t).toBeLessThan(ill);
    expect(ill).toBeLessThan(dibao);
    expect(dibao).toBeLessThan(ok);
  });

  it('totals the seven sub-scores and takes the tier from the model bands', () => {
    for (const h of ALL_HOUSEHOLDS()) {
      const s = scoreFull(h, M);
      const sum = DIMENSIONS.reduce((a, d) => a + s.dimensions[d].score, 0);
      expect(s.score).toBeCloseTo(sum, 9);
      expect(s.tier).toBe(tierOf(s.score, M));
      expect(s.modelVersion).toBe(M.version);
    }
  });

  it('tierOf follows tier2From and tier3From, including the boundaries', () => {
    expect(tierOf(59.5, M)).toBe(1);
    expect(tierOf(60, M)).toBe(2);
    expect(tierOf(89.99, M)).toBe(2);
    expect(tierOf(90, M)).toBe(3);
    const m = ModelSchema.parse({ tiers: { tier2From: 50, tier3From: 80 } });
    expect(tierOf(55, m)).toBe(2);
    expect(tierOf(80, m)).toBe(3);
  });
});

describe('explanations', () => {
  it('list only non-zero, declared indicators whose points add up to score − max unless clamped', () => {
    let unclamped = 0;
    for (const h of ALL_HOUSEHOLDS()) {
      const s = scoreFull(h, M);
      for (const d of DIMENSIONS) {
        const ds = s.dimensions[d];
        const declared = new Set(DECLARED[d].map((i) => i.code));
        for (const i of ds.indicators) {
          expect(i.points).not.toBe(0);
          expect(declared.has(i.code), i.code).toBe(true);
          expect(i.reason).toMatch(/: [−+]\d/);
        }
        const sum = ds.indicators.reduce((a, i) => a + i.points, 0);
        const raw = ds.max + sum;
        expect(ds.score).toBe(Math.min(ds.max, Math.max(0, raw)));
        if (raw >= 0 && raw <= ds.max) {
          unclamped++;
          expect(sum).toBeCloseTo(ds.score - ds.max, 9);
        }
      }
    }
    expect(unclamped).toBeGreaterThan(20);
  });

  it('hold for random households too (fast-check)', { tags: ['property'] }, () => {
    const person = fc.record({
      birthDate: fc.date({ min: new Date('1930-01-01'), max: new Date('2026-10-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      alive: fc.boolean(),
      employment: fc.constantFrom('employed', 'self_employed', 'farmer', 'flexible', 'unemployed', 'retired', 'student', 'child', 'unable' as const),
      monthlyWage: fc.integer({ min: 0, max: 30_000 }),
      disabilityGrade: fc.constantFrom(0, 1, 2, 3, 4 as const),
      majorDiseases: fc.array(fc.constantFrom('C34.9', 'leukaemia'), { maxLength: 2 }),
      chronicDiseases: fc.array(fc.constantFrom('I10', 'E11', 'J44'), { maxLength: 3 }),
      careDependency: fc.constantFrom('none', 'partial', 'full' as const),
      schoolStage: fc.constantFrom('none', 'primary', 'senior', 'university' as const),
      droppedOut: fc.boolean(),
      sex: fc.constantFrom('M', 'F' as const),
    });
    assertProperty(
      fc.property(
        fc.array(person, { minLength: 0, maxLength: 7 }),
        fc.integer({ min: 0, max: 300_000 }),
        fc.constantFrom('A', 'B', 'C', 'D' as const),
        fc.integer({ min: 0, max: 3000 }),
        (ps, medical, safety, rent) => {
          const h = makeHousehold({ id: 'h', persons: ps.map((p, i) => makePerson({ ...p, id: `p${i}`, relation: i === 0 ? 'head' : 'child' })) });
          h.finances.medicalTotal = { year: 2026, amount: medical };
          h.finances.rentMonthly = rent;
          h.housing.safety = safety;
          const s = scoreFull(h, M);
          expect(s.score).toBeGreaterThanOrEqual(0);
          expect(s.score).toBeLessThanOrEqual(100);
          for (const d of DIMENSIONS) {
            const ds = s.dimensions[d];
            expect(ds.score).toBeGreaterThanOrEqual(0);
            expect(ds.score).toBeLessThanOrEqual(ds.max);
            const raw = ds.max + ds.indicators.reduce((a, i) => a + i.points, 0);
            expect(ds.score).toBeCloseTo(Math.min(ds.max, Math.max(0, raw)), 9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('source', () => {
  it('deducts by registered category and unregistered source', () => {
    const base = ordinaryFamily();
    const pts = (cat: Household['assistance']['category'], enrolled: boolean) =>
      find(scoreDimension('source', with_(base, (h) => Object.assign(h.assistance, { category: cat, enrolled })), M), cat.includes('_') && !enrolled ? 'source.unregistered' : 'source.registered')[0]?.points;
    expect(pts('extreme_poverty', true)).toBe(-8);
    expect(pts('dibao', true)).toBe(-6);
    expect(pts('marginal', true)).toBe(-4);
    expect(pts('exited_assistance', false)).toBe(-3);
    expect(pts('other_department', false)).toBe(-1);
  });

  it('counts exits and rejections only within recentDays of the reference date', () => {
    const recent = scoreDimension('source', with_(ordinaryFamily(), (h) => (h.assistance.exitedAt = '2026-06-01')), M);
    expect(find(recent, 'source.recent_exit')[0]?.reason).toBe('exited assistance on 2026-06-01: −1');
    const old = scoreDimension('source', with_(ordinaryFamily(), (h) => (h.assistance.exitedAt = '2024-06-01')), M);
    expect(codes(old)).not.toContain('source.recent_exit');
  });

  it('deducts per level of observed concern and reads the poverty-risk flag', () => {
    const d = scoreDimension('source', with_(ordinaryFamily(), (h) => Object.assign(h.assistance, { observedConcern: 3, povertyRiskFlagged: true })), M);
    expect(find(d, 'source.observed_concern')[0]?.points).toBe(-3);
    expect(find(d, 'source.poverty_risk')[0]?.points).toBe(-2);
  });
});

describe('structure', () => {
  it('marks elderly living alone (孤寡), not also as a single person', () => {
    const h = makeHousehold({ id: 'h', persons: [makePerson({ id: 'p1', birthDate: '1945-01-01', employment: 'retired', maritalStatus: 'widowed' })] });
    const d = scoreDimension('structure', h, M);
    expect(codes(d)).toContain('structure.elderly_alone');
    expect(codes(d)).not.toContain('structure.single_person');
    expect(codes(d)).not.toContain('structure.no_working_age');
  });

  it('takes ages at model.referenceDate, not from a clock', () => {
    const h = makeHousehold({ id: 'h', persons: [makePerson({ id: 'p1', birthDate: '1966-12-15' })] });
    expect(codes(scoreDimension('structure', h, M))).toContain('structure.single_person'); // 59 on 2026-11-01
    const later = ModelSchema.parse({ referenceDate: '2026-12-15' });
    expect(codes(scoreDimension('structure', h, later))).toContain('structure.elderly_alone'); // 60 that day
  });

  it('finds single parents, children without parental care and recent deaths', () => {
    const d = scoreDimension('structure', troubledHousehold(), M);
    expect(find(d, 'structure.single_parent')[0]?.reason).toBe('widowed head p2 raises 3 minor(s) without a spouse: −3');
    expect(find(d, 'structure.without_parental_care')[0]?.points).toBe(-4);
    expect(find(d, 'structure.recent_death')[0]?.reason).toBe('member p8 died on 2026-08-15: −2');
  });

  it('ignores members who died or moved away', () => {
    const h = ordinaryFamily();
    const before = scoreDimension('structure', h, M).score;
    const moved = with_(h, (x) => (x.persons[1]!.registered = false));
    expect(codes(scoreDimension('structure', moved, M))).toContain('structure.single_parent');
    expect(scoreDimension('structure', moved, M).score).toBeLessThan(before);
  });
});

describe('health', () => {
  it('names the member and the disease for a major disease', () => {
    const d = scoreDimension('health', with_(ordinaryFamily(), (h) => (h.persons[1]!.majorDiseases = ['leukaemia'])), M);
    expect(find(d, 'health.major_disease')[0]?.reason).toBe('member p2 diagnosed with leukaemia: −10');
    expect(codes(d)).toContain('health.earner_ill');
  });

  it('deducts less for each further seriously ill member', () => {
    const d = scoreDimension('health', with_(ordinaryFamily(), (h) => h.persons.forEach((p) => (p.majorDiseases = ['C34.9']))), M);
    expect(find(d, 'health.major_disease').map((i) => i.points)).toEqual([-10, -4, -4]);
    expect(d.score).toBe(0); // clamped
  });

  it('grades disability and care dependency', () => {
    const d = scoreDimension(
      'health',
      with_(ordinaryFamily(), (h) => {
        Object.assign(h.persons[0]!, { disabilityGrade: 2, disabilityType: 'physical', careDependency: 'full' });
        Object.assign(h.persons[2]!, { disabilityGrade: 4, disabilityType: 'intellectual' });
      }),
      M,
    );
    expect(find(d, 'health.disability_severe')[0]?.points).toBe(-5);
    expect(find(d, 'health.disability_mild')[0]?.points).toBe(-1);
    expect(find(d, 'health.care_full')[0]?.points).toBe(-4);
    expect(codes(d)).toContain('health.disability_cognitive');
  });

  it('caps the chronic-disease points', () => {
    const h = with_(troubledHousehold(), (x) => x.persons.forEach((p) => (p.chronicDiseases = ['I10'])));
    const d = scoreDimension('health', h, M);
    expect(find(d, 'health.chronic')[0]?.points).toBe(-M.weights.health.chronicCap);
  });
});

describe('property', () => {
  it('deducts for renting without a home and for no assets', () => {
    const d = scoreDimension('property', dibaoFamily(), M);
    expect(codes(d)).toEqual(expect.arrayContaining(['property.no_home', 'property.no_assets', 'property.no_savings']));
  });

  it('credits valuable assets and names them', () => {
    const d = scoreDimension('property', wealthyHousehold(), M);
    expect(find(d, 'property.valuable_vehicle')[0]?.reason).toBe('owns car 浙A88888 worth 350000 CNY since 2026-05-01: +4');
    expect(codes(d)).toEqual(expect.arrayContaining(['property.real_estate', 'property.business', 'property.declared_income', 'property.land', 'property.livestock']));
  });

  it('lets asset credits offset deductions, up to the maximum', () => {
    const poor = scoreDimension('property', dibaoFamily(), M).score;
    const withCar = scoreDimension('property', with_(dibaoFamily(), (h) => h.vehicles.push({ plate: '浙A00001', kind: 'car', valueCny: 200_000, registeredAt: '2026-10-01' })), M);
    // the car is an asset (credit) and ends the no-assets deduction
    expect(withCar.score).toBe(poor + M.weights.property.valuableVehicle + M.weights.property.noAssets);
    expect(scoreDimension('property', wealthyHousehold(), M).score).toBe(M.dimensionMax.property);
  });
});

describe('expenditure', () => {
  it('grades medical out-of-pocket at the model thresholds', () => {
    const oop = (amount: number) =>
      find(scoreDimension('expenditure', with_(ordinaryFamily(), (h) => (h.finances.medicalTotal = { year: 2026, amount })), M), 'expenditure.medical_oop')[0]?.points;
    expect(oop(4_999)).toBeUndefined();
    expect(oop(5_000)).toBe(-2);
    expect(oop(20_000)).toBe(-6);
    expect(oop(50_000)).toBe(-10);
  });

  it('nets insurance, critical-illness insurance and medical assistance of the same year out of the bill', () => {
    const h = with_(ordinaryFamily(), (x) => {
      x.finances.medicalTotal = { year: 2026, amount: 60_000 };
      x.finances.medicalInsurancePaid = { year: 2026, amount: 30_000 };
      x.finances.criticalIllnessPaid = { year: 2026, amount: 15_000 };
      x.finances.medicalAssistance = { year: 2025, amount: 15_000 }; // another year: does not count
    });
    expect(find(scoreDimension('expenditure', h, M), 'expenditure.medical_oop')[0]?.reason).toBe('medical out-of-pocket 15000 CNY in 2026: −2');
  });

  it('ignores yearly sums older than last year', () => {
    const h = with_(ordinaryFamily(), (x) => (x.finances.medicalTotal = { year: 2024, amount: 90_000 }));
    expect(scoreDimension('expenditure', h, M).indicators).toEqual([]);
  });

  it('grades net rent and tuition', () => {
    const d = scoreDimension('expenditure', troubledHousehold(), M);
    expect(find(d, 'expenditure.rent')[0]?.reason).toBe('net rent 2200 CNY/month: −3');
    expect(find(d, 'expenditure.tuition')[0]?.reason).toBe('net tuition 23000 CNY in 2026: −4');
  });
});

describe('employment', () => {
  it('deducts when able members have no work and income is below the dibao line', () => {
    const h = with_(ordinaryFamily(), (x) => x.persons.slice(0, 2).forEach((p) => Object.assign(p, { employment: 'unemployed', monthlyWage: 0 })));
    const d = scoreDimension('employment', h, M);
    expect(find(d, 'employment.none_employed')[0]?.points).toBe(-6);
    expect(find(d, 'employment.unemployed')[0]?.reason).toBe('2 members are unemployed: −4');
    expect(find(d, 'employment.income_below_dibao')[0]?.reason).toBe('earned 0 CNY/month per non-retired member, below dibao line 1240: −5');
  });

  it('grades income per member against the marginal and low lines', () => {
    const income = (wage: number) => codes(scoreDimension('employment', with_(ordinaryFamily(), (x) => ((x.persons[0]!.monthlyWage = wage), (x.persons[1]!.monthlyWage = 0))), M));
    expect(income(4_000)).toContain('employment.income_below_marginal'); // 1333/member
    expect(income(7_000)).toContain('employment.income_low'); // 2333/member
    expect(income(20_000)).toContain('employment.high_income');
  });
});

describe('other', () => {
  it('counts recent incidents by their worst severity and ignores old ones', () => {
    const d = scoreDimension('other', troubledHousehold(), M);
    expect(find(d, 'other.accident')).toHaveLength(1);
    expect(find(d, 'other.accident')[0]?.reason).toBe('fatal accident on 2026-10-01: −4');
    const old = with_(ordinaryFamily(), (h) => h.incidents.push({ kind: 'fire', at: Date.UTC(2024, 0, 1), severity: 'fatal', lossCny: 90_000 }));
    expect(scoreDimension('other', old, M).indicators).toEqual([]);
  });

  it('deducts for dangerous housing and school dropout', () => {
    const d = scoreDimension('other', with_(dibaoFamily(), (h) => ((h.housing.safety = 'D'), (h.persons[2]!.droppedOut = true))), M);
    expect(find(d, 'other.dangerous_housing')[0]?.points).toBe(-4);
    expect(find(d, 'other.dropout')[0]?.reason).toBe('member p3 dropped out of school: −3');
  });
});

describe('model weights', () => {
  it('are what the scorers use', () => {
    const m: Model = ModelSchema.parse({ weights: { health: { majorDisease: 15 } } });
    const d = scoreDimension('health', illEarnerFamily(), m);
    expect(find(d, 'health.major_disease')[0]?.points).toBe(-15);
  });
});

describe('reference dates', () => {
  it('isoDay formats epoch ms as the UTC day, like Date, without a clock', { tags: ['property'] }, async () => {
    const { isoDay } = await import('../dimensions/reference.js');
    assertProperty(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 11, 31) }), (ms) => {
        expect(isoDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
      }),
      { numRuns: 2000 },
    );
  });
});
