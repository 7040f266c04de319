import { describe, expect, it } from 'vitest';
import { SERVICE_CATEGORY_OF, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { CAPACITY_UNITS, type Project, type Site } from '../../engine/help/types.js';
import {
  generateRegistry,
  hangzhouLayout,
  insideRect,
  layoutByName,
  PROFILES,
  registryStats,
  yuanzhouLayout,
  type Rect,
  type RegionLayout,
  type Registry,
} from '../city/index.js';

const SEED = 20250101;
const hangzhou = generateRegistry(hangzhouLayout(), SEED);
const yuanzhou = generateRegistry(yuanzhouLayout(), SEED);

const rects = new Map<RegionLayout, Map<string, Rect>>();
function rectOf(layout: RegionLayout, site: Site): Rect {
  let byId = rects.get(layout);
  if (!byId) {
    byId = new Map<string, Rect>([...layout.districts, ...layout.townships, ...layout.communities].map((r) => [r.id, r.rect]));
    rects.set(layout, byId);
  }
  const regionId = site.level === 'village' ? site.communityId : site.level === 'township' ? site.townshipId : site.districtId;
  const rect = regionId === null ? undefined : byId.get(regionId);
  if (!rect || site.id !== `S${regionId}`) throw new Error(`no region for site ${site.id}`);
  return rect;
}

/** Every way a registry may be malformed, as messages (empty when it is well formed). */
function problems(layout: RegionLayout, reg: Registry): string[] {
  const out: string[] = [];
  const bad = (cond: boolean, msg: string): void => {
    if (!cond) out.push(msg);
  };
  const sitesById = new Map(reg.sites.map((s) => [s.id, s]));
  bad(sitesById.size === reg.sites.length, 'duplicate site ids');
  bad(new Set(reg.projects.map((p) => p.id)).size === reg.projects.length, 'duplicate project ids');
  for (const s of reg.sites) {
    bad(!s.id.includes(':'), `${s.id}: ':' in id`);
    bad(insideRect(rectOf(layout, s), s.lon, s.lat), `${s.id}: outside its region`);
  }
  for (const p of reg.projects) {
    const at = (msg: string): string => `${p.id}: ${msg}`;
    bad(/^P\d+$/.test(p.id), at('id'));
    bad(JSON.stringify(p.site) === JSON.stringify(sitesById.get(p.site.id)), at('site differs from the registry'));
    bad(insideRect(rectOf(layout, p.site), p.site.lon, p.site.lat), at('site outside its region'));
    bad(p.services.length >= 1 && p.services.length <= 3 && new Set(p.services).size === p.services.length, at('services'));
    bad(new Set(p.services.map((s) => SERVICE_CATEGORY_OF[s])).size === 1, at('services of several categories'));
    bad((CAPACITY_UNITS as readonly string[]).includes(p.capacity.unit), at('unit'));
    bad(Number.isInteger(p.capacity.places) && p.capacity.places >= 2 && p.capacity.places <= 60, at(`places ${p.capacity.places}`));
    bad(p.eligibility.length > 10, at('eligibility'));
    bad(p.activeTo === null || p.activeTo > p.activeFrom, at('activeTo'));
    bad(p.retiredAt === null && p.orders === 0 && p.revision === 1, at('retiredAt/orders/revision'));
    bad(p.usage.month === '' && p.usage.taken === 0 && p.usage.active === 0, at('usage'));
    bad(p.createdAt === p.activeFrom && p.updatedAt === p.activeFrom, at('createdAt/updatedAt'));
  }
  return out;
}

/** Service codes delivered by open-ended projects, per district. */
function servicesByDistrict(reg: Registry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of reg.projects) {
    if (p.activeTo !== null) continue;
    let set = out.get(p.site.districtId);
    if (!set) out.set(p.site.districtId, (set = new Set()));
    for (const s of p.services) set.add(s);
  }
  return out;
}

