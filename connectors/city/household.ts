/**
 * Builds one synthetic household from a profile and a random stream: members by family
 * composition, then each person's health, schooling, work and income, then the household's
 * housing, property, finances and assistance record, kept consistent with its category
 * (a dibao household's income stays under the standard, it rarely owns a car, …).
 */
import type {
  Business,
  CareDependency,
  DisabilityGrade,
  DisabilityType,
  EducationLevel,
  EmploymentStatus,
  Household,
  HouseholdCategory,
  HousingSafety,
  Incident,
  Person,
  Property,
  Relation,
  SchoolStage,
  Vehicle,
} from '../../engine/types.js';
import { EDUCATION_LEVELS, REGISTERED_CATEGORIES } from '../../engine/types.js';
import { epochMsOfDay, isoOfDay } from './dates.js';
import type { IdNumberAllocator } from './ids.js';
import { fullName, surname } from './names.js';
import { COMPOSITIONS, type AgeBandRates, type CityProfile, type Composition } from './profiles.js';
import type { CommunityDef, DistrictDef, RegionLayout, TownshipDef } from './regions.js';
import type { Rng } from './rng.js';

export const CHRONIC_DISEASES = [
  'hypertension',
  'diabetes',
  'coronary_heart_disease',
  'copd',
  'stroke_sequelae',
  'chronic_kidney_disease',
  'rheumatoid_arthritis',
  'chronic_hepatitis',
  'parkinsons',
  'epilepsy',
] as const;
export const MAJOR_DISEASES = ['cancer', 'uremia', 'leukemia', 'heart_failure', 'stroke', 'organ_transplant', 'aplastic_anemia', 'hemophilia'] as const;

const DISABILITY_TYPES: readonly DisabilityType[] = ['physical', 'physical', 'physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'];
const UNIVERSITIES = ['浙江大学', '浙江工业大学', '杭州师范大学', '浙江理工大学', '杭州电子科技大学', '宁夏大学', '宁夏师范学院', '浙江财经大学'];
const STAGE_SUFFIX: Record<Exclude<SchoolStage, 'none' | 'university'>, string> = {
  preschool: '幼儿园',
  primary: '小学',
  junior: '初级中学',
  senior: '高级中学',
  vocational: '职业技术学校',
};

const REGISTERED = new Set<HouseholdCategory>(REGISTERED_CATEGORIES);

interface Member {
  relation: Relation;
  age: number;
  sex: 'M' | 'F';
  marital: Person['maritalStatus'];
  /** Lives without parental care (grandparent–grandchild households). */
  noParents: boolean;
}

/** Everything that stays fixed across households, precomputed once per generator. */
export interface BuildContext {
  profile: CityProfile;
  layout: RegionLayout;
  rng: Rng;
  ids: IdNumberAllocator;
  refDay: number;
  refYear: number;
  districtById: Map<string, DistrictDef>;
  townshipById: Map<string, TownshipDef>;
  communityCum: Float64Array;
  compositionCum: Map<HouseholdCategory, Float64Array>;
  gradeCum: Float64Array;
  workCum: { registered: Float64Array; unregistered: Float64Array };
  safetyCum: { urban: Float64Array; rural: Float64Array };
  concernCum: { registered: Float64Array; unregistered: Float64Array };
  /** Schooling of adults under 60 when the profile fixes it (weights over EDUCATION_LEVELS). */
  adultEducationCum: Float64Array | null;
  /** First day of the reference year, and the birth date before which a person is 80+. */
  yearStart: number;
  age80Born: string;
  age55Born: string;
  age18Born: string;
  /** Composition of the household built last (for the generator's counters). */
  lastComposition: Composition;
  birthRegions: readonly string[];
}

function band(age: number): 0 | 1 | 2 | 3 | 4 {
  return age < 18 ? 0 : age < 45 ? 1 : age < 60 ? 2 : age < 75 ? 3 : 4;
}

function rate(r: AgeBandRates, age: number, factor: number): number {
  return Math.min(0.95, r[band(age)] * factor);
}

function clampAge(a: number): number {
  return a < 0 ? 0 : a > 99 ? 99 : a;
}

const other = (s: 'M' | 'F'): 'M' | 'F' => (s === 'M' ? 'F' : 'M');

