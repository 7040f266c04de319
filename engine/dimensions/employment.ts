/**
 * Employment (就业情况): who of working age works, how stably and for how much, and the earned
 * income (wages, unemployment benefit) per member who lives on it, against the assistance lines.
 * Retired members live on pensions, which the property dimension scores; pensions are not read
 * here because pension updates touch only that dimension.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { ageAt, monthsSince, refOf } from './reference.js';
import { Tally, whole, type IndicatorDef } from './tally.js';

export const EMPLOYMENT_INDICATORS: readonly IndicatorDef[] = [
  { code: 'employment.none_employed', doc: 'members could work but none works' },
  { code: 'employment.unemployed', doc: 'unemployed working-age members' },
  { code: 'employment.long_unemployed', doc: 'a member registered unemployed for longUnemployedMonths or more' },
  { code: 'employment.unable', doc: 'working-age members unable to work' },
  { code: 'employment.income_below_dibao', doc: 'earned income per member below the dibao line' },
  { code: 'employment.income_below_marginal', doc: 'earned income per member below the marginal line' },
  { code: 'employment.income_low', doc: 'earned income per member below the low-income line' },
  { code: 'employment.flexible_only', doc: 'only flexible or farm work, no stable job' },
  { code: 'employment.low_wage', doc: 'employees paid below the minimum wage' },
  { code: 'employment.uninsured', doc: 'workers with fewer than insuredMonths of social insurance' },
  { code: 'employment.low_insurance_base', doc: 'workers insured on a base below the minimum wage' },
  { code: 'employment.public_welfare_post', doc: 'a member on a subsidised public-welfare post' },
  { code: 'employment.low_education', doc: 'working-age members with at most primary education' },
  { code: 'employment.unskilled', doc: 'no working-age member skilled or college-educated' },
  { code: 'employment.elderly_working', doc: 'a member past retirement age still working' },
  { code: 'employment.unemployment_benefit', doc: 'credit: unemployment benefit received' },
  { code: 'employment.provident_fund', doc: 'credit: a member pays into the provident fund' },
  { code: 'employment.high_income', doc: 'credit: earned income per member at or above the comfortable line' },
];

export function scoreEmployment(h: Household, model: Model): DimensionScore {
  const w = model.weights.employment;
  const th = model.thresholds;
  const ag = model.ages;
  const lines = model.lines;
  const ref = refOf(model);
  const t = new Tally();
  let n = 0;
  let dependent = 0;
  let earned = 0;
  let able = 0;
  let workers = 0;
  let stable = 0;
  let unemployed = 0;
  let unemployedId = '';
  let unable = 0;
  let unableId = '';
  let lowWage = 0;
  let uninsured = 0;
  let lowBase = 0;
  let longId: string | null = null;
  let longSince = '';
  let lowEdu = 0;
  let skilled = 0;
  let welfareId: string | null = null;
  let elderlyWorkerId: string | null = null;
  let benefit = 0;
  let provident = 0;
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    n++;
    earned += p.monthlyWage + p.unemploymentBenefitMonthly;
    benefit += p.unemploymentBenefitMonthly;
    if (p.providentFundMonthly > 0) provident++;
    const age = ageAt(p.birthDate, ref);
    const e = p.employment;
    if (e !== 'retired') dependent++;
    const working = e === 'employed' || e === 'self_employed' || e === 'farmer' || e === 'flexible';
    if (working) {
      workers++;
      if (e === 'employed' || e === 'self_employed') stable++;
      if (e === 'employed' && p.monthlyWage > 0 && p.monthlyWage < lines.minimumWageMonthly) lowWage++;
      if (p.socialInsuranceMonths < th.insuredMonths) uninsured++;
      const base = p.insuranceBaseMonthly;
      if (base > 0 && base < lines.minimumWageMonthly) lowBase++;
      if (p.publicWelfarePost && welfareId === null) welfareId = p.id;
    }
    if (age >= ag.workFrom && age < (p.sex === 'F' ? ag.retireFemale : ag.retireMale)) {
      if (e === 'unable') {
        if (unable === 0) unableId = p.id;
        unable++;
      } else if (e !== 'student' && e !== 'child' && e !== 'retired') {
        able++;
        if (e === 'unemployed') {
          if (unemployed === 0) unemployedId = p.id;
          unemployed++;
          const since = p.unemployedSince;
          if (since != null && longId === null && monthsSince(since, ref) >= th.longUnemployedMonths) {
            longId = p.id;
            longSince = since;
          }
        }
        if (p.educationLevel === 'none' || p.educationLevel === 'primary') lowEdu++;
        if (p.skilled || p.educationLevel === 'college') skilled++;
      }
    } else if (working && age >= ag.elderlyFrom && elderlyWorkerId === null) {
      elderlyWorkerId = p.id;
    }
  }
  if (able > 0 && workers === 0) t.minus('employment.none_employed', w.noneEmployed, `none of ${able} member(s) able to work has work`);
  if (unemployed > 0) t.minus('employment.unemployed', w.unemployed * Math.min(2, unemployed), unemployed === 1 ? `member ${unemployedId} is unemployed` : `${unemployed} members are unemployed`);
  if (longId !== null) t.minus('employment.long_unemployed', w.longUnemployed, `member ${longId} registered unemployed since ${longSince}`);
  if (unable > 0) t.minus('employment.unable', w.unable * Math.min(2, unable), unable === 1 ? `working-age member ${unableId} cannot work` : `${unable} working-age members cannot work`);
  const perCapita = dependent > 0 ? earned / dependent : 0;
  if (dependent > 0) {
    if (perCapita < lines.dibaoMonthly) t.minus('employment.income_below_dibao', w.incomeBelowDibao, `earned ${Math.round(perCapita)} CNY/month per non-retired member, below dibao line ${lines.dibaoMonthly}`);
    else if (perCapita < lines.marginalMonthly) t.minus('employment.income_below_marginal', w.incomeBelowMarginal, `earned ${Math.round(perCapita)} CNY/month per non-retired member, below marginal line ${lines.marginalMonthly}`);
    else if (perCapita < lines.lowMonthly) t.minus('employment.income_low', w.incomeLow, `earned ${Math.round(perCapita)} CNY/month per non-retired member, below ${lines.lowMonthly}`);
  }
  if (workers > 0 && stable === 0) t.minus('employment.flexible_only', w.flexibleOnly, `${workers} worker(s), none in stable employment`);
  if (lowWage > 0) t.minus('employment.low_wage', w.lowWage * Math.min(2, lowWage), `${lowWage} employee(s) paid below ${lines.minimumWageMonthly} CNY/month`);
  if (uninsured > 0) t.minus('employment.uninsured', w.uninsured * Math.min(2, uninsured), `${uninsured} worker(s) with under ${th.insuredMonths} months of social insurance`);
  if (lowBase > 0) t.minus('employment.low_insurance_base', w.lowInsuranceBase * Math.min(2, lowBase), `${lowBase} worker(s) insured on a base below ${lines.minimumWageMonthly} CNY/month`);
  if (welfareId !== null) t.minus('employment.public_welfare_post', w.publicWelfarePost, `member ${welfareId} holds a public-welfare post`);
  if (lowEdu > 0) t.minus('employment.low_education', w.lowEducation * Math.min(2, lowEdu), `${lowEdu} working-age member(s) with at most primary education`);
  if (able > 0 && skilled === 0) t.minus('employment.unskilled', w.unskilled, 'no working-age member holds a skill certificate or college degree');
  if (elderlyWorkerId !== null) t.minus('employment.elderly_working', w.elderlyWorking, `member ${elderlyWorkerId} still works past retirement age`);
  if (benefit > 0) t.plus('employment.unemployment_benefit', w.unemploymentBenefit, `unemployment benefit ${whole(benefit)} CNY/month`);
  if (provident > 0) t.plus('employment.provident_fund', w.providentFund, `${provident} member(s) pay into the provident fund`);
  if (dependent > 0 && perCapita >= lines.comfortableMonthly) t.plus('employment.high_income', w.highIncome, `earned ${Math.round(perCapita)} CNY/month per non-retired member`);
  return t.result('employment', model.dimensionMax.employment);
}
