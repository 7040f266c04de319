import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { causeScores, halfStep } from '../causes.js';
import { DEFAULT_MODEL, ModelSchema } from '../model.js';
import { CAUSES, type Household } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';
import { ALL_HOUSEHOLDS, dibaoFamily, illEarnerFamily, ordinaryFamily, troubledHousehold } from './scoring-households.js';

const M = DEFAULT_MODEL;
const with_ = (h: Household, f: (h: Household) => void): Household => {
  const c = structuredClone(h);
  f(c);
  return c;
};

describe('Yuanzhou cause factors', () => {
  it('are nine scores from 0 to 5 in half steps', () => {
    for (const h of ALL_HOUSEHOLDS()) {
      const c = causeScores(h, M);
      expect(Object.keys(c)).toEqual([...CAUSES]);
      for (const v of Object.values(c)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(5);
        expect(v * 2).toBe(Math.round(v * 2));
      }
    }
  });

  it('halfStep floors to the half step and caps at 5', () => {
    expect(halfStep(1.74)).toBe(1.5);
    expect(halfStep(2)).toBe(2);
    expect(halfStep(7.5)).toBe(5);
    expect(halfStep(-1)).toBe(0);
  });

  it('scores an ordinary family near zero and the troubled household high', () => {
    const ok = causeScores(ordinaryFamily(), M);
    expect(Math.max(...Object.values(ok))).toBeLessThanOrEqual(0.5);
    const bad = causeScores(troubledHousehold(), M);
    expect(bad.housing).toBe(5); // uninhabitable = 无居所
    expect(bad.disability).toBeGreaterThanOrEqual(2);
    expect(bad.illness).toBeGreaterThanOrEqual(2);
  });

  describe('illness', () => {
    it('one seriously ill member → illness-driven (≥ 2)', () => {
      const h = with_(ordinaryFamily(), (x) => (x.persons[1]!.majorDiseases = ['C50.9']));
      expect(causeScores(h, M).illness).toBeGreaterThanOrEqual(2);
      expect(causeScores(illEarnerFamily(), M).illness).toBeGreaterThanOrEqual(2);
    });

    it('is graded: a chronic disease alone gives 1, a second chronic member 1.5, no illness 0', () => {
      const one = with_(ordinaryFamily(), (x) => (x.persons[0]!.chronicDiseases = ['I10']));
      expect(causeScores(ordinaryFamily(), M).illness).toBe(0);
      expect(causeScores(one, M).illness).toBe(1);
      expect(causeScores(with_(one, (x) => (x.persons[1]!.chronicDiseases = ['E11'])), M).illness).toBe(1.5);
    });

    it('rises with several seriously ill members and caps at 5 (多人大病)', () => {
      const h = with_(ordinaryFamily(), (x) => x.persons.forEach((p) => ((p.majorDiseases = ['C34.9']), (p.chronicDiseases = ['I10']))));
      expect(causeScores(h, M).illness).toBe(5);
    });

    it('adds half a point for large out-of-pocket bills', () => {
      const ill = with_(ordinaryFamily(), (x) => (x.persons[1]!.majorDiseases = ['C50.9']));
      const billed = with_(ill, (x) => (x.finances.medicalTotal = { year: 2026, amount: 40_000 }));
      expect(causeScores(billed, M).illness - causeScores(ill, M).illness).toBe(0.5);
    });
  });

  describe('disability', () => {
    it('one member of grade 2 → disability-driven (≥ 2)', () => {
      const h = with_(ordinaryFamily(), (x) => Object.assign(x.persons[0]!, { disabilityGrade: 2, disabilityType: 'physical', disabilityAllowanceMonthly: 200 }));
      expect(causeScores(h, M).disability).toBe(2);
    });

    it('two members of grade 3 → disability-driven (≥ 2); one of grade 3 with allowance is below', () => {
      const one = with_(ordinaryFamily(), (x) => Object.assign(x.persons[0]!, { disabilityGrade: 3, disabilityType: 'physical', disabilityAllowanceMonthly: 200 }));
      expect(causeScores(one, M).disability).toBeLessThan(2);
      const two = with_(one, (x) => Object.assign(x.persons[1]!, { disabilityGrade: 3, disabilityType: 'hearing', disabilityAllowanceMonthly: 200 }));
      expect(causeScores(two, M).disability).toBeGreaterThanOrEqual(2);
    });

    it('is 0 without disability and 5 with several severe disabilities (多人重大残疾)', () => {
      expect(causeScores(ordinaryFamily(), M).disability).toBe(0);
      const h = with_(ordinaryFamily(), (x) => x.persons.forEach((p) => Object.assign(p, { disabilityGrade: 1, disabilityType: 'multiple' })));
      expect(causeScores(h, M).disability).toBe(5);
    });
  });

  describe('education', () => {
    it('grades by school stage and makes an economic dropout severe', () => {
      expect(causeScores(ordinaryFamily(), M).education).toBe(0.5); // one pupil
      const uni = with_(ordinaryFamily(), (x) => (x.persons[2]!.schoolStage = 'university'));
      expect(causeScores(uni, M).education).toBe(1.5);
      const dropout = with_(ordinaryFamily(), (x) => Object.assign(x.persons[2]!, { schoolStage: 'none', droppedOut: true }));
      expect(causeScores(dropout, M).education).toBe(3);
    });
  });

  describe('housing', () => {
    it('grades housing safety and renting; no dwelling is 5', () => {
      expect(causeScores(ordinaryFamily(), M).housing).toBe(0);
      expect(causeScores(dibaoFamily(), M).housing).toBe(2); // B 0.5 + renting 1 + cramped 0.5
      expect(causeScores(with_(ordinaryFamily(), (x) => (x.housing.safety = 'D')), M).housing).toBe(3);
      expect(causeScores(with_(ordinaryFamily(), (x) => (x.housing.uninhabitable = true)), M).housing).toBe(5);
    });
  });

  describe('disaster', () => {
    it('counts recent disasters and fires by severity and loss, not accidents or old events', () => {
      const at = Date.UTC(2026, 5, 1);
      const d = (i: Household['incidents'][number]) => causeScores(with_(ordinaryFamily(), (x) => x.incidents.push(i)), M).disaster;
      expect(d({ kind: 'disaster', at, severity: 'minor', lossCny: 0 })).toBe(1);
      expect(d({ kind: 'fire', at, severity: 'serious', lossCny: 0 })).toBe(2);
      expect(d({ kind: 'accident', at, severity: 'fatal', lossCny: 0 })).toBe(0);
      expect(d({ kind: 'disaster', at: Date.UTC(2023, 0, 1), severity: 'fatal', lossCny: 0 })).toBe(0);
      const loss = with_(ordinaryFamily(), (x) => ((x.incidents.push({ kind: 'disaster', at, severity: 'serious', lossCny: 0 })), (x.finances.disasterLoss = { year: 2026, amount: 60_000 })));
      expect(causeScores(loss, M).disaster).toBe(3);
    });
  });

  describe('employment, skills and labour', () => {
    it('employment: 0 when all able members work, 5 when nobody does (无人就业)', () => {
      expect(causeScores(ordinaryFamily(), M).employment).toBe(0);
      const none = with_(ordinaryFamily(), (x) => x.persons.slice(0, 2).forEach((p) => Object.assign(p, { employment: 'unemployed', monthlyWage: 0 })));
      expect(causeScores(none, M).employment).toBe(5);
      const half = with_(ordinaryFamily(), (x) => Object.assign(x.persons[1]!, { employment: 'unemployed', monthlyWage: 0 }));
      expect(causeScores(half, M).employment).toBe(2);
    });

    it('skills: grows with able adults of low education and no certificate', () => {
      expect(causeScores(ordinaryFamily(), M).skills).toBe(0);
      const low = with_(ordinaryFamily(), (x) => x.persons.slice(0, 2).forEach((p) => Object.assign(p, { skilled: false, educationLevel: 'primary' })));
      expect(causeScores(low, M).skills).toBe(2.5);
    });

    it('labour: grows with dependants per able member; nobody able to work is severe', () => {
      expect(causeScores(ordinaryFamily(), M).labour).toBe(0.5);
      const alone = makeHousehold({ id: 'h', persons: [makePerson({ id: 'p1', birthDate: '1940-01-01', employment: 'retired' })] });
      expect(causeScores(alone, M).labour).toBe(3);
      expect(causeScores(illEarnerFamily(), M).labour).toBe(2);
    });
  });

  describe('other', () => {
    it('reflects the assistance category and special circumstances', () => {
      expect(causeScores(ordinaryFamily(), M).other).toBe(0);
      expect(causeScores(dibaoFamily(), M).other).toBe(1);
      expect(causeScores(troubledHousehold(), M).other).toBe(5);
    });
  });

  it('uses the model weights', () => {
    const m = ModelSchema.parse({ causes: { majorDisease: 4 } });
    const h = with_(ordinaryFamily(), (x) => (x.persons[1]!.majorDiseases = ['C50.9']));
    expect(causeScores(h, m).illness).toBe(4);
  });

  it('never decrease when a member falls seriously ill or becomes disabled (fast-check)', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom(1, 2, 3, 4 as const), (base, who, grade) => {
        const h = ALL_HOUSEHOLDS()[base]!;
        const before = causeScores(h, M);
        const after = causeScores(
          with_(h, (x) => {
            const p = x.persons[who % x.persons.length]!;
            p.majorDiseases = [...p.majorDiseases, 'C34.9'];
            p.disabilityGrade = p.disabilityGrade === 0 ? grade : (Math.min(p.disabilityGrade, grade) as 1 | 2 | 3 | 4);
          }),
          M,
        );
        expect(after.illness).toBeGreaterThanOrEqual(before.illness);
        expect(after.disability).toBeGreaterThanOrEqual(before.disability);
      }),
    );
  });
});
