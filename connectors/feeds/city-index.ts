/**
 * A compact index of the city for the simulators: the facts a department needs to write a
 * plausible record about an existing household or person, in typed arrays (~20 bytes per
 * person, ~24 per household), so 400,000 persons cost a few MB. Ids are not stored: they are
 * derived from the profile's prefix and the positions, exactly as the generator writes them.
 * The simulators update it as they go (deaths, births, marriages, vehicles …) so later records
 * stay consistent with earlier ones. Built from the engine's household states (`fromStates`), it
 * starts from what the engine holds now — earlier runs' deaths, births and marriages included —
 * so a restarted simulator continues the city instead of replaying the original file.
 */
import type { EmploymentStatus, Household, HouseholdCategory, HouseholdState, SchoolStage } from '../../engine/types.js';
import { DISABILITY_TYPES, EMPLOYMENT_STATUSES, REGISTERED_CATEGORIES, SCHOOL_STAGES, type DisabilityType } from '../../engine/types.js';
import { dayNumber } from '../city/dates.js';
import { generateCity, HOUSEHOLD_CATEGORIES } from '../city/generator.js';
import { CHRONIC_DISEASES, MAJOR_DISEASES, businessRegistration, propertyCertificate, vehiclePlate } from '../city/household.js';
import { profileByName, type CityProfile, type ProfileName } from '../city/profiles.js';
import { layoutByName } from '../city/regions.js';

// person flags
export const P_MALE = 1;
export const P_ALIVE = 2;
export const P_REGISTERED = 4;
export const P_MARRIED = 8;
export const P_CHRONIC = 16;
export const P_MAJOR = 32;
export const P_MENTAL = 64;
export const P_VETERAN = 128;
export const P_HARDSHIP = 256;
export const P_SKILLED = 512;
export const P_WIDOWED = 1024;
// household flags
export const H_RURAL = 1;
export const H_ENROLLED = 2;
export const H_RENTING = 4;
export const H_PUBLIC_RENTAL = 8;
export const H_VEHICLE0 = 16;
export const H_VEHICLE1 = 32;
export const H_VEHICLE2 = 64;
export const H_PROPERTY0 = 128;
export const H_PROPERTY1 = 256;
export const H_BUSINESS = 512;
export const H_FLAGGED = 1024;

const CATEGORY_CODE = new Map<HouseholdCategory, number>(HOUSEHOLD_CATEGORIES.map((c, i) => [c, i]));
const EMPLOYMENT_CODE = new Map<EmploymentStatus, number>(EMPLOYMENT_STATUSES.map((e, i) => [e, i]));
const STAGE_CODE = new Map<SchoolStage, number>(SCHOOL_STAGES.map((s, i) => [s, i]));
const SAFETY = ['A', 'B', 'C', 'D'] as const;
const CHRONIC_CODE = new Map<string, number>(CHRONIC_DISEASES.map((d, i) => [d, i + 1]));
const MAJOR_CODE = new Map<string, number>(MAJOR_DISEASES.map((d, i) => [d, i + 1]));

/** Growable typed columns; frozen into exact-size arrays by `finish`. */
class Column<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  finish(extra = 0): T {
    const out = this.make(this.length + extra);
    out.set(this.data.subarray(0, this.length));
    return out;
  }
}

