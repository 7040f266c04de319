/**
 * Yuanzhou cause factors (致困因子, seed 003): nine scores 0–5 in half steps, 0 = no problem.
 * Each factor adds half-point weights (`model.causes`) for the facts below and is capped at 5;
 * fractions are floored to the half step. "Recent" = within thresholds.recentDays of the
 * reference date; "able" = working age, not a student/child/retired and not `unable`.
 *
 * | factor     | adds (default weights)                                                                       | reads dims              |
 * | ---------- | -------------------------------------------------------------------------------------------- | ----------------------- |
 * | illness    | chronic member 1, each further +0.5 (≤ +1); seriously ill member 2, each further 1.5;       | health, expenditure     |
 * |            | severe mental illness 1; long inpatient stay 0.5; out-of-pocket ≥ mid tier 0.5;            |                         |
 * |            | only a hospital admission (no chronic/major disease) 0.5                                    |                         |
 * | disability | per member: grade 1 → 3, grade 2 → 2, grade 3 → 1, grade 4 → 0.5; intellectual/mental/      | health                  |
 * |            | multiple 0.5; a disabled member without allowance 0.5; disabled and care-dependent 1 / 0.5  |                         |
 * | education  | per pupil (preschool–junior) 0.5, senior/vocational 1, university 1.5; net tuition ≥ low 0.5, | structure, expenditure, |
 * |            | ≥ high +0.5; per school-age dropout 3 (因经济条件辍学 = 5 with schooling)                      | other                   |
 * | housing    | safety B 0.5 / C 1.5 / D 3; renting privately 1; public rental 0.5; cramped 0.5;            | property, other         |
 * |            | uninhabitable (无居所) 5                                                                    |                         |
 * | disaster   | worst recent disaster or fire: minor 1, serious 2, fatal 3; disaster loss ≥ low 0.5, ≥ high 1 | other                   |
 * | employment | 4 × unemployed share of able members; nobody working though someone is able +1 (= 5);       | employment              |
 * |            | each flexible or public-welfare-post worker 0.5 (≤ 1)                                       |                         |
 * | skills     | per able adult without certificate: ≤ primary 1, junior 0.5; no able adult qualified 0.5    | employment              |
 * | labour     | nobody able to work: 3 + 0.5 per further member; else 1 × dependants per able member (≤ 4.5) | employment, health      |
 * | other      | enrolled extreme poverty 1.5 / dibao 1 / marginal or high-risk source 0.5; elderly member   | source, structure,      |
 * |            | 0.5; single parent (head without spouse) 0.5; child without parental care 1; recent death 0.5; recent accident     | other                   |
 * |            | 0.5; 0.5 per level of observed concern                                                      |                         |
 *
 * Definitions this meets: one seriously ill member → illness ≥ 2; one member of grade 2 or two of
 * grade 3 → disability ≥ 2. Labour "able" additionally excludes ages above ages.labourMax,
 * disability grade 1–2, a major disease, a severe mental illness and care dependency.
 */
import type { Model } from './model.js';
import { ageAt, recentAmount, refOf } from './dimensions/reference.js';
import { CAUSES, type Cause, type CauseScores, type Household, type Person } from './types.js';
import { MEDICAL_READS } from './dimensions/reads.js';

export type CauseScorer = (h: Household, model: Model) => number;

/** Floors to the half step and caps at 5. */
export function halfStep(x: number): number {
  const v = Math.floor(x * 2 + 1e-9) / 2;
  return v > 5 ? 5 : v < 0 ? 0 : v;
}

const member = (p: Person): boolean => p.alive && p.registered;

function isAble(p: Person, age: number, model: Model): boolean {
  const e = p.employment;
  return (
    age >= model.ages.workFrom &&
    age < (p.sex === 'F' ? model.ages.retireFemale : model.ages.retireMale) &&
    e !== 'unable' &&
    e !== 'student' &&
    e !== 'child' &&
    e !== 'retired'
  );
}

