/**
 * Health (健康状况): diseases, disability, care dependency and hospital stays of the members.
 * Medical bills are an expenditure fact (medical claims touch only that dimension); accidents
 * are the `other` dimension's.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { ageAt, refOf } from './reference.js';
import { Tally, type IndicatorDef } from './tally.js';

export const HEALTH_INDICATORS: readonly IndicatorDef[] = [
  { code: 'health.major_disease', doc: 'a member diagnosed with a major disease (first, then each further)' },
  { code: 'health.earner_ill', doc: 'working-age head or spouse seriously ill or severely disabled' },
  { code: 'health.chronic', doc: 'members with chronic diseases (capped)' },
  { code: 'health.chronic_multi', doc: 'a member with three or more chronic diseases' },
  { code: 'health.disability_severe', doc: 'a member of disability grade 1–2' },
  { code: 'health.disability_moderate', doc: 'a member of disability grade 3' },
  { code: 'health.disability_mild', doc: 'a member of disability grade 4' },
  { code: 'health.disability_cognitive', doc: 'intellectual, mental or multiple disability' },
  { code: 'health.severe_mental', doc: 'a member with a severe mental illness' },
  { code: 'health.mental_risk', doc: 'a severe mental illness at risk level mentalRiskLevel or above' },
  { code: 'health.adl_severe', doc: 'a member with a Barthel ADL index at or below adlSevere' },
  { code: 'health.no_care_subsidy', doc: 'a member of disability grade 1–2 without the care subsidy' },
  { code: 'health.care_full', doc: 'a fully care-dependent member' },
  { code: 'health.care_partial', doc: 'a partly care-dependent member' },
  { code: 'health.inpatient_long', doc: 'inpatient stay of inpatientLongDays or more' },
  { code: 'health.inpatient', doc: 'inpatient stay of inpatientDays or more' },
  { code: 'health.frequent_admission', doc: 'frequentAdmissions admissions or more' },
  { code: 'health.child_ill', doc: 'a minor seriously ill or severely disabled' },
  { code: 'health.frail_elderly', doc: 'a very old member with a chronic disease' },
  { code: 'health.disability_support', doc: 'credit: every disabled member receives an allowance' },
];

export function scoreHealth(h: Household, model: Model): DimensionScore {
  const w = model.weights.health;
  const th = model.thresholds;
  const ag = model.ages;
  const ref = refOf(model);
  const t = new Tally();
  let majors = 0;
  let chronicMembers = 0;
  let chronicFirst = '';
  let chronicMultiId: string | null = null;
  let earnerIllId: string | null = null;
  let childIllId: string | null = null;
  let frailId: string | null = null;
  let cognitiveId: string | null = null;
  let riskId: string | null = null;
  let risk = 0;
  let adlId: string | null = null;
  let adl = 0;
  let noSubsidyId: string | null = null;
  let disabled = 0;
  let supported = 0;
  let maxDays = 0;
  let maxDaysId = '';
  let maxAdm = 0;
  let maxAdmId = '';
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    const age = ageAt(p.birthDate, ref);
    const md = p.majorDiseases;
    const grade = p.disabilityGrade;
    if (md.length > 0) {
      t.minus('health.major_disease', majors === 0 ? w.majorDisease : w.majorDiseaseFurther, `member ${p.id} diagnosed with ${md.join(', ')}`);
      majors++;
    }
    const severe = md.length > 0 || (grade > 0 && grade <= 2) || p.severeMentalIllness;
    if (severe && earnerIllId === null && (p.relation === 'head' || p.relation === 'spouse') && age >= ag.workFrom && age < (p.sex === 'F' ? ag.retireFemale : ag.retireMale)) {
      earnerIllId = p.id;
    }
    if (severe && childIllId === null && age < ag.adultFrom && (md.length > 0 || grade === 1 || grade === 2)) childIllId = p.id;
    const cd = p.chronicDiseases.length;
    if (cd > 0) {
      if (chronicMembers === 0) chronicFirst = p.id;
      chronicMembers++;
      if (cd >= 3 && chronicMultiId === null) chronicMultiId = p.id;
      if (age >= ag.oldOldFrom && frailId === null) frailId = p.id;
    }
    if (grade > 0) {
      disabled++;
      if (p.disabilityAllowanceMonthly > 0) supported++;
      if (grade <= 2) t.minus('health.disability_severe', w.disabilitySevere, `member ${p.id} has ${p.disabilityType} disability grade ${grade}`);
      else if (grade === 3) t.minus('health.disability_moderate', w.disabilityModerate, `member ${p.id} has ${p.disabilityType} disability grade 3`);
      else t.minus('health.disability_mild', w.disabilityMild, `member ${p.id} has ${p.disabilityType} disability grade 4`);
      const ty = p.disabilityType;
      if (cognitiveId === null && (ty === 'intellectual' || ty === 'mental' || ty === 'multiple')) cognitiveId = p.id;
      if (grade <= 2 && !p.disabilityCareSubsidy && noSubsidyId === null) noSubsidyId = p.id;
    }
    if (p.severeMentalIllness) {
      t.minus('health.severe_mental', w.severeMental, `member ${p.id} registered with a severe mental illness`);
      if (riskId === null && p.mentalRiskLevel >= th.mentalRiskLevel) {
        riskId = p.id;
        risk = p.mentalRiskLevel;
      }
    }
    const a = p.adlScore;
    if (a !== null && adlId === null && a <= th.adlSevere) {
      adlId = p.id;
      adl = a;
    }
    if (p.careDependency === 'full') t.minus('health.care_full', w.careFull, `member ${p.id} is fully care-dependent`);
    else if (p.careDependency === 'partial') t.minus('health.care_partial', w.carePartial, `member ${p.id} is partly care-dependent`);
    if (p.inpatientDays > maxDays) {
      maxDays = p.inpatientDays;
      maxDaysId = p.id;
    }
    if (p.admissions > maxAdm) {
      maxAdm = p.admissions;
      maxAdmId = p.id;
    }
  }
  if (earnerIllId !== null) t.minus('health.earner_ill', w.earnerIll, `working-age ${earnerIllId} (head or spouse) seriously ill or disabled`);
  if (chronicMembers > 0) {
    const p = Math.min(w.chronicCap, w.chronic * chronicMembers);
    t.minus('health.chronic', p, chronicMembers === 1 ? `member ${chronicFirst} has a chronic disease` : `${chronicMembers} members have chronic diseases`);
  }
  if (chronicMultiId !== null) t.minus('health.chronic_multi', w.chronicMulti, `member ${chronicMultiId} has three or more chronic diseases`);
  if (cognitiveId !== null) t.minus('health.disability_cognitive', w.disabilityCognitive, `member ${cognitiveId} has an intellectual, mental or multiple disability`);
  if (maxDays >= th.inpatientLongDays) t.minus('health.inpatient_long', w.inpatientLong, `member ${maxDaysId} spent ${maxDays} days in hospital`);
  else if (maxDays >= th.inpatientDays) t.minus('health.inpatient', w.inpatient, `member ${maxDaysId} spent ${maxDays} days in hospital`);
  if (maxAdm >= th.frequentAdmissions) t.minus('health.frequent_admission', w.frequentAdmission, `member ${maxAdmId} admitted ${maxAdm} times`);
  if (childIllId !== null) t.minus('health.child_ill', w.childIll, `minor ${childIllId} seriously ill or severely disabled`);
  if (frailId !== null) t.minus('health.frail_elderly', w.frailElderly, `very old member ${frailId} has a chronic disease`);
  if (riskId !== null) t.minus('health.mental_risk', w.mentalRisk, `member ${riskId}'s severe mental illness is at risk level ${risk}`);
  if (adlId !== null) t.minus('health.adl_severe', w.adlSevere, `member ${adlId} scores ${adl} on the ADL index (severe dependence)`);
  if (noSubsidyId !== null) t.minus('health.no_care_subsidy', w.noCareSubsidy, `severely disabled member ${noSubsidyId} receives no care subsidy`);
  if (disabled > 0 && supported === disabled) t.plus('health.disability_support', w.disabilitySupport, `all ${disabled} disabled member(s) receive an allowance`);
  return t.result('health', model.dimensionMax.health);
}
