import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, ModelSchema } from '../model.js';
import { needTypes } from '../needs.js';
import { scoreFull } from '../scoring/index.js';
import type { Household } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';
import { dibaoFamily, illEarnerFamily, ordinaryFamily, troubledHousehold } from './scoring-households.js';

const M = DEFAULT_MODEL;
const needs = (h: Household, m = M) => scoreFull(h, m).needTypes;
const with_ = (h: Household, f: (h: Household) => void): Household => {
  const c = structuredClone(h);
  f(c);
  return c;
};
const ordinaryAdults = () => with_(ordinaryFamily(), (x) => x.persons.pop());

describe('need types', () => {
  it('an ordinary family of skilled working adults needs nothing', () => {
    expect(needs(ordinaryAdults())).toEqual([]);
  });

  it('safety_net: registered households and very low income', () => {
    expect(needs(dibaoFamily())).toContain('safety_net');
    const poor = with_(ordinaryAdults(), (x) => x.persons.forEach((p) => (p.monthlyWage = 1000)));
    expect(needs(poor)).toContain('safety_net');
  });

  it('expenditure: rigid spending high against income', () => {
    const billed = with_(ordinaryAdults(), (x) => (x.finances.medicalTotal = { year: 2026, amount: 80_000 }));
    expect(needs(billed)).toContain('expenditure'); // 80k vs 144k income a year
    const small = with_(ordinaryAdults(), (x) => (x.finances.medicalTotal = { year: 2026, amount: 20_000 }));
    expect(needs(small)).not.toContain('expenditure');
    expect(needs(illEarnerFamily())).toContain('expenditure');
  });

  it('emergency: a recent death, disaster, fire, serious accident or lost dwelling; not an old one', () => {
    const at = (d: string) => Date.parse(`${d}T00:00:00Z`);
    const fire = with_(ordinaryAdults(), (x) => x.incidents.push({ kind: 'fire', at: at('2026-10-01'), severity: 'minor', lossCny: 0 }));
    expect(needs(fire)).toContain('emergency');
    const oldFire = with_(ordinaryAdults(), (x) => x.incidents.push({ kind: 'fire', at: at('2026-05-01'), severity: 'serious', lossCny: 0 }));
    expect(needs(oldFire)).not.toContain('emergency'); // more than emergencyDays (90) before 2026-11-01
    const minorAccident = with_(ordinaryAdults(), (x) => x.incidents.push({ kind: 'accident', at: at('2026-10-01'), severity: 'minor', lossCny: 0 }));
    expect(needs(minorAccident)).not.toContain('emergency');
    const death = with_(ordinaryAdults(), (x) => Object.assign(x.persons[1]!, { alive: false, deathDate: '2026-09-20' }));
    expect(needs(death)).toContain('emergency');
    expect(needs(illEarnerFamily())).toContain('emergency');
  });

  it('emergency windows follow the model and the reference date, not a clock', () => {
    const fire = with_(ordinaryAdults(), (x) => x.incidents.push({ kind: 'fire', at: Date.parse('2026-05-01T00:00:00Z'), severity: 'serious', lossCny: 0 }));
    expect(needs(fire, ModelSchema.parse({ needs: { emergencyDays: 200 } }))).toContain('emergency');
    expect(needs(fire, ModelSchema.parse({ referenceDate: '2026-05-15' }))).toContain('emergency');
  });

  it('development: able members unemployed or low-skilled, or children in school', () => {
    expect(needs(ordinaryFamily())).toContain('development'); // a pupil
    const unemployed = with_(ordinaryAdults(), (x) => Object.assign(x.persons[1]!, { employment: 'unemployed', monthlyWage: 0 }));
    expect(needs(unemployed)).toContain('development');
    const lowSkilled = with_(ordinaryAdults(), (x) => Object.assign(x.persons[1]!, { educationLevel: 'junior', skilled: false }));
    expect(needs(lowSkilled)).toContain('development');
  });

  it('care: elderly alone, severe disability, care dependency, children without parental care', () => {
    const alone = makeHousehold({ id: 'h', persons: [makePerson({ id: 'p1', birthDate: '1944-01-01', employment: 'retired', monthlyWage: 0, pensionMonthly: 3000 })] });
    expect(needs(alone)).toContain('care');
    expect(needs(with_(ordinaryAdults(), (x) => Object.assign(x.persons[0]!, { disabilityGrade: 1, disabilityType: 'visual' })))).toContain('care');
    expect(needs(with_(ordinaryAdults(), (x) => (x.persons[1]!.careDependency = 'partial')))).toContain('care');
    expect(needs(with_(ordinaryFamily(), (x) => (x.persons[2]!.withoutParentalCare = true)))).toContain('care');
    expect(needs(with_(ordinaryAdults(), (x) => Object.assign(x.persons[0]!, { disabilityGrade: 4, disabilityType: 'visual' })))).not.toContain('care');
  });

  it('the troubled household needs all five, in catalogue order', () => {
    expect(needs(troubledHousehold())).toEqual(['safety_net', 'expenditure', 'emergency', 'development', 'care']);
  });

  it('reads the scored profile it is given', () => {
    const h = ordinaryAdults();
    const s = scoreFull(h, M);
    expect(needTypes(h, { ...s, causes: { ...s.causes, illness: 4.5 } }, M)).toContain('emergency');
  });
});
