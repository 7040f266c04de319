/**
 * One builder per data kind: picks a fitting target (an existing household or person, or a new
 * member) from the city index and writes a payload shaped as `engine/catalogue/payloads.ts`
 * requires, consistent with what the index knows (a death picks a living person, a vehicle
 * deregistration names a plate the household holds, a divorce needs a married person …). Builders
 * record their effect in the index so later updates stay consistent.
 */
import type { Department, Kind } from '../../engine/types.js';
import { KIND_SOURCE } from '../../engine/catalogue/departments.js';
import { isoOfDay } from '../city/dates.js';
import type { IdNumberAllocator } from '../city/ids.js';
import { fullName } from '../city/names.js';
import { cumulative, type Rng } from '../city/rng.js';
import type { Workload } from './workload.js';
import {
  H_BUSINESS,
  H_ENROLLED,
  H_FLAGGED,
  H_PROPERTY0,
  H_PUBLIC_RENTAL,
  H_RENTING,
  H_RURAL,
  H_VEHICLE0,
  P_ALIVE,
  P_CHRONIC,
  P_HARDSHIP,
  P_MAJOR,
  P_MALE,
  P_MARRIED,
  P_MENTAL,
  P_REGISTERED,
  P_VETERAN,
  type CityIndex,
} from './city-index.js';

export type Payload = Record<string, unknown>;

/** What a builder is handed: the index, its own random stream, and the simulated day. */
export interface BuildCtx {
  idx: CityIndex;
  rng: Rng;
  /** Day number and ISO date of the update's occurredAt. */
  day: number;
  iso: string;
  /** Sequence number of this update within its department. */
  seq: number;
  /** Allocates resident ID numbers for newborns and newcomers. */
  ids: IdNumberAllocator;
  /** The mix being simulated: the realistic one also shapes some payloads (medical bills). */
  workload: Workload;
}

export interface Built {
  household: number;
  /** Existing person (global index), or -1. */
  person: number;
  /** Id of a member created by this update (births, residence registrations). */
  newPersonId?: string;
  payload: Payload;
}

export const ICD10: Readonly<Record<string, string>> = Object.freeze({
  hypertension: 'I10',
  diabetes: 'E11.9',
  coronary_heart_disease: 'I25.1',
  copd: 'J44.9',
  stroke_sequelae: 'I69.3',
  chronic_kidney_disease: 'N18.9',
  rheumatoid_arthritis: 'M06.9',
  chronic_hepatitis: 'B18.1',
  parkinsons: 'G20',
  epilepsy: 'G40.9',
  cancer: 'C34.9',
  uremia: 'N18.5',
  leukemia: 'C92.0',
  heart_failure: 'I50.9',
  stroke: 'I63.9',
  organ_transplant: 'Z94.0',
  aplastic_anemia: 'D61.9',
  hemophilia: 'D66',
});
const GRADES = ['A', 'B', 'C', 'D'] as const;
const COMMON_DIAGNOSES = ['J06.9', 'K29.7', 'M54.5', 'J20.9', 'R51', 'K52.9', 'N39.0', 'H10.9'];
const EMPLOYERS = ['市政环卫服务公司', '物业管理有限公司', '食品加工厂', '快递服务站', '家政服务中心', '建筑劳务有限公司', '农业专业合作社', '连锁超市'];
const INDUSTRIES = ['餐饮', '零售', '农产品加工', '家政服务', '维修', '运输', '养殖'];

const TRIES = 64;

function money(rng: Rng, median: number, sigma: number, step = 10): number {
  return Math.max(step, rng.money(median, sigma, step));
}

function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A random person (alive, registered unless said otherwise) meeting `ok`, or -1. */
function person(c: BuildCtx, ok: (p: number) => boolean, alive = true): number {
  const { idx, rng } = c;
  for (let i = 0; i < TRIES; i++) {
    const p = rng.int(idx.personCount);
    if (alive && !idx.has(p, P_ALIVE)) continue;
    if (alive && !idx.has(p, P_REGISTERED)) continue;
    if (ok(p)) return p;
  }
  return -1;
}

function household(c: BuildCtx, ok: (h: number) => boolean): number {
  for (let i = 0; i < TRIES; i++) {
    const h = c.rng.int(c.idx.householdCount);
    if (ok(h)) return h;
  }
  return -1;
}

const any = () => true;
const onPerson = (c: BuildCtx, p: number, payload: Payload): Built => ({ household: c.idx.householdOf(p), person: p, payload });
const onHousehold = (h: number, payload: Payload): Built => ({ household: h, person: -1, payload });

/** How one class of patient's bills look: chance of a hospital stay, median bills (CNY), share paid by basic insurance [floor, spread]. */
interface ClaimShape {
  inpatient: number;
  inpatientMedian: number;
  outpatientMedian: number;
  inpatientPaid: readonly [number, number];
  outpatientPaid: readonly [number, number];
}

/**
 * Medical bills per workload and class of patient (a major disease, a chronic one, neither).
 * Bench: heavy; half of a seriously ill person's bills are hospital stays, and one bill in a
 * hundred is eight times larger (the seeds' 大额医疗支出). Realistic: a settlement is mostly an
 * outpatient visit or a prescription refill; a hospital stay is about as rare among settlements as
 * admissions are (≈ 1 in 40); special-disease outpatient care (门特: dialysis, chemotherapy) and
 * chronic-disease refills (门慢) are covered nearly like a stay, ordinary visits less.
 */