export class CityIndex {
  readonly profile: CityProfile;
  readonly householdCount: number;
  readonly personCount: number;
  /** Persons of household h are personStart[h] … personStart[h+1]-1. */
  readonly personStart: Uint32Array;
  readonly hCategory: Uint8Array;
  readonly hFlags: Uint16Array;
  readonly hDistrict: Uint8Array;
  readonly hSafety: Uint8Array;
  /** Members added by the simulators (births, residence registrations): the next new id. */
  readonly hAdded: Uint8Array;
  readonly hTaxable: Uint32Array;
  readonly hLandTenths: Uint32Array;
  readonly hLivestock: Uint16Array;
  readonly hVeteranBenefit: Uint16Array;
  readonly hAssistance: Uint16Array;
  readonly hElderlyCare: Uint16Array;
  readonly hRent: Uint16Array;
  /** Concern a grid worker last observed, 0 (none) … 3 (grave). */
  readonly hConcern: Uint8Array;
  readonly pBirthDay: Int32Array;
  readonly pFlags: Uint16Array;
  readonly pEmployment: Uint8Array;
  readonly pStage: Uint8Array;
  readonly pGrade: Uint8Array;
  /** Index into DISABILITY_TYPES. */
  readonly pDisType: Uint8Array;
  /** First chronic disease (1-based into CHRONIC_DISEASES) and major disease (MAJOR_DISEASES); 0 none. */
  readonly pChronic: Uint8Array;
  readonly pMajor: Uint8Array;
  readonly pCare: Uint8Array;
  readonly pPension: Uint16Array;
  readonly pWage: Uint16Array;
  readonly pProvident: Uint16Array;
  readonly pProvidentBalance: Uint32Array;
  readonly districtIds: readonly string[];
  /** Person ids that differ from the positional `<household>-NN` (members added out of sequence). */
  private readonly pIdOverride: ReadonlyMap<number, string>;
  /**
   * Hashes of the resident ID numbers members already hold, when built from engine states: an
   * earlier run's newborns and newcomers got numbers a fresh allocator would hand out again.
   */
  readonly takenIdNumbers: ReadonlySet<number> | null;
  /**
   * Highest sequence number an earlier run put into a plate (public security) or a property
   * certificate (real estate registry): a restarted department counts on from there, so its new
   * plates and certificates are not ones a household already holds.
   */
  readonly seqFloor: Readonly<Partial<Record<'public_security' | 'real_estate_registry', number>>>;

  private constructor(profile: CityProfile, cols: IndexColumns) {
    this.profile = profile;
    this.householdCount = cols.personStart.length - 1;
    this.personCount = cols.pBirthDay.length;
    this.personStart = cols.personStart;
    this.hCategory = cols.hCategory;
    this.hFlags = cols.hFlags;
    this.hDistrict = cols.hDistrict;
    this.hSafety = cols.hSafety;
    this.hAdded = cols.hAdded;
    this.pIdOverride = cols.pIdOverride;
    this.takenIdNumbers = cols.takenIdNumbers;
    this.seqFloor = cols.seqFloor;
    this.hTaxable = cols.hTaxable;
    this.hLandTenths = cols.hLandTenths;
    this.hLivestock = cols.hLivestock;
    this.hVeteranBenefit = cols.hVeteranBenefit;
    this.hRent = cols.hRent;
    this.hElderlyCare = cols.hElderlyCare;
    this.hAssistance = cols.hAssistance;
    this.hConcern = cols.hConcern;
    this.pBirthDay = cols.pBirthDay;
    this.pFlags = cols.pFlags;
    this.pEmployment = cols.pEmployment;
    this.pStage = cols.pStage;
    this.pGrade = cols.pGrade;
    this.pDisType = cols.pDisType;
    this.pChronic = cols.pChronic;
    this.pMajor = cols.pMajor;
    this.pCare = cols.pCare;
    this.pPension = cols.pPension;
    this.pWage = cols.pWage;
    this.pProvident = cols.pProvident;
    this.pProvidentBalance = cols.pProvidentBalance;
    this.districtIds = layoutByName(profile.layout).districts.map((d) => d.id);
  }

  /** Indexes the generated city of `profile` and `seed` (streams it; nothing else is kept). */
  static build(profile: CityProfile | ProfileName, seed: number, opts: { limit?: number } = {}): CityIndex {
    const p = typeof profile === 'string' ? profileByName(profile) : profile;
    return CityIndex.fromHouseholds(p, generateCity(p, seed, opts));
  }