describe('alliance registry (助联体)', () => {
  it('Hangzhou: 14 + 192 + 3,222 sites and about 2,600 projects', () => {
    const stats = registryStats(hangzhou);
    expect(stats.sites).toBe(3428);
    expect(stats.sitesByLevel).toEqual({ village: 3222, township: 192, county: 14 });
    expect(stats.projects).toBeGreaterThanOrEqual(2550);
    expect(stats.projects).toBeLessThanOrEqual(2650);
    // most projects run in communities; each county-level centre runs a backstop project for every service (31 × 14)
    expect(stats.projectsByLevel.village).toBeGreaterThan(stats.projectsByLevel.township);
    expect(stats.projectsByLevel.village).toBeGreaterThan(stats.projectsByLevel.county);
    expect(stats.projectsByLevel.county).toBeGreaterThanOrEqual(31 * 14);
    expect(Object.values(stats.projectsByCategory).reduce((a, b) => a + b, 0)).toBe(stats.projects);
    expect(stats.placesPerMonth).toBeGreaterThan(0);
    expect(stats.concurrentPlaces).toBeGreaterThan(0);
    expect(stats.openEnded).toBeGreaterThan(stats.projects * 0.8);
  });

  it('is deterministic: the same layout and seed give byte-identical JSON, another seed differs', () => {
    expect(JSON.stringify(generateRegistry(hangzhouLayout(), SEED))).toBe(JSON.stringify(hangzhou));
    expect(JSON.stringify(generateRegistry(yuanzhouLayout(), SEED))).toBe(JSON.stringify(yuanzhou));
    expect(JSON.stringify(generateRegistry(hangzhouLayout(), SEED + 1))).not.toBe(JSON.stringify(hangzhou));
  });

  it('ids are unique and never contain ":"; sites lie inside their region, projects deliver one category', () => {
    expect(problems(hangzhouLayout(), hangzhou)).toEqual([]);
    expect(problems(yuanzhouLayout(), yuanzhou)).toEqual([]);
    const site = (id: string): Site | undefined => hangzhou.sites.find((s) => s.id === id);
    expect(site('S330102')).toMatchObject({ level: 'county', districtId: '330102', townshipId: null, communityId: null });
    expect(site('S330102001')).toMatchObject({ level: 'township', districtId: '330102', townshipId: '330102001', communityId: null });
    expect(site('S330102001001')).toMatchObject({ level: 'village', districtId: '330102', townshipId: '330102001', communityId: '330102001001' });
  });

  it('Hangzhou: every service has an open-ended project in every district, and a few are city-wide', () => {
    const byDistrict = servicesByDistrict(hangzhou);
    for (const d of hangzhouLayout().districts) {
      const have = byDistrict.get(d.id) ?? new Set();
      expect(SERVICE_CODES.filter((s) => !have.has(s)), d.id).toEqual([]);
    }
    expect(hangzhou.projects.filter((p) => p.eligibility.includes('any district of the city')).length).toBeGreaterThanOrEqual(3);
  });

  it('every household has every service within reach: each county-level centre runs all 31', () => {
    for (const d of hangzhouLayout().districts) {
      const atCentre = new Set(hangzhou.projects.filter((p) => p.site.id === `S${d.id}` && p.activeTo === null).flatMap((p) => p.services));
      expect(atCentre.size, d.id).toBe(SERVICE_CODES.length);
    }
  });

  it('levels follow the services: care and visits locally, legal aid and shelter at county or township', () => {
    // beside the centres' backstop (the first project of each service at each county site), levels follow the service
    const backstop = new Set<string>();
    const seen = new Set<string>();
    for (const p of hangzhou.projects) {
      const k = `${p.site.id}|${p.services[0]}`;
      if (p.site.level === 'county' && !p.cityWide && !seen.has(k)) {
        seen.add(k);
        backstop.add(p.id);
      }
    }
    const share = (codes: readonly string[], levels: readonly Site['level'][]): number => {
      const ps = hangzhou.projects.filter((p) => !backstop.has(p.id) && codes.includes(p.services[0] as string));
      return ps.filter((p) => levels.includes(p.site.level)).length / ps.length;
    };
    expect(share(['day_care', 'home_care', 'meal_assistance', 'companionship_visits', 'cultural_activities', 'volunteer_pairing'], ['village', 'township'])).toBeGreaterThan(0.9);
    expect(share(['legal_aid', 'skills_training', 'job_matching', 'rehabilitation', 'crisis_intervention', 'emergency_shelter', 'micro_business_support'], ['county', 'township'])).toBeGreaterThan(0.85);
    const units = (code: string): Set<string> => new Set(hangzhou.projects.filter((p) => p.services[0] === code).map((p) => p.capacity.unit));
    expect(units('home_care')).toEqual(new Set(['concurrent']));
    expect(units('supermarket_vouchers')).toEqual(new Set(['month']));
    // village projects are smaller than county ones
    const median = (level: Site['level']): number => {
      const xs = hangzhou.projects.filter((p) => p.site.level === level && p.capacity.unit === 'month').map((p) => p.capacity.places).sort((a, b) => a - b);
      return xs[xs.length >> 1] as number;
    };
    expect(median('village')).toBeLessThan(median('township'));
    expect(median('township')).toBeLessThan(median('county'));
  });

  it('any profile layout: Yuanzhou covers every service and every township; options set the count and start', () => {
    for (const p of Object.values(PROFILES)) expect(generateRegistry(layoutByName(p.layout), 1).sites.length).toBeGreaterThan(0);
    const layout = yuanzhouLayout();
    expect(yuanzhou.sites.length).toBe(layout.districts.length + layout.townships.length + layout.communities.length);
    expect(servicesByDistrict(yuanzhou).get('640402')?.size).toBe(SERVICE_CODES.length);
    const townships = new Set(yuanzhou.projects.map((p) => p.site.townshipId));
    for (const t of layout.townships) expect(townships.has(t.id), t.id).toBe(true);
    expect(yuanzhou.projects.length).toBe(Math.round(0.76 * yuanzhou.sites.length));

    const now = Date.UTC(2026, 0, 1);
    const more: Project[] = generateRegistry(layout, SEED, { projects: 400, now }).projects;
    expect(more.length).toBe(400);
    expect(more.every((p) => p.activeFrom === now && p.createdAt === now)).toBe(true);
    // never fewer than coverage needs
    expect(generateRegistry(layout, SEED, { projects: 1 }).projects.length).toBeGreaterThanOrEqual(SERVICE_CODES.length);
    // the default start is a day in 2025
    const from = new Date(yuanzhou.projects[0]!.activeFrom + 8 * 3_600_000);
    expect(from.getUTCFullYear()).toBe(2025);
  });
});
