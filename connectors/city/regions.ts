/**
 * Region layouts: district → township (镇街) → community (村社) as axis-aligned rectangles that
 * tile each district, so every household's coordinates fall inside its community and township
 * and the distribution map has real geometry. Layouts are fixed (independent of the city seed).
 *
 * Hangzhou: 14 district-level areas, 192 townships, 3,222 communities over lon 118.35–120.72,
 * lat 29.19–30.57 (rectangles placed roughly where the districts are). Yuanzhou (Guyuan,
 * Ningxia): one district 640402, 14 townships.
 * Ids: township = district code + 3 digits (`330106001`), community = township + 3 digits.
 */
import { Rng } from './rng.js';

/** [west, south, east, north] in degrees. */
export type Rect = readonly [number, number, number, number];

export interface DistrictDef {
  id: string;
  name: string;
  rect: Rect;
  /** Share of the monitored households living here (weights, any scale). */
  householdWeight: number;
  /** Probability that a household here is rural (村 rather than 社区). */
  ruralShare: number;
}

export interface TownshipDef {
  id: string;
  name: string;
  districtId: string;
  rect: Rect;
}

export interface CommunityDef {
  id: string;
  name: string;
  townshipId: string;
  districtId: string;
  rect: Rect;
  /** Relative household weight inside the layout. */
  weight: number;
}

export interface RegionLayout {
  name: 'hangzhou' | 'yuanzhou';
  bbox: Rect;
  districts: readonly DistrictDef[];
  townships: readonly TownshipDef[];
  communities: readonly CommunityDef[];
  /** Region codes of birth places other than the layout's districts (migrants). */
  otherBirthRegions: readonly string[];
}

interface DistrictSpec extends DistrictDef {
  townships: number;
  townshipNames?: readonly string[];
}

const HANGZHOU_DISTRICTS: readonly DistrictSpec[] = [
  { id: '330102', name: '上城区', rect: [120.15, 30.2, 120.25, 30.28], householdWeight: 7, ruralShare: 0, townships: 14 },
  { id: '330103', name: '下城区(原)', rect: [120.15, 30.28, 120.25, 30.33], householdWeight: 2, ruralShare: 0, townships: 2 },
  { id: '330105', name: '拱墅区', rect: [120.05, 30.33, 120.25, 30.4], householdWeight: 8, ruralShare: 0, townships: 18 },
  { id: '330106', name: '西湖区', rect: [120.05, 30.2, 120.15, 30.33], householdWeight: 6, ruralShare: 0.05, townships: 11 },
  { id: '330108', name: '滨江区', rect: [120.05, 30.13, 120.25, 30.2], householdWeight: 3, ruralShare: 0, townships: 3 },
  { id: '330109', name: '萧山区', rect: [120.05, 29.85, 120.72, 30.13], householdWeight: 12, ruralShare: 0.4, townships: 22 },
  { id: '330110', name: '余杭区', rect: [119.7, 30.2, 120.05, 30.57], householdWeight: 8, ruralShare: 0.3, townships: 12 },
  { id: '330111', name: '富阳区', rect: [119.7, 29.95, 120.05, 30.2], householdWeight: 9, ruralShare: 0.6, townships: 23 },
  { id: '330112', name: '临安区', rect: [118.35, 29.95, 119.7, 30.57], householdWeight: 8, ruralShare: 0.7, townships: 18 },
  { id: '330113', name: '临平区', rect: [120.05, 30.4, 120.72, 30.57], householdWeight: 9, ruralShare: 0.3, townships: 11 },
  { id: '330114', name: '钱塘区', rect: [120.25, 30.13, 120.72, 30.4], householdWeight: 5, ruralShare: 0.2, townships: 7 },
  { id: '330122', name: '桐庐县', rect: [119.7, 29.45, 120.05, 29.95], householdWeight: 7, ruralShare: 0.7, townships: 14 },
  { id: '330127', name: '淳安县', rect: [118.35, 29.19, 119.1, 29.95], householdWeight: 8, ruralShare: 0.85, townships: 22 },
  { id: '330182', name: '建德市', rect: [119.1, 29.19, 119.7, 29.95], householdWeight: 8, ruralShare: 0.7, townships: 15 },
];

const YUANZHOU_DISTRICTS: readonly DistrictSpec[] = [
  {
    id: '640402',
    name: '原州区',
    rect: [105.95, 35.55, 106.65, 36.4],
    householdWeight: 1,
    ruralShare: 0.85,
    townships: 14,
    townshipNames: ['南关街道', '古雁街道', '北塬街道', '三营镇', '官厅镇', '开城镇', '张易镇', '彭堡镇', '头营镇', '黄铎堡镇', '中河乡', '河川乡', '炭山乡', '寨科乡'],
  },
];

/** Splits a rectangle into `n` cells row by row; the last row's cells widen to fill it. */
function grid(rect: Rect, n: number): Rect[] {
  const [w, s, e, nn] = rect;
  const midLat = ((s + nn) / 2) * (Math.PI / 180);
  const aspect = ((e - w) * Math.cos(midLat)) / (nn - s);
  const cols = Math.max(1, Math.round(Math.sqrt(n * aspect)));
  const rows = Math.ceil(n / cols);
  const out: Rect[] = [];
  const dy = (nn - s) / rows;
  for (let r = 0; r < rows; r++) {
    const inRow = r === rows - 1 ? n - cols * (rows - 1) : cols;
    const dx = (e - w) / inRow;
    for (let c = 0; c < inRow; c++) {
      out.push([w + c * dx, nn - (r + 1) * dy, w + (c + 1) * dx, nn - r * dy]);
    }
  }
  return out;
}