  /** Indexes households in generator order (ids `<prefix>-0000001` …), e.g. read back from a city file. */
  static fromHouseholds(profile: CityProfile, households: Iterable<Household>): CityIndex {
    const b = new Builder(profile);
    for (const h of households) b.add(h);
    return new CityIndex(profile, b.finish());
  }

  /**
   * Indexes the engine's current household states (in household-id order, as the LMDB store
   * iterates them): dead members stay dead, added members keep their ids, and new members are
   * numbered after the highest id a household holds.
   */
  static fromStates(profile: CityProfile, states: Iterable<HouseholdState>): CityIndex {
    const b = new Builder(profile, true);
    for (const s of states) b.add(s.household);
    return new CityIndex(profile, b.finish());
  }

  householdId(h: number): string {
    return `${this.profile.idPrefix}-${String(h + 1).padStart(7, '0')}`;
  }

  /** Position of a household id of this city (inverse of `householdId`), -1 if it is not one. */
  householdIndex(id: string): number {
    const prefix = `${this.profile.idPrefix}-`;
    if (!id.startsWith(prefix)) return -1;
    const n = Number(id.slice(prefix.length)) - 1;
    return Number.isInteger(n) && n >= 0 && n < this.householdCount ? n : -1;
  }

  /** Id of person `p` (global index) of household `h`. */
  personId(h: number, p: number): string {
    return this.pIdOverride.get(p) ?? positionalId(this.householdId(h), p - (this.personStart[h] as number));
  }

  /** True while at least one member of household `h` is alive (a household whose last member died is dissolved). */
  hasLiving(h: number): boolean {
    for (let p = this.personStart[h] as number; p < (this.personStart[h + 1] as number); p++) if (this.has(p, P_ALIVE)) return true;
    return false;
  }

  /** Household of a person (binary search over personStart). */
  householdOf(p: number): number {
    let lo = 0;
    let hi = this.householdCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.personStart[mid] as number) <= p) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  size(h: number): number {
    return (this.personStart[h + 1] as number) - (this.personStart[h] as number);
  }

  category(h: number): HouseholdCategory {
    return HOUSEHOLD_CATEGORIES[this.hCategory[h] as number] as HouseholdCategory;
  }

  employment(p: number): EmploymentStatus {
    return EMPLOYMENT_STATUSES[this.pEmployment[p] as number] as EmploymentStatus;
  }

  setEmployment(p: number, e: EmploymentStatus): void {
    this.pEmployment[p] = EMPLOYMENT_CODE.get(e) as number;
  }

  stage(p: number): SchoolStage {
    return SCHOOL_STAGES[this.pStage[p] as number] as SchoolStage;
  }

  setStage(p: number, s: SchoolStage): void {
    this.pStage[p] = STAGE_CODE.get(s) as number;
  }

  safety(h: number): (typeof SAFETY)[number] {
    return SAFETY[this.hSafety[h] as number] as (typeof SAFETY)[number];
  }

  districtId(h: number): string {
    return this.districtIds[this.hDistrict[h] as number] as string;
  }

  /** Whole years at `day` (a day number). */
  ageAt(p: number, day: number): number {
    return Math.floor((day - (this.pBirthDay[p] as number)) / 365.2425);
  }

  has(p: number, flag: number): boolean {
    return ((this.pFlags[p] as number) & flag) !== 0;
  }

  hHas(h: number, flag: number): boolean {
    return ((this.hFlags[h] as number) & flag) !== 0;
  }

  setFlag(p: number, flag: number, on: boolean): void {
    this.pFlags[p] = on ? (this.pFlags[p] as number) | flag : (this.pFlags[p] as number) & ~flag;
  }

  setHFlag(h: number, flag: number, on: boolean): void {
    this.hFlags[h] = on ? (this.hFlags[h] as number) | flag : (this.hFlags[h] as number) & ~flag;
  }

  disabilityType(p: number): DisabilityType {
    return DISABILITY_TYPES[this.pDisType[p] as number] as DisabilityType;
  }

  chronicDisease(p: number): string | null {
    const c = this.pChronic[p] as number;
    return c === 0 ? null : (CHRONIC_DISEASES[c - 1] as string);
  }

  majorDisease(p: number): string | null {
    const c = this.pMajor[p] as number;
    return c === 0 ? null : (MAJOR_DISEASES[c - 1] as string);
  }

  vehiclePlate(h: number, k: number): string {
    return vehiclePlate(this.profile, h, k);
  }

  propertyCertificate(h: number, k: number): string {
    return propertyCertificate(this.profile, h, k);
  }

  businessRegistration(h: number): string {
    return businessRegistration(this.districtId(h), h);
  }

  /** Bytes held by the typed arrays. */
  byteSize(): number {
    let n = 0;
    for (const v of Object.values(this)) if (ArrayBuffer.isView(v)) n += v.byteLength;
    return n;
  }
}

