/**
 * k-anonymity cannot be bypassed by an analyst. Every figure an analyst can reach through every
 * aggregate route (map of townships and communities, /v1/stats for the city and each township,
 * /v1/stats/summary for each month and quarter by city, district and township) is collected for a
 * small city with small cells, each with what it counts (a set of households or alerts, known to
 * the test from the data). A hidden figure with a true count between 1 and k−1 must not be in
 * the linear span of the shown ones: no adding or subtracting of shown figures gives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../engine/alerts/types.js';
import { ALERT_LEVELS, ALERT_STATUSES, ALERT_TYPES, VERIFICATION_OUTCOMES } from '../../engine/alerts/types.js';
import { isOverdue } from '../../engine/alerts/lifecycle.js';
import { POLICY_CODES, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { NEED_TYPES, type Tier } from '../../engine/types.js';
import { SparseSpan } from '../privacy/rule.js';
import { authOf, FIXTURE_NOW, openFixture, type Fixture } from './fixture.js';

const K = 5;
const TZ = 8 * 3600_000;
const monthOf = (t: number) => new Date(t + TZ).toISOString().slice(0, 7);
const quarterOf = (m: string) => `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`;
const inPeriod = (t: number | null | undefined, label: string) => typeof t === 'number' && (label.includes('Q') ? quarterOf(monthOf(t)) === label : monthOf(t) === label);

/** What a figure counts: households or alerts meeting a test. */
type Atom = { kind: 'h'; id: string; community: string; township: string; district: string; tier: Tier; needs: readonly string[] } | { kind: 'a'; a: Alert };
interface Figure {
  what: string;
  value: number | null;
  atoms: (x: Atom) => boolean;
}

