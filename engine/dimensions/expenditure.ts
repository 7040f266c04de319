/**
 * Rigid expenditure (支出情况): medical out-of-pocket, tuition and rent net of the grants and
 * subsidies that offset them, in CNY this (or last) year. Absolute and per-member amounts only:
 * income is another dimension's fact, so comparing to income is left to need types and alerts.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { recentAmount, refOf } from './reference.js';
import { Tally, whole, type IndicatorDef } from './tally.js';

export const EXPENDITURE_INDICATORS: readonly IndicatorDef[] = [
  { code: 'expenditure.medical_oop', doc: 'medical out-of-pocket this year, graded low / mid / high' },
  { code: 'expenditure.medical_total_high', doc: 'total medical bills at medicalTotalHighCny or more' },
  { code: 'expenditure.medical_uncovered', doc: 'share of the bill left to pay at medicalUncoveredShare or more' },
  { code: 'expenditure.tuition', doc: 'net tuition this year, graded low / mid / high' },
  { code: 'expenditure.student_fees', doc: 'students with fees of studentFeeCny or more and no grant' },
  { code: 'expenditure.rent', doc: 'net monthly rent, graded' },
  { code: 'expenditure.rigid_burden', doc: 'medical + tuition + rent per member at rigidPerCapitaCny or more' },
  { code: 'expenditure.temporary_assistance', doc: 'temporary assistance this or last year: a crisis needed cash' },
  { code: 'expenditure.medical_assistance', doc: 'credit: medical assistance received' },
  { code: 'expenditure.regular_assistance', doc: 'credit: regular assistance of assistanceOffsetCny or more per month' },
  { code: 'expenditure.housing_subsidy', doc: 'credit: housing subsidy received' },
  { code: 'expenditure.care_subsidy', doc: 'credit: elderly care subsidy received' },
];

export function scoreExpenditure(h: Household, model: Model): DimensionScore {
  const w = model.weights.expenditure;
  const th = model.thresholds;
  const ref = refOf(model);
  const f = h.finances;
  const t = new Tally();
  let n = 0;
  let unfunded = 0;
  let unfundedId = '';
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    n++;
    if (p.tuitionAnnual >= th.studentFeeCny && p.educationGrantAnnual === 0) {
      if (unfunded === 0) unfundedId = p.id;
      unfunded++;
    }
  }
  const total = recentAmount(f.medicalTotal, ref);
  const y = f.medicalTotal.year;
  const covered =
    (f.medicalInsurancePaid.year === y ? f.medicalInsurancePaid.amount : 0) +
    (f.criticalIllnessPaid.year === y ? f.criticalIllnessPaid.amount : 0) +
    (f.medicalAssistance.year === y ? f.medicalAssistance.amount : 0);
  const oop = total > covered ? total - covered : 0;
  if (oop >= th.medicalOopHighCny) t.minus('expenditure.medical_oop', w.medicalOopHigh, `medical out-of-pocket ${whole(oop)} CNY in ${y}`);
  else if (oop >= th.medicalOopMidCny) t.minus('expenditure.medical_oop', w.medicalOopMid, `medical out-of-pocket ${whole(oop)} CNY in ${y}`);
  else if (oop >= th.medicalOopLowCny) t.minus('expenditure.medical_oop', w.medicalOopLow, `medical out-of-pocket ${whole(oop)} CNY in ${y}`);
  if (total >= th.medicalTotalHighCny) t.minus('expenditure.medical_total_high', w.medicalTotalHigh, `medical bills ${whole(total)} CNY in ${y}`);
  if (total >= th.medicalOopLowCny && oop / total >= th.medicalUncoveredShare) {
    t.minus('expenditure.medical_uncovered', w.medicalUncovered, `${Math.round((oop / total) * 100)}% of ${whole(total)} CNY medical bills unpaid by insurance`);
  }
  const tuition = recentAmount(f.tuition, ref);
  const grants = f.educationGrants.year === f.tuition.year ? f.educationGrants.amount : 0;
  const netTuition = tuition > grants ? tuition - grants : 0;
  if (netTuition >= th.tuitionHighCny) t.minus('expenditure.tuition', w.tuitionHigh, `net tuition ${whole(netTuition)} CNY in ${f.tuition.year}`);
  else if (netTuition >= th.tuitionMidCny) t.minus('expenditure.tuition', w.tuitionMid, `net tuition ${whole(netTuition)} CNY in ${f.tuition.year}`);
  else if (netTuition >= th.tuitionLowCny) t.minus('expenditure.tuition', w.tuitionLow, `net tuition ${whole(netTuition)} CNY in ${f.tuition.year}`);
  if (unfunded > 0) {
    t.minus('expenditure.student_fees', w.studentFees * Math.min(2, unfunded), unfunded === 1 ? `student ${unfundedId} pays fees without a grant` : `${unfunded} students pay fees without a grant`);
  }
  const netRent = f.rentMonthly - f.housingSubsidyMonthly;
  if (netRent >= th.rentHighCny) t.minus('expenditure.rent', w.rentHigh, `net rent ${whole(netRent)} CNY/month`);
  else if (netRent >= th.rentMidCny) t.minus('expenditure.rent', w.rentMid, `net rent ${whole(netRent)} CNY/month`);
  else if (netRent > 0) t.minus('expenditure.rent', w.rentLow, `net rent ${whole(netRent)} CNY/month`);
  const rigid = oop + netTuition + (netRent > 0 ? netRent * 12 : 0);
  if (n > 0 && rigid / n >= th.rigidPerCapitaCny) {
    t.minus('expenditure.rigid_burden', w.rigidBurden, `rigid spending ${Math.round(rigid / n)} CNY per member this year`);
  }
  const temp = recentAmount(f.temporaryAssistance, ref);
  if (temp > 0) t.minus('expenditure.temporary_assistance', w.temporaryAssistance, `temporary assistance ${whole(temp)} CNY in ${f.temporaryAssistance.year}`);
  const assist = recentAmount(f.medicalAssistance, ref);
  if (assist > 0) t.plus('expenditure.medical_assistance', w.medicalAssistance, `medical assistance ${whole(assist)} CNY in ${f.medicalAssistance.year}`);
  if (f.assistanceMonthly >= th.assistanceOffsetCny) t.plus('expenditure.regular_assistance', w.regularAssistance, `regular assistance ${whole(f.assistanceMonthly)} CNY/month`);
  if (f.housingSubsidyMonthly > 0) t.plus('expenditure.housing_subsidy', w.housingSubsidy, `housing subsidy ${whole(f.housingSubsidyMonthly)} CNY/month`);
  if (f.elderlyCareSubsidyMonthly > 0) t.plus('expenditure.care_subsidy', w.careSubsidy, `elderly care subsidy ${whole(f.elderlyCareSubsidyMonthly)} CNY/month`);
  return t.result('expenditure', model.dimensionMax.expenditure);
}