/** `<household>-NN`: the id of the member at `offset` when members were added in sequence. */
function positionalId(householdId: string, offset: number): string {
  return `${householdId}-${String(offset + 1).padStart(2, '0')}`;
}

/** 52-bit FNV-1a style hash of an ID number (two 26-bit halves): a set of numbers, not of strings. */
export function idNumberHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return (a & 0x3ffffff) * 0x4000000 + (b & 0x3ffffff);
}

interface IndexColumns {
  personStart: Uint32Array;
  hAdded: Uint8Array;
  pIdOverride: Map<number, string>;
  takenIdNumbers: Set<number> | null;
  seqFloor: Partial<Record<'public_security' | 'real_estate_registry', number>>;
  hCategory: Uint8Array;
  hFlags: Uint16Array;
  hDistrict: Uint8Array;
  hSafety: Uint8Array;
  hTaxable: Uint32Array;
  hLandTenths: Uint32Array;
  hLivestock: Uint16Array;
  hVeteranBenefit: Uint16Array;
  hAssistance: Uint16Array;
  hElderlyCare: Uint16Array;
  hRent: Uint16Array;
  hConcern: Uint8Array;
  pBirthDay: Int32Array;
  pFlags: Uint16Array;
  pEmployment: Uint8Array;
  pStage: Uint8Array;
  pGrade: Uint8Array;
  pDisType: Uint8Array;
  pChronic: Uint8Array;
  pMajor: Uint8Array;
  pCare: Uint8Array;
  pPension: Uint16Array;
  pWage: Uint16Array;
  pProvident: Uint16Array;
  pProvidentBalance: Uint32Array;
}

const u8 = (n: number) => new Uint8Array(n);
const u16 = (n: number) => new Uint16Array(n);
const u32 = (n: number) => new Uint32Array(n);

class Builder {
  private readonly districtIndex: Map<string, number>;
  private readonly enrolledCategories = new Set<string>(REGISTERED_CATEGORIES);
  private n = 0;
  personStart = new Column(u32);
  hCategory = new Column(u8);
  hFlags = new Column(u16);
  hDistrict = new Column(u8);
  hSafety = new Column(u8);
  hTaxable = new Column(u32);
  hLandTenths = new Column(u32);
  hLivestock = new Column(u16);
  hVeteranBenefit = new Column(u16);
  hRent = new Column(u16);
  hElderlyCare = new Column(u16);
  hAssistance = new Column(u16);
  hConcern = new Column(u8);
  pBirthDay = new Column((n) => new Int32Array(n));
  pFlags = new Column(u16);
  pEmployment = new Column(u8);
  pStage = new Column(u8);
  pGrade = new Column(u8);
  pDisType = new Column(u8);
  pChronic = new Column(u8);
  pMajor = new Column(u8);
  pCare = new Column(u8);
  pPension = new Column(u16);
  pWage = new Column(u16);
  pProvident = new Column(u16);
  pProvidentBalance = new Column(u32);
  /** Members beyond the positional numbering per household, so a new member's id is never taken. */
  hAdded = new Column(u8);
  pIdOverride = new Map<number, string>();
  takenIdNumbers: Set<number> | null;
  seqFloor: Partial<Record<'public_security' | 'real_estate_registry', number>> = {};
  // the shapes kinds.ts gives simulated plates and certificates (`<plate>D<5 digits>`, `…X<7 digits>号`)
  private readonly simPlate: RegExp;
  private readonly simCertificate = /不动产权第X(\d{7})号$/;

