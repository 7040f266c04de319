/**
 * The synthetic city's community service alliance registry (助联体): one site per district
 * (county level, 县级服务中心), per township (镇街服务站) and per community (村社服务点), and the
 * service projects they run (Hangzhou: 14 + 192 + 3,222 = 3,428 sites and ~2,600 projects, as in
 * seed 002). `generateRegistry(layout, seed)` is pure: same layout and seed → byte-identical JSON.
 *
 * How projects are laid out:
 * - coverage first: every one of the 31 services has an open-ended project at every district's
 *   county-level centre (县级), whose reach is the whole district, so every household has a
 *   project within reach for every service it may need (full, perhaps: that is unmet demand);
 *   every township then gets at least one project of its own (at the township or one of its
 *   communities);
 * - a few city-wide projects (county-level sites, `cityWide`: they reach every district);
 * - the rest drawn by service demand, each service's usual levels (care, meals, visits at village
 *   and township; legal aid, training, jobs, rehabilitation, crisis and shelter at county and
 *   township) and where households live (community weights, district household weights).
 * A project delivers 1–3 services of one catalogue category; its capacity is places per month
 * (vouchers, meals, sessions) or cases at once (care, rehabilitation, casework), 2–60 places,
 * larger at higher levels.
 */
import { SERVICE_CATEGORIES, SERVICE_CATEGORY_OF, SERVICE_CODES, type ServiceCategory, type ServiceCode } from '../../engine/catalogue/assistance.js';
import { SITE_LEVELS, type CapacityUnit, type Project, type Site, type SiteLevel } from '../../engine/help/types.js';
import { civilFromDays, DAY_MS, daysFromCivil } from './dates.js';
import type { CommunityDef, Rect, RegionLayout, TownshipDef } from './regions.js';
import { cumulative, hashString, mix32, Rng } from './rng.js';

export interface Registry {
  sites: Site[];
  projects: Project[];
}

export interface RegistryOptions {
  /** Number of projects (default ≈ 0.76 × sites); never fewer than the coverage needs. */
  projects?: number;
  /**
   * The registry's start (epoch ms): every project's activeFrom, createdAt and updatedAt. Default
   * a date in the first half of 2025 derived from the seed (midnight, Asia/Shanghai).
   */
  now?: number;
}

/** Projects per site when no count is given (seed 002: 2,600+ projects for 3,428 sites). */
export const PROJECTS_PER_SITE = 0.76;

/** Chinese display labels of the 31 services (project names). */
export const SERVICE_LABELS: Readonly<Record<ServiceCode, string>> = {
  home_repair: '居家修缮',
  accessibility_retrofit: '适老化改造',
  home_cleaning: '居家保洁',
  appliance_donation: '家电捐赠',
  counselling: '心理疏导',
  companionship_visits: '探访陪伴',
  cultural_activities: '文化活动',
  skills_training: '技能培训',
  job_matching: '就业对接',
  micro_business_support: '创业帮扶',
  tutoring: '课业辅导',
  day_care: '日间照料',
  home_care: '居家照护',
  meal_assistance: '老年助餐',
  respite_care: '喘息服务',
  family_doctor_followup: '家庭医生随访',
  rehabilitation: '康复服务',
  medicine_delivery: '送药上门',
  supermarket_vouchers: '幸福超市券',
  clothing: '衣物捐助',
  school_supplies: '助学用品',
  legal_aid: '法律援助',
  dispute_mediation: '矛盾调解',
  benefits_navigation: '政策代办',
  emergency_shelter: '临时庇护',
  crisis_intervention: '危机干预',
  emergency_cash_relay: '急难救助金',
  volunteer_pairing: '志愿结对',
  peer_support_group: '互助小组',
  community_participation: '社区参与',
  charity_matching: '慈善对接',
};

