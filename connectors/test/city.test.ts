import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REGISTERED_CATEGORIES, type Household } from '../../engine/types.js';
import {
  generateCity,
  hangzhouLayout,
  householdTotal,
  insideRect,
  PROFILES,
  readCity,
  readManifest,
  regionsGeoJSON,
  writeCity,
  yuanzhouLayout,
} from '../city/index.js';
import { ageAt } from '../city/dates.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lifeline-city-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const REF = PROFILES.small.referenceDate;
const registered = new Set<string>(REGISTERED_CATEGORIES);

describe('region layouts', () => {
  it('Hangzhou has 14 districts, 192 townships and 3,222 communities inside its bounding box', () => {
    const l = hangzhouLayout();
    expect(l.districts).toHaveLength(14);
    expect(l.townships).toHaveLength(192);
    expect(l.communities).toHaveLength(3222);
    expect(new Set(l.communities.map((c) => c.id)).size).toBe(3222);
    for (const t of l.townships) {
      expect(t.id).toMatch(new RegExp(`^${t.districtId}\\d{3}$`));
      const [w, s, e, n] = t.rect;
      expect(w >= 118.35 - 1e-9 && e <= 120.72 + 1e-9 && s >= 29.19 - 1e-9 && n <= 30.57 + 1e-9).toBe(true);
    }
    const byId = new Map(l.townships.map((t) => [t.id, t]));
    for (const c of l.communities) {
      const t = byId.get(c.townshipId)!;
      expect(c.id.startsWith(t.id)).toBe(true);
      // community rectangles lie inside their township's
      expect(insideRect(t.rect, c.rect[0], c.rect[1]) && insideRect(t.rect, c.rect[2], c.rect[3])).toBe(true);
    }
  });

  it('exports closed GeoJSON polygons at each level', () => {
    const fc = regionsGeoJSON(hangzhouLayout(), 'township');
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(192);
    const ring = fc.features[0]!.geometry.coordinates[0]!;
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(regionsGeoJSON(hangzhouLayout(), 'community').features).toHaveLength(3222);
    expect(regionsGeoJSON(yuanzhouLayout(), 'district').features.map((f) => f.properties.id)).toEqual(['640402']);
  });
});

describe('generateCity (small profile)', () => {
  const households: Household[] = [...generateCity('small', 42)];

  it('yields exactly the profile’s household count per category, with unique ids', () => {
    expect(households).toHaveLength(householdTotal(PROFILES.small));
    const byCat: Record<string, number> = {};
    for (const h of households) byCat[h.assistance.category] = (byCat[h.assistance.category] ?? 0) + 1;
    expect(byCat).toEqual(PROFILES.small.categories);
    expect(new Set(households.map((h) => h.id)).size).toBe(households.length);
    const personIds = households.flatMap((h) => h.persons.map((p) => p.id));
    expect(new Set(personIds).size).toBe(personIds.length);
  });

  it('places every household inside its community and township rectangles', () => {
    const l = hangzhouLayout();
    const town = new Map(l.townships.map((t) => [t.id, t]));
    const comm = new Map(l.communities.map((c) => [c.id, c]));
    for (const h of households) {
      const c = comm.get(h.region.communityId)!;
      const t = town.get(h.region.townshipId)!;
      expect(c.townshipId).toBe(t.id);
      expect(t.districtId).toBe(h.region.districtId);
      expect(insideRect(c.rect, h.region.lon, h.region.lat)).toBe(true);
      expect(insideRect(t.rect, h.region.lon, h.region.lat)).toBe(true);
    }
  });

  it('has about 1.8 persons per household with the compositions the domain names', () => {
    const persons = households.reduce((a, h) => a + h.persons.length, 0);
    expect(persons / households.length).toBeGreaterThan(1.6);
    expect(persons / households.length).toBeLessThan(2.1);
    const elderlyAlone = households.filter((h) => h.persons.length === 1 && ageAt(h.persons[0]!.birthDate, REF) >= 60).length;
    const threeGen = households.filter((h) => h.persons.some((p) => p.relation === 'parent') && h.persons.some((p) => p.relation === 'child')).length;
    const noParents = households.filter((h) => h.persons.some((p) => p.withoutParentalCare && ageAt(p.birthDate, REF) < 18)).length;
    const singleParent = households.filter((h) => !h.persons.some((p) => p.relation === 'spouse') && h.persons.some((p) => p.relation === 'child' && ageAt(p.birthDate, REF) < 18) && h.persons[0]!.maritalStatus !== 'married').length;
    expect(elderlyAlone / households.length).toBeGreaterThan(0.2);
    expect(threeGen).toBeGreaterThan(20);
    expect(noParents).toBeGreaterThan(10);
    expect(singleParent).toBeGreaterThan(40);
  });

  it('keeps facts consistent with the category: dibao households rarely own cars, their income stays under the line', () => {
    const carShare = (pred: (h: Household) => boolean) => {
      const hs = households.filter(pred);
      return hs.filter((h) => h.vehicles.some((v) => v.kind === 'car')).length / hs.length;
    };
    expect(carShare((h) => h.assistance.category === 'dibao')).toBeLessThan(0.04);
    expect(carShare((h) => !registered.has(h.assistance.category))).toBeGreaterThan(0.06);
    const std = PROFILES.small.money.dibaoStandard;
    for (const h of households.filter((x) => x.assistance.category === 'dibao')) {
      const income = h.persons.reduce((a, p) => a + p.monthlyWage + p.pensionMonthly + p.unemploymentBenefitMonthly, 0);
      expect(income).toBeLessThanOrEqual(std * h.persons.length);
      expect(h.assistance.enrolled).toBe(true);
      expect(h.finances.assistanceMonthly).toBeGreaterThan(0);
    }
    for (const h of households.filter((x) => x.assistance.category === 'exited_assistance')) {
      expect(h.assistance.enrolled).toBe(false);
      expect(h.assistance.exitedAt! >= h.assistance.enrolledAt!).toBe(true);
    }
  });

  it('gives realistic ages and illness: the old are sicker, children are at school, expenditure-type dibao is mostly a major illness', () => {
    const all = households.flatMap((h) => h.persons);
    const old = all.filter((p) => ageAt(p.birthDate, REF) >= 60);
    const young = all.filter((p) => ageAt(p.birthDate, REF) >= 18 && ageAt(p.birthDate, REF) < 45);
    const chronic = (ps: typeof all) => ps.filter((p) => p.chronicDiseases.length > 0).length / ps.length;
    expect(chronic(old)).toBeGreaterThan(chronic(young) + 0.2);
    const pupils = all.filter((p) => {
      const a = ageAt(p.birthDate, REF);
      return a >= 7 && a <= 14;
    });
    expect(pupils.filter((p) => p.schoolStage === 'primary' || p.schoolStage === 'junior').length / pupils.length).toBeGreaterThan(0.9);
    const exp = households.filter((h) => h.assistance.category === 'expenditure_dibao');
    expect(exp.filter((h) => h.persons.some((p) => p.majorDiseases.length > 0)).length / exp.length).toBeGreaterThan(0.8);
    for (const p of all) expect(p.birthDate <= REF).toBe(true);
  });
});