  constructor(
    private readonly profile: CityProfile,
    collectIdNumbers = false,
  ) {
    this.takenIdNumbers = collectIdNumbers ? new Set() : null;
    this.simPlate = new RegExp(`^${profile.plate.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}D(\\d{5})$`);
    this.districtIndex = new Map(layoutByName(profile.layout).districts.map((d, i) => [d.id, i]));
  }

  add(h: Household): void {
    const expect = `${this.profile.idPrefix}-${String(this.n + 1).padStart(7, '0')}`;
    if (h.id !== expect) throw new RangeError(`households: expected ${expect} in generator order, got ${h.id}`);
    this.n++;
    this.personStart.push(this.pBirthDay.length);
    this.hCategory.push(CATEGORY_CODE.get(h.assistance.category) ?? 0);
    let f = 0;
    if (h.rural) f |= H_RURAL;
    if (h.assistance.enrolled && this.enrolledCategories.has(h.assistance.category)) f |= H_ENROLLED;
    if (h.housing.renting) f |= H_RENTING;
    if (h.housing.publicRental) f |= H_PUBLIC_RENTAL;
    if (h.assistance.povertyRiskFlagged) f |= H_FLAGGED;
    for (const v of h.vehicles) {
      for (let k = 0; k < 3; k++) if (v.plate === vehiclePlate(this.profile, this.n - 1, k)) f |= H_VEHICLE0 << k;
    }
    for (const pr of h.properties) {
      for (let k = 0; k < 2; k++) if (pr.certificate === propertyCertificate(this.profile, this.n - 1, k)) f |= H_PROPERTY0 << k;
    }
    if (h.businesses.length > 0) f |= H_BUSINESS;
    for (const v of h.vehicles) {
      const m = this.simPlate.exec(v.plate);
      if (m) this.seqFloor.public_security = Math.max(this.seqFloor.public_security ?? 0, Number(m[1]));
    }
    for (const pr of h.properties) {
      const m = this.simCertificate.exec(pr.certificate);
      if (m) this.seqFloor.real_estate_registry = Math.max(this.seqFloor.real_estate_registry ?? 0, Number(m[1]));
    }
    this.hFlags.push(f);
    this.hDistrict.push(this.districtIndex.get(h.region.districtId) ?? 0);
    this.hSafety.push(SAFETY.indexOf(h.housing.safety));
    this.hTaxable.push(Math.min(0xffffffff, Math.round(h.finances.taxableIncomeAnnual)));
    this.hLandTenths.push(Math.round(h.landMu * 10));
    this.hLivestock.push(Math.min(0xffff, h.livestockHeads));
    this.hVeteranBenefit.push(Math.min(0xffff, Math.round(h.finances.veteranBenefitMonthly)));
    this.hAssistance.push(Math.min(0xffff, Math.round(h.finances.assistanceMonthly)));
    this.hElderlyCare.push(Math.min(0xffff, Math.round(h.finances.elderlyCareSubsidyMonthly)));
    this.hRent.push(Math.min(0xffff, Math.round(h.finances.rentMonthly)));
    this.hConcern.push(h.assistance.observedConcern);
    // highest `-NN` suffix held: new members are numbered after it
    let highest = h.persons.length;
    h.persons.forEach((p, i) => {
      if (p.id !== positionalId(h.id, i)) this.pIdOverride.set(this.pBirthDay.length + i, p.id);
      const m = p.id.startsWith(`${h.id}-`) ? Number(p.id.slice(h.id.length + 1)) : NaN;
      if (Number.isInteger(m) && m > highest) highest = m;
    });
    this.hAdded.push(Math.min(0xff, highest - h.persons.length));
    for (const p of h.persons) {
      this.takenIdNumbers?.add(idNumberHash(p.idNumber));
      this.pBirthDay.push(dayNumber(p.birthDate));
      let pf = 0;
      if (p.sex === 'M') pf |= P_MALE;
      if (p.alive) pf |= P_ALIVE;
      if (p.registered) pf |= P_REGISTERED;
      if (p.maritalStatus === 'married') pf |= P_MARRIED;
      if (p.maritalStatus === 'widowed') pf |= P_WIDOWED;
      if (p.chronicDiseases.length) pf |= P_CHRONIC;
      if (p.majorDiseases.length) pf |= P_MAJOR;
      if (p.severeMentalIllness) pf |= P_MENTAL;
      if (p.veteran) pf |= P_VETERAN;
      if (p.hardshipWorker) pf |= P_HARDSHIP;
      if (p.skilled) pf |= P_SKILLED;
      this.pFlags.push(pf);
      this.pEmployment.push(EMPLOYMENT_CODE.get(p.employment) ?? 0);
      this.pStage.push(STAGE_CODE.get(p.schoolStage) ?? 0);
      this.pGrade.push(p.disabilityGrade);
      this.pDisType.push(Math.max(0, DISABILITY_TYPES.indexOf(p.disabilityType)));
      this.pChronic.push(CHRONIC_CODE.get(p.chronicDiseases[0] ?? '') ?? 0);
      this.pMajor.push(MAJOR_CODE.get(p.majorDiseases[0] ?? '') ?? 0);
      this.pCare.push(p.careDependency === 'full' ? 2 : p.careDependency === 'partial' ? 1 : 0);
      this.pPension.push(Math.min(0xffff, Math.round(p.pensionMonthly)));
      this.pWage.push(Math.min(0xffff, Math.round(p.monthlyWage)));
      this.pProvident.push(Math.min(0xffff, Math.round(p.providentFundMonthly)));
      this.pProvidentBalance.push(Math.min(0xffffffff, Math.round(p.providentFundBalance)));
    }
  }

