/**
 * Assistance suggestions: a household that meets a policy's eligibility facts gets the policy
 * (joint handling of assistance, 16 policies); needs that no policy answers get community
 * services (31 services). Every suggestion says why, naming the facts and cause scores that led
 * to it. Pure and deterministic: policies in catalogue order, then services in catalogue order.
 * Not part of the per-update step: derived when an alert is opened or joined and when a portrait
 * is read (`suggestionsOf`, `profileOf` in engine/process.ts), with the same result.
 */
import { POLICY_CATEGORY_OF, POLICY_CODES, SERVICE_CATEGORY_OF, SERVICE_CODES } from './catalogue/assistance.js';
import type { PolicyCode, ServiceCode } from './catalogue/assistance.js';
import type { Scored } from './scoring/index.js';
import type { Model } from './model.js';
import { householdFacts, type HouseholdFacts } from './alerts/facts.js';
import type { Household, Suggestion } from './types.js';


/** Everything a rule may look at. */
interface Ctx {
  h: Household;
  s: Scored;
  f: HouseholdFacts;
  model: Model;
  /** Policies already suggested (filled before services are evaluated). */
  policies: Set<PolicyCode>;
}

type Rule = (c: Ctx) => string | null;

const cny = (n: number): string => `${Math.round(n).toLocaleString('en-US')} CNY`;
const cause = (c: Ctx, k: keyof Scored['causes']): string => `${k} cause ${c.s.causes[k]}`;
const names = (ps: readonly { name: string }[]): string => ps.map((p) => p.name).join(', ');

const POLICY_RULES: Record<PolicyCode, Rule> = {
  dibao: (c) =>
    c.f.registeredCategory === 'dibao' || c.f.registeredCategory === 'extreme_poverty' || c.f.registeredCategory === 'expenditure_dibao'
      ? null
      : c.f.perCapitaMonthly < c.f.lines.dibaoMonthly && !c.f.disqualifyingAssets
        ? `per-capita income ${cny(c.f.perCapitaMonthly)}/month is below the dibao line ${cny(c.f.lines.dibaoMonthly)}, no disqualifying assets${c.f.incomeNote}`
        : null,
  marginal_assistance: (c) =>
    c.f.enrolledRegistered || c.f.disqualifyingAssets
      ? null
      : c.f.perCapitaMonthly >= c.f.lines.dibaoMonthly && c.f.perCapitaMonthly < c.f.lines.marginalMonthly
        ? `per-capita income ${cny(c.f.perCapitaMonthly)}/month is between the dibao line and the marginal line ${cny(c.f.lines.marginalMonthly)}${c.f.incomeNote}`
        : null,
  extreme_poverty_support: (c) =>
    c.f.registeredCategory === 'extreme_poverty' || !c.f.nobodyCanWork || c.f.perCapitaMonthly >= c.f.lines.dibaoMonthly || c.f.disqualifyingAssets
      ? null
      : `no member can work (${names(c.f.alive)}: elderly, severely disabled or minors) and income is below the dibao line`,
  temporary_assistance: (c) => {
    if (c.f.temporaryAssistanceThisYear > 0) return null;
    const why = emergencyFacts(c);
    return why.length > 0 ? `sudden hardship: ${why.join('; ')}` : null;
  },
  medical_assistance: (c) =>
    c.f.highOutOfPocket && (c.f.enrolledRegistered || (c.f.lowIncome && !c.f.disqualifyingAssets))
      ? `${c.f.enrolledRegistered ? `enrolled ${c.f.registeredCategory ?? ''}` : 'low-income'} household with out-of-pocket medical spending ${cny(c.f.outOfPocket)} this year (${share(c.f.outOfPocketShare)}); ${cause(c, 'illness')}`
      : null,
  critical_illness_topup: (c) =>
    c.f.majorDisease.length > 0 && c.f.highOutOfPocket
      ? `major disease (${c.f.majorDisease.map((p) => `${p.name}: ${p.majorDiseases.join('/')}`).join(', ')}) with medical bills of ${cny(c.f.medicalTotal)} (${cny(c.f.outOfPocket)} out of pocket)`
      : null,
  education_grant: (c) => {
    const st = c.f.students.filter((p) => POST_COMPULSORY.has(p.schoolStage) && p.educationGrantAnnual === 0);
    return st.length > 0 && c.f.lowIncome
      ? `student(s) in senior, vocational or higher education (${names(st)}) in a low-income household; ${cause(c, 'education')}`
      : null;
  },
  student_living_subsidy: (c) => {
    const st = c.f.students.filter((p) => !POST_COMPULSORY.has(p.schoolStage) && p.educationGrantAnnual === 0);
    return st.length > 0 && c.f.lowIncome ? `pupil(s) in preschool or compulsory education (${names(st)}) in a low-income household` : null;
  },
  rental_housing_subsidy: (c) =>
    c.h.housing.renting && !c.h.housing.publicRental && c.h.finances.housingSubsidyMonthly === 0 && c.f.lowIncome
      ? `low-income household renting privately at ${cny(c.h.finances.rentMonthly)}/month without a housing subsidy`
      : null,
  dangerous_housing_renovation: (c) =>
    (c.h.housing.safety === 'C' || c.h.housing.safety === 'D') && !c.h.housing.renting && !c.h.housing.publicRental
      ? `own dwelling assessed as dangerous (grade ${c.h.housing.safety}); ${cause(c, 'housing')}`
      : null,
  employment_assistance: (c) => {
    const u = c.f.unemployedAble;
    return u.length > 0 && c.f.lowIncome ? `able working-age member(s) without work (${names(u)}); ${cause(c, 'employment')}` : null;
  },
  public_welfare_post: (c) => {
    // hard to place: over 40, or without a skill, or partly disabled
    const u = c.f.unemployedAble.filter((p) => !p.publicWelfarePost && ((c.f.ages.get(p.id) ?? 0) >= 40 || !p.skilled || p.disabilityGrade >= 3));
    return u.length > 0 && c.f.enrolledRegistered ? `enrolled household with hard-to-place job seeker(s) (${names(u)})` : null;
  },
  disability_two_subsidies: (c) => {
    const d = c.f.disabled.filter((p) => p.disabilityAllowanceMonthly === 0 && (p.disabilityGrade <= 2 || c.f.lowIncome));
    return d.length > 0
      ? `disabled member(s) without the two subsidies (${d.map((p) => `${p.name} grade ${p.disabilityGrade} ${p.disabilityType}`).join(', ')}); ${cause(c, 'disability')}`
      : null;
  },
  elderly_care_subsidy: (c) => {
    if (c.h.finances.elderlyCareSubsidyMonthly > 0) return null;
    const e = c.f.elderly.filter((p) => p.careDependency !== 'none' || (c.f.ages.get(p.id) ?? 0) >= 80);
    return e.length > 0 && (c.f.lowIncome || e.some((p) => p.careDependency === 'full'))
      ? `elderly member(s) needing care (${e.map((p) => `${p.name}, ${c.f.ages.get(p.id) ?? '?'}, care ${p.careDependency}`).join('; ')})`
      : null;
  },
  orphan_allowance: (c) => {
    const o = c.f.childrenWithoutCare.filter((p) => c.f.orphans.has(p.id));
    return o.length > 0 ? `child(ren) whose parents have died (${names(o)})` : null;
  },
  unsupported_child_allowance: (c) => {
    const o = c.f.childrenWithoutCare.filter((p) => !c.f.orphans.has(p.id));
    return o.length > 0 ? `child(ren) without parental care, parents absent or unable (${names(o)})` : null;
  },
};

