/**
 * Need types (五型, Hangzhou): which kinds of help a household needs. Computed from the facts and
 * the scored profile at every (re)score; dates are compared with the model's reference date.
 *
 * - safety_net (兜底型): enrolled in a registered category, or earned income per member below the dibao line.
 * - expenditure (支出型): expenditure-type dibao, or rigid spending (medical out-of-pocket + net tuition
 *   + net rent) of at least needs.rigidShare of yearly income (any rigid spending ≥ the low medical tier
 *   when there is no income).
 * - emergency (急难型): within needs.emergencyDays: a death, a serious or fatal accident, any disaster or
 *   fire; or a dwelling lost; or a seriously ill member with high out-of-pocket spending.
 * - development (发展型): an able working-age member unemployed or low-skilled, or a member in school.
 * - care (关爱型): only elderly members, a member of disability grade 1–2, a care-dependent member, or a
 *   minor without parental care.
 */
import type { Model } from './model.js';
import { ageAt, isoDay, recentAmount, refOf } from './dimensions/reference.js';
import type { Household, NeedType, Profile } from './types.js';

const DAY_MS = 86_400_000;

let lastModel: Model | null = null;
let lastIso = '';
/** The ISO day emergencies count from, formatted once per model. */
function emergencyFrom(model: Model, ms: number): string {
  if (model !== lastModel) {
    lastIso = isoDay(ms);
    lastModel = model;
  }
  return lastIso;
}

export function needTypes(h: Household, scored: Omit<Profile, 'suggestions'>, model: Model): NeedType[] {
  const ref = refOf(model);
  const ag = model.ages;
  const th = model.thresholds;
  const f = h.finances;
  const emergencyFromMs = ref.ms - model.needs.emergencyDays * DAY_MS;
  const emergencyFromIso = emergencyFrom(model, emergencyFromMs);
  let n = 0;
  let elderly = 0;
  let earned = 0;
  let transfers = 0;
  let majors = 0;
  let recentDeath = false;
  let development = false;
  let care = false;
  for (const p of h.persons) {
    if (!p.alive) {
      if (p.deathDate !== null && p.deathDate >= emergencyFromIso) recentDeath = true;
      continue;
    }
    if (!p.registered) continue;
    n++;
    const age = ageAt(p.birthDate, ref);
    if (age >= ag.elderlyFrom) elderly++;
    earned += p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly;
    transfers += p.disabilityAllowanceMonthly;
    if (p.majorDiseases.length > 0) majors++;
    if (p.schoolStage !== 'none') development = true;
    const e = p.employment;
    if (age >= ag.workFrom && age < (p.sex === 'F' ? ag.retireFemale : ag.retireMale) && e !== 'unable' && e !== 'student' && e !== 'child' && e !== 'retired') {
      const lowSkilled = !p.skilled && (p.educationLevel === 'none' || p.educationLevel === 'primary' || p.educationLevel === 'junior');
      if (e === 'unemployed' || lowSkilled) development = true;
    }
    if ((p.disabilityGrade > 0 && p.disabilityGrade <= 2) || p.careDependency !== 'none' || (age < ag.adultFrom && p.withoutParentalCare)) care = true;
  }
  if (n > 0 && elderly === n) care = true;

  const a = h.assistance;
  const cat = a.category;
  const registered = a.enrolled && (cat === 'dibao' || cat === 'marginal' || cat === 'extreme_poverty' || cat === 'expenditure_dibao');
  const farmMonthly = recentAmount(f.agriculturalIncome, ref) / 12;
  const perCapita = n > 0 ? (earned + farmMonthly) / n : 0;
  const safetyNet = registered || (n > 0 && perCapita < model.lines.dibaoMonthly);

  const total = recentAmount(f.medicalTotal, ref);
  const y = f.medicalTotal.year;
  const covered =
    (f.medicalInsurancePaid.year === y ? f.medicalInsurancePaid.amount : 0) +
    (f.criticalIllnessPaid.year === y ? f.criticalIllnessPaid.amount : 0) +
    (f.medicalAssistance.year === y ? f.medicalAssistance.amount : 0);
  const oop = total > covered ? total - covered : 0;
  const tuition = recentAmount(f.tuition, ref) - (f.educationGrants.year === f.tuition.year ? f.educationGrants.amount : 0);
  const rent = f.rentMonthly - f.housingSubsidyMonthly;
  const rigid = oop + (tuition > 0 ? tuition : 0) + (rent > 0 ? rent * 12 : 0);
  const incomeAnnual = (earned + farmMonthly + transfers + f.assistanceMonthly + f.elderlyCareSubsidyMonthly + f.veteranBenefitMonthly + f.housingSubsidyMonthly) * 12;
  const expenditure =
    (a.enrolled && cat === 'expenditure_dibao') ||
    (incomeAnnual > 0 ? rigid > 0 && rigid >= model.needs.rigidShare * incomeAnnual : rigid >= th.medicalOopLowCny);

  let emergency = recentDeath || h.housing.uninhabitable || (majors > 0 && oop >= th.medicalOopHighCny);
  if (!emergency) {
    for (const i of h.incidents) {
      if (i.at >= emergencyFromMs && (i.kind !== 'accident' || i.severity !== 'minor')) {
        emergency = true;
        break;
      }
    }
  }
  // The profile's illness cause marks a seriously ill member even when bills are not yet in.
  if (!emergency && scored.causes.illness >= 4) emergency = true;

  const out: NeedType[] = [];
  if (safetyNet) out.push('safety_net');
  if (expenditure) out.push('expenditure');
  if (emergency) out.push('emergency');
  if (development) out.push('development');
  if (care) out.push('care');
  return out;
}