  finish(): IndexColumns {
    this.personStart.push(this.pBirthDay.length);
    return {
      personStart: this.personStart.finish(),
      hAdded: this.hAdded.finish(),
      pIdOverride: this.pIdOverride,
      takenIdNumbers: this.takenIdNumbers,
      seqFloor: this.seqFloor,
      hCategory: this.hCategory.finish(),
      hFlags: this.hFlags.finish(),
      hDistrict: this.hDistrict.finish(),
      hSafety: this.hSafety.finish(),
      hTaxable: this.hTaxable.finish(),
      hLandTenths: this.hLandTenths.finish(),
      hLivestock: this.hLivestock.finish(),
      hVeteranBenefit: this.hVeteranBenefit.finish(),
      hRent: this.hRent.finish(),
      hElderlyCare: this.hElderlyCare.finish(),
      hAssistance: this.hAssistance.finish(),
      hConcern: this.hConcern.finish(),
      pBirthDay: this.pBirthDay.finish(),
      pFlags: this.pFlags.finish(),
      pEmployment: this.pEmployment.finish(),
      pStage: this.pStage.finish(),
      pGrade: this.pGrade.finish(),
      pDisType: this.pDisType.finish(),
      pChronic: this.pChronic.finish(),
      pMajor: this.pMajor.finish(),
      pCare: this.pCare.finish(),
      pPension: this.pPension.finish(),
      pWage: this.pWage.finish(),
      pProvident: this.pProvident.finish(),
      pProvidentBalance: this.pProvidentBalance.finish(),
    };
  }
}