const CLAIM_SHAPES: Readonly<Record<Workload, { major: ClaimShape; chronic: ClaimShape; other: ClaimShape; bigBill: number }>> = {
  bench: {
    major: { inpatient: 0.5, inpatientMedian: 28_000, outpatientMedian: 1_800, inpatientPaid: [0.55, 0.25], outpatientPaid: [0.4, 0.3] },
    chronic: { inpatient: 0.12, inpatientMedian: 9_000, outpatientMedian: 420, inpatientPaid: [0.55, 0.25], outpatientPaid: [0.4, 0.3] },
    other: { inpatient: 0.04, inpatientMedian: 9_000, outpatientMedian: 180, inpatientPaid: [0.55, 0.25], outpatientPaid: [0.4, 0.3] },
    bigBill: 0.01,
  },
  realistic: {
    major: { inpatient: 0.05, inpatientMedian: 8_000, outpatientMedian: 300, inpatientPaid: [0.85, 0.1], outpatientPaid: [0.85, 0.1] },
    chronic: { inpatient: 0.025, inpatientMedian: 4_000, outpatientMedian: 100, inpatientPaid: [0.8, 0.15], outpatientPaid: [0.75, 0.15] },
    other: { inpatient: 0.01, inpatientMedian: 4_000, outpatientMedian: 80, inpatientPaid: [0.75, 0.15], outpatientPaid: [0.5, 0.3] },
    bigBill: 0,
  },
};

/** Daily medical spending of a person: heavier with a major or chronic disease. */
function claim(c: BuildCtx, p: number, id: string): Payload {
  const { idx, rng } = c;
  const major = idx.has(p, P_MAJOR);
  const chronic = idx.has(p, P_CHRONIC);
  const shapes = CLAIM_SHAPES[c.workload];
  const shape = major ? shapes.major : chronic ? shapes.chronic : shapes.other;
  const inpatient = rng.chance(shape.inpatient);
  const total = cents(money(rng, inpatient ? shape.inpatientMedian : shape.outpatientMedian, inpatient ? 0.9 : 0.8, 0.01) * (shapes.bigBill > 0 && rng.chance(shapes.bigBill) ? 8 : 1));
  const [paidFloor, paidSpread] = inpatient ? shape.inpatientPaid : shape.outpatientPaid;
  const share = paidFloor + rng.float() * paidSpread;
  const paid = cents(total * share);
  const diagnosis = major ? ICD10[idx.majorDisease(p) ?? 'cancer'] : chronic && rng.chance(0.7) ? ICD10[idx.chronicDisease(p) ?? 'hypertension'] : rng.pick(COMMON_DIAGNOSES);
  return {
    claimId: id,
    totalCny: total,
    insurancePaidCny: paid,
    outOfPocketCny: cents(total - paid),
    hospitalLevel: inpatient || major ? rng.pick(['secondary', 'tertiary', 'tertiary'] as const) : rng.pick(['primary', 'primary', 'secondary'] as const),
    inpatient,
    diagnosisCode: diagnosis as string,
    settledAt: c.iso,
  };
}

const adult = (c: BuildCtx) => (p: number) => c.idx.ageAt(p, c.day) >= 18;
const working = (c: BuildCtx) => (p: number) => {
  const e = c.idx.employment(p);
  return e === 'employed' || e === 'self_employed' || e === 'flexible';
};
const student = (c: BuildCtx) => (p: number) => c.idx.stage(p) !== 'none';

function newMember(c: BuildCtx, h: number): string {
  const { idx } = c;
  const n = idx.size(h) + (idx.hAdded[h] as number) + 1;
  idx.hAdded[h] = (idx.hAdded[h] as number) + 1;
  return `${idx.householdId(h)}-${String(n).padStart(2, '0')}`;
}

