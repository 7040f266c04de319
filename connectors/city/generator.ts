/**
 * The streaming city generator: `generateCity(profile, seed)` yields households one at a time
 * (sync or async iteration) with running counters, so a 223,000-household city never sits in
 * memory. Category counts are exact: each household's category is drawn without replacement
 * from the remaining quotas, so any prefix of the stream is a fair sample of the whole. A profile
 * with `causeTargets` (Yuanzhou's survey) is calibrated to it: the best of a few candidates per
 * slot (calibration/quota.ts).
 */
import type { Household, HouseholdCategory } from '../../engine/types.js';
import { REGISTERED_CATEGORIES, UNREGISTERED_SOURCES } from '../../engine/types.js';
import { dayNumber, yearStartDay } from './dates.js';
import { CauseQuota } from './calibration/quota.js';
import { buildHousehold, type BuildContext } from './household.js';
import { IdNumberAllocator } from './ids.js';
import { COMPOSITIONS, profileByName, type CityProfile, type Composition, type ProfileName } from './profiles.js';
import { birthRegionCodes, layoutByName } from './regions.js';
import { cumulative, Rng } from './rng.js';

export const HOUSEHOLD_CATEGORIES: readonly HouseholdCategory[] = [...REGISTERED_CATEGORIES, ...UNREGISTERED_SOURCES];
const REGISTERED = new Set<HouseholdCategory>(REGISTERED_CATEGORIES);

export interface CityCounters {
  households: number;
  persons: number;
  registeredHouseholds: number;
  unregisteredHouseholds: number;
  byCategory: Record<HouseholdCategory, number>;
  byComposition: Record<Composition, number>;
  byDistrict: Record<string, number>;
  rural: number;
  /** Persons with a major disease, a disability, needing care, aged 60+, under 18. */
  majorDisease: number;
  disabled: number;
  careDependent: number;
  elderly: number;
  minors: number;
  withoutParentalCare: number;
  cars: number;
}

export interface GenerateOptions {
  /** Stop after this many households (a fair sample: categories are drawn without replacement). */
  limit?: number;
}

function emptyCounters(): CityCounters {
  return {
    households: 0,
    persons: 0,
    registeredHouseholds: 0,
    unregisteredHouseholds: 0,
    byCategory: Object.fromEntries(HOUSEHOLD_CATEGORIES.map((c) => [c, 0])) as Record<HouseholdCategory, number>,
    byComposition: Object.fromEntries(COMPOSITIONS.map((c) => [c, 0])) as Record<Composition, number>,
    byDistrict: {},
    rural: 0,
    majorDisease: 0,
    disabled: 0,
    careDependent: 0,
    elderly: 0,
    minors: 0,
    withoutParentalCare: 0,
    cars: 0,
  };
}

function resolve(profile: CityProfile | ProfileName): CityProfile {
  return typeof profile === 'string' ? profileByName(profile) : profile;
}

export class CityGenerator implements Iterable<Household>, AsyncIterable<Household> {
  readonly profile: CityProfile;
  readonly seed: number;
  /** Households this generator will yield. */
  readonly total: number;
  /** Running counts of what has been yielded so far. */
  readonly counters: CityCounters = emptyCounters();
  private started = false;

  constructor(profile: CityProfile | ProfileName, seed: number, opts: GenerateOptions = {}) {
    this.profile = resolve(profile);
    if (!Number.isInteger(seed)) throw new RangeError(`seed: must be an integer, got ${seed}`);
    this.seed = seed;
    const all = Object.values(this.profile.categories).reduce((a, b) => a + (b ?? 0), 0);
    this.total = opts.limit === undefined ? all : Math.max(0, Math.min(all, Math.floor(opts.limit)));
  }