describe('privacy of every aggregate an analyst can reach', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await openFixture({ n: 160, k: K, seed: 5 });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  const get = async (url: string) => {
    const r = await fx.app.inject({ method: 'GET', url, headers: authOf('analyst') });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r.json() as Record<string, any>;
  };

  let result: Promise<{ derivable: string[] }> | null = null;
  const analyse = () => (result ??= collectAndAnalyse());

  it('every shown figure is true, and no hidden count under k is the sum or difference of shown figures', async () => {
    const { derivable } = await analyse();
    expect(derivable).toEqual([]);
  }, 300_000);

  async function collectAndAnalyse(): Promise<{ derivable: string[] }> {
    const figures: Figure[] = [];
    const add = (what: string, value: unknown, atoms: Figure['atoms']) => {
      if (value === undefined) return;
      expect(value === null || typeof value === 'number', what).toBe(true);
      figures.push({ what, value: value as number | null, atoms });
    };
    const inRegion = (x: Atom, r: string | null): boolean => {
      if (r === null) return true;
      if (x.kind === 'h') return x.community === r || x.township === r || x.district === r;
      return x.a.region.communityId === r || x.a.region.townshipId === r || x.a.region.districtId === r;
    };
    const hh = (r: string | null, tier?: Tier) => (x: Atom) => x.kind === 'h' && inRegion(x, r) && (tier === undefined || x.tier === tier);
    const al = (r: string | null, f: (a: Alert) => boolean) => (x: Atom) => x.kind === 'a' && inRegion(x, r) && f(x.a);
    const tiers = (what: string, t: Record<string, unknown>, r: string | null) => {
      add(`${what}.households`, t['households'], hh(r));
      add(`${what}.tier1`, t['tier1'], hh(r, 1));
      add(`${what}.tier2`, t['tier2'], hh(r, 2));
      add(`${what}.tier3`, t['tier3'], hh(r, 3));
    };
    const byStatus = (what: string, bs: Record<string, Record<string, unknown>>, r: string | null) => {
      for (const s of ALERT_STATUSES) for (const l of ALERT_LEVELS) add(`${what}.${s}.${l}`, bs[s]![l], al(r, (a) => a.status === s && a.level === l));
    };

    // map: townships and communities
    const mt = await get('/v1/map/townships');
    for (const f of mt['features'] as { properties: Record<string, unknown> }[]) {
      const id = f.properties['id'] as string;
      tiers(`map.township.${id}`, f.properties, id);
      add(`map.township.${id}.openAlerts`, f.properties['openAlerts'], al(id, (a) => a.status !== 'closed'));
    }
    const mc = await get('/v1/map/communities');
    const hiddenCommunities = new Map<string, Map<string, Set<string>>>();
    for (const f of mc['features'] as { properties: Record<string, unknown> }[]) {
      const id = f.properties['id'] as string;
      const t = f.properties['parentId'] as string;
      tiers(`map.community.${id}`, f.properties, id);
      add(`map.community.${id}.openAlerts`, f.properties['openAlerts'], al(id, (a) => a.status !== 'closed'));
      for (const key of ['households', 'tier1', 'tier2', 'tier3', 'openAlerts']) {
        if (f.properties[key] !== null) continue;
        const m = hiddenCommunities.get(t) ?? hiddenCommunities.set(t, new Map()).get(t)!;
        (m.get(key) ?? m.set(key, new Set()).get(key)!).add(id);
      }
    }
    for (const [t, m] of Object.entries(mc['mergedCommunities'] as Record<string, Record<string, unknown>>)) {
      const hidden = (key: string) => hiddenCommunities.get(t)?.get(key) ?? new Set<string>();
      const inHidden = (key: string) => (x: Atom) => (x.kind === 'h' ? hidden(key).has(x.community) : hidden(key).has(x.a.region.communityId));
      add(`map.merged.${t}.households`, m['households'], (x) => hh(t)(x) && inHidden('households')(x));
      for (const [key, tier] of [['tier1', 1], ['tier2', 2], ['tier3', 3]] as const) add(`map.merged.${t}.${key}`, m[key], (x) => hh(t, tier)(x) && inHidden(key)(x));
      add(`map.merged.${t}.openAlerts`, m['openAlerts'], (x) => al(t, (a) => a.status !== 'closed')(x) && inHidden('openAlerts')(x));
    }

    // stats: the city, and each township
    const townships = (mt['features'] as { properties: { id: string; parentId: string } }[]).map((f) => f.properties);
    const stats = async (r: string | null) => {
      const s = await get(r === null ? '/v1/stats' : `/v1/stats?township=${r}`);
      const w = `stats.${r ?? 'city'}`;
      tiers(`${w}.tiers`, s['tiers'], r);
      for (const t of NEED_TYPES) add(`${w}.needTypes.${t}`, s['needTypes']?.[t], (x) => x.kind === 'h' && x.needs.includes(t));
      for (const l of ALERT_LEVELS) add(`${w}.byLevel.${l}`, s['alerts'].byLevel[l], al(r, (a) => a.level === l));
      byStatus(`${w}.byStatus`, s['alerts'].byStatus, r);
      add(`${w}.overdue`, s['alerts'].overdue, al(r, (a) => isOverdue(a, FIXTURE_NOW)));
      for (const [t, v] of Object.entries(s['alerts'].byTownship as Record<string, Record<string, any>>)) {
        byStatus(`${w}.byTownship.${t}`, v['byStatus'], t);
        add(`${w}.byTownship.${t}.active`, v['active'], al(t, (a) => a.status !== 'closed'));
        add(`${w}.byTownship.${t}.overdue`, v['overdue'], al(t, (a) => isOverdue(a, FIXTURE_NOW)));
      }
    };
    await stats(null);
    for (const t of townships) await stats(t.id);

    // summaries: every month and quarter around the alerts, by city, district and township
    const districts = [...new Set(townships.map((t) => t.parentId))];
    const regions: (string | null)[] = [null, ...districts, ...townships.map((t) => t.id)];
    const periods: { period: 'month' | 'quarter'; at: string; label: string }[] = [];
    for (let m = 2; m <= 9; m++) periods.push({ period: 'month', at: `2026-${String(m).padStart(2, '0')}-15`, label: `2026-${String(m).padStart(2, '0')}` });
    for (const q of [1, 2, 3]) periods.push({ period: 'quarter', at: `2026-${String(q * 3 - 1).padStart(2, '0')}-15`, label: `2026-Q${q}` });
    for (const p of periods) {
      for (const r of regions) {
        const s = await get(`/v1/stats/summary?period=${p.period}&at=${p.at}${r === null ? '' : `&region=${r}`}`);
        const w = `summary.${p.label}.${r ?? 'city'}`;
        const A = s['alerts'];
        const created = (f: (a: Alert) => boolean) => al(r, (a) => inPeriod(a.createdAt, p.label) && f(a));
        add(`${w}.created.total`, A.created.total, created(() => true));
        for (const l of ALERT_LEVELS) add(`${w}.created.${l}`, A.created[l], created((a) => a.level === l));
        for (const t of ALERT_TYPES) add(`${w}.created.byType.${t}`, A.created.byType[t], created((a) => a.type === t));
        const verified = (f: (a: Alert) => boolean) => al(r, (a) => a.verification !== null && inPeriod(a.verification.at, p.label) && f(a));
        add(`${w}.verified.total`, A.verified.total, verified(() => true));
        add(`${w}.verified.onTime`, A.verified.onTime, verified((a) => a.verification!.at <= a.dueAt));
        add(`${w}.verified.late`, A.verified.late, verified((a) => a.verification!.at > a.dueAt));
        for (const o of VERIFICATION_OUTCOMES) add(`${w}.verified.byOutcome.${o}`, A.verified.byOutcome[o], verified((a) => a.verification!.outcome === o));
        const disposed = (f: (a: Alert) => boolean) => al(r, (a) => a.disposition !== null && inPeriod(a.disposition.at, p.label) && f(a));
        add(`${w}.disposed.total`, A.disposed.total, disposed(() => true));
        add(`${w}.disposed.withReferral`, A.disposed.withReferral, disposed((a) => a.disposition!.referrals.length > 0));
        for (const c of POLICY_CODES) add(`${w}.disposed.policies.${c}`, A.disposed.policies[c], disposed((a) => a.disposition!.referrals.some((x) => x.kind === 'policy' && x.code === c)));
        for (const c of SERVICE_CODES) add(`${w}.disposed.services.${c}`, A.disposed.services[c], disposed((a) => a.disposition!.referrals.some((x) => x.kind === 'service' && x.code === c)));
        add(`${w}.closed`, A.closed, al(r, (a) => inPeriod(a.closedAt, p.label)));
        if (A.activeAtEnd !== null) add(`${w}.activeAtEnd`, A.activeAtEnd, al(r, (a) => a.status !== 'closed'));
        if (A.overdueAtEnd !== null) add(`${w}.overdueAtEnd`, A.overdueAtEnd, al(r, (a) => isOverdue(a, FIXTURE_NOW)));
        tiers(`${w}.tiersNow`, s['tiersNow'], r);
      }
    }

    // what each figure counts: the households and alerts of the city, and as unknowns of zero
    // count every class the analyst cannot rule out by structure alone (each household or alert
    // with one attribute changed: tier, community, level, type, status along its life cycle,
    // overdue or not, the month of each step, outcome, on time or late)
    const H = 3600_000;
    const DAY = 24 * H;
    const communities = [...new Set(fx.households.map((h) => h.region.communityId))];
    const sameTownship = (c: string, t: string) => communities.filter((x) => x !== c && fx.households.some((h) => h.region.communityId === x && h.region.townshipId === t));
    const atoms: Atom[] = [];
    for (const h of fx.households) {
      const st = fx.store.households.get(h.id)!;
      const base = { kind: 'h' as const, id: h.id, community: h.region.communityId, township: h.region.townshipId, district: h.region.districtId, tier: st.profile.tier, needs: st.profile.needTypes };
      atoms.push(base);
      for (const tier of [1, 2, 3] as Tier[]) if (tier !== base.tier) atoms.push({ ...base, tier });
      for (const c of sameTownship(base.community, base.township).slice(0, 1)) atoms.push({ ...base, community: c });
      for (const n of NEED_TYPES) atoms.push({ ...base, needs: base.needs.includes(n) ? base.needs.filter((x) => x !== n) : [...base.needs, n] });
    }
    const real = atoms.length;
    const alertAtoms: Atom[] = [];
    for (const a of fx.alerts) {
      alertAtoms.push({ kind: 'a', a });
      const v: Alert[] = [];
      v.push({ ...a, level: a.level === 'urgent' ? 'general' : 'urgent' });
      v.push({ ...a, type: a.type === 'accident' ? 'disaster' : 'accident' });
      v.push({ ...a, dueAt: a.dueAt > FIXTURE_NOW ? FIXTURE_NOW - DAY : FIXTURE_NOW + 30 * DAY });
      v.push({ ...a, createdAt: a.createdAt - 31 * DAY }, { ...a, createdAt: Math.min(FIXTURE_NOW - H, a.createdAt + 31 * DAY) });
      const c2 = sameTownship(a.region.communityId, a.region.townshipId)[0];
      if (c2) v.push({ ...a, region: { ...a.region, communityId: c2 } });
      if (a.verification) {
        v.push({ ...a, status: 'open', verification: null, disposition: null, closedAt: null });
        v.push({ ...a, verification: { ...a.verification, at: a.verification.at - 31 * DAY } }, { ...a, verification: { ...a.verification, outcome: a.verification.outcome === 'confirmed' ? 'not_confirmed' : 'confirmed' } });
        v.push({ ...a, dueAt: a.verification.at <= a.dueAt ? a.verification.at - H : a.verification.at + H });
      } else v.push({ ...a, status: 'verified', verification: { outcome: 'confirmed', note: '', by: 'x', at: FIXTURE_NOW - H } });
      if (a.disposition) {
        v.push({ ...a, status: 'verified', disposition: null, closedAt: null });
        v.push({ ...a, disposition: { ...a.disposition, at: a.disposition.at - 31 * DAY } }, { ...a, disposition: { ...a.disposition, referrals: a.disposition.referrals.length ? [] : [{ kind: 'policy', code: 'dibao' } as never] } });
      } else if (a.verification) v.push({ ...a, status: 'disposed', disposition: { referrals: [], note: '', by: 'x', at: FIXTURE_NOW - H } });
      if (a.closedAt !== null) v.push({ ...a, status: 'disposed', closedAt: null }, { ...a, closedAt: a.closedAt - 31 * DAY });
      else if (a.disposition) v.push({ ...a, status: 'closed', closedAt: FIXTURE_NOW - H });
      for (const x of v) alertAtoms.push({ kind: 'a', a: x });
    }
    const all = [...atoms, ...alertAtoms];
    const realAlerts = new Set(fx.alerts);
    const isReal = (i: number) => i < real ? atoms[i]!.kind === 'h' && fx.households.some((h) => h.id === (atoms[i] as { id: string }).id) && i === atoms.findIndex((x) => (x as { id?: string }).id === (atoms[i] as { id: string }).id) : realAlerts.has((all[i] as { a: Alert }).a);
    const realIndex = all.map((_, i) => isReal(i));
    const span = new SparseSpan();
    let shown = 0;
    const hidden: { what: string; v: Map<number, number>; n: number }[] = [];
    for (const f of figures) {
      const v = new Map<number, number>();
      let n = 0;
      all.forEach((x, i) => {
        if (!f.atoms(x)) return;
        v.set(i, 1);
        if (realIndex[i]) n++;
      });
      if (f.value !== null) {
        expect(f.value, f.what).toBe(n);
        if (v.size > 0) (span.add(v), shown++);
      } else hidden.push({ what: f.what, v, n });
    }
    const small = hidden.filter((h) => h.n > 0 && h.n < K);
    console.log(`privacy: ${figures.length} figures collected (${shown} shown and not empty), ${hidden.length} hidden (${small.length} with a count under k=${K}); ${all.length} classes of households and alerts`);
    expect(small.length).toBeGreaterThan(0);
    const derivable = small.filter((h) => span.contains(h.v)).map((h) => `${h.what} (${h.n})`);
    if (derivable.length) console.log(`privacy: derivable hidden counts under k: ${derivable.join(', ')}`);
    return { derivable };
  }
});