/** The builders, by kind; null when no fitting target turned up (the simulator picks again). */
export const BUILDERS: Readonly<Record<Kind, (c: BuildCtx, id: string) => Built | null>> = {
  // ---- civil_affairs
  assistance_enrolled(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => !idx.hHas(x, H_ENROLLED));
    if (h < 0) return null;
    const category = rng.pick(['dibao', 'dibao', 'dibao', 'marginal', 'marginal', 'extreme_poverty', 'expenditure_dibao'] as const);
    const std = idx.profile.money.dibaoStandard;
    const monthlyCny = Math.round(std * idx.size(h) * (category === 'marginal' ? 0.15 : category === 'extreme_poverty' ? 1.3 : 0.5 + rng.float() * 0.5));
    idx.setHFlag(h, H_ENROLLED, true);
    idx.hAssistance[h] = Math.min(0xffff, monthlyCny);
    return onHousehold(h, { category, monthlyCny, enrolledAt: c.iso });
  },
  assistance_exited(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_ENROLLED));
    if (h < 0) return null;
    idx.setHFlag(h, H_ENROLLED, false);
    idx.hAssistance[h] = 0;
    return onHousehold(h, { exitedAt: c.iso, reason: rng.pick(['income_above_line', 'income_above_line', 'assets_above_line', 'moved_away', 'voluntary', 'verification_failed', 'other'] as const) });
  },
  application_rejected(c, id) {
    const { rng } = c;
    const h = rng.int(c.idx.householdCount);
    return onHousehold(h, {
      applicationId: `SQ-${id}`,
      category: rng.pick(['dibao', 'marginal', 'marginal', 'expenditure_dibao'] as const),
      rejectedAt: c.iso,
      reason: rng.pick(['income_above_line', 'assets_above_line', 'incomplete_documents', 'not_resident', 'other'] as const),
    });
  },
  temporary_assistance_granted(c, id) {
    const { rng } = c;
    const h = rng.int(c.idx.householdCount);
    return onHousehold(h, { grantId: `LS-${id}`, amountCny: money(rng, 3000, 0.6, 100), grantedAt: c.iso, reason: rng.pick(['illness', 'illness', 'accident', 'disaster', 'education', 'livelihood', 'other'] as const) });
  },
  death_registered(c) {
    const { idx, rng } = c;
    // deaths come mostly from the old and the seriously ill
    const p = person(c, (x) => idx.ageAt(x, c.day) >= 70 || idx.has(x, P_MAJOR) || rng.chance(0.05));
    if (p < 0) return null;
    idx.setFlag(p, P_ALIVE, false);
    const cause = idx.has(p, P_MAJOR) ? 'illness' : idx.ageAt(p, c.day) >= 80 ? rng.pick(['old_age', 'illness'] as const) : rng.pick(['illness', 'accident', 'other', 'unknown'] as const);
    return onPerson(c, p, { deathDate: c.iso, cause });
  },
  marriage_registered(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => {
      const a = idx.ageAt(x, c.day);
      return a >= 22 && a <= 60;
    });
    if (p < 0) return null;
    const married = idx.has(p, P_MARRIED);
    idx.setFlag(p, P_MARRIED, !married);
    const male = idx.has(p, P_MALE);
    const spouseBirth = isoOfDay((idx.pBirthDay[p] as number) + rng.range(-1500, 1500));
    return onPerson(c, p, {
      status: married ? 'divorced' : 'married',
      registeredAt: c.iso,
      spouseIdNumber: c.ids.next(rng.pick(idx.districtIds), spouseBirth, male ? 'F' : 'M'),
    });
  },
  elderly_care_subsidy_granted(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.ageAt(x, c.day) >= 62);
    if (p < 0) return null;
    const h = idx.householdOf(p);
    const monthlyCny = rng.range(20, 60) * 10;
    idx.hElderlyCare[h] = monthlyCny;
    return onHousehold(h, { monthlyCny, careLevel: idx.pCare[p] === 2 ? 'severe' : idx.pCare[p] === 1 ? 'moderate' : 'light', startDate: c.iso });
  },

  // ---- medical_insurance
  medical_claim(c, id) {
    const { idx, rng } = c;
    // the ill claim far more often than the healthy
    const p = person(c, (x) => idx.has(x, P_MAJOR) || (idx.has(x, P_CHRONIC) && rng.chance(0.6)) || rng.chance(0.2));
    if (p < 0) return null;
    return onPerson(c, p, claim(c, p, `YB-${id}`));
  },
  inpatient_admission(c, id) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.has(x, P_MAJOR) || idx.has(x, P_CHRONIC) || rng.chance(0.1));
    if (p < 0) return null;
    const major = idx.has(p, P_MAJOR);
    return onPerson(c, p, {
      admissionId: `ZY-${id}`,
      hospitalLevel: major ? 'tertiary' : rng.pick(['primary', 'secondary', 'tertiary'] as const),
      admittedAt: c.iso,
      days: major ? rng.range(5, 40) : rng.range(0, 14),
      diagnosisCode: (major ? ICD10[idx.majorDisease(p) ?? 'cancer'] : ICD10[idx.chronicDisease(p) ?? 'hypertension']) as string,
    });
  },
  chronic_disease_certified(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.ageAt(x, c.day) >= 35);
    if (p < 0) return null;
    const disease = idx.chronicDisease(p) ?? rng.pick(Object.keys(ICD10).slice(0, 10));
    idx.setFlag(p, P_CHRONIC, true);
    return onPerson(c, p, { disease, icd10: ICD10[disease] as string, certifiedAt: c.iso });
  },
  medical_assistance_granted(c, id) {
    const { idx, rng } = c;
    const p = person(c, (x) => (idx.has(x, P_MAJOR) || idx.has(x, P_CHRONIC)) && idx.hHas(idx.householdOf(x), H_ENROLLED));
    if (p < 0) return null;
    return onPerson(c, p, { grantId: `YJ-${id}`, amountCny: cents(money(rng, idx.has(p, P_MAJOR) ? 9000 : 1500, 0.7, 0.01)), grantedAt: c.iso });
  },
  critical_illness_insurance_paid(c, id) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.has(x, P_MAJOR));
    if (p < 0) return null;
    return onPerson(c, p, { claimId: `DB-${id}`, amountCny: money(rng, 12_000, 0.8, 100), paidAt: c.iso });
  },

  // ---- health
  birth_certificate_issued(c, id) {
    const { idx, rng } = c;
    const mother = person(c, (x) => !idx.has(x, P_MALE) && idx.has(x, P_MARRIED) && idx.ageAt(x, c.day) >= 20 && idx.ageAt(x, c.day) <= 42);
    if (mother < 0) return null;
    const h = idx.householdOf(mother);
    const sex = rng.chance(0.51) ? 'M' : 'F';
    const pid = newMember(c, h);
    return {
      household: h,
      person: -1,
      newPersonId: pid,
      payload: {
        certificateNo: `Q${id.replace(/[^0-9a-z]/gi, '').slice(-20)}`,
        newborn: { name: fullName(rng, sex), idNumber: c.ids.next(idx.districtId(h), c.iso, sex, c.day), sex, birthDate: c.iso, relation: rng.chance(0.8) ? 'child' : 'grandchild' },
      },
    };
  },
  major_disease_diagnosed(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => !idx.has(x, P_MAJOR) && (idx.ageAt(x, c.day) >= 40 || rng.chance(0.1)));
    if (p < 0) return null;
    const disease = rng.pick(['cancer', 'cancer', 'uremia', 'leukemia', 'heart_failure', 'stroke', 'aplastic_anemia'] as const);
    idx.setFlag(p, P_MAJOR, true);
    idx.pMajor[p] = ['cancer', 'uremia', 'leukemia', 'heart_failure', 'stroke', 'organ_transplant', 'aplastic_anemia', 'hemophilia'].indexOf(disease) + 1;
    return onPerson(c, p, { disease, icd10: ICD10[disease] as string, diagnosedAt: c.iso });
  },
  severe_mental_illness_registered(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => !idx.has(x, P_MENTAL) && idx.ageAt(x, c.day) >= 16);
    if (p < 0) return null;
    idx.setFlag(p, P_MENTAL, true);
    return onPerson(c, p, {
      diagnosis: rng.pick(['schizophrenia', 'schizophrenia', 'bipolar', 'paranoid_psychosis', 'schizoaffective', 'epileptic_psychosis', 'intellectual_disability_psychosis'] as const),
      riskLevel: rng.range(0, 3),
      registeredAt: c.iso,
    });
  },

  // ---- public_security
  residence_registered(c) {
    const { idx, rng } = c;
    const h = rng.int(idx.householdCount);
    const sex = rng.chance(0.5) ? 'M' : 'F';
    const age = rng.range(18, 75);
    const birthDay = c.day - Math.floor(age * 365.2425) - rng.int(365);
    const birthDate = isoOfDay(birthDay);
    const pid = newMember(c, h);
    return {
      household: h,
      person: -1,
      newPersonId: pid,
      payload: {
        person: {
          name: fullName(rng, sex),
          idNumber: c.ids.next(rng.chance(0.7) ? idx.districtId(h) : rng.pick(idx.districtIds), birthDate, sex, birthDay),
          sex,
          birthDate,
          relation: rng.pick(['spouse', 'parent', 'other', 'sibling'] as const),
          maritalStatus: rng.pick(['married', 'single', 'widowed', 'divorced'] as const),
          educationLevel: rng.pick(['primary', 'junior', 'junior', 'senior', 'vocational'] as const),
        },
        reason: rng.pick(['migration_in', 'marriage', 'return', 'other'] as const),
        registeredAt: c.iso,
      },
    };
  },
  residence_cancelled(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.ageAt(x, c.day) >= 18 && idx.size(idx.householdOf(x)) >= 2);
    if (p < 0) return null;
    idx.setFlag(p, P_REGISTERED, false);
    return onPerson(c, p, { reason: rng.pick(['migration_out', 'migration_out', 'marriage', 'military', 'other'] as const), cancelledAt: c.iso });
  },
  vehicle_registered(c) {
    const { idx, rng } = c;
    const h = rng.int(idx.householdCount);
    const rural = idx.hHas(h, H_RURAL);
    const kind = rural && rng.chance(0.4) ? rng.pick(['tricycle', 'agricultural', 'motorcycle'] as const) : rng.chance(0.85) ? 'car' : 'motorcycle';
    // six characters after the prefix (new-energy length): never equal to a generated plate
    const plate = `${idx.profile.plate}D${String(c.seq % 100_000).padStart(5, '0')}`;
    return onHousehold(h, { plate, vehicleKind: kind, valueCny: kind === 'car' ? money(rng, 95_000, 0.5, 1000) : rng.range(3, 30) * 1000, registeredAt: c.iso });
  },
  vehicle_deregistered(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => ((idx.hFlags[x] as number) & (H_VEHICLE0 * 7)) !== 0);
    if (h < 0) return null;
    let k = 0;
    while (!idx.hHas(h, H_VEHICLE0 << k)) k++;
    idx.setHFlag(h, H_VEHICLE0 << k, false);
    return onHousehold(h, { plate: idx.vehiclePlate(h, k), reason: rng.pick(['sold', 'sold', 'scrapped', 'transferred', 'stolen'] as const), deregisteredAt: c.iso });
  },

  // ---- human_resources
  employment_registered(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => {
      const a = idx.ageAt(x, c.day);
      const e = idx.employment(x);
      return a >= 18 && a < 60 && (e === 'unemployed' || e === 'flexible' || rng.chance(0.1));
    });
    if (p < 0) return null;
    const type = rng.pick(['employed', 'employed', 'flexible', 'self_employed'] as const);
    const wage = money(rng, idx.profile.work.wageMedian * (type === 'flexible' ? 0.6 : 1), 0.35);
    idx.setEmployment(p, type);
    idx.pWage[p] = Math.min(0xffff, wage);
    return onPerson(c, p, { employer: rng.pick(EMPLOYERS), employmentType: type, monthlyWageCny: wage, startDate: c.iso });
  },
  unemployment_registered(c) {
    const { idx, rng } = c;
    const p = person(c, working(c));
    if (p < 0) return null;
    idx.setEmployment(p, 'unemployed');
    idx.pWage[p] = 0;
    return onPerson(c, p, { registeredAt: c.iso, reason: rng.pick(['dismissed', 'contract_ended', 'contract_ended', 'business_closed', 'resigned', 'other'] as const) });
  },
  pension_paid(c) {
    const { idx } = c;
    const p = person(c, (x) => (idx.pPension[x] as number) > 0);
    if (p < 0) return null;
    return onPerson(c, p, pension(c, p));
  },
  social_insurance_contribution(c) {
    const p = person(c, working(c));
    if (p < 0) return null;
    return onPerson(c, p, contribution(c, p));
  },
  unemployment_benefit_granted(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.employment(x) === 'unemployed' && idx.ageAt(x, c.day) >= 18);
    if (p < 0) return null;
    return onPerson(c, p, { monthlyCny: rng.range(180, 205) * 10, months: rng.range(3, 24), startDate: c.iso });
  },
  public_welfare_post_assigned(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => {
      const a = idx.ageAt(x, c.day);
      return a >= 25 && a < 60 && idx.employment(x) === 'unemployed';
    });
    if (p < 0) return null;
    idx.setEmployment(p, 'employed');
    const end = isoOfDay(c.day + 365);
    return onPerson(c, p, { post: rng.pick(['保洁员', '护林员', '治安巡逻员', '公共设施管理员', '养老服务员']), monthlyWageCny: rng.range(20, 26) * 100, startDate: c.iso, endDate: end });
  },

  // ---- education
  student_enrolled(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => {
      const a = idx.ageAt(x, c.day);
      return a >= 3 && a <= 21;
    });
    if (p < 0) return null;
    const st = stageFor(idx.ageAt(p, c.day), rng);
    idx.setStage(p, st);
    return onPerson(c, p, { school: schoolName(c, p, st), stage: st, enrolledAt: c.iso, boarding: st === 'university' || (st === 'senior' && rng.chance(0.4)) });
  },
  student_dropout(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => {
      const st = idx.stage(x);
      return st === 'junior' || st === 'senior' || st === 'vocational';
    });
    if (p < 0) return null;
    const st = idx.stage(p);
    idx.setStage(p, 'none');
    return onPerson(c, p, { school: schoolName(c, p, st), stage: st, leftAt: c.iso, reason: rng.pick(['financial', 'financial', 'illness', 'family', 'academic', 'work', 'other'] as const) });
  },
  tuition_charged(c) {
    const p = person(c, (x) => {
      const st = c.idx.stage(x);
      return st === 'preschool' || st === 'senior' || st === 'vocational' || st === 'university';
    });
    if (p < 0) return null;
    return onPerson(c, p, tuition(c, p));
  },
  education_grant_awarded(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => student(c)(x) && (idx.hHas(idx.householdOf(x), H_ENROLLED) || rng.chance(0.2)));
    if (p < 0) return null;
    return onPerson(c, p, { grantType: rng.pick(['national_grant', 'living_subsidy', 'fee_waiver', 'scholarship', 'social_donation'] as const), amountCny: rng.range(10, 40) * 100, awardedAt: c.iso });
  },

  // ---- disabled_persons_federation
  disability_certified(c, id) {
    const { idx, rng } = c;
    const p = person(c, (x) => (idx.pGrade[x] as number) > 0 || idx.ageAt(x, c.day) >= 50 || rng.chance(0.05));
    if (p < 0) return null;
    const from = idx.pGrade[p] as number;
    // regrading moves one step more severe more often than milder; revocation is rare
    const grade = from === 0 ? rng.range(2, 4) : from > 1 && rng.chance(0.6) ? from - 1 : from < 4 && rng.chance(0.8) ? from + 1 : rng.chance(0.5) ? 0 : from;
    idx.pGrade[p] = grade;
    const type = grade === 0 ? 'none' : from === 0 ? rng.pick(['physical', 'physical', 'visual', 'hearing', 'intellectual', 'mental'] as const) : idx.disabilityType(p);
    idx.pDisType[p] = ['none', 'physical', 'visual', 'hearing', 'speech', 'intellectual', 'mental', 'multiple'].indexOf(type);
    return onPerson(c, p, { certificateNo: `CJ${id.replace(/[^0-9]/g, '').slice(-12).padStart(8, '0')}`, grade, type, certifiedAt: c.iso });
  },
  disability_allowance_granted(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => (idx.pGrade[x] as number) > 0);
    if (p < 0) return null;
    const severe = (idx.pGrade[p] as number) <= 2;
    return onPerson(c, p, { allowance: severe ? rng.pick(['care_subsidy', 'both', 'living_subsidy'] as const) : 'living_subsidy', monthlyCny: rng.range(severe ? 30 : 15, 60) * 10, startDate: c.iso });
  },
  care_dependency_assessed(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.ageAt(x, c.day) >= 70 || (idx.pGrade[x] as number) > 0 || idx.has(x, P_MAJOR));
    if (p < 0) return null;
    // realistic: a reassessment mostly confirms the last level, else finds one step more dependent
    const last = idx.pCare[p] as number;
    const level = c.workload === 'realistic' ? (['none', 'partial', 'full'] as const)[rng.chance(0.8) ? last : Math.min(2, last + 1)] as 'none' | 'partial' | 'full' : rng.pick(['none', 'partial', 'partial', 'full'] as const);
    idx.pCare[p] = level === 'full' ? 2 : level === 'partial' ? 1 : 0;
    return onPerson(c, p, { level, adlScore: level === 'full' ? rng.range(0, 40) : level === 'partial' ? rng.range(41, 60) : rng.range(61, 100), assessedAt: c.iso });
  },

  // ---- housing
  dangerous_housing_assessed(c, id) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_RURAL) || rng.chance(0.3));
    if (h < 0) return null;
    // realistic: a survey mostly confirms the last grade; otherwise the dwelling is graded afresh as
    // the city's dwellings are (a draw, not a step: repeated surveys keep the city's distribution)
    const grade =
      c.workload === 'realistic'
        ? GRADES[rng.chance(0.85) ? (idx.hSafety[h] as number) : rng.weighted(cumulative(idx.hHas(h, H_RURAL) ? idx.profile.housing.rural : idx.profile.housing.urban))]!
        : rng.pick(['A', 'B', 'B', 'C', 'C', 'D'] as const);
    idx.hSafety[h] = GRADES.indexOf(grade);
    return onHousehold(h, { reportNo: `WF-${id}`, grade, assessedAt: c.iso });
  },
  public_rental_allocated(c, id) {
    const { idx, rng } = c;
    const h = household(c, (x) => !idx.hHas(x, H_RURAL) && !idx.hHas(x, H_PUBLIC_RENTAL));
    if (h < 0) return null;
    idx.setHFlag(h, H_PUBLIC_RENTAL, true);
    idx.setHFlag(h, H_RENTING, false);
    return onHousehold(h, { unitId: `GZ-${id}`, areaM2: rng.range(30, 60), monthlyRentCny: rng.range(15, 50) * 10, allocatedAt: c.iso });
  },
  rent_registered(c) {
    const { idx, rng } = c;
    // realistic: mostly a tenant's renewal
    const renewal = c.workload === 'realistic' && rng.chance(0.9);
    const h = household(c, (x) => !idx.hHas(x, H_PUBLIC_RENTAL) && (!renewal || (idx.hHas(x, H_RENTING) && (idx.hRent[x] as number) > 0)));
    if (h < 0) return null;
    const was = idx.hHas(h, H_RENTING) ? (idx.hRent[h] as number) : 0;
    idx.setHFlag(h, H_RENTING, true);
    // a renewal keeps about the same rent; otherwise (and always in the bench mix) a fresh rent
    const rent = renewal && was > 0 ? Math.max(10, Math.round((was * (0.97 + rng.float() * 0.08)) / 10) * 10) : money(rng, idx.hHas(h, H_RURAL) ? 600 : idx.profile.money.dibaoStandard * 1.5, 0.35);
    idx.hRent[h] = Math.min(0xffff, rent);
    return onHousehold(h, { monthlyRentCny: rent, areaM2: rng.range(20, 90), contractStart: c.iso, contractEnd: isoOfDay(c.day + 365) });
  },
  housing_subsidy_granted(c) {
    const { idx, rng } = c;
    const renting = rng.chance(0.7);
    const h = household(c, (x) => (renting ? idx.hHas(x, H_RENTING) : true) && (idx.hHas(x, H_ENROLLED) || rng.chance(0.3)));
    if (h < 0) return null;
    return onHousehold(h, { subsidyType: renting ? 'rental_subsidy' : 'renovation_subsidy', monthlyCny: rng.range(20, 80) * 10, startDate: c.iso });
  },

  // ---- real_estate_registry
  property_acquired(c) {
    const { idx, rng } = c;
    const h = rng.int(idx.householdCount);
    const area = rng.range(40, 140);
    return onHousehold(h, {
      certificate: `${idx.profile.province}(${c.iso.slice(0, 4)})${idx.profile.cityName}不动产权第X${String(c.seq).padStart(7, '0')}号`,
      use: rng.chance(0.9) ? 'residential' : 'commercial',
      areaM2: area,
      valueCny: area * rng.range(80, 400) * 100 * (idx.profile.layout === 'hangzhou' ? 1 : 0.2),
      acquiredAt: c.iso,
    });
  },
  property_disposed(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => ((idx.hFlags[x] as number) & (H_PROPERTY0 * 3)) !== 0);
    if (h < 0) return null;
    const k = idx.hHas(h, H_PROPERTY0 << 1) ? 1 : 0;
    idx.setHFlag(h, H_PROPERTY0 << k, false);
    return onHousehold(h, { certificate: idx.propertyCertificate(h, k), reason: rng.pick(['sale', 'sale', 'gift', 'inheritance', 'expropriation', 'other'] as const), priceCny: money(rng, 600_000, 0.6, 1000), disposedAt: c.iso });
  },

  // ---- market_regulation
  business_registered(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => !idx.hHas(x, H_BUSINESS));
    if (h < 0) return null;
    idx.setHFlag(h, H_BUSINESS, true);
    return onHousehold(h, { registration: idx.businessRegistration(h), type: rng.chance(0.9) ? 'individual' : 'company', capitalCny: rng.range(1, 50) * 10_000, industry: rng.pick(INDUSTRIES), registeredAt: c.iso });
  },
  business_deregistered(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_BUSINESS));
    if (h < 0) return null;
    idx.setHFlag(h, H_BUSINESS, false);
    return onHousehold(h, { registration: idx.businessRegistration(h), reason: rng.pick(['voluntary', 'voluntary', 'revoked', 'bankrupt', 'merged'] as const), deregisteredAt: c.iso });
  },

  // ---- taxation
  income_tax_filed(c) {
    const { idx } = c;
    const h = household(c, (x) => (idx.hTaxable[x] as number) > 0);
    if (h < 0) return null;
    return onHousehold(h, incomeTax(c, h));
  },

  // ---- housing_provident_fund
  provident_fund_contribution(c) {
    const { idx } = c;
    const p = person(c, (x) => (idx.pProvident[x] as number) > 0);
    if (p < 0) return null;
    return onPerson(c, p, providentContribution(c, p));
  },
  provident_fund_withdrawal(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => (idx.pProvidentBalance[x] as number) > 2000);
    if (p < 0) return null;
    const bal = idx.pProvidentBalance[p] as number;
    const amount = Math.round(bal * (0.2 + rng.float() * 0.7));
    idx.pProvidentBalance[p] = bal - amount;
    return onPerson(c, p, { amountCny: amount, purpose: rng.pick(['rent', 'rent', 'purchase', 'illness', 'renovation', 'retirement', 'other'] as const), balanceCny: bal - amount, withdrawnAt: c.iso });
  },

  // ---- emergency_management
  disaster_loss_reported(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_RURAL) || rng.chance(0.2));
    if (h < 0) return null;
    const severity = rng.pick(['minor', 'minor', 'minor', 'serious', 'serious', 'fatal'] as const);
    return onHousehold(h, {
      disaster: rng.pick(idx.profile.layout === 'hangzhou' ? (['flood', 'typhoon', 'typhoon', 'landslide', 'other'] as const) : (['drought', 'hail', 'flood', 'snow', 'earthquake'] as const)),
      severity,
      lossCny: money(rng, severity === 'minor' ? 3000 : 25_000, 0.7, 100),
      housingDamage: severity === 'minor' ? rng.pick(['none', 'minor'] as const) : rng.pick(['minor', 'severe', 'collapsed'] as const),
      occurredOn: c.iso,
    });
  },
  accident_reported(c) {
    const { rng } = c;
    const p = person(c, any);
    if (p < 0) return null;
    const severity = rng.pick(['minor', 'minor', 'serious', 'fatal'] as const);
    return onPerson(c, p, { accidentType: rng.pick(['traffic', 'traffic', 'workplace', 'domestic', 'drowning', 'other'] as const), severity, lossCny: money(rng, severity === 'minor' ? 2000 : 20_000, 0.8, 100), occurredOn: c.iso });
  },
  fire_incident_reported(c) {
    const { rng } = c;
    const h = rng.int(c.idx.householdCount);
    const severity = rng.pick(['minor', 'minor', 'serious', 'fatal'] as const);
    return onHousehold(h, {
      cause: rng.pick(['electrical', 'electrical', 'cooking', 'heating', 'smoking', 'unknown', 'other'] as const),
      severity,
      lossCny: money(rng, severity === 'minor' ? 5000 : 40_000, 0.8, 100),
      housingDamage: severity === 'minor' ? 'minor' : rng.pick(['severe', 'collapsed'] as const),
      occurredOn: c.iso,
    });
  },

  // ---- agriculture_rural
  poverty_risk_flagged(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_RURAL) || rng.chance(0.3));
    if (h < 0) return null;
    const flagged = !idx.hHas(h, H_FLAGGED) || rng.chance(0.2);
    idx.setHFlag(h, H_FLAGGED, flagged);
    return onHousehold(h, { flagged, riskType: rng.pick(['income_drop', 'expenditure_surge', 'illness', 'disaster', 'other'] as const), flaggedAt: c.iso });
  },
  land_transferred(c) {
    const { idx, rng } = c;
    const h = household(c, (x) => idx.hHas(x, H_RURAL));
    if (h < 0) return null;
    const held = (idx.hLandTenths[h] as number) / 10;
    const out = held >= 0.5 && rng.chance(0.7);
    const area = out ? Math.max(0.1, Math.round(held * (0.2 + rng.float() * 0.8) * 10) / 10) : Math.round(rng.real(0.5, 5) * 10) / 10;
    idx.hLandTenths[h] = Math.max(0, (idx.hLandTenths[h] as number) + Math.round(area * 10) * (out ? -1 : 1));
    return onHousehold(h, { direction: out ? 'out' : 'in', areaMu: area, annualRentCny: Math.round(area * rng.range(300, 900)), transferredAt: c.iso });
  },
  agricultural_income_reported(c) {
    const { idx } = c;
    const h = household(c, (x) => idx.hHas(x, H_RURAL));
    if (h < 0) return null;
    return onHousehold(h, agriculturalIncome(c, h));
  },

  // ---- veterans_affairs
  veteran_benefit_granted(c) {
    const { idx, rng } = c;
    const p = person(c, (x) => idx.has(x, P_VETERAN) || (idx.has(x, P_MALE) && idx.ageAt(x, c.day) >= 40 && rng.chance(0.02)));
    if (p < 0) return null;
    idx.setFlag(p, P_VETERAN, true);
    const monthlyCny = rng.range(150, 300) * 10;
    idx.hVeteranBenefit[idx.householdOf(p)] = monthlyCny;
    return onPerson(c, p, { benefitType: rng.pick(['regular_subsidy', 'living_allowance', 'disability_pension'] as const), monthlyCny, startDate: c.iso });
  },

  // ---- trade_union
  hardship_worker_registered(c) {
    const { idx, rng } = c;
    const p = person(c, working(c));
    if (p < 0) return null;
    idx.setFlag(p, P_HARDSHIP, true);
    return onPerson(c, p, { level: rng.chance(0.25) ? 'deep_hardship' : 'hardship', reason: rng.pick(['illness', 'disability', 'unemployment', 'education', 'disaster', 'other'] as const), registeredAt: c.iso });
  },

  // ---- community
  grid_visit_recorded(c) {
    const h = c.rng.int(c.idx.householdCount);
    return onHousehold(h, gridVisit(c, h));
  },
  self_declaration_submitted(c) {
    const { idx, rng } = c;
    const h = rng.int(idx.householdCount);
    const all = ['illness', 'disability', 'education', 'housing', 'disaster', 'unemployment', 'debt', 'care', 'other'] as const;
    const hardships = [...new Set([rng.pick(all), rng.pick(all)])];
    return onHousehold(h, { declaredAt: c.iso, hardships, monthlyIncomeCny: money(rng, idx.profile.money.dibaoStandard * 1.2 * idx.size(h), 0.5), householdSize: idx.size(h) });
  },
  proactive_discovery_recorded(c) {
    const { rng } = c;
    const h = rng.int(c.idx.householdCount);
    const discoveredBy = rng.pick(['grid_worker', 'grid_worker', 'social_worker', 'volunteer', 'hotline', 'data_match'] as const);
    const concern = rng.pick([1, 1, 2, 2, 3] as const);
    c.idx.hConcern[h] = concern;
    return onHousehold(h, {
      discoveredBy,
      discoveredOn: c.iso,
      concern,
      note: rng.pick(['独居老人行动不便', '家中有重病患者', '子女辍学在家', '住房漏雨', '收入骤降', '']),
    });
  },
};