  *[Symbol.iterator](): Iterator<Household> {
    if (this.started) throw new Error('CityGenerator: a generator can be iterated once; create another for a second pass');
    this.started = true;
    const p = this.profile;
    const layout = layoutByName(p.layout);
    const rng = new Rng(this.seed, 0);
    const compositionCum = new Map<HouseholdCategory, Float64Array>();
    for (const c of HOUSEHOLD_CATEGORIES) {
      const base = REGISTERED.has(c) ? p.composition.registered : p.composition.unregistered;
      const over = p.composition.byCategory?.[c];
      compositionCum.set(c, cumulative(COMPOSITIONS.map((k) => (over ? (over[k] ?? 0) : base[k]))));
    }
    const ctx: BuildContext = {
      profile: p,
      layout,
      rng,
      ids: new IdNumberAllocator(birthRegionCodes(layout)),
      refDay: dayNumber(p.referenceDate),
      refYear: +p.referenceDate.slice(0, 4),
      districtById: new Map(layout.districts.map((d) => [d.id, d])),
      townshipById: new Map(layout.townships.map((t) => [t.id, t])),
      communityCum: cumulative(layout.communities.map((c) => c.weight)),
      compositionCum,
      gradeCum: cumulative(p.health.disabilityGrades),
      workCum: { registered: cumulative(p.work.registered), unregistered: cumulative(p.work.unregistered) },
      safetyCum: { urban: cumulative(p.housing.urban), rural: cumulative(p.housing.rural) },
      lastComposition: 'elderly_alone',
      birthRegions: layout.otherBirthRegions,
      yearStart: yearStartDay(dayNumber(p.referenceDate)),
      age80Born: `${+p.referenceDate.slice(0, 4) - 80}${p.referenceDate.slice(4)}`,
      age55Born: `${+p.referenceDate.slice(0, 4) - 55}${p.referenceDate.slice(4)}`,
      age18Born: `${+p.referenceDate.slice(0, 4) - 18}${p.referenceDate.slice(4)}`,
      concernCum: { registered: cumulative(p.concern.registered), unregistered: cumulative(p.concern.unregistered) },
      adultEducationCum: p.education.adultLevels ? cumulative(p.education.adultLevels) : null,
    };
    const born60 = `${+p.referenceDate.slice(0, 4) - 60}${p.referenceDate.slice(4)}`;
    const cats = HOUSEHOLD_CATEGORIES.filter((c) => (p.categories[c] ?? 0) > 0);
    const left = cats.map((c) => p.categories[c] ?? 0);
    let remaining = left.reduce((a, b) => a + b, 0);
    const k = this.counters;
    const quota = p.causeTargets !== undefined && p.causeTargets.candidates > 1 ? new CauseQuota(p.causeTargets, p.referenceDate) : null;
    for (let i = 0; i < this.total; i++) {
      // draw a category without replacement from the remaining quotas
      let x = rng.int(remaining);
      let ci = 0;
      while (x >= (left[ci] as number)) x -= left[ci++] as number;
      left[ci] = (left[ci] as number) - 1;
      remaining--;
      const category = cats[ci] as HouseholdCategory;
      let h = buildHousehold(ctx, i, category);
      if (quota !== null) {
        // the candidate that best closes the gaps to the survey's cause distributions
        let levels = quota.levelsOf(h);
        let best = quota.gain(levels);
        let comp = ctx.lastComposition;
        for (let t = 1; t < p.causeTargets!.candidates; t++) {
          const c = buildHousehold(ctx, i, category);
          const l = quota.levelsOf(c);
          const g = quota.gain(l);
          if (g > best) {
            h = c;
            levels = l;
            best = g;
            comp = ctx.lastComposition;
          }
        }
        ctx.lastComposition = comp;
        quota.take(levels);
      }
      k.households++;
      k.persons += h.persons.length;
      k.byCategory[category]++;
      if (REGISTERED.has(category)) k.registeredHouseholds++;
      else k.unregisteredHouseholds++;
      k.byComposition[ctx.lastComposition]++;
      k.byDistrict[h.region.districtId] = (k.byDistrict[h.region.districtId] ?? 0) + 1;
      if (h.rural) k.rural++;
      for (const v of h.vehicles) if (v.kind === 'car') k.cars++;
      for (const q of h.persons) {
        if (q.majorDiseases.length) k.majorDisease++;
        if (q.disabilityGrade) k.disabled++;
        if (q.careDependency !== 'none') k.careDependent++;
        if (q.withoutParentalCare) k.withoutParentalCare++;
        // ISO dates compare as strings: born on or before these days means 60+, after means under 18
        if (q.birthDate <= born60) k.elderly++;
        else if (q.birthDate > ctx.age18Born) k.minors++;
      }
      yield h;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Household> {
    let n = 0;
    for (const h of this) {
      yield h;
      // let the event loop breathe (timers, sockets) on long runs
      if (++n % 2000 === 0) await new Promise<void>((r) => setImmediate(r));
    }
  }
}

/** A one-pass, streamed synthetic city: iterate with `for … of` or `for await … of`. */
export function generateCity(profile: CityProfile | ProfileName, seed: number, opts: GenerateOptions = {}): CityGenerator {
  return new CityGenerator(profile, seed, opts);
}