describe('writeCity', () => {
  it('writes byte-identical NDJSON and manifest for the same seed, and a different city for another seed', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    const ma = await writeCity('small', 7, a);
    const mb = await writeCity('small', 7, b);
    const mc = await writeCity('small', 8, c);
    expect(readFileSync(join(a, 'households.ndjson')).equals(readFileSync(join(b, 'households.ndjson')))).toBe(true);
    expect(readFileSync(join(a, 'manifest.json'), 'utf8')).toBe(readFileSync(join(b, 'manifest.json'), 'utf8'));
    expect(ma.sha256).toBe(mb.sha256);
    expect(mc.sha256).not.toBe(ma.sha256);
    expect(readManifest(a)).toEqual(ma);
    expect(ma.counts.households).toBe(2000);
    let n = 0;
    let persons = 0;
    for await (const h of readCity(a)) {
      n++;
      persons += h.persons.length;
    }
    expect(n).toBe(2000);
    expect(persons).toBe(ma.counts.persons);
  });
});

describe('hangzhou profile, sampled through the stream', () => {
  it('is planned as 83,000 registered + 140,000 unregistered households, and a 15,000-household prefix keeps the mix and ≈1.8 persons each', () => {
    const p = PROFILES.hangzhou;
    const reg = REGISTERED_CATEGORIES.reduce((a, c) => a + (p.categories[c] ?? 0), 0);
    expect(reg).toBe(83_000);
    expect(householdTotal(p) - reg).toBe(140_000);
    const gen = generateCity('hangzhou', 5, { limit: 15_000 });
    for (const _ of gen) void _;
    const k = gen.counters;
    expect(k.households).toBe(15_000);
    // categories are drawn without replacement, so a prefix is a fair sample
    expect(k.registeredHouseholds / k.households).toBeCloseTo(83 / 223, 1);
    expect(k.byCategory.dibao / k.households).toBeCloseTo(52 / 223, 1);
    const perHousehold = k.persons / k.households;
    // 400,000 persons over 223,000 households
    expect(perHousehold * 223_000).toBeGreaterThan(380_000);
    expect(perHousehold * 223_000).toBeLessThan(440_000);
    expect(Object.keys(k.byDistrict)).toHaveLength(14);
  });
});
