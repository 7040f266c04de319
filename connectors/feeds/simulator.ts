/**
 * The department simulators over one city index: a weighted draw of kinds (rates.ts), one
 * random stream per department, and a simulated clock.
 *
 * Clock: a global simulated time advances by an exponential gap per update; each department
 * stamps `occurredAt = max(global, its last + 1)`, so times are strictly increasing per
 * department (the engine rejects older updates from a department as stale). Update ids are
 * `<source>-<runTag>-<seq>` with a per-department sequence: unique, and the same for the same
 * seed. Resync dumps continue the department's clock and use ids `<source>-<runTag>-r<YYYYMM>-<n>`,
 * stable within a month so a repeated dump is dropped as a duplicate.
 *
 * Live against a running engine (`clock` set, index from `CityIndex.fromStates`): every update is
 * stamped with the wall clock (never ahead of it, non-decreasing per department; the engine
 * orders per fact, so equal times are fine), and nothing is said about a household whose last
 * member died — the engine refuses those. A restart thus continues the city the engine holds.
 */
import { DEPARTMENTS, DEPARTMENT_CODES, KIND_CODES, KIND_SOURCE } from '../../engine/catalogue/departments.js';
import { personRole } from '../../engine/catalogue/payloads.js';
import type { Department, Kind, Update } from '../../engine/types.js';
import { DAY_MS, dayNumber, isoOfDay } from '../city/dates.js';
import { IdNumberAllocator } from '../city/ids.js';
import { birthRegionCodes, layoutByName } from '../city/regions.js';
import { cumulative, hashString, Rng } from '../city/rng.js';
import { H_ENROLLED, H_RENTING, H_RURAL, idNumberHash, P_ALIVE, P_CHRONIC, P_HARDSHIP, P_MAJOR, P_REGISTERED, P_VETERAN, type CityIndex } from './city-index.js';
import {
  BUILDERS,
  ICD10,
  agriculturalIncome,
  contribution,
  gridVisit,
  incomeTax,
  pension,
  providentContribution,
  type BuildCtx,
  type Built,
  type Payload,
} from './kinds.js';
import { resolveFeedOptions, type FeedOptions, type ResolvedFeedOptions } from './options.js';
import { kindRates } from './workload.js';

export interface SimulatorOptions extends FeedOptions {
  /**
   * Wall clock (epoch ms). When given, `occurredAt` is this clock's time instead of the simulated
   * one, so a live feed is never ahead of real time however fast it runs.
   */
  clock?: () => number;
}

export interface LiveOptions {
  /** Stop when aborted. */
  signal?: AbortSignal;
  /** Stop after this many updates. */
  maxUpdates?: number;
  /** How often the loop wakes to emit what is due (ms, default 50). */
  tickMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An allocator that skips numbers members already hold (an earlier run issued them too). */
class UnusedIdNumbers extends IdNumberAllocator {
  constructor(
    regionCodes: readonly string[],
    firstCount: number,
    private readonly taken: Set<number>,
  ) {
    super(regionCodes, firstCount);
  }

  override next(regionCode: string, birthDate: string, sex: 'M' | 'F', birthDay?: number): string {
    // bounded: the allocator throws once a birth date's numbers run out
    for (;;) {
      const id = super.next(regionCode, birthDate, sex, birthDay);
      const h = idNumberHash(id);
      if (!this.taken.has(h)) {
        this.taken.add(h);
        return id;
      }
    }
  }
}

export class FeedSimulator {
  readonly index: CityIndex;
  readonly options: ResolvedFeedOptions;
  /** Updates emitted so far, per kind. */
  readonly emittedByKind: Record<Kind, number>;
  private readonly kinds: Kind[];
  private readonly kindCum: Float64Array;
  private readonly pickRng: Rng;
  private readonly deptRng: Map<Department, Rng>;
  private readonly seq: Map<Department, number>;
  private readonly lastAt: Map<Department, number>;
  private readonly ids: IdNumberAllocator;
  private readonly wall: (() => number) | undefined;
  private clock: number;