export function illnessCause(h: Household, model: Model): number {
  const c = model.causes;
  const th = model.thresholds;
  let chronic = 0;
  let majors = 0;
  let mental = false;
  let longStay = false;
  let admitted = false;
  for (const p of h.persons) {
    if (!member(p)) continue;
    if (p.chronicDiseases.length > 0) chronic++;
    if (p.majorDiseases.length > 0) majors++;
    if (p.severeMentalIllness) mental = true;
    if (p.inpatientDays >= th.inpatientLongDays) longStay = true;
    if (p.admissions > 0 || p.inpatientDays > 0) admitted = true;
  }
  let s = 0;
  if (chronic > 0) s += c.chronic + Math.min(1, c.chronicFurther * (chronic - 1));
  if (majors > 0) s += c.majorDisease + c.majorDiseaseFurther * (majors - 1);
  if (mental) s += c.severeMental;
  if (longStay) s += c.inpatientLong;
  if (admitted && chronic === 0 && majors === 0) s += c.admitted;
  const f = h.finances;
  const total = recentAmount(f.medicalTotal, refOf(model));
  const y = f.medicalTotal.year;
  const covered =
    (f.medicalInsurancePaid.year === y ? f.medicalInsurancePaid.amount : 0) +
    (f.criticalIllnessPaid.year === y ? f.criticalIllnessPaid.amount : 0) +
    (f.medicalAssistance.year === y ? f.medicalAssistance.amount : 0);
  if (total - covered >= th.medicalOopMidCny) s += c.medicalOop;
  return halfStep(s);
}

export function disabilityCause(h: Household, model: Model): number {
  const c = model.causes;
  let s = 0;
  let cognitive = false;
  let noAllowance = false;
  let care = 0;
  for (const p of h.persons) {
    if (!member(p) || p.disabilityGrade === 0) continue;
    const g = p.disabilityGrade;
    s += g === 1 ? c.disabilityGrade1 : g === 2 ? c.disabilityGrade2 : g === 3 ? c.disabilityGrade3 : c.disabilityGrade4;
    const ty = p.disabilityType;
    if (ty === 'intellectual' || ty === 'mental' || ty === 'multiple') cognitive = true;
    if (p.disabilityAllowanceMonthly === 0) noAllowance = true;
    const cd = p.careDependency === 'full' ? c.disabilityCareFull : p.careDependency === 'partial' ? c.disabilityCarePartial : 0;
    if (cd > care) care = cd;
  }
  if (s === 0) return 0;
  return halfStep(s + (cognitive ? c.disabilityCognitive : 0) + (noAllowance ? c.disabilityNoAllowance : 0) + care);
}

export function educationCause(h: Household, model: Model): number {
  const c = model.causes;
  const th = model.thresholds;
  const ref = refOf(model);
  let s = 0;
  for (const p of h.persons) {
    if (!member(p)) continue;
    const st = p.schoolStage;
    if (st === 'preschool' || st === 'primary' || st === 'junior') s += c.pupil;
    else if (st === 'senior' || st === 'vocational') s += c.seniorStudent;
    else if (st === 'university') s += c.universityStudent;
    if (p.droppedOut) {
      const age = ageAt(p.birthDate, ref);
      if (age >= model.ages.schoolFrom && age < model.ages.adultFrom) s += c.dropout;
    }
  }
  const f = h.finances;
  const tuition = recentAmount(f.tuition, ref);
  const grants = f.educationGrants.year === f.tuition.year ? f.educationGrants.amount : 0;
  const net = tuition - grants;
  if (net >= th.tuitionLowCny) s += c.tuition;
  if (net >= th.tuitionHighCny) s += c.tuitionHigh;
  return halfStep(s);
}

export function housingCause(h: Household, model: Model): number {
  const c = model.causes;
  const ho = h.housing;
  if (ho.uninhabitable) return halfStep(c.uninhabitable);
  let s = ho.safety === 'D' ? c.housingD : ho.safety === 'C' ? c.housingC : ho.safety === 'B' ? c.housingB : 0;
  if (ho.publicRental) s += c.publicRental;
  else if (ho.renting) s += c.renting;
  let n = 0;
  for (const p of h.persons) if (member(p)) n++;
  if (n > 0 && ho.areaM2 / n < model.thresholds.crampedM2PerPerson) s += c.cramped;
  return halfStep(s);
}