interface ServiceSpec {
  /** Relative number of projects. */
  demand: number;
  /** Weights of [village, township, county]. */
  levels: readonly [number, number, number];
  unit: CapacityUnit;
  /** Multiplies the level's median places. */
  scale: number;
  /** Who may use it (joined to the level's residence scope). */
  for: readonly string[];
}

const LOCAL = [0.72, 0.26, 0.02] as const; // run in communities and townships
const NEAR = [0.66, 0.3, 0.04] as const;
const MIXED = [0.56, 0.34, 0.1] as const;
const CENTRAL = [0.04, 0.5, 0.46] as const; // run by county and township sites

const SERVICES: Readonly<Record<ServiceCode, ServiceSpec>> = {
  home_repair: { demand: 4, levels: MIXED, unit: 'month', scale: 0.6, for: ['low-income homeowners', 'elderly living alone', 'households in unsafe housing'] },
  accessibility_retrofit: { demand: 3, levels: MIXED, unit: 'month', scale: 0.4, for: ['elderly 70+', 'persons with disabilities', 'elderly 60+ with limited mobility'] },
  home_cleaning: { demand: 4, levels: NEAR, unit: 'month', scale: 1, for: ['elderly 70+ living alone', 'persons with severe disabilities', 'households with a bedridden member'] },
  appliance_donation: { demand: 2, levels: MIXED, unit: 'month', scale: 0.5, for: ['low-income households', 'households after a disaster or fire'] },
  counselling: { demand: 3, levels: [0.3, 0.5, 0.2], unit: 'concurrent', scale: 0.8, for: ['adults and children in distress', 'bereaved families', 'carers under strain'] },
  companionship_visits: { demand: 6, levels: LOCAL, unit: 'month', scale: 1.2, for: ['elderly 70+ living alone', 'empty-nest elderly 60+', 'left-behind children'] },
  cultural_activities: { demand: 4, levels: LOCAL, unit: 'month', scale: 1.5, for: ['all ages', 'elderly 60+', 'children and families'] },
  skills_training: { demand: 3, levels: CENTRAL, unit: 'month', scale: 1, for: ['working-age adults 18-55', 'registered unemployed', 'women returning to work'] },
  job_matching: { demand: 3, levels: CENTRAL, unit: 'month', scale: 1, for: ['registered unemployed', 'working-age adults 18-59', 'persons with mild disabilities able to work'] },
  micro_business_support: { demand: 1.5, levels: CENTRAL, unit: 'concurrent', scale: 0.6, for: ['working-age adults with a business plan', 'rural households starting a sideline', 'persons with disabilities starting a business'] },
  tutoring: { demand: 4, levels: NEAR, unit: 'month', scale: 1.2, for: ['school children 6-15', 'children of low-income families', 'left-behind children'] },
  day_care: { demand: 4, levels: LOCAL, unit: 'concurrent', scale: 1, for: ['elderly 70+', 'elderly 60+ needing daytime care', 'adults with intellectual disabilities'] },
  home_care: { demand: 5, levels: LOCAL, unit: 'concurrent', scale: 0.7, for: ['elderly 80+', 'persons with severe disabilities', 'bedridden residents'] },
  meal_assistance: { demand: 6, levels: LOCAL, unit: 'month', scale: 1.6, for: ['elderly 70+', 'elderly 60+ living alone', 'persons with disabilities'] },
  respite_care: { demand: 2, levels: MIXED, unit: 'concurrent', scale: 0.5, for: ['family carers of a disabled or bedridden member', 'carers of elderly 80+'] },
  family_doctor_followup: { demand: 4, levels: NEAR, unit: 'month', scale: 1.3, for: ['residents with chronic illness', 'elderly 65+', 'persons with disabilities'] },
  rehabilitation: { demand: 2.5, levels: CENTRAL, unit: 'concurrent', scale: 0.8, for: ['persons with disabilities', 'residents after stroke or surgery', 'children with developmental delays'] },
  medicine_delivery: { demand: 3, levels: NEAR, unit: 'month', scale: 1.2, for: ['chronic patients with limited mobility', 'elderly 75+ living alone'] },
  supermarket_vouchers: { demand: 5, levels: MIXED, unit: 'month', scale: 1.6, for: ['low-income households', 'households in temporary hardship'] },
  clothing: { demand: 2.5, levels: MIXED, unit: 'month', scale: 1.3, for: ['low-income households', 'households after a disaster', 'children of low-income families'] },
  school_supplies: { demand: 2.5, levels: MIXED, unit: 'month', scale: 1.3, for: ['school children of low-income families', 'students 6-18'] },
  legal_aid: { demand: 2, levels: CENTRAL, unit: 'concurrent', scale: 0.8, for: ['low-income residents', 'migrant workers with wage claims', 'elderly and persons with disabilities'] },
  dispute_mediation: { demand: 3, levels: NEAR, unit: 'month', scale: 0.8, for: ['all residents', 'family and neighbour disputes'] },
  benefits_navigation: { demand: 3.5, levels: MIXED, unit: 'month', scale: 1.2, for: ['all residents', 'elderly and persons with disabilities', 'households applying for assistance'] },
  emergency_shelter: { demand: 1, levels: CENTRAL, unit: 'concurrent', scale: 0.4, for: ['homeless persons', 'residents displaced by disaster', 'victims of domestic violence'] },
  crisis_intervention: { demand: 1.5, levels: CENTRAL, unit: 'concurrent', scale: 0.5, for: ['residents at risk of self-harm', 'victims of domestic violence', 'families in acute crisis'] },
  emergency_cash_relay: { demand: 2, levels: MIXED, unit: 'month', scale: 0.6, for: ['households in sudden hardship', 'households after an accident or major illness'] },
  volunteer_pairing: { demand: 4, levels: LOCAL, unit: 'concurrent', scale: 1, for: ['elderly living alone', 'children of low-income families', 'persons with disabilities'] },
  peer_support_group: { demand: 2.5, levels: NEAR, unit: 'month', scale: 1.2, for: ['family carers', 'persons with disabilities', 'single parents'] },
  community_participation: { demand: 3, levels: NEAR, unit: 'month', scale: 1.5, for: ['all residents', 'elderly 60+', 'persons with disabilities'] },
  charity_matching: { demand: 2, levels: MIXED, unit: 'month', scale: 0.8, for: ['households with major illness costs', 'low-income households', 'students of low-income families'] },
};