/** Family members by composition; ages in whole years at the reference date. */
function members(rng: Rng, comp: Composition, shape: CityProfile['composition']): Member[] {
  const out: Member[] = [];
  const add = (relation: Relation, age: number, sex: 'M' | 'F', marital: Person['maritalStatus'], noParents = false) =>
    out.push({ relation, age: clampAge(Math.round(age)), sex, marital, noParents });
  // siblings are born one to four years apart
  const children = (parentAge: number, n: number, rel: Relation = 'child', noParents = false) => {
    const maxAge = Math.max(0, Math.min(parentAge - 20, shape.childMaxAge));
    let a = rng.range(Math.min(maxAge, 2 * (n - 1)), maxAge);
    for (let i = 0; i < n; i++) {
      add(rel, Math.max(0, a), rng.chance(0.52) ? 'M' : 'F', 'single', noParents);
      a -= rng.range(1, 4);
    }
  };
  switch (comp) {
    case 'elderly_alone': {
      const age = 60 + Math.min(38, Math.abs(rng.normal()) * shape.elderlyAgeSpread);
      const r = rng.float();
      add('head', age, rng.chance(0.6) ? 'F' : 'M', r < 0.68 ? 'widowed' : r < 0.82 ? 'divorced' : 'single');
      break;
    }
    case 'adult_alone': {
      const r = rng.float();
      add('head', rng.range(22, 59), rng.chance(0.62) ? 'M' : 'F', r < 0.5 ? 'single' : r < 0.88 ? 'divorced' : 'widowed');
      break;
    }
    case 'elderly_couple': {
      const age = 61 + Math.min(33, Math.abs(rng.normal()) * shape.elderlyAgeSpread * 0.75);
      add('head', age, 'M', 'married');
      add('spouse', age - rng.range(-2, 6), 'F', 'married');
      break;
    }
    case 'couple': {
      const age = rng.range(shape.coupleAge[0], shape.coupleAge[1]);
      add('head', age, 'M', 'married');
      add('spouse', age - rng.range(-3, 5), 'F', 'married');
      break;
    }
    case 'single_parent': {
      const age = rng.range(26, 55);
      add('head', age, rng.chance(0.65) ? 'F' : 'M', rng.chance(0.75) ? 'divorced' : 'widowed');
      children(age, rng.float() < shape.singleParentOneChild ? 1 : 2);
      break;
    }
    case 'nuclear': {
      const age = rng.range(27, 55);
      add('head', age, 'M', 'married');
      add('spouse', age - rng.range(-2, 5), 'F', 'married');
      const r = rng.float() * (shape.children[0] + shape.children[1] + shape.children[2]);
      children(age, r < shape.children[0] ? 1 : r < shape.children[0] + shape.children[1] ? 2 : 3);
      break;
    }
    case 'three_generation': {
      const age = rng.range(shape.threeGenerationAge[0], shape.threeGenerationAge[1]);
      add('head', age, 'M', rng.chance(0.85) ? 'married' : 'divorced');
      if (out[0]?.marital === 'married') add('spouse', age - rng.range(-2, 5), 'F', 'married');
      const r = rng.float() * (shape.children[0] + shape.children[1] + shape.children[2]);
      children(age, r < shape.children[0] ? 1 : r < shape.children[0] + shape.children[1] ? 2 : 3);
      const pAge = age + rng.range(23, 34);
      if (rng.chance(0.45)) {
        add('parent', pAge, 'M', 'married');
        add('parent', pAge - rng.range(0, 5), 'F', 'married');
      } else add('parent', pAge, rng.chance(0.7) ? 'F' : 'M', 'widowed');
      break;
    }
    case 'grandparent_grandchild': {
      const age = rng.range(56, 56 + Math.round(shape.elderlyAgeSpread * 2));
      const couple = rng.chance(0.5);
      const sex = couple ? 'M' : rng.chance(0.6) ? 'F' : 'M';
      add('head', age, sex, couple ? 'married' : 'widowed');
      if (couple) add('spouse', age - rng.range(-2, 5), other(sex), 'married');
      children(37, rng.float() < shape.singleParentOneChild ? 1 : 2, 'grandchild', true);
      break;
    }
    case 'adult_with_parent': {
      const age = rng.range(28, 62);
      const r = rng.float();
      if (rng.chance(shape.adultWithParentSpouse)) {
        add('head', age, 'M', 'married');
        add('spouse', age - rng.range(-2, 5), 'F', 'married');
      } else add('head', age, rng.chance(0.6) ? 'M' : 'F', r < 0.55 ? 'single' : r < 0.9 ? 'divorced' : 'widowed');
      add('parent', age + rng.range(22, 34), rng.chance(0.7) ? 'F' : 'M', 'widowed');
      break;
    }
  }
  return out;
}