export function disasterCause(h: Household, model: Model): number {
  const c = model.causes;
  const ref = refOf(model);
  let worst = 0;
  for (const i of h.incidents) {
    if (i.kind === 'accident' || i.at < ref.recentFromMs) continue;
    const v = i.severity === 'fatal' ? c.disasterFatal : i.severity === 'serious' ? c.disasterSerious : c.disasterMinor;
    if (v > worst) worst = v;
  }
  const loss = recentAmount(h.finances.disasterLoss, ref);
  const th = model.thresholds;
  const l = loss >= th.disasterLossHighCny ? c.disasterLossHigh : loss >= th.disasterLossLowCny ? c.disasterLossLow : 0;
  return halfStep(worst + l);
}

export function employmentCause(h: Household, model: Model): number {
  const c = model.causes;
  const ref = refOf(model);
  let able = 0;
  let unemployed = 0;
  let working = 0;
  let precarious = 0;
  for (const p of h.persons) {
    if (!member(p)) continue;
    const e = p.employment;
    if (e === 'employed' || e === 'self_employed' || e === 'farmer' || e === 'flexible') {
      working++;
      if (e === 'flexible' || p.publicWelfarePost) precarious++;
    }
    if (isAble(p, ageAt(p.birthDate, ref), model)) {
      able++;
      if (e === 'unemployed') unemployed++;
    }
  }
  if (able === 0) return 0;
  let s = halfStep(c.unemployedShare * (unemployed / able));
  if (working === 0) s += c.noneEmployed;
  s += Math.min(1, c.precarious * precarious);
  return halfStep(s);
}

export function skillsCause(h: Household, model: Model): number {
  const c = model.causes;
  const ref = refOf(model);
  let s = 0;
  let able = 0;
  let qualified = 0;
  for (const p of h.persons) {
    if (!member(p) || !isAble(p, ageAt(p.birthDate, ref), model)) continue;
    able++;
    const ed = p.educationLevel;
    if (p.skilled || ed === 'senior' || ed === 'vocational' || ed === 'college') qualified++;
    if (p.skilled) continue;
    if (ed === 'none' || ed === 'primary') s += c.unskilledLow;
    else if (ed === 'junior') s += c.unskilledJunior;
  }
  if (able > 0 && qualified === 0) s += c.noSkilledAdult;
  return halfStep(s);
}

export function labourCause(h: Household, model: Model): number {
  const c = model.causes;
  const ref = refOf(model);
  let n = 0;
  let able = 0;
  for (const p of h.persons) {
    if (!member(p)) continue;
    n++;
    const age = ageAt(p.birthDate, ref);
    const e = p.employment;
    if (
      age >= model.ages.workFrom &&
      age <= model.ages.labourMax &&
      e !== 'unable' &&
      e !== 'student' &&
      e !== 'child' &&
      (p.disabilityGrade === 0 || p.disabilityGrade >= 3) &&
      p.majorDiseases.length === 0 &&
      !p.severeMentalIllness &&
      p.careDependency === 'none'
    ) {
      able++;
    }
  }
  if (n === 0) return 0;
  if (able === 0) return halfStep(c.noLabourBase + 0.5 * (n - 1));
  return Math.min(4.5, halfStep((c.dependantRatio * (n - able)) / able));
}