  constructor(index: CityIndex, opts: SimulatorOptions = {}) {
    this.index = index;
    this.options = resolveFeedOptions(opts, { households: index.householdCount, live: opts.clock !== undefined });
    const rates = { ...kindRates(this.options.workload), ...this.options.rates };
    this.kinds = KIND_CODES.filter((k) => (rates[k] ?? 0) > 0);
    if (this.kinds.length === 0) throw new RangeError('rates: every kind is switched off');
    this.kindCum = cumulative(this.kinds.map((k) => rates[k] ?? 0));
    const seed = this.options.seed;
    this.pickRng = new Rng(seed, 0x5eed);
    this.deptRng = new Map(DEPARTMENT_CODES.map((d) => [d, new Rng(seed, hashString(d))]));
    this.seq = new Map(DEPARTMENT_CODES.map((d) => [d, (index.seqFloor as Partial<Record<Department, number>>)[d] ?? 0]));
    this.lastAt = new Map(DEPARTMENT_CODES.map((d) => [d, -1]));
    const regions = birthRegionCodes(layoutByName(index.profile.layout));
    this.ids = index.takenIdNumbers ? new UnusedIdNumbers(regions, 128, new Set(index.takenIdNumbers)) : new IdNumberAllocator(regions, 128);
    this.wall = opts.clock;
    this.clock = this.options.startAt ?? this.wall?.() ?? dayNumber(index.profile.referenceDate) * DAY_MS + 8 * 3_600_000;
    this.emittedByKind = Object.fromEntries(KIND_CODES.map((k) => [k, 0])) as Record<Kind, number>;
  }

  /** Current simulated time (epoch ms). */
  get now(): number {
    return this.clock;
  }

  /** The next update of the configured mix. */
  next(): Update {
    const gap = Math.max(1, Math.round(-Math.log(1 - this.pickRng.float()) * this.options.meanGapMs));
    this.clock = this.wall ? Math.max(this.clock, this.wall()) : this.clock + gap;
    for (let attempt = 0; ; attempt++) {
      const kind = this.kinds[this.pickRng.weighted(this.kindCum)] as Kind;
      const u = this.nextOf(kind);
      if (u !== null) return u;
      // a kind with no fitting target right now: draw another (bounded, the mix always has household kinds)
      if (attempt > 1000) throw new Error('FeedSimulator: no kind found a target; the city index is empty');
    }
  }

  /** The next update of one kind, or null if no fitting target turned up. */
  nextOf(kind: Kind): Update | null {
    const source = KIND_SOURCE[kind];
    const seq = (this.seq.get(source) as number) + 1;
    // simulated: strictly increasing per department; wall clock: never ahead of it
    const at = this.wall ? Math.max(this.clock, this.lastAt.get(source) as number) : Math.max(this.clock, (this.lastAt.get(source) as number) + 1);
    const id = `${source}-${this.options.runTag}-${seq}`;
    const day = Math.floor(at / DAY_MS);
    const ctx: BuildCtx = { idx: this.index, rng: this.deptRng.get(source) as Rng, day, iso: isoOfDay(day), seq, ids: this.ids, workload: this.options.workload };
    const built = BUILDERS[kind](ctx, id);
    if (built === null) return null;
    // a dissolved household (its last member died) takes no more updates; the death itself did find a living member
    if (kind !== 'death_registered' && !this.index.hasLiving(built.household)) return null;
    this.seq.set(source, seq);
    this.lastAt.set(source, at);
    this.emittedByKind[kind]++;
    return this.envelope(id, source, kind, at, built);
  }