const POST_COMPULSORY = new Set(['senior', 'vocational', 'university']);
const share = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)}% of income` : 'no recorded income');

function emergencyFacts(c: Ctx): string[] {
  const why: string[] = [];
  const serious = c.f.recentIncidents.filter((i) => i.severity !== 'minor');
  if (serious.length > 0) why.push(`${serious.map((i) => `${i.severity} ${i.kind}`).join(', ')}`);
  if (c.h.housing.uninhabitable) why.push('home uninhabitable');
  if (c.f.recentDeaths.length > 0) why.push(`death of ${names(c.f.recentDeaths)}`);
  if (c.f.highOutOfPocket && c.f.lowIncome) why.push(`out-of-pocket medical spending ${cny(c.f.outOfPocket)}`);
  return why;
}

const SERVICE_RULES: Record<ServiceCode, Rule> = {
  // environment
  home_repair: (c) =>
    c.h.housing.safety === 'B' || ((c.h.housing.safety === 'C' || c.h.housing.safety === 'D') && !c.policies.has('dangerous_housing_renovation'))
      ? `dwelling safety grade ${c.h.housing.safety} not covered by the renovation policy`
      : null,
  accessibility_retrofit: (c) => {
    const m = c.f.alive.filter((p) => p.careDependency !== 'none' || ((p.disabilityType === 'physical' || p.disabilityType === 'multiple') && p.disabilityGrade > 0 && p.disabilityGrade <= 3));
    return m.length > 0 ? `limited mobility at home (${names(m)})` : null;
  },
  home_cleaning: (c) => {
    const m = c.f.alive.filter((p) => p.careDependency !== 'none');
    return m.length > 0 && c.f.capableAdults.length === 0 ? `care-dependent member(s) (${names(m)}) and no capable adult at home` : null;
  },
  appliance_donation: (c) => {
    const i = c.f.recentIncidents.filter((x) => x.kind !== 'accident' && x.lossCny > 0);
    return i.length > 0 ? `belongings lost in ${i.map((x) => x.kind).join(', ')} (${cny(i.reduce((a, x) => a + x.lossCny, 0))})` : null;
  },
  // mental and cultural
  counselling: (c) => {
    const why: string[] = [];
    if (c.f.recentDeaths.length > 0) why.push(`bereavement (${names(c.f.recentDeaths)})`);
    if (c.f.childrenWithoutCare.length > 0) why.push(`child(ren) without parental care (${names(c.f.childrenWithoutCare)})`);
    if (c.f.alive.some((p) => p.severeMentalIllness)) why.push('severe mental illness in the family');
    if (c.f.recentIncidents.some((i) => i.severity !== 'minor')) why.push('serious accident, fire or disaster');
    if (c.f.majorDisease.length > 0) why.push(`major disease (${names(c.f.majorDisease)})`);
    return why.length > 0 ? why.join('; ') : null;
  },
  companionship_visits: (c) => (c.f.elderlyAlone ? `elderly person living alone (${names(c.f.alive)})` : null),
  cultural_activities: (c) =>
    c.f.elderlyAlone && c.f.alive.every((p) => p.careDependency === 'none' && p.majorDiseases.length === 0) && !c.f.recentIncidents.some((i) => i.severity !== 'minor')
      ? 'elderly person living alone, able to take part'
      : null,
  // development
  skills_training: (c) => {
    const u = c.f.unemployedAble.filter((p) => !p.skilled);
    return u.length > 0 ? `job seeker(s) without a vocational skill (${names(u)}); ${cause(c, 'skills')}` : null;
  },
  job_matching: (c) => (c.f.unemployedAble.length > 0 ? `able working-age member(s) without work (${names(c.f.unemployedAble)})` : null),
  micro_business_support: (c) => {
    const u = c.f.unemployedAble.filter((p) => p.skilled);
    return u.length > 0 && c.h.businesses.length === 0 ? `skilled job seeker(s) who could work on their own account (${names(u)})` : null;
  },
  tutoring: (c) => {
    const k = c.f.students.filter((p) => p.schoolStage !== 'university' && p.withoutParentalCare);
    const d = c.f.alive.filter((p) => p.droppedOut && (c.f.ages.get(p.id) ?? 99) < 18);
    const all = [...k, ...d];
    return all.length > 0 ? `school-age child(ren) ${k.length > 0 ? 'without parental help' : 'who left school'} (${names(all)})` : null;
  },
  // care
  day_care: (c) => {
    const m = c.f.alive.filter((p) => (c.f.elderly.includes(p) && p.careDependency === 'partial') || (p.disabilityType === 'intellectual' && (c.f.ages.get(p.id) ?? 0) >= 16));
    return m.length > 0 ? `member(s) who need day-time care (${names(m)})` : null;
  },
  home_care: (c) => {
    const m = c.f.alive.filter((p) => p.careDependency !== 'none' || (p.disabilityGrade > 0 && p.disabilityGrade <= 2));
    const why = m.length > 0 ? `care-dependent or severely disabled member(s) (${names(m)})` : c.f.elderlyAlone && c.f.oldestAge >= 75 ? 'very old person living alone' : null;
    return why;
  },
  meal_assistance: (c) => {
    const m = c.f.elderly.filter((p) => p.careDependency !== 'none');
    return c.f.elderlyAlone || (m.length > 0 && c.f.capableAdults.length === 0) ? `elderly without a capable cook at home (${names(c.f.elderly)})` : null;
  },
  respite_care: (c) => {
    const m = c.f.alive.filter((p) => p.careDependency === 'full');
    return m.length > 0 && c.f.alive.length > m.length ? `family caring for fully dependent member(s) (${names(m)})` : null;
  },
  // health
  family_doctor_followup: (c) => {
    const m = c.f.alive.filter((p) => p.chronicDiseases.length > 0 || p.majorDiseases.length > 0 || p.severeMentalIllness);
    return m.length > 0 ? `chronic or major illness (${m.map((p) => `${p.name}: ${[...p.majorDiseases, ...p.chronicDiseases].join('/') || 'mental illness'}`).join('; ')}); ${cause(c, 'illness')}` : null;
  },
  rehabilitation: (c) => {
    const m = c.f.disabled.filter((p) => p.disabilityType !== 'none');
    const inj = c.f.recentIncidents.some((i) => i.kind === 'accident' && i.severity === 'serious');
    return m.length > 0 ? `disabled member(s) (${names(m)})` : inj ? 'recovering from a serious accident' : null;
  },
  medicine_delivery: (c) => {
    const sick = c.f.alive.filter((p) => p.chronicDiseases.length > 0 || p.majorDiseases.length > 0);
    return sick.length > 0 && c.f.capableAdults.length === 0 ? `regular medicine for ${names(sick)} and no capable adult to fetch it` : null;
  },
  // material
  supermarket_vouchers: (c) =>
    c.s.needTypes.includes('safety_net') && !c.policies.has('dibao') && !c.policies.has('marginal_assistance') && !c.f.enrolledRegistered
      ? `basic-living need (score ${c.s.score}) without eligibility for dibao or marginal assistance`
      : null,
  clothing: (c) =>
    c.f.childrenWithoutCare.length > 0 || c.f.recentIncidents.some((i) => i.kind !== 'accident' && i.lossCny > 0)
      ? c.f.childrenWithoutCare.length > 0
        ? `child(ren) without parental care (${names(c.f.childrenWithoutCare)})`
        : 'belongings lost in a fire or disaster'
      : null,
  school_supplies: (c) => {
    const k = c.f.students.filter((p) => p.schoolStage !== 'university');
    return k.length > 0 && c.f.lowIncome ? `pupil(s) in a low-income household (${names(k)})` : null;
  },
  // legal
  legal_aid: (c) =>
    c.f.childrenWithoutCare.length > 0 ? `guardianship and maintenance for child(ren) without parental care (${names(c.f.childrenWithoutCare)})` : null,
  dispute_mediation: (c) => {
    // custody and maintenance after a divorce are the usual disputes behind a child's hardship
    const divorced = c.f.alive.filter((p) => p.maritalStatus === 'divorced');
    const minors = c.f.alive.filter((p) => (c.f.ages.get(p.id) ?? 99) < c.model.ages.adultFrom);
    return divorced.length > 0 && minors.length > 0 ? `divorced parent (${names(divorced)}) raising minor(s) (${names(minors)}): maintenance and custody` : null;
  },
  benefits_navigation: (c) => {
    const pending = [...c.policies];
    const frail = c.f.capableAdults.length === 0;
    return pending.length > 0 && (!c.f.enrolledRegistered || frail) ? `eligible for ${pending.join(', ')}; ${frail ? 'no capable adult to handle the applications' : 'not yet enrolled'}` : null;
  },
  // emergency
  emergency_shelter: (c) => (c.h.housing.uninhabitable ? 'home uninhabitable after a fire or disaster' : null),
  crisis_intervention: (c) => {
    const fatal = c.f.recentIncidents.some((i) => i.severity === 'fatal');
    const aloneHurt = c.f.elderlyAlone && c.f.recentIncidents.some((i) => i.severity !== 'minor');
    return fatal ? 'a fatal incident in the household' : aloneHurt ? 'elderly person living alone hit by a serious incident' : null;
  },
  emergency_cash_relay: (c) => {
    const why = emergencyFacts(c);
    return why.length > 0 && !c.policies.has('temporary_assistance') ? `sudden hardship (${why.join('; ')}) with temporary assistance already used this year` : null;
  },
  // social
  volunteer_pairing: (c) =>
    c.f.elderlyAlone ? 'elderly person living alone' : c.f.childrenWithoutCare.length > 0 ? `child(ren) without parental care (${names(c.f.childrenWithoutCare)})` : null,
  peer_support_group: (c) => {
    const m = c.f.alive.filter((p) => p.severeMentalIllness || p.disabilityType === 'intellectual' || p.disabilityType === 'mental');
    return m.length > 0 ? `family of member(s) with intellectual or mental disability (${names(m)})` : null;
  },
  community_participation: (c) => {
    const m = c.f.disabled.filter((p) => p.disabilityGrade >= 3 && (c.f.ages.get(p.id) ?? 0) >= 16);
    return m.length > 0 ? `mildly disabled member(s) who can take part (${names(m)})` : null;
  },
  charity_matching: (c) =>
    c.f.highOutOfPocket && !c.policies.has('medical_assistance')
      ? `heavy medical spending ${cny(c.f.outOfPocket)} not covered by medical assistance; ${cause(c, 'illness')}`
      : c.s.tier === 1 && c.policies.size === 0
        ? `weakest resilience tier (score ${c.s.score}) with no policy eligibility`
        : null,
};

/** Policies the household is eligible for, then services for needs, each with its reason. */
export function suggest(h: Household, scored: Scored, model: Model): Suggestion[] {
  const ctx: Ctx = { h, s: scored, f: householdFacts(h, model), model, policies: new Set() };
  const out: Suggestion[] = [];
  for (const code of POLICY_CODES) {
    const reason = POLICY_RULES[code](ctx);
    if (reason === null) continue;
    ctx.policies.add(code);
    out.push({ kind: 'policy', code, category: POLICY_CATEGORY_OF[code], reason });
  }
  for (const code of SERVICE_CODES) {
    const reason = SERVICE_RULES[code](ctx);
    if (reason !== null) out.push({ kind: 'service', code, category: SERVICE_CATEGORY_OF[code], reason });
  }
  return out;
}