// ---- payloads shared by the live feed and the resync dumps --------------------------------

export function pension(c: BuildCtx, p: number): Payload {
  const { idx } = c;
  const m = idx.pPension[p] as number;
  const employee = m > idx.profile.work.residentPension * 2;
  const since = isoOfDay((idx.pBirthDay[p] as number) + Math.round((idx.has(p, P_MALE) ? 60 : 55) * 365.2425));
  return { pensionType: employee ? 'urban_employee' : 'urban_rural_resident', monthlyCny: m, since: since < c.iso ? since : c.iso };
}

export function contribution(c: BuildCtx, p: number): Payload {
  const wage = c.idx.pWage[p] as number;
  return { period: c.iso.slice(0, 7), months: 1, baseCny: Math.max(wage, 4462) };
}

export function providentContribution(c: BuildCtx, p: number): Payload {
  const { idx } = c;
  const m = idx.pProvident[p] as number;
  const bal = (idx.pProvidentBalance[p] as number) + m;
  idx.pProvidentBalance[p] = Math.min(0xffffffff, bal);
  return { period: c.iso.slice(0, 7), monthlyCny: m, balanceCny: bal };
}

export function incomeTax(c: BuildCtx, h: number): Payload {
  const income = c.idx.hTaxable[h] as number;
  const taxable = Math.max(0, income - 60_000 * Math.max(1, Math.ceil(c.idx.size(h) / 2)));
  return { taxYear: +c.iso.slice(0, 4) - 1, taxableIncomeCny: income, taxPaidCny: Math.round(taxable * 0.03), filedAt: c.iso };
}