function schoolStage(rng: Rng, age: number, university: number): SchoolStage {
  if (age < 3) return 'none';
  if (age < 6) return rng.chance(0.9) ? 'preschool' : 'none';
  if (age < 12) return 'primary';
  if (age < 15) return 'junior';
  if (age < 18) return rng.chance(0.62) ? 'senior' : 'vocational';
  if (age < 22) return rng.chance(university) ? 'university' : rng.chance(0.15) ? 'vocational' : 'none';
  return 'none';
}

function educationLevel(rng: Rng, age: number, stage: SchoolStage, shift: number, adultCum: Float64Array | null): EducationLevel {
  if (age < 18 || stage !== 'none') {
    if (stage === 'university') return 'senior';
    if (age >= 15) return 'junior';
    if (age >= 12) return 'primary';
    return 'none';
  }
  if (adultCum !== null && age < 60) return EDUCATION_LEVELS[rng.weighted(adultCum)] as EducationLevel;
  const r = rng.float() * (1 - shift);
  if (age >= 75) return r < 0.5 ? 'primary' : r < 0.82 ? 'none' : r < 0.95 ? 'junior' : 'senior';
  if (age >= 60) return r < 0.15 ? 'none' : r < 0.55 ? 'primary' : r < 0.85 ? 'junior' : r < 0.95 ? 'senior' : 'vocational';
  if (age >= 45) return r < 0.05 ? 'none' : r < 0.25 ? 'primary' : r < 0.7 ? 'junior' : r < 0.88 ? 'senior' : r < 0.96 ? 'vocational' : 'college';
  return r < 0.1 ? 'primary' : r < 0.4 ? 'junior' : r < 0.62 ? 'senior' : r < 0.85 ? 'vocational' : 'college';
}

function tuition(rng: Rng, stage: SchoolStage, scale: number): number {
  const t =
    stage === 'preschool' ? rng.range(24, 60) * 100 : stage === 'senior' ? rng.range(15, 26) * 100 : stage === 'vocational' ? rng.range(0, 20) * 100 : stage === 'university' ? rng.range(45, 68) * 100 : 0;
  return Math.round((t * scale) / 10) * 10;
}

