/**
 * Matching (needs → concrete projects): for each service an alert's household needs, the
 * projects that deliver it within reach — a village site serves its community, a township site its
 * township, a county site its district, a city-wide project every district — ranked by places left (a full project last), level
 * (village before township before county: the nearest tier of the alliance first), distance from
 * the household, then more places left. Each match says why. Pure; the caller keeps the index.
 */
import type { ServiceCode } from '../catalogue/assistance.js';
import type { Region, Suggestion } from '../types.js';
import { monthOf, placesLeft } from './capacity.js';
import type { Project, SiteLevel } from './types.js';

export const LEVEL_ORDER: Readonly<Record<SiteLevel, number>> = { village: 0, township: 1, county: 2 };

/** Projects by service, for matching without scanning the whole registry. */
export interface ProjectIndex {
  byService: ReadonlyMap<string, readonly Project[]>;
}

export function indexProjects(projects: Iterable<Project>): ProjectIndex {
  const byService = new Map<string, Project[]>();
  for (const p of projects) {
    for (const s of p.services) {
      const list = byService.get(s);
      if (list) list.push(p);
      else byService.set(s, [p]);
    }
  }
  return { byService };
}

export interface MatchOptions {
  /** When the match is asked (epoch ms): places are counted for this month. */
  at: number;
  /** Matches listed per service (default 3). */
  perService?: number;
  /** Only these services (default: every service suggestion). */
  services?: readonly string[];
  /** Projects not to propose: `<projectId>` for every service, `<projectId>|<service>` for one (a project that declined this need). */
  exclude?: ReadonlySet<string>;
}

export interface ProjectMatch {
  projectId: string;
  projectName: string;
  service: ServiceCode;
  siteId: string;
  siteName: string;
  level: SiteLevel;
  distanceKm: number;
  placesLeft: number;
  places: number;
  unit: Project['capacity']['unit'];
  reason: string;
}

export interface ServiceMatches {
  service: ServiceCode;
  category: string;
  /** Why the household needs it (the suggestion's reason). */
  need: string;
  matches: ProjectMatch[];
  /** No project within reach has a place left: counted as unmet demand. */
  unmet: boolean;
}

const EARTH_KM = 6371;
const RAD = Math.PI / 180;

/** Great-circle distance, km. */
export function distanceKm(aLat: number, aLon: number, bLat: number, bLon: number): number {
  const dLat = (bLat - aLat) * RAD;
  const dLon = (bLon - aLon) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(aLat * RAD) * Math.cos(bLat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Whether the project's site serves a household of this region. */
export function reaches(p: Project, region: Pick<Region, 'districtId' | 'townshipId' | 'communityId'>): boolean {
  if (p.cityWide) return true;
  const s = p.site;
  return s.level === 'village' ? s.communityId === region.communityId : s.level === 'township' ? s.townshipId === region.townshipId : s.districtId === region.districtId;
}

/**
 * Whether a site serves households of a township: its own township and village sites, and its
 * district's county-level site (a township id is its district id and 3 digits). City-wide reach is
 * the project's, not the site's (`Project.cityWide`).
 */
export function siteServesTownship(s: Project['site'], townshipId: string): boolean {
  return s.level === 'county' ? townshipId.startsWith(s.districtId) : s.townshipId === townshipId;
}

export function matchProjects(region: Region, suggestions: readonly Suggestion[], index: ProjectIndex, opts: MatchOptions): ServiceMatches[] {
  const per = opts.perService ?? 3;
  const month = monthOf(opts.at);
  const out: ServiceMatches[] = [];
  for (const s of suggestions) {
    if (s.kind !== 'service' || (opts.services && !opts.services.includes(s.code))) continue;
    const ranked: { p: Project; left: number; km: number }[] = [];
    for (const p of index.byService.get(s.code) ?? []) {
      if (p.retiredAt !== null || opts.exclude?.has(p.id) || opts.exclude?.has(`${p.id}|${s.code}`) || !reaches(p, region)) continue;
      if (p.activeFrom > opts.at || (p.activeTo !== null && opts.at >= p.activeTo)) continue;
      ranked.push({ p, left: placesLeft(p, opts.at), km: distanceKm(region.lat, region.lon, p.site.lat, p.site.lon) });
    }
    ranked.sort(
      (a, b) =>
        Number(b.left > 0) - Number(a.left > 0) ||
        LEVEL_ORDER[a.p.site.level] - LEVEL_ORDER[b.p.site.level] ||
        a.km - b.km ||
        b.left - a.left ||
        (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0),
    );
    const matches = ranked.slice(0, per).map(({ p, left, km }): ProjectMatch => {
      const when = p.capacity.unit === 'month' ? `in ${month}` : 'at once';
      const km1 = Math.round(km * 10) / 10;
      return {
        projectId: p.id,
        projectName: p.name,
        service: s.code as ServiceCode,
        siteId: p.site.id,
        siteName: p.site.name,
        level: p.site.level,
        distanceKm: km1,
        placesLeft: left,
        places: p.capacity.places,
        unit: p.capacity.unit,
        reason:
          left > 0
            ? `${p.site.level} site ${km1} km from the household; ${left} of ${p.capacity.places} places left ${when}`
            : `${p.site.level} site ${km1} km from the household; full (${p.capacity.places} places ${when} taken)`,
      };
    });
    out.push({ service: s.code as ServiceCode, category: s.category, need: s.reason, matches, unmet: !ranked.some((r) => r.left > 0) });
  }
  return out;
}
