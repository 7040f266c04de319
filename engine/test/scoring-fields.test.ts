/**
 * The indicators over facts that later department records carry (ADL index, mental-illness risk
 * level, care subsidy, unemployment date, insurance base, pension type, deep hardship, dropout
 * reason): each is set by its department's update through applyFacts and moves its dimension,
 * with a reason line naming the fact.
 */
import { describe, expect, it } from 'vitest';
import { applyFacts } from '../apply/index.js';
import { DEFAULT_MODEL } from '../model.js';
import { scoreDimension, scoreFull } from '../scoring/index.js';
import type { Dimension, Household, Update } from '../types.js';
import { family, update } from './apply-support.js';
import { makePerson } from './fixtures.js';

const M = DEFAULT_MODEL;

function applied(h: Household, u: Update): Household {
  const a = applyFacts(h, u);
  if (!a.ok) throw new Error(a.message);
  return a.household;
}

const indicator = (h: Household, dim: Dimension, code: string) => scoreDimension(dim, h, M).indicators.find((i) => i.code === code);

describe('indicators over department facts', () => {
  it('health.adl_severe: a care assessment with a Barthel index at or below 40', () => {
    const h = family();
    const low = applied(h, update('care_dependency_assessed', { level: 'partial', adlScore: 35 }, 'P4'));
    expect(indicator(low, 'health', 'health.adl_severe')?.reason).toBe('member P4 scores 35 on the ADL index (severe dependence): −1');
    const fair = applied(h, update('care_dependency_assessed', { level: 'partial', adlScore: 65 }, 'P4'));
    expect(indicator(fair, 'health', 'health.adl_severe')).toBeUndefined();
    // a new assessment at the same care level still records the index
    expect(indicator(applied(fair, update('care_dependency_assessed', { level: 'partial', adlScore: 20 }, 'P4')), 'health', 'health.adl_severe')?.points).toBe(-1);
  });

  it('health.mental_risk: a severe mental illness registered at risk level 3 or above, updated on re-registration', () => {
    const h = family();
    const calm = applied(h, update('severe_mental_illness_registered', { riskLevel: 1 }, 'P2'));
    expect(indicator(calm, 'health', 'health.severe_mental')).toBeDefined();
    expect(indicator(calm, 'health', 'health.mental_risk')).toBeUndefined();
    const risky = applied(calm, update('severe_mental_illness_registered', { riskLevel: 4 }, 'P2'));
    expect(indicator(risky, 'health', 'health.mental_risk')?.reason).toBe("member P2's severe mental illness is at risk level 4: −2");
    expect(scoreDimension('health', risky, M).score).toBeLessThan(scoreDimension('health', calm, M).score);
  });

  it('health.no_care_subsidy: a grade 1–2 member without the care subsidy, cleared by granting it', () => {
    const h = applied(family(), update('disability_certified', { grade: 1, type: 'physical' }, 'P4'));
    expect(indicator(h, 'health', 'health.no_care_subsidy')?.reason).toBe('severely disabled member P4 receives no care subsidy: −1');
    const living = applied(h, update('disability_allowance_granted', { allowance: 'living_subsidy', monthlyCny: 300 }, 'P4'));
    expect(indicator(living, 'health', 'health.no_care_subsidy')).toBeDefined();
    const both = applied(h, update('disability_allowance_granted', { allowance: 'both', monthlyCny: 600 }, 'P4'));
    expect(indicator(both, 'health', 'health.no_care_subsidy')).toBeUndefined();
    // a grade 3 member is not eligible for it, so nothing is missing
    expect(indicator(applied(family(), update('disability_certified', { grade: 3, type: 'physical' }, 'P4')), 'health', 'health.no_care_subsidy')).toBeUndefined();
  });

  it('employment.long_unemployed: registered unemployed a year or more before the reference date; new work clears it', () => {
    const h = family();
    const longAgo = applied(h, update('unemployment_registered', { registeredAt: '2025-06-30' }, 'P1'));
    expect(indicator(longAgo, 'employment', 'employment.long_unemployed')?.reason).toBe('member P1 registered unemployed since 2025-06-30: −2');
    const recent = applied(h, update('unemployment_registered', { registeredAt: '2026-03-01' }, 'P1'));
    expect(recent.persons[0]?.unemployedSince).toBe('2026-03-01');
    expect(indicator(recent, 'employment', 'employment.long_unemployed')).toBeUndefined();
    const hired = applied(longAgo, update('employment_registered', { employmentType: 'employed', monthlyWageCny: 4200 }, 'P1'));
    expect(hired.persons[0]?.unemployedSince).toBeNull();
    expect(indicator(hired, 'employment', 'employment.long_unemployed')).toBeUndefined();
  });

  it('employment.low_insurance_base: a worker insured on a base below the minimum wage', () => {
    const h = family();
    const low = applied(h, update('social_insurance_contribution', { baseCny: 2000, months: 1 }, 'P1'));
    expect(indicator(low, 'employment', 'employment.low_insurance_base')?.reason).toBe('1 worker(s) insured on a base below 2490 CNY/month: −1');
    const fair = applied(h, update('social_insurance_contribution', { baseCny: 4000, months: 1 }, 'P1'));
    expect(indicator(fair, 'employment', 'employment.low_insurance_base')).toBeUndefined();
  });

  it('property.employee_pension: credit for an employee or institution pension, not for the basic resident pension', () => {
    const h = family();
    const employee = applied(h, update('pension_paid', { pensionType: 'urban_employee', monthlyCny: 3800 }, 'P4'));
    expect(indicator(employee, 'property', 'property.employee_pension')?.reason).toBe('1 member(s) draw an employee or institution pension: +1');
    const resident = applied(h, update('pension_paid', { pensionType: 'urban_rural_resident', monthlyCny: 260 }, 'P4'));
    expect(indicator(resident, 'property', 'property.employee_pension')).toBeUndefined();
    expect(scoreDimension('property', employee, M).score).toBeGreaterThan(scoreDimension('property', resident, M).score);
  });

  it('source.deep_hardship: deep hardship weighs on top of hardship', () => {
    const h = family();
    const hardship = applied(h, update('hardship_worker_registered', { level: 'hardship' }, 'P1'));
    const deep = applied(h, update('hardship_worker_registered', { level: 'deep_hardship' }, 'P1'));
    expect(indicator(hardship, 'source', 'source.deep_hardship')).toBeUndefined();
    expect(indicator(deep, 'source', 'source.deep_hardship')?.reason).toBe('member P1 registered in deep hardship: −1');
    expect(scoreDimension('source', deep, M).score).toBe(scoreDimension('source', hardship, M).score - 1);
  });

  it('other.dropout_financial: leaving school for financial reasons (因经济条件辍学), cleared on re-enrolment', () => {
    const h = family();
    const poor = applied(h, update('student_dropout', { reason: 'financial' }, 'P3'));
    expect(indicator(poor, 'other', 'other.dropout_financial')?.reason).toBe('member P3 left school for financial reasons: −1');
    const academic = applied(h, update('student_dropout', { reason: 'academic' }, 'P3'));
    expect(indicator(academic, 'other', 'other.dropout')).toBeDefined();
    expect(indicator(academic, 'other', 'other.dropout_financial')).toBeUndefined();
    const back = applied(poor, update('student_enrolled', { stage: 'junior' }, 'P3'));
    expect(back.persons[2]?.dropoutReason).toBeNull();
    expect(indicator(back, 'other', 'other.dropout_financial')).toBeUndefined();
  });

  it('households stored before these fields existed score as if the facts were not on record', () => {
    const h = family();
    const old = structuredClone(h) as unknown as { persons: Record<string, unknown>[] };
    for (const p of old.persons) for (const k of ['adlScore', 'mentalRiskLevel', 'disabilityCareSubsidy', 'insuranceBaseMonthly', 'unemployedSince', 'pensionType', 'deepHardship', 'dropoutReason']) delete p[k];
    expect(scoreFull(old as unknown as Household, M)).toEqual(scoreFull(h, M));
  });
});

describe('reason lines', () => {
  it('show money and areas in whole units and land to one decimal', () => {
    const h = family();
    h.finances.medicalTotal = { year: 2026, amount: 61_234.56 };
    h.finances.medicalInsurancePaid = { year: 2026, amount: 10_000.3 };
    h.housing = { ...h.housing, areaM2: 50.75 };
    h.landMu = 2.25;
    h.rural = true;
    h.persons.push(makePerson({ id: 'P5', relation: 'other', providentFundBalance: 99.9 }));
    const reasons = Object.values(scoreFull(h, M).dimensions).flatMap((d) => d.indicators.map((i) => i.reason));
    expect(reasons).toContain('medical out-of-pocket 51234 CNY in 2026: −10');
    expect(reasons).toContain('51 m² for 5 members: −1');
    expect(reasons.find((r) => r.startsWith('2.3 mu of land earned'))).toBeDefined();
    for (const r of reasons) expect(r, r).not.toMatch(/\d\.\d{2,}/);
  });
});