export function otherCause(h: Household, model: Model): number {
  const c = model.causes;
  const ref = refOf(model);
  const a = h.assistance;
  let s = 0;
  const cat = a.category;
  if (a.enrolled && cat === 'extreme_poverty') s += c.otherExtremePoverty;
  else if (a.enrolled && (cat === 'dibao' || cat === 'expenditure_dibao')) s += c.otherDibao;
  else if ((a.enrolled && cat === 'marginal') || cat === 'exited_assistance' || cat === 'rejected_application' || cat === 'temporary_assistance') s += c.otherMarginal;
  let elderly = false;
  let minors = 0;
  let withoutCare = false;
  let recentDeath = false;
  let spouse = false;
  let head = false;
  for (const p of h.persons) {
    if (!p.alive) {
      if (p.deathDate !== null && p.deathDate >= ref.recentFromIso) recentDeath = true;
      continue;
    }
    if (!p.registered) continue;
    const age = ageAt(p.birthDate, ref);
    if (age >= model.ages.elderlyFrom) elderly = true;
    if (age < model.ages.adultFrom) {
      if (p.relation === 'child') minors++;
      if (p.withoutParentalCare) withoutCare = true;
    }
    if (p.relation === 'head') head = true;
    if (p.relation === 'spouse') spouse = true;
  }
  if (elderly) s += c.otherElderly;
  if (minors > 0 && head && !spouse) s += c.otherSingleParent;
  if (withoutCare) s += c.otherWithoutCare;
  if (recentDeath) s += c.otherRecentDeath;
  for (const i of h.incidents) {
    if (i.kind === 'accident' && i.at >= ref.recentFromMs) {
      s += c.otherAccident;
      break;
    }
  }
  s += c.otherConcern * a.observedConcern;
  return halfStep(s);
}

const MEDICAL = MEDICAL_READS;

/**
 * The household fields each cause reads besides membership (MEMBERSHIP_READS): rescoring
 * recomputes a cause only when one of these changed. Checked against the real reads by a
 * recording proxy (engine/test/scoring-reads.test.ts).
 */
export const CAUSE_READS: Readonly<Record<Cause, readonly string[]>> = Object.freeze({
  illness: ['persons[].chronicDiseases', 'persons[].majorDiseases', 'persons[].severeMentalIllness', 'persons[].inpatientDays', 'persons[].admissions', ...MEDICAL],
  disability: ['persons[].disabilityGrade', 'persons[].disabilityType', 'persons[].disabilityAllowanceMonthly', 'persons[].careDependency'],
  education: ['persons[].schoolStage', 'persons[].droppedOut', 'finances.tuition.year', 'finances.tuition.amount', 'finances.educationGrants.year', 'finances.educationGrants.amount'],
  housing: ['housing.uninhabitable', 'housing.safety', 'housing.publicRental', 'housing.renting', 'housing.areaM2'],
  disaster: ['incidents[].kind', 'incidents[].at', 'incidents[].severity', 'finances.disasterLoss.year', 'finances.disasterLoss.amount'],
  employment: ['persons[].employment', 'persons[].publicWelfarePost'],
  skills: ['persons[].employment', 'persons[].educationLevel', 'persons[].skilled'],
  labour: ['persons[].employment', 'persons[].disabilityGrade', 'persons[].majorDiseases', 'persons[].severeMentalIllness', 'persons[].careDependency'],
  other: ['assistance.enrolled', 'assistance.category', 'assistance.observedConcern', 'persons[].deathDate', 'persons[].withoutParentalCare', 'incidents[].kind', 'incidents[].at'],
});

/** One scorer per cause factor, so incremental rescoring can recompute a subset. */
export const CAUSE_SCORERS: Readonly<Record<Cause, CauseScorer>> = Object.freeze({
  illness: illnessCause,
  disability: disabilityCause,
  education: educationCause,
  housing: housingCause,
  disaster: disasterCause,
  employment: employmentCause,
  skills: skillsCause,
  labour: labourCause,
  other: otherCause,
});

export function causeScores(h: Household, model: Model): CauseScores {
  return {
    illness: illnessCause(h, model),
    disability: disabilityCause(h, model),
    education: educationCause(h, model),
    housing: housingCause(h, model),
    disaster: disasterCause(h, model),
    employment: employmentCause(h, model),
    skills: skillsCause(h, model),
    labour: labourCause(h, model),
    other: otherCause(h, model),
  };
}

export { CAUSES };