export function agriculturalIncome(c: BuildCtx, h: number): Payload {
  const { idx, rng } = c;
  const land = (idx.hLandTenths[h] as number) / 10;
  const heads = idx.hLivestock[h] as number;
  return { period: c.iso.slice(0, 7), amountCny: Math.round((land * rng.range(25, 100) + heads * rng.range(30, 120)) / 10) * 10, livestockHeads: heads };
}

export function tuition(c: BuildCtx, p: number): Payload {
  const { idx, rng } = c;
  const st = idx.stage(p);
  const y = +c.iso.slice(0, 4);
  const start = c.iso.slice(5) >= '08-15' ? y : y - 1;
  const scale = idx.profile.education.tuitionScale;
  const amount = Math.round(((st === 'university' ? rng.range(45, 68) : st === 'preschool' ? rng.range(24, 60) : st === 'senior' ? rng.range(15, 26) : rng.range(0, 20)) * 100 * scale) / 10) * 10;
  return { school: schoolName(c, p, st), amountCny: amount, academicYear: `${start}-${start + 1}`, chargedAt: c.iso };
}

/**
 * A grid worker's visit. Bench: the concern is drawn afresh at each visit. Realistic: the worker
 * mostly finds what the last visit found; one visit in twenty looks afresh, and finds what the
 * city's workers find in a household of its kind (the profile's weights), so repeated visits keep
 * the city's distribution instead of drifting.
 */