function pickDistinct<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n * 3 && out.length < n; i++) {
    const x = rng.pick(xs);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

/** Plate of the household's k-th vehicle (k = 0 car, 1 small vehicle, 2 truck): derived, so the feeds can name it. */
export function vehiclePlate(p: CityProfile, index: number, k: number): string {
  // five base-36 characters after the prefix: unique for 20 M households; the feeds' new plates use six
  return p.plate + (index * 3 + k).toString(36).toUpperCase().padStart(5, '0');
}

/** Certificate number of the household's k-th property (k = 0 home, 1 second property). */
export function propertyCertificate(p: CityProfile, index: number, k: number): string {
  return `${p.province}(${2010 + ((index + k) % 16)})${p.cityName}不动产权第${String(index * 2 + k).padStart(7, '0')}号`;
}

/** Unified social credit code of the household's business (individual businesses start with 92). */
export function businessRegistration(districtId: string, index: number): string {
  return `92${districtId}MA${String(index).padStart(8, '0')}`;
}

/** Builds household number `index` (0-based) of the given category. */
export function buildHousehold(ctx: BuildContext, index: number, category: HouseholdCategory): Household {
  const { rng, profile: p } = ctx;
  const registered = REGISTERED.has(category);
  const cf = registered ? p.health.registeredFactor : 1;
  const id = `${p.idPrefix}-${String(index + 1).padStart(7, '0')}`;

  // place
  const community = ctx.layout.communities[rng.weighted(ctx.communityCum)] as CommunityDef;
  const district = ctx.districtById.get(community.districtId) as DistrictDef;
  const township = ctx.townshipById.get(community.townshipId) as TownshipDef;
  const [w, s, e, n] = community.rect;
  const lon = Math.round((w + (e - w) * (0.02 + 0.96 * rng.float())) * 1e6) / 1e6;
  const lat = Math.round((s + (n - s) * (0.02 + 0.96 * rng.float())) * 1e6) / 1e6;
  const rural = rng.chance(p.ruralShare ?? district.ruralShare);

  const comp = COMPOSITIONS[rng.weighted(ctx.compositionCum.get(category) as Float64Array)] as Composition;
  ctx.lastComposition = comp;
  const ms = members(rng, comp, p.composition);
  const family = surname(rng);
  const headSex = ms[0]?.sex ?? 'M';

  const persons: Person[] = [];
  let anyMajor = false;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i] as Member;
    const age = m.age;
    // birth date: `age` whole years before the reference date
    const birthDay = ctx.refDay - Math.floor(age * 365.2425) - 1 - rng.int(365);
    const birthDate = isoOfDay(birthDay);
    const rr = rng.float();
    const birthRegion = rr < 0.84 ? district.id : rr < 0.94 ? (ctx.layout.districts[rng.int(ctx.layout.districts.length)] as DistrictDef).id : rng.pick(ctx.birthRegions);
    const idNumber = ctx.ids.next(birthRegion, birthDate, m.sex, birthDay);
    // children of the head carry the family surname; spouses and parents their own
    const keepsSurname = m.relation === 'head' ? headSex === 'M' || rng.chance(0.5) : m.relation === 'child' || m.relation === 'grandchild';
    const name = fullName(rng, m.sex, keepsSurname ? family : undefined);

    // health
    const nChronic = rng.chance(rate(p.health.chronic, age, cf)) ? (rng.chance(0.35) ? 2 : 1) : 0;
    const chronicDiseases = nChronic ? pickDistinct(rng, CHRONIC_DISEASES, nChronic) : [];
    const major = rng.chance(rate(p.health.major, age, cf));
    const majorDiseases: string[] = major ? [rng.pick(MAJOR_DISEASES)] : [];
    if (major && p.health.majorSubsumesChronic) chronicDiseases.length = 0;
    anyMajor ||= major;
    let disabilityGrade: DisabilityGrade = 0;
    let disabilityType: DisabilityType = 'none';
    const disabledChance = rate(p.health.disability, age, cf * (category === 'extreme_poverty' && m.relation === 'head' && age < 60 ? 4 : 1));
    if (rng.chance(disabledChance)) {
      disabilityGrade = (rng.weighted(ctx.gradeCum) + 1) as DisabilityGrade;
      disabilityType = rng.pick(DISABILITY_TYPES);
    }
    const severeMentalIllness = age >= 16 && rng.chance(p.health.severeMental * cf);
    let careDependency: CareDependency = 'none';
    if (disabilityGrade === 1) careDependency = rng.chance(0.65) ? 'full' : 'partial';
    else if (disabilityGrade === 2) careDependency = rng.chance(0.5) ? 'partial' : 'none';
    if (careDependency === 'none' && age >= 75 && rng.chance(p.health.frailty * (age >= 85 ? 2 : 1) + (major ? 0.3 : 0))) careDependency = rng.chance(0.3) ? 'full' : 'partial';
    let admissions = 0;
    let inpatientDays = 0;
    if (major) {
      admissions = rng.range(1, 5);
      inpatientDays = admissions * rng.range(p.health.majorStayDays[0], p.health.majorStayDays[1]);
    } else if (nChronic && rng.chance(age >= 60 ? 0.18 : 0.08)) {
      admissions = rng.range(1, 2);
      inpatientDays = admissions * rng.range(4, 12);
    } else if (rng.chance(p.health.admission)) {
      admissions = 1;
      inpatientDays = rng.range(2, 7);
    }

    // schooling
    let stage = schoolStage(rng, age, p.education.university);
    let droppedOut = false;
    if (age >= 12 && age < 18 && rng.chance(registered ? p.education.dropout.registered : p.education.dropout.unregistered)) {
      droppedOut = true;
      stage = 'none';
    }
    const level = educationLevel(rng, age, stage, registered ? p.education.levelShift.registered : p.education.levelShift.unregistered, ctx.adultEducationCum);
    const tuitionAnnual = tuition(rng, stage, p.education.tuitionScale);
    const educationGrantAnnual =
      stage !== 'none' && stage !== 'primary' && stage !== 'junior' && rng.chance(registered ? 0.6 : 0.1) ? rng.range(10, 40) * 100 : 0;
    const schoolName =
      stage === 'none' ? null : stage === 'university' ? rng.pick(UNIVERSITIES) : `${district.name}第${rng.range(1, 9)}${STAGE_SUFFIX[stage]}`;

    // work and income
    const unableHealth = disabilityGrade === 1 || disabilityGrade === 2 || severeMentalIllness || careDependency === 'full' || (major && rng.chance(0.6));
    let employment: EmploymentStatus;
    if (age < 6) employment = 'child';
    else if (stage !== 'none') employment = 'student';
    else if (age < 16) employment = droppedOut ? 'unemployed' : 'child';
    else if (age < 60) {
      if (unableHealth) employment = 'unable';
      else {
        const wi = rng.weighted(registered ? ctx.workCum.registered : ctx.workCum.unregistered);
        employment = wi === 0 ? 'employed' : wi === 1 ? 'flexible' : wi === 2 ? 'self_employed' : wi === 3 ? (rural ? 'farmer' : 'flexible') : 'unemployed';
        if (employment === 'farmer' && !rural) employment = rng.chance(0.7) ? 'employed' : 'flexible';
        if (rural && employment === 'unemployed' && rng.chance(0.4)) employment = 'farmer';
      }
    } else if (unableHealth || careDependency !== 'none') employment = 'unable';
    else if (rural && age < 75 && rng.chance(p.work.elderlyFarming)) employment = 'farmer';
    else employment = 'retired';

    const skilled = age >= 18 && age < 60 && rng.chance(registered ? p.work.skilled.registered : p.work.skilled.unregistered);
    let publicWelfarePost = false;
    let monthlyWage = 0;
    const wm = p.work.wageMedian * (skilled ? 1.25 : 1);
    if (employment === 'unemployed' && registered && age >= 18 && rng.chance(0.08)) {
      employment = 'employed';
      publicWelfarePost = true;
      monthlyWage = rng.range(20, 26) * 100;
    } else if (employment === 'employed') monthlyWage = Math.max(1500, rng.money(wm, 0.35));
    else if (employment === 'flexible') monthlyWage = Math.max(300, rng.money(wm * 0.55, 0.45));
    else if (employment === 'self_employed') monthlyWage = Math.max(500, rng.money(wm * 0.85, 0.55));
    else if (employment === 'farmer') monthlyWage = Math.max(100, rng.money(wm * 0.25, 0.5));

    let pensionMonthly = 0;
    let socialInsuranceMonths = 0;
    if (age >= 60) {
      if (employment === 'retired' && rng.chance(registered ? p.work.employeePension.registered : p.work.employeePension.unregistered)) {
        pensionMonthly = rng.money(p.work.employeePensionMedian, 0.3);
        socialInsuranceMonths = rng.range(180, 456);
      } else {
        pensionMonthly = Math.round(p.work.residentPension * (1 + rng.float() * 0.3));
        socialInsuranceMonths = rng.range(0, 180);
      }
    } else if (age >= 18) {
      const years = age - 18;
      socialInsuranceMonths = employment === 'employed' ? Math.floor(years * 12 * (0.4 + 0.6 * rng.float())) : Math.floor(years * 12 * 0.3 * rng.float());
    }
    const unemploymentBenefitMonthly = employment === 'unemployed' && socialInsuranceMonths >= 12 && rng.chance(0.3) ? rng.range(180, 205) * 10 : 0;
    const allowanceShare = (disabilityGrade <= 2 ? p.health.allowance.severe : p.health.allowance.mild) * (registered ? 1 : 0.5);
    const disabilityAllowanceMonthly = disabilityGrade !== 0 && rng.chance(allowanceShare) ? rng.range(disabilityGrade <= 2 ? 30 : 15, 60) * 10 : 0;
    const formal = employment === 'employed' && !publicWelfarePost && rng.chance(registered ? 0.25 : 0.5);
    const providentFundMonthly = formal ? Math.round(monthlyWage * 0.24) : 0;
    const providentFundBalance = formal ? providentFundMonthly * rng.range(3, 120) : 0;

    persons.push({
      id: `${id}-${String(i + 1).padStart(2, '0')}`,
      name,
      idNumber,
      sex: m.sex,
      birthDate,
      relation: m.relation,
      alive: true,
      registered: rng.chance(0.97),
      deathDate: null,
      maritalStatus: age < 20 ? 'single' : m.marital,
      educationLevel: level,
      skilled,
      disabilityGrade,
      disabilityType,
      chronicDiseases,
      majorDiseases,
      severeMentalIllness,
      careDependency,
      inpatientDays,
      admissions,
      employment,
      monthlyWage,
      pensionMonthly,
      unemploymentBenefitMonthly,
      disabilityAllowanceMonthly,
      socialInsuranceMonths,
      publicWelfarePost,
      providentFundMonthly,
      providentFundBalance,
      hardshipWorker: employment === 'employed' && rng.chance(registered ? 0.05 : 0.015),
      veteran: m.sex === 'M' && age >= 40 && rng.chance(0.015),
      schoolStage: stage,
      schoolName,
      droppedOut,
      tuitionAnnual,
      educationGrantAnnual,
      withoutParentalCare: m.noParents,
      // facts only later department records carry (engine/types.ts): neutral here, no random draw
      adlScore: null,
      mentalRiskLevel: 0,
      disabilityCareSubsidy: disabilityGrade !== 0 && disabilityGrade <= 2 && disabilityAllowanceMonthly > 0,
      insuranceBaseMonthly: 0,
      unemployedSince: null,
      pensionType: 'none',
      deepHardship: false,
      dropoutReason: null,
    });
  }

  // households of several working-age adults usually count one with a vocational certificate
  if (p.work.ensureQualified > 0 && rng.chance(p.work.ensureQualified)) {
    let adults = 0;
    let qualified = false;
    let lowSchooling = false;
    let candidate: Person | undefined;
    for (const q of persons) {
      const e = q.employment;
      if (e === 'unable' || e === 'student' || e === 'child' || e === 'retired' || q.birthDate < ctx.age55Born || q.birthDate > ctx.age18Born) continue;
      adults++;
      if (q.skilled || q.educationLevel === 'senior' || q.educationLevel === 'vocational' || q.educationLevel === 'college') qualified = true;
      else candidate ??= q;
      if (q.educationLevel === 'none' || q.educationLevel === 'primary') lowSchooling = true;
    }
    // certificates go with some schooling: a household with a barely schooled adult rarely has one
    if (adults >= 2 && !qualified && !lowSchooling && candidate) candidate.skilled = true;
  }

  // expenditure-type dibao exists because of medical spending: make sure someone is gravely ill
  if (category === 'expenditure_dibao' && !anyMajor && rng.chance(p.health.expenditureDibaoMajor)) {
    const who = persons[rng.int(persons.length)] as Person;
    who.majorDiseases = [rng.pick(MAJOR_DISEASES)];
    who.admissions = Math.max(who.admissions, rng.range(1, 4));
    who.inpatientDays = Math.max(who.inpatientDays, who.admissions * rng.range(6, 18));
    anyMajor = true;
  }

  // a registered household's income stays under its category's line
  const size = persons.length;
  const line = p.money.dibaoStandard * size * (category === 'marginal' ? 1.5 : category === 'expenditure_dibao' ? 1.8 : 1);
  let wages = 0;
  let transfers = 0;
  for (const q of persons) {
    wages += q.monthlyWage;
    transfers += q.pensionMonthly + q.unemploymentBenefitMonthly;
  }
  if (registered && wages + transfers > line * 0.95) {
    // an employee pension or unemployment benefit this large would lift the household off the line
    if (transfers > line * 0.6) {
      transfers = 0;
      for (const q of persons) {
        if (q.pensionMonthly > p.work.residentPension * 1.3) q.pensionMonthly = p.work.residentPension;
        q.unemploymentBenefitMonthly = 0;
        transfers += q.pensionMonthly;
      }
    }
    const room = Math.max(0, line * 0.9 - transfers);
    const k = wages > 0 ? Math.min(1, room / wages) : 1;
    wages = 0;
    for (const q of persons) {
      if (q.monthlyWage > 0) {
        q.monthlyWage = Math.round((q.monthlyWage * k) / 10) * 10;
        if (p.work.capChangesStatus && q.employment === 'employed' && !q.publicWelfarePost && q.monthlyWage < 1500) q.employment = 'flexible';
        if (p.work.capChangesStatus && q.monthlyWage === 0 && q.employment !== 'farmer') q.employment = 'unemployed';
        q.providentFundMonthly = q.employment === 'employed' ? Math.min(q.providentFundMonthly, Math.round(q.monthlyWage * 0.24)) : 0;
        wages += q.monthlyWage;
      }
    }
  }
  const income = wages + transfers;

  // housing
  const safety = (['A', 'B', 'C', 'D'] as const)[rng.weighted(rural ? ctx.safetyCum.rural : ctx.safetyCum.urban)] as HousingSafety;
  const publicRental = !rural && registered && rng.chance(p.housing.publicRental);
  const renting = !publicRental && rng.chance((registered ? p.housing.renting.registered : p.housing.renting.unregistered) * (rural ? 0.3 : 1));
  const areaM2 = Math.max(size * p.housing.minM2PerPerson, rural ? rng.range(50, 180) : publicRental ? rng.range(30, 55) : rng.range(28, 95));
  const uninhabitable = rng.chance(p.housing.uninhabitable + (safety === 'D' ? 0.05 : 0));
  const rentMonthly = publicRental ? rng.range(15, 50) * 10 : renting ? Math.round((rural ? rng.money(600, 0.3) : rng.money(p.money.dibaoStandard * 1.5, 0.35)) / 10) * 10 : 0;
  const housingSubsidyMonthly = renting && registered && rng.chance(0.45) ? rng.range(20, 80) * 10 : 0;

  // property: vehicles, real estate, businesses
  const vehicles: Vehicle[] = [];
  const plate = (k: number) => vehiclePlate(p, index, k);
  const regDate = () => isoOfDay(ctx.refDay - rng.range(60, 4000));
  const carRate = p.property.car[category] ?? p.property.carOther;
  if (rng.chance(carRate)) vehicles.push({ plate: plate(0), kind: 'car', valueCny: rng.money(registered ? 30_000 : 90_000, 0.5, 1000), registeredAt: regDate() });
  if (rural && rng.chance(registered ? 0.08 : 0.12)) vehicles.push({ plate: plate(1), kind: rng.chance(0.5) ? 'tricycle' : 'agricultural', valueCny: rng.range(3, 30) * 1000, registeredAt: regDate() });
  else if (rng.chance(0.04)) vehicles.push({ plate: plate(1), kind: 'motorcycle', valueCny: rng.range(3, 9) * 1000, registeredAt: regDate() });
  if (!registered && rng.chance(0.004)) vehicles.push({ plate: plate(2), kind: 'truck', valueCny: rng.range(50, 160) * 1000, registeredAt: regDate() });

  const properties: Property[] = [];
  const cert = (k: number) => propertyCertificate(p, index, k);
  const ownsHome = !publicRental && !renting && rng.chance(rural ? p.property.ownsHome.rural : registered ? p.property.ownsHome.registered : p.property.ownsHome.unregistered);
  if (ownsHome) {
    const perM2 = rural ? rng.range(8, 25) * 100 : rng.range(150, 450) * 100 * (p.layout === 'hangzhou' ? 1 : 0.2);
    properties.push({ certificate: cert(0), use: rural ? 'land_use' : 'residential', areaM2, valueCny: Math.round((areaM2 * perM2) / 1000) * 1000, acquiredAt: isoOfDay(ctx.refDay - rng.range(365, 12000)) });
  }
  if (rng.chance(registered ? p.property.secondProperty.registered : p.property.secondProperty.unregistered)) {
    const a = rng.range(40, 120);
    properties.push({ certificate: cert(1), use: rng.chance(0.85) ? 'residential' : 'commercial', areaM2: a, valueCny: a * rng.range(80, 350) * 100, acquiredAt: isoOfDay(ctx.refDay - rng.range(100, 6000)) });
  }

  const businesses: Business[] = [];
  if (rng.chance(registered ? p.property.business.registered : p.property.business.unregistered)) {
    businesses.push({
      registration: businessRegistration(district.id, index),
      type: rng.chance(0.9) ? 'individual' : rural ? 'cooperative' : 'company',
      capitalCny: rng.range(1, 50) * 10_000,
      registeredAt: isoOfDay(ctx.refDay - rng.range(30, 5000)),
    });
  }

  const landMu = rural ? Math.round(rng.money(p.property.landMuMedian, 0.6, 0.1) * 10) / 10 : 0;
  const livestockHeads = rural && rng.chance(p.property.livestockShare) ? Math.round(rng.money(8, 0.8, 1)) + 1 : 0;

  // incidents this year
  const incidents: Incident[] = [];
  let disasterLoss = 0;
  const yearStart = ctx.yearStart;
  const incidentAt = () => epochMsOfDay(yearStart + rng.int(ctx.refDay - yearStart)) + rng.int(86_400) * 1000;
  if (rng.chance(p.incidents.disaster * (rural ? 1.5 : 0.5))) {
    const sev = rng.chance(0.15) ? 'serious' : 'minor';
    const loss = rng.money(sev === 'serious' ? 30_000 : 4_000, 0.7, 100);
    disasterLoss += loss;
    incidents.push({ kind: 'disaster', at: incidentAt(), severity: sev, lossCny: loss });
  }
  if (rng.chance(p.incidents.accident)) incidents.push({ kind: 'accident', at: incidentAt(), severity: rng.chance(0.2) ? 'serious' : 'minor', lossCny: rng.money(8_000, 0.8, 100) });
  if (rng.chance(p.incidents.fire)) {
    const loss = rng.money(20_000, 0.8, 100);
    disasterLoss += loss;
    incidents.push({ kind: 'fire', at: incidentAt(), severity: rng.chance(0.25) ? 'serious' : 'minor', lossCny: loss });
  }
  incidents.sort((a, b) => a.at - b.at);

  // finances, year to date
  let medicalTotal = 0;
  let insurancePaid = 0;
  let criticalPaid = 0;
  let tuitionSum = 0;
  let grants = 0;
  let hasOld = false;
  let veteran = false;
  const ms2 = p.money.medicalScale;
  for (const q of persons) {
    let m = 0;
    if (q.majorDiseases.length) m += rng.money(60_000 * ms2, 0.7, 100);
    m += q.chronicDiseases.length * rng.money(3_500 * ms2, 0.5, 10);
    if (m === 0 && rng.chance(0.55)) m = rng.money(600 * ms2, 0.8, 10);
    m += q.inpatientDays * rng.range(5, 15) * 100 * ms2;
    m = Math.round(m);
    const paid = Math.round(m * (0.5 + rng.float() * 0.25));
    const crit = q.majorDiseases.length && m - paid > 15_000 ? Math.round((m - paid - 15_000) * 0.6) : 0;
    medicalTotal += m;
    insurancePaid += paid;
    criticalPaid += crit;
    tuitionSum += q.tuitionAnnual;
    grants += q.educationGrantAnnual;
    hasOld ||= q.careDependency !== 'none' || q.birthDate < ctx.age80Born;
    veteran ||= q.veteran;
  }
  const oop = Math.max(0, medicalTotal - insurancePaid - criticalPaid);
  const medicalAssistance = registered && oop > 1000 ? Math.round(oop * (0.5 + rng.float() * 0.3)) : !registered && oop > 20_000 && rng.chance(0.3) ? Math.round(oop * 0.3) : 0;
  const std = p.money.dibaoStandard;
  const assistanceMonthly =
    category === 'dibao'
      ? Math.max(Math.round(std * 0.2), Math.round(std * size - income))
      : category === 'expenditure_dibao'
        ? Math.max(Math.round(std * 0.3), Math.round(std * size * 1.2 - income))
        : category === 'extreme_poverty'
          ? Math.round(std * 1.3 * size)
          : category === 'marginal'
            ? rng.chance(0.4) ? Math.round(std * 0.2) : 0
            : 0;
  const temporaryAssistance = category === 'temporary_assistance' ? rng.money(4000, 0.7, 100) : rng.chance(0.03) ? rng.money(2000, 0.5, 100) : 0;
  const agriculturalIncome = rural ? Math.round(landMu * rng.range(300, 1200) + livestockHeads * rng.range(400, 1500)) : 0;
  const businessIncome = businesses.length ? rng.money(3_000, 0.6) * 12 : 0;

  // assistance record
  const enrolledAt = registered || category === 'exited_assistance' ? isoOfDay(ctx.refDay - rng.range(60, 3600)) : null;
  const exitedAt = category === 'exited_assistance' ? isoOfDay(ctx.refDay - rng.range(20, 1000)) : null;
  const rejectedAt = category === 'rejected_application' ? isoOfDay(ctx.refDay - rng.range(10, 700)) : null;
  const visited = rng.chance(registered ? 0.7 : 0.4);
  const oc = rng.weighted(registered ? ctx.concernCum.registered : ctx.concernCum.unregistered) as 0 | 1 | 2 | 3;

  return {
    id,
    region: { districtId: district.id, townshipId: township.id, communityId: community.id, lat, lon },
    rural,
    persons,
    assistance: {
      category,
      enrolled: registered,
      enrolledAt: enrolledAt !== null && exitedAt !== null && enrolledAt > exitedAt ? isoOfDay(ctx.refDay - rng.range(1100, 3600)) : enrolledAt,
      exitedAt,
      rejectedAt,
      povertyRiskFlagged: category === 'other_department' ? rng.chance(0.5) : rng.chance(0.03),
      selfDeclared: rng.chance(category === 'temporary_assistance' ? 0.3 : 0.06),
      proactivelyDiscovered: category === 'proactive_discovery',
      lastGridVisitAt: visited ? epochMsOfDay(ctx.refDay - rng.range(1, 120)) + rng.range(8, 18) * 3_600_000 : null,
      observedConcern: oc,
    },
    finances: {
      medicalTotal: { year: ctx.refYear, amount: medicalTotal },
      medicalInsurancePaid: { year: ctx.refYear, amount: insurancePaid },
      criticalIllnessPaid: { year: ctx.refYear, amount: criticalPaid },
      medicalAssistance: { year: ctx.refYear, amount: medicalAssistance },
      tuition: { year: ctx.refYear, amount: tuitionSum },
      educationGrants: { year: ctx.refYear, amount: grants },
      temporaryAssistance: { year: ctx.refYear, amount: temporaryAssistance },
      disasterLoss: { year: ctx.refYear, amount: disasterLoss },
      agriculturalIncome: { year: ctx.refYear, amount: agriculturalIncome },
      taxableIncomeAnnual: wages * 12 + businessIncome,
      taxYear: ctx.refYear - 1,
      rentMonthly,
      housingSubsidyMonthly,
      elderlyCareSubsidyMonthly: registered && hasOld ? rng.range(20, 60) * 10 : 0,
      veteranBenefitMonthly: veteran ? rng.range(150, 300) * 10 : 0,
      assistanceMonthly,
    },
    housing: { safety, publicRental, renting, areaM2, uninhabitable },
    vehicles,
    properties,
    businesses,
    landMu,
    livestockHeads,
    incidents,
  };
}