/** Services offered city-wide (cycled through), at county-level sites spread over the districts. */
const CITY_WIDE_SERVICES: readonly ServiceCode[] = [
  'emergency_shelter',
  'crisis_intervention',
  'legal_aid',
  'charity_matching',
  'emergency_cash_relay',
  'job_matching',
  'rehabilitation',
  'benefits_navigation',
  'skills_training',
  'counselling',
  'respite_care',
  'micro_business_support',
  'accessibility_retrofit',
];

/** The whole layout's name, name tag and residence scope (city-wide projects). */
const WHOLE: Readonly<Record<RegionLayout['name'], { name: string; tag: string; scope: string }>> = {
  hangzhou: { name: '杭州市', tag: '（全市）', scope: 'residents of any district of the city' },
  yuanzhou: { name: '原州区', tag: '（全区）', scope: 'residents of any township of the district' },
};

const LEVEL_ORDER: readonly SiteLevel[] = ['village', 'township', 'county'];
/** Median places of a project by level. */
const LEVEL_PLACES: Readonly<Record<SiteLevel, number>> = { village: 6, township: 14, county: 28 };
const MIN_PLACES = 2;
const MAX_PLACES = 60;
/** Share of projects with 1, 2, 3 services (cumulative). */
const SERVICE_COUNT_CUM = cumulative([0.76, 0.19, 0.05]);
const SCOPE: Readonly<Record<SiteLevel, string>> = {
  village: 'residents of the community',
  township: 'residents of the township',
  county: 'residents of the district',
};
const CONDITIONS = [
  'referral by the township alliance',
  'income below 2x the local dibao line',
  'weekdays only',
  'apply through the community caseworker',
  'priority to households in the monitoring list',
] as const;
/** Share of the freely drawn projects with a fixed end date. */
const FIXED_TERM_SHARE = 0.12;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Midnight Asia/Shanghai of a civil date, epoch ms. */
function shanghaiMidnight(y: number, m: number, d: number): number {
  return daysFromCivil(y, m, d) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** The registry's default start: a day in January–June 2025 derived from the seed. */
function defaultStart(seed: number): number {
  return shanghaiMidnight(2025, 1, 1) + (mix32((seed | 0) ^ 0x2a11a7ce) % 181) * DAY_MS;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A point in the middle half of the rectangle, fixed by the seed and the region id. */
function pointIn(rect: Rect, seed: number, id: string): { lat: number; lon: number } {
  const h1 = mix32((seed | 0) ^ hashString(id));
  const h2 = mix32(h1 ^ 0x6d2b79f5);
  const [w, s, e, n] = rect;
  return { lon: round6(w + (e - w) * (0.25 + 0.5 * (h1 / 4294967296))), lat: round6(s + (n - s) * (0.25 + 0.5 * (h2 / 4294967296))) };
}

interface Sites {
  all: Site[];
  county: Map<string, Site>;
  township: Map<string, Site>;
  village: Map<string, Site>;
}

/** The alliance's sites of a layout (what `generateRegistry` places its projects at), without the projects. */
export function generateSites(layout: RegionLayout, seed: number): Site[] {
  return buildSites(layout, seed).all;
}

function buildSites(layout: RegionLayout, seed: number): Sites {
  const all: Site[] = [];
  const county = new Map<string, Site>();
  const township = new Map<string, Site>();
  const village = new Map<string, Site>();
  for (const d of layout.districts) {
    const site: Site = { id: 'S' + d.id, name: `${d.name}助联体服务中心`, level: 'county', districtId: d.id, townshipId: null, communityId: null, ...pointIn(d.rect, seed, d.id) };
    county.set(d.id, site);
    all.push(site);
  }
  for (const t of layout.townships) {
    const site: Site = { id: 'S' + t.id, name: `${t.name}助联体服务站`, level: 'township', districtId: t.districtId, townshipId: t.id, communityId: null, ...pointIn(t.rect, seed, t.id) };
    township.set(t.id, site);
    all.push(site);
  }
  for (const c of layout.communities) {
    const site: Site = { id: 'S' + c.id, name: `${c.name}助联体服务点`, level: 'village', districtId: c.districtId, townshipId: c.townshipId, communityId: c.id, ...pointIn(c.rect, seed, c.id) };
    village.set(c.id, site);
    all.push(site);
  }
  return { all, county, township, village };
}

/** A project before its id is given (ids follow the site order). */
interface Draft {
  site: Site;
  services: ServiceCode[];
  cityWide: boolean;
  fixedTerm: boolean;
  order: number;
}

/** Where sites are drawn from: weighted by where households live. */
class SitePicker {
  private readonly districtIds: string[];
  private readonly districtCum: Float64Array;
  private readonly townships: readonly TownshipDef[];
  private readonly townshipCum: Float64Array;
  private readonly communities: readonly CommunityDef[];
  private readonly communityCum: Float64Array;
  private readonly byDistrict = new Map<string, { townships: TownshipDef[]; tCum: Float64Array; communities: CommunityDef[]; cCum: Float64Array }>();
  private readonly byTownship = new Map<string, { communities: CommunityDef[]; cCum: Float64Array }>();

  constructor(
    layout: RegionLayout,
    private readonly sites: Sites,
  ) {
    this.districtIds = layout.districts.map((d) => d.id);
    this.districtCum = cumulative(layout.districts.map((d) => d.householdWeight));
    this.communities = layout.communities;
    this.communityCum = cumulative(layout.communities.map((c) => c.weight));
    const tWeight = new Map<string, number>();
    const tComms = new Map<string, CommunityDef[]>();
    for (const c of layout.communities) {
      tWeight.set(c.townshipId, (tWeight.get(c.townshipId) ?? 0) + c.weight);
      let list = tComms.get(c.townshipId);
      if (!list) tComms.set(c.townshipId, (list = []));
      list.push(c);
    }
    this.townships = layout.townships;
    // a township without communities still gets a small weight
    const tw = (t: TownshipDef): number => tWeight.get(t.id) ?? 1e-6;
    this.townshipCum = cumulative(layout.townships.map(tw));
    for (const t of layout.townships) {
      const communities = tComms.get(t.id) ?? [];
      this.byTownship.set(t.id, { communities, cCum: cumulative(communities.map((c) => c.weight)) });
    }
    for (const d of layout.districts) {
      const townships = layout.townships.filter((t) => t.districtId === d.id);
      const communities = layout.communities.filter((c) => c.districtId === d.id);
      this.byDistrict.set(d.id, { townships, tCum: cumulative(townships.map(tw)), communities, cCum: cumulative(communities.map((c) => c.weight)) });
    }
  }

  /** A site of the level anywhere in the layout. */
  anywhere(rng: Rng, level: SiteLevel): Site {
    if (level === 'county') return this.sites.county.get(this.districtIds[rng.weighted(this.districtCum)] as string) as Site;
    if (level === 'township') return this.sites.township.get((this.townships[rng.weighted(this.townshipCum)] as TownshipDef).id) as Site;
    return this.sites.village.get((this.communities[rng.weighted(this.communityCum)] as CommunityDef).id) as Site;
  }

  /** A site of the level inside the district (falls back to a higher level when it has none). */
  inDistrict(rng: Rng, districtId: string, level: SiteLevel): Site {
    const d = this.byDistrict.get(districtId);
    if (level === 'village' && d && d.communities.length > 0) return this.sites.village.get((d.communities[rng.weighted(d.cCum)] as CommunityDef).id) as Site;
    if (level !== 'county' && d && d.townships.length > 0) return this.sites.township.get((d.townships[rng.weighted(d.tCum)] as TownshipDef).id) as Site;
    return this.sites.county.get(districtId) as Site;
  }

  /** A site of the level inside the township (village falls back to the township's own site). */
  inTownship(rng: Rng, townshipId: string, level: 'village' | 'township'): Site {
    const t = this.byTownship.get(townshipId);
    if (level === 'village' && t && t.communities.length > 0) return this.sites.village.get((t.communities[rng.weighted(t.cCum)] as CommunityDef).id) as Site;
    return this.sites.township.get(townshipId) as Site;
  }
}

const DEMAND_CUM = cumulative(SERVICE_CODES.map((s) => SERVICES[s].demand));
/** Demand weighted by how often a service runs below the county level (township coverage). */
const LOCAL_DEMAND_CUM = cumulative(SERVICE_CODES.map((s) => SERVICES[s].demand * (SERVICES[s].levels[0] + SERVICES[s].levels[1])));

const LEVEL_CUM = Object.fromEntries(SERVICE_CODES.map((s) => [s, cumulative(SERVICES[s].levels)])) as Record<ServiceCode, Float64Array>;

function drawLevel(rng: Rng, service: ServiceCode): SiteLevel {
  return LEVEL_ORDER[rng.weighted(LEVEL_CUM[service])] as SiteLevel;
}

/** The primary service plus 0–2 others of its category. */
function withCompanions(rng: Rng, primary: ServiceCode): ServiceCode[] {
  const extra = rng.weighted(SERVICE_COUNT_CUM);
  const others: ServiceCode[] = (SERVICE_CATEGORIES[SERVICE_CATEGORY_OF[primary]] as readonly ServiceCode[]).filter((s) => s !== primary);
  const out: ServiceCode[] = [primary];
  for (let i = 0; i < extra && others.length > 0; i++) out.push(others.splice(rng.int(others.length), 1)[0] as ServiceCode);
  return out;
}

function places(rng: Rng, level: SiteLevel, primary: ServiceCode, cityWide: boolean): number {
  const spec = SERVICES[primary];
  const median = LEVEL_PLACES[level] * spec.scale * (spec.unit === 'concurrent' ? 0.7 : 1) * (cityWide ? 1.5 : 1);
  return Math.min(MAX_PLACES, Math.max(MIN_PLACES, rng.money(median, 0.35, 1)));
}

/**
 * End of a fixed term (exclusive): midnight Asia/Shanghai of the first day of the month `months`
 * after the start's month; the project is active while `activeFrom <= t < activeTo`.
 */
function termEnd(start: number, months: number): number {
  const [y, month] = civilFromDays(Math.floor((start + SHANGHAI_OFFSET_MS) / DAY_MS));
  const m = month - 1 + months; // 0-based month index counted from the start's year
  return shanghaiMidnight(y + Math.floor(m / 12), (m % 12) + 1, 1);
}

/**
 * The alliance registry of a layout: sites for every district, township and community, and the
 * projects they run. Pure and deterministic (no clock, no I/O).
 */
export function generateRegistry(layout: RegionLayout, seed: number, opts: RegistryOptions = {}): Registry {
  const sites = buildSites(layout, seed);
  const picker = new SitePicker(layout, sites);
  const rng = new Rng(seed, hashString(`alliance:${layout.name}`));
  const drafts: Draft[] = [];
  const add = (site: Site, primary: ServiceCode, cityWide = false, fixedTerm = false): void => {
    drafts.push({ site, services: withCompanions(rng, primary), cityWide, fixedTerm, order: drafts.length });
  };

  // 1. every service at every district's county-level centre: each household has every service within reach
  for (const d of layout.districts) {
    for (const s of SERVICE_CODES) add(sites.county.get(d.id) as Site, s);
  }
  // 2. every township has a project of its own (township site or one of its communities)
  const covered = new Set<string>();
  for (const p of drafts) if (p.site.townshipId) covered.add(p.site.townshipId);
  for (const t of layout.townships) {
    if (covered.has(t.id)) continue;
    const s = SERVICE_CODES[rng.weighted(LOCAL_DEMAND_CUM)] as ServiceCode;
    const [v, tw] = SERVICES[s].levels;
    add(picker.inTownship(rng, t.id, rng.chance(v / (v + tw)) ? 'village' : 'township'), s);
    covered.add(t.id);
  }
  // 3. a few city-wide projects at county sites, spread over the districts
  const cityWide = Math.max(3, Math.round(layout.townships.length / 15));
  for (let i = 0; i < cityWide; i++) {
    const d = layout.districts[i % layout.districts.length];
    if (!d) break;
    add(sites.county.get(d.id) as Site, CITY_WIDE_SERVICES[i % CITY_WIDE_SERVICES.length] as ServiceCode, true);
  }
  // 4. the rest by demand, usual level and where households live
  const target = Math.max(opts.projects ?? Math.round(PROJECTS_PER_SITE * sites.all.length), 0);
  while (drafts.length < target) {
    const s = SERVICE_CODES[rng.weighted(DEMAND_CUM)] as ServiceCode;
    add(picker.anywhere(rng, drawLevel(rng, s)), s, false, rng.chance(FIXED_TERM_SHARE));
  }

  // ids follow the site tree (district, its county site, townships, communities), then draw order
  drafts.sort((a, b) => (a.site.id < b.site.id ? -1 : a.site.id > b.site.id ? 1 : a.order - b.order));
  const start = opts.now ?? defaultStart(seed);
  const width = Math.max(5, String(drafts.length).length);
  const names = new Map<string, number>();
  const whole = WHOLE[layout.name];
  const projects: Project[] = drafts.map((p, i) => {
    // a per-project stream, so a project's details do not shift when another's do
    const prng = new Rng(seed ^ hashString(p.site.id), p.order + 1);
    const primary = p.services[0] as ServiceCode;
    const spec = SERVICES[primary];
    const region = p.cityWide ? whole.name : p.site.name.replace(/助联体服务(中心|站|点)$/, '');
    let name = `${region}${p.services.map((s) => SERVICE_LABELS[s]).join('·')}${p.cityWide ? whole.tag : ''}项目`;
    const seen = (names.get(name) ?? 0) + 1;
    names.set(name, seen);
    if (seen > 1) name += `（${seen}）`;
    const scope = p.cityWide ? whole.scope : SCOPE[p.site.level];
    let eligibility = `${scope}; ${prng.pick(spec.for)}`;
    if (prng.chance(0.2)) eligibility += `; ${prng.pick(CONDITIONS)}`;
    const capacity = { unit: spec.unit, places: places(prng, p.site.level, primary, p.cityWide) };
    const activeTo = p.fixedTerm ? termEnd(start, prng.range(24, 42)) : null;
    return {
      id: 'P' + String(i + 1).padStart(width, '0'),
      name,
      services: p.services,
      site: { ...p.site },
      cityWide: p.cityWide,
      capacity,
      eligibility,
      activeFrom: start,
      activeTo,
      retiredAt: null,
      usage: { month: '', taken: 0, active: 0 },
      orders: 0,
      createdAt: start,
      updatedAt: start,
      revision: 1,
    };
  });
  return { sites: sites.all, projects };
}

export interface RegistryStats {
  sites: number;
  projects: number;
  sitesByLevel: Record<SiteLevel, number>;
  projectsByLevel: Record<SiteLevel, number>;
  /** Projects by their services' catalogue category (one category per project). */
  projectsByCategory: Record<ServiceCategory, number>;
  /** Projects delivering each service. */
  projectsByService: Record<ServiceCode, number>;
  /** Sum of places of `month` projects (places per month). */
  placesPerMonth: number;
  /** Sum of places of `concurrent` projects (cases at once). */
  concurrentPlaces: number;
  /** Projects without an end date. */
  openEnded: number;
}

/** Counts of a registry, for docs and tests. */
export function registryStats(reg: Registry): RegistryStats {
  const zeroLevels = (): Record<SiteLevel, number> => Object.fromEntries(SITE_LEVELS.map((l) => [l, 0])) as Record<SiteLevel, number>;
  const sitesByLevel = zeroLevels();
  const projectsByLevel = zeroLevels();
  const projectsByCategory = Object.fromEntries(Object.keys(SERVICE_CATEGORIES).map((c) => [c, 0])) as Record<ServiceCategory, number>;
  const projectsByService = Object.fromEntries(SERVICE_CODES.map((s) => [s, 0])) as Record<ServiceCode, number>;
  let placesPerMonth = 0;
  let concurrentPlaces = 0;
  let openEnded = 0;
  for (const s of reg.sites) sitesByLevel[s.level]++;
  for (const p of reg.projects) {
    projectsByLevel[p.site.level]++;
    const first = p.services[0];
    if (first) projectsByCategory[SERVICE_CATEGORY_OF[first]]++;
    for (const s of p.services) projectsByService[s]++;
    if (p.capacity.unit === 'month') placesPerMonth += p.capacity.places;
    else concurrentPlaces += p.capacity.places;
    if (p.activeTo === null) openEnded++;
  }
  return { sites: reg.sites.length, projects: reg.projects.length, sitesByLevel, projectsByLevel, projectsByCategory, projectsByService, placesPerMonth, concurrentPlaces, openEnded };
}