  /** `n` updates of the mix. */
  batch(n: number): Update[] {
    const out: Update[] = new Array<Update>(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    return out;
  }

  /**
   * Emits updates at a steady `ratePerSec` (wall clock), handing each tick's batch to `onBatch`
   * and awaiting it (backpressure: a slow consumer is caught up later, at most one second's worth
   * per batch). Resolves with the number sent when aborted or `maxUpdates` is reached.
   */
  async live(ratePerSec: number, onBatch: (updates: Update[]) => void | Promise<void>, opts: LiveOptions = {}): Promise<number> {
    if (!(ratePerSec > 0)) throw new RangeError(`ratePerSec: must be positive, got ${ratePerSec}`);
    const max = opts.maxUpdates ?? Number.POSITIVE_INFINITY;
    const tick = opts.tickMs ?? 50;
    const start = performance.now();
    let sent = 0;
    while (sent < max && !opts.signal?.aborted) {
      const due = Math.min(max, Math.floor(((performance.now() - start) / 1000) * ratePerSec));
      if (due > sent) {
        const n = Math.min(due - sent, Math.max(1, Math.ceil(ratePerSec)));
        await onBatch(this.batch(n));
        sent += n;
      } else {
        await sleep(Math.min(tick, Math.max(1, ((sent + 1) / ratePerSec) * 1000 - (performance.now() - start))));
      }
    }
    return sent;
  }

  /** The live feed as an async iterator (one update at a time, at `ratePerSec`). */
  async *liveUpdates(ratePerSec: number, opts: LiveOptions = {}): AsyncGenerator<Update> {
    if (!(ratePerSec > 0)) throw new RangeError(`ratePerSec: must be positive, got ${ratePerSec}`);
    const max = opts.maxUpdates ?? Number.POSITIVE_INFINITY;
    const start = performance.now();
    for (let sent = 0; sent < max && !opts.signal?.aborted; sent++) {
      const wait = (sent / ratePerSec) * 1000 - (performance.now() - start);
      if (wait > 1) await sleep(wait);
      yield this.next();
    }
  }

  /**
   * One department's full dump: the state-setting records it holds for every monitored household
   * or person (pensions and contributions, enrolments, certificates, assessments …). Departments
   * whose records are only events (public security, real estate, market regulation, emergency
   * management) have nothing to re-send and yield nothing.
   */
  *resync(department: Department): Generator<Update> {
    if (!Object.prototype.hasOwnProperty.call(DEPARTMENTS, department)) throw new RangeError(`department: unknown department '${department}'`);
    // dissolved households are left out (the engine refuses them); numbering is unchanged, so ids stay stable
    for (const u of this.resyncAll(department)) if (this.index.hasLiving(this.index.householdIndex(u.householdId))) yield u;
  }

  private *resyncAll(department: Department): Generator<Update> {
    const idx = this.index;
    const rng = new Rng(this.options.seed, hashString(`resync:${department}`));
    const wall = this.wall;
    let at = wall ? Math.max(this.clock, wall(), this.lastAt.get(department) as number) : Math.max(this.clock, (this.lastAt.get(department) as number) + 1);
    const day = Math.floor(at / DAY_MS);
    const iso = isoOfDay(day);
    const period = iso.slice(0, 7).replace('-', '');
    const ctx: BuildCtx = { idx, rng, day, iso, seq: 0, ids: this.ids, workload: this.options.workload };
    let n = 0;
    const emit = (kind: Kind, built: Built): Update => {
      n++;
      const u = this.envelope(`${department}-${this.options.runTag}-r${period}-${n}`, department, kind, at, built);
      this.lastAt.set(department, at);
      // with a wall clock the whole dump carries one time: counting up would run ahead of it
      if (!wall) at++;
      return u;
    };
    const person = (p: number, payload: Payload): Built => ({ household: idx.householdOf(p), person: p, payload });
    const household = (h: number, payload: Payload): Built => ({ household: h, person: -1, payload });
    const alive = (p: number) => idx.has(p, P_ALIVE) && idx.has(p, P_REGISTERED);

    switch (department) {
      case 'civil_affairs':
        for (let h = 0; h < idx.householdCount; h++) {
          if (!idx.hHas(h, H_ENROLLED)) continue;
          const category = idx.category(h);
          if (category !== 'dibao' && category !== 'marginal' && category !== 'extreme_poverty' && category !== 'expenditure_dibao') continue;
          yield emit('assistance_enrolled', household(h, { category, monthlyCny: idx.hAssistance[h] as number, enrolledAt: iso }));
        }
        break;
      case 'medical_insurance':
        for (let p = 0; p < idx.personCount; p++) {
          const d = idx.chronicDisease(p);
          if (alive(p) && idx.has(p, P_CHRONIC) && d !== null) yield emit('chronic_disease_certified', person(p, { disease: d, icd10: ICD10[d] as string, certifiedAt: iso }));
        }
        break;
      case 'health':
        for (let p = 0; p < idx.personCount; p++) {
          const d = idx.majorDisease(p);
          if (alive(p) && idx.has(p, P_MAJOR) && d !== null) yield emit('major_disease_diagnosed', person(p, { disease: d, icd10: ICD10[d] as string, diagnosedAt: iso }));
        }
        break;
      case 'human_resources':
        for (let p = 0; p < idx.personCount; p++) {
          if (!alive(p)) continue;
          if ((idx.pPension[p] as number) > 0) yield emit('pension_paid', person(p, pension(ctx, p)));
          const e = idx.employment(p);
          if (e === 'employed' || e === 'self_employed' || e === 'flexible') yield emit('social_insurance_contribution', person(p, contribution(ctx, p)));
        }
        break;
      case 'education':
        for (let p = 0; p < idx.personCount; p++) {
          const st = idx.stage(p);
          if (alive(p) && st !== 'none') yield emit('student_enrolled', person(p, { school: `${idx.districtId(idx.householdOf(p))}第${(p % 9) + 1}学校`, stage: st, enrolledAt: iso, boarding: st === 'university' }));
        }
        break;
      case 'disabled_persons_federation':
        for (let p = 0; p < idx.personCount; p++) {
          if (!alive(p)) continue;
          const g = idx.pGrade[p] as number;
          if (g > 0) yield emit('disability_certified', person(p, { certificateNo: `CJ${String(p).padStart(10, '0')}`, grade: g, type: idx.disabilityType(p), certifiedAt: iso }));
          const care = idx.pCare[p] as number;
          if (care > 0) yield emit('care_dependency_assessed', person(p, { level: care === 2 ? 'full' : 'partial', adlScore: care === 2 ? 30 : 55, assessedAt: iso }));
        }
        break;
      case 'housing':
        for (let h = 0; h < idx.householdCount; h++) {
          yield emit('dangerous_housing_assessed', household(h, { reportNo: `WF-r${period}-${h + 1}`, grade: idx.safety(h), assessedAt: iso }));
          if (idx.hHas(h, H_RENTING) && (idx.hRent[h] as number) > 0) {
            yield emit('rent_registered', household(h, { monthlyRentCny: idx.hRent[h] as number, areaM2: 40, contractStart: iso, contractEnd: isoOfDay(day + 365) }));
          }
        }
        break;
      case 'taxation':
        for (let h = 0; h < idx.householdCount; h++) if ((idx.hTaxable[h] as number) > 0) yield emit('income_tax_filed', household(h, incomeTax(ctx, h)));
        break;
      case 'housing_provident_fund':
        for (let p = 0; p < idx.personCount; p++) if (alive(p) && (idx.pProvident[p] as number) > 0) yield emit('provident_fund_contribution', person(p, providentContribution(ctx, p)));
        break;
      case 'agriculture_rural':
        for (let h = 0; h < idx.householdCount; h++) if (idx.hHas(h, H_RURAL)) yield emit('agricultural_income_reported', household(h, agriculturalIncome(ctx, h)));
        break;
      case 'veterans_affairs':
        for (let h = 0; h < idx.householdCount; h++) {
          if ((idx.hVeteranBenefit[h] as number) === 0) continue;
          let vet = -1;
          for (let p = idx.personStart[h] as number; p < (idx.personStart[h + 1] as number); p++) if (alive(p) && (vet < 0 || idx.has(p, P_VETERAN))) vet = p;
          if (vet >= 0) yield emit('veteran_benefit_granted', person(vet, { benefitType: 'regular_subsidy', monthlyCny: idx.hVeteranBenefit[h] as number, startDate: iso }));
        }
        break;
      case 'trade_union':
        for (let p = 0; p < idx.personCount; p++) {
          if (alive(p) && idx.has(p, P_HARDSHIP)) yield emit('hardship_worker_registered', person(p, { level: 'hardship', reason: 'other', registeredAt: iso }));
        }
        break;
      case 'community':
        for (let h = 0; h < idx.householdCount; h++) yield emit('grid_visit_recorded', household(h, gridVisit(ctx, h)));
        break;
      default:
        // event-only registries: nothing to re-send
        break;
    }
  }

  private envelope(id: string, source: Department, kind: Kind, at: number, b: Built): Update {
    const role = personRole(kind);
    const u: Update = { id, source, kind, householdId: this.index.householdId(b.household), occurredAt: at, payload: b.payload };
    if (role === 'existing') u.personId = this.index.personId(b.household, b.person);
    else if (role === 'new') u.personId = b.newPersonId as string;
    return u;
  }
}