/** Communities per township: varied, summing exactly to `total`. */
function spread(n: number, total: number, rng: Rng): number[] {
  const raw = Array.from({ length: n }, () => 0.6 + rng.float() * 0.8);
  const sum = raw.reduce((a, b) => a + b, 0);
  const counts = raw.map((x) => Math.max(1, Math.floor((x / sum) * total)));
  let left = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % n, left--) counts[i] = (counts[i] as number) + 1;
  return counts;
}

function build(name: RegionLayout['name'], specs: readonly DistrictSpec[], communityTotal: number, bbox: Rect, otherBirthRegions: string[]): RegionLayout {
  const rng = new Rng(0x5eed, name === 'hangzhou' ? 1 : 2);
  const districts: DistrictDef[] = [];
  const townships: TownshipDef[] = [];
  const communities: CommunityDef[] = [];
  const townshipTotal = specs.reduce((a, d) => a + d.townships, 0);
  const perTownship = spread(townshipTotal, communityTotal, rng);
  let t = 0;
  for (const d of specs) {
    districts.push({ id: d.id, name: d.name, rect: d.rect, householdWeight: d.householdWeight, ruralShare: d.ruralShare });
    const tRects = grid(d.rect, d.townships);
    const tCounts = perTownship.slice(t, t + d.townships);
    t += d.townships;
    const dCommunities = tCounts.reduce((a, b) => a + b, 0);
    tRects.forEach((rect, i) => {
      const tid = d.id + String(i + 1).padStart(3, '0');
      const tname = d.townshipNames?.[i] ?? `${d.name}${i + 1}号镇街`;
      townships.push({ id: tid, name: tname, districtId: d.id, rect });
      const n = tCounts[i] as number;
      grid(rect, n).forEach((crect, j) => {
        communities.push({
          id: tid + String(j + 1).padStart(3, '0'),
          name: `${tname}${j + 1}号村社`,
          townshipId: tid,
          districtId: d.id,
          rect: crect,
          // the district's share spread over its communities, varied ±40 %
          weight: (d.householdWeight / dCommunities) * (0.6 + rng.float() * 0.8),
        });
      });
    });
  }
  return { name, bbox, districts, townships, communities, otherBirthRegions };
}

let hangzhou: RegionLayout | undefined;
let yuanzhou: RegionLayout | undefined;

/** Hangzhou: 14 districts, 192 townships, 3,222 communities. */
export function hangzhouLayout(): RegionLayout {
  hangzhou ??= build('hangzhou', HANGZHOU_DISTRICTS, 3222, [118.35, 29.19, 120.72, 30.57], [
    '330381', '330621', '330781', '340321', '341221', '342201', '362321', '411527', '422126', '512922', '522427', '610324',
  ]);
  return hangzhou;
}

/** Yuanzhou district of Guyuan, Ningxia: 14 townships, 168 villages and communities. */
export function yuanzhouLayout(): RegionLayout {
  yuanzhou ??= build('yuanzhou', YUANZHOU_DISTRICTS, 168, [105.95, 35.55, 106.65, 36.4], ['640422', '640423', '640424', '640425', '640302']);
  return yuanzhou;
}

export function layoutByName(name: RegionLayout['name']): RegionLayout {
  return name === 'hangzhou' ? hangzhouLayout() : yuanzhouLayout();
}

/** Every region code a person of this layout may carry in an ID number. */
export function birthRegionCodes(layout: RegionLayout): string[] {
  return [...layout.districts.map((d) => d.id), ...layout.otherBirthRegions];
}

export function insideRect(rect: Rect, lon: number, lat: number): boolean {
  return lon >= rect[0] && lon <= rect[2] && lat >= rect[1] && lat <= rect[3];
}

export interface RegionFeature {
  type: 'Feature';
  properties: { id: string; name: string; level: 'district' | 'township' | 'community'; parentId: string | null };
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}

export interface RegionFeatureCollection {
  type: 'FeatureCollection';
  bbox: number[];
  features: RegionFeature[];
}

function polygon(r: Rect): number[][][] {
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const [w, s, e, n] = r.map(round) as [number, number, number, number];
  return [[[w, s], [e, s], [e, n], [w, n], [w, s]]];
}

/** The layout's districts, townships or communities as a GeoJSON FeatureCollection (for the map). */
export function regionsGeoJSON(layout: RegionLayout, level: 'district' | 'township' | 'community'): RegionFeatureCollection {
  const features: RegionFeature[] =
    level === 'district'
      ? layout.districts.map((d) => ({ type: 'Feature', properties: { id: d.id, name: d.name, level, parentId: null }, geometry: { type: 'Polygon', coordinates: polygon(d.rect) } }))
      : level === 'township'
        ? layout.townships.map((t) => ({ type: 'Feature', properties: { id: t.id, name: t.name, level, parentId: t.districtId }, geometry: { type: 'Polygon', coordinates: polygon(t.rect) } }))
        : layout.communities.map((c) => ({ type: 'Feature', properties: { id: c.id, name: c.name, level, parentId: c.townshipId }, geometry: { type: 'Polygon', coordinates: polygon(c.rect) } }));
  return { type: 'FeatureCollection', bbox: [...layout.bbox], features };
}