export function gridVisit(c: BuildCtx, h: number): Payload {
  const { idx, rng } = c;
  const dims = ['structure', 'health', 'property', 'expenditure', 'employment', 'other'] as const;
  const observed = [...new Set(['source', rng.pick(dims), rng.pick(dims)])];
  const weights = idx.hHas(h, H_ENROLLED) ? idx.profile.concern.registered : idx.profile.concern.unregistered;
  const concern = c.workload === 'realistic' ? (rng.chance(0.95) ? (idx.hConcern[h] as number) : rng.weighted(cumulative(weights))) : rng.pick([0, 0, 0, 0, 1, 1, 2, 3] as const);
  idx.hConcern[h] = concern;
  return { visitedOn: c.iso, worker: fullName(rng, rng.chance(0.6) ? 'F' : 'M'), observed, concern, note: concern === 0 ? '' : rng.pick(['家庭成员身体状况变差', '房屋需要修缮', '收入不稳定', '需要照护服务']) };
}

function stageFor(age: number, rng: Rng): 'preschool' | 'primary' | 'junior' | 'senior' | 'vocational' | 'university' {
  if (age < 6) return 'preschool';
  if (age < 12) return 'primary';
  if (age < 15) return 'junior';
  if (age < 18) return rng.chance(0.6) ? 'senior' : 'vocational';
  return rng.chance(0.7) ? 'university' : 'vocational';
}

function schoolName(c: BuildCtx, p: number, st: string): string {
  const suffix: Record<string, string> = { preschool: '幼儿园', primary: '小学', junior: '初级中学', senior: '高级中学', vocational: '职业技术学校', university: '大学', none: '学校' };
  return `${c.idx.districtId(c.idx.householdOf(p))}第${(p % 9) + 1}${suffix[st] ?? '学校'}`;
}

export { KIND_SOURCE, P_ALIVE, P_REGISTERED };
export type { Department };
