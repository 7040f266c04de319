/**
 * The queue counts behind /metrics and the cached alert and portrait views, against real LMDB:
 * alerts are written straight into the store the way the engine (or a changelog restore) writes
 * them, and worked through the HTTP API. The counts must equal a fresh LMDB count after every
 * transition, after a restart and after writes the API was never told about; the views must
 * follow every change of the stored record, and stay masked per caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { openAuditLog, type AuditLog } from '../../connectors/audit/index.js';
import { generateCity } from '../../connectors/city/generator.js';
import { openAlert } from '../../engine/alerts/records.js';
import type { Alert, AlertTrigger } from '../../engine/alerts/types.js';
import { initialState } from '../../engine/process.js';
import type { Household, HouseholdState } from '../../engine/types.js';
import { counts, listAlerts, openStore, writeAlertInTxn, type Store } from '../../workers/store/index.js';
import { buildApp, type LifelineApp } from '../app.js';
import { startEngine, type Engine } from '../../workers/engine.js';
import { hashToken, type Principal } from '../auth/index.js';
import { overdueByLevel } from '../metrics.js';
import { privacyViewOf } from '../privacy/mask.js';
import { alertView } from '../views/alert.js';
import { portraitView } from '../views/portrait.js';

const tok = (c: string) => 'lifeline_' + c.repeat(32);
const ADMIN = tok('a');
const CW1 = tok('b');
const CW2 = tok('c');
const DAY = 86_400_000;

/** The queue gauges of one /metrics body: `status/level` → depth, `overdue/level` → overdue. */
function gauges(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^lifeline_alert_queue_depth\{status="(\w+)",level="(\w+)"\} (\S+)$/gm)) out.set(`${m[1]}/${m[2]}`, Number(m[3]));
  for (const m of text.matchAll(/^lifeline_alerts_overdue\{level="(\w+)"\} (\S+)$/gm)) out.set(`overdue/${m[1]}`, Number(m[2]));
  return out;
}

/** The same figures counted afresh in LMDB. */
function fresh(store: Store, now: number): Map<string, number> {
  store.env.resetReadTxn();
  const c = counts(store, { now });
  const out = new Map<string, number>();
  for (const status of ['open', 'claimed', 'verified', 'disposed'] as const) for (const level of ['urgent', 'general'] as const) out.set(`${status}/${level}`, c.byStatus[status][level]);
  const o = overdueByLevel(store, now);
  out.set('overdue/urgent', o.urgent);
  out.set('overdue/general', o.general);
  expect(o.urgent + o.general).toBe(c.overdue);
  return out;
}

describe('queue counts and cached views over real LMDB', () => {
  let env: TestEnv;
  let store: Store;
  let app: LifelineApp;
  let households: Household[];
  let township: string;
  let home: Household[];
  let skew = 0;
  let nc: NatsConnection;
  let audit: AuditLog;
  let frozen: number | null = null;
  const now = () => frozen ?? Date.now() + skew;

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: auth(token) });
  const post = (url: string, token: string, body: unknown) => app.inject({ method: 'POST', url, headers: auth(token), payload: body as object });
  const scrape = async (a = app) => gauges((await a.inject({ method: 'GET', url: '/metrics' })).body);

  const TYPES = ['major_disease', 'medical_expense', 'accident', 'disaster', 'unemployment'] as const;
  const trigger = (h: Household, i: number, level: 'urgent' | 'general', type: AlertTrigger['type'] = level === 'urgent' ? 'major_disease' : 'medical_expense'): AlertTrigger => {
    const p = h.persons[0]!;
    return {
      type,
      level,
      severe: level === 'urgent',
      // a name and an ID number in free text: masked in every answer
      reason: `${p.name} (${p.idNumber}) reported by the hospital`,
      updateId: `u-${h.id}-${i}`,
      kind: level === 'urgent' ? 'major_disease_diagnosed' : 'medical_claim',
      source: level === 'urgent' ? 'health' : 'medical_insurance',
      personId: p.id,
      at: Date.now() - i * 60_000,
    } as AlertTrigger;
  };

  /** Writes an alert the way the engine's batch does, without telling the API. */
  const writeBehindTheApi = (before: Alert | null, after: Alert) => store.env.transactionSync(() => writeAlertInTxn(store, before, after));

  const states = new Map<string, HouseholdState>();
  let engine: Engine | undefined;

  beforeAll(async () => {
    households = [...generateCity('small', 5, { limit: 120 })];
    const byTownship = new Map<string, Household[]>();
    for (const h of households) byTownship.set(h.region.townshipId, [...(byTownship.get(h.region.townshipId) ?? []), h]);
    home = [...byTownship.values()].sort((a, b) => b.length - a.length)[0]!;
    township = home[0]!.region.townshipId;
    env = testEnv({
      'api.keys': [
        { id: 'admin-1', sha256: hashToken(ADMIN), role: 'admin', townships: [] },
        { id: 'cw-1', sha256: hashToken(CW1), role: 'caseworker', townships: [township] },
        { id: 'cw-2', sha256: hashToken(CW2), role: 'caseworker', townships: [township] },
      ],
    });
    store = openStore({ path: env.config.lmdb.path });
    const model = env.config.model;
    await store.env.transaction(() => {
      for (const h of households) {
        const s = initialState(h, model);
        states.set(h.id, s);
        store.households.putSync(h.id, s);
      }
      // every household of the home township gets an alert of each type, every other one of the rest one alert
      households.forEach((h, i) => {
        if (h.region.townshipId !== township) {
          if (i % 2 === 0) writeAlertInTxn(store, null, openAlert(trigger(h, i, i % 3 === 0 ? 'general' : 'urgent'), states.get(h.id)!, model, Date.now() - i * 60_000));
          return;
        }
        TYPES.forEach((type, j) => {
          const level = (i + j) % 3 === 0 ? 'general' : 'urgent';
          writeAlertInTxn(store, null, openAlert(trigger(h, i * 10 + j, level, type), states.get(h.id)!, model, Date.now() - (i * 10 + j) * 60_000));
        });
      });
    });
    // portrait reads are audited in the audit stream before they are answered
    nc = await testConnection();
    audit = await openAuditLog(nc, env.config);
    // caseworker actions are commands applied by the engine: it runs on the same store
    engine = await startEngine(env.config, { store, tuning: { warmUpUpdates: 0 } });
    app = await buildApp(env.config, { store, registry: new Registry(), now, dashboard: false, sweeper: false, audit, nats: nc, engine });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await engine?.stop();
    await store?.close();
    await nc?.close();
    await env?.cleanup();
  });

  it('counts the alerts already in LMDB when it starts, and the overdue ones as the clock moves', async () => {
    expect(await scrape()).toEqual(fresh(store, now()));
    expect((await scrape()).get('open/urgent')).toBeGreaterThan(0);
    skew = 40 * DAY;
    try {
      const later = await scrape();
      expect(later.get('overdue/urgent')! + later.get('overdue/general')!).toBeGreaterThan(0);
      expect(later).toEqual(fresh(store, now()));
    } finally {
      skew = 0;
    }
  });

  it('after every transition over HTTP the counts equal a fresh LMDB count; the lease token is shown to its holder only', async () => {
    const c = await post(`/v1/townships/${township}/alerts/claim`, CW1, { requestId: 'tally-claim', max: 3, leaseSec: 60 });
    expect(c.statusCode).toBe(200);
    const claimed = c.json().claimed as { id: string; lease: { token: string } }[];
    expect(claimed).toHaveLength(3);
    expect(await scrape()).toEqual(fresh(store, now()));

    // the queue as each caller sees it: the token for its holder only
    const list = async (token: string) => (await get(`/v1/townships/${township}/alerts?status=claimed&limit=50`, token)).json().items as { id: string; lease: { holder: string; token?: string } }[];
    const mine = (await list(CW1)).find((a) => a.id === claimed[0]!.id)!;
    expect(mine.lease).toEqual({ holder: 'cw-1', token: claimed[0]!.lease.token, expiresAt: expect.any(Number) });
    expect((await list(CW2)).find((a) => a.id === claimed[0]!.id)!.lease.token).toBeUndefined();
    expect((await list(ADMIN)).find((a) => a.id === claimed[0]!.id)!.lease.token).toBeUndefined();

    const [a, b, d] = claimed.map((x) => ({ id: encodeURIComponent(x.id), token: x.lease.token }));
    expect((await post(`/v1/alerts/${a!.id}/verify`, CW1, { requestId: 'tv-1', leaseToken: a!.token, outcome: 'confirmed', note: '' })).statusCode).toBe(200);
    expect(await scrape()).toEqual(fresh(store, now()));
    expect((await post(`/v1/alerts/${a!.id}/dispose`, CW1, { requestId: 'td-1', leaseToken: a!.token, referrals: [], note: '' })).statusCode).toBe(200);
    expect(await scrape()).toEqual(fresh(store, now()));
    expect((await post(`/v1/alerts/${a!.id}/close`, CW1, { requestId: 'tc-1', leaseToken: a!.token })).statusCode).toBe(200);
    expect((await post(`/v1/alerts/${b!.id}/release`, CW1, { requestId: 'tr-1', leaseToken: b!.token })).statusCode).toBe(200);
    expect(await scrape()).toEqual(fresh(store, now()));
    // the released one is open again, the closed one is gone from the default listing
    const queue = (await get(`/v1/townships/${township}/alerts?limit=500`, CW1)).json().items as { id: string; status: string; lease: unknown }[];
    expect(queue.find((x) => x.id === claimed[1]!.id)).toMatchObject({ status: 'open', lease: null });
    expect(queue.some((x) => x.id === claimed[0]!.id)).toBe(false);

    // a lease that runs out goes back to the queue through the sweeper: counted too
    skew = 61_000;
    try {
      expect(await app.lifeline.alerts.sweep()).toBe(1);
      expect(await scrape()).toEqual(fresh(store, now()));
      expect((await post(`/v1/alerts/${d!.id}/release`, CW1, { requestId: 'tr-2', leaseToken: d!.token })).statusCode).toBe(409);
    } finally {
      skew = 0;
    }
    // a repeated claim request returns what it took while still held, without taking more
    const c2 = await post(`/v1/townships/${township}/alerts/claim`, CW1, { requestId: 'tally-claim-2', max: 2, leaseSec: 60 });
    const again2 = await post(`/v1/townships/${township}/alerts/claim`, CW1, { requestId: 'tally-claim-2', max: 2, leaseSec: 60 });
    expect((again2.json().claimed as { id: string }[]).map((x) => x.id).sort()).toEqual((c2.json().claimed as { id: string }[]).map((x) => x.id).sort());
    // the same request sent twice at once (a client retrying) takes its alerts once
    const twice = await Promise.all([1, 2].map(() => post(`/v1/townships/${township}/alerts/claim`, CW1, { requestId: 'tally-claim-3', max: 2, leaseSec: 60 })));
    const ids = twice.map((r) => (r.json().claimed as { id: string }[]).map((x) => x.id).sort());
    expect(ids[0]).toHaveLength(2);
    expect(ids[1]).toEqual(ids[0]);
    // transitions sent at once on different alerts, and a repeat of one of them, all land
    const held = (c2.json().claimed as { id: string; lease: { token: string } }[]).map((x) => ({ id: encodeURIComponent(x.id), token: x.lease.token }));
    const rel = await Promise.all([...held, held[0]!].map((x, i) => post(`/v1/alerts/${x.id}/release`, CW1, { requestId: `tr-at-once-${i % held.length}`, leaseToken: x.token })));
    expect(rel.map((r) => r.statusCode)).toEqual(rel.map(() => 200));
    expect(rel.map((r) => r.json().replayed)).toEqual([false, false, true]);
    expect(await scrape()).toEqual(fresh(store, now()));
  });

  it('sees writes it was never told about: the views at once, the counts after the recount, and a restarted API from the start', async () => {
    const model = env.config.model;
    const h = home.at(-1)!;
    const listed = async () => (await get(`/v1/townships/${township}/alerts?limit=500`, ADMIN)).json().items as { id: string; status: string; level: string }[];
    const before = await listed();
    // the engine raises one more alert and closes another, committed by a writer the API does not hear from
    const extra = openAlert({ ...trigger(h, 99, 'urgent'), type: 'fire', kind: 'fire_reported', source: 'emergency' } as AlertTrigger, { ...states.get(h.id)!, version: 7 }, model, Date.now());
    writeBehindTheApi(null, extra);
    store.env.resetReadTxn();
    const victim = store.alerts.get(before.find((x) => x.status === 'open')!.id)!;
    writeBehindTheApi(victim, { ...victim, status: 'closed', closedAt: Date.now(), history: [...victim.history, { from: 'open', to: 'closed', by: 'engine', at: Date.now(), requestId: null }] });
    store.env.resetReadTxn();

    const after = await listed();
    expect(after.some((x) => x.id === extra.id)).toBe(true);
    expect(after.some((x) => x.id === victim.id)).toBe(false);
    expect((await get(`/v1/alerts/${encodeURIComponent(victim.id)}`, ADMIN)).json().status).toBe('closed');

    await app.lifeline.alerts.tally!.recount();
    expect(await scrape()).toEqual(fresh(store, now()));

    // a second API process on the same LMDB (or this one after a restart) counts the same
    const restarted = await buildApp(env.config, { store, registry: new Registry(), now, dashboard: false, sweeper: false });
    try {
      expect(await scrape(restarted)).toEqual(fresh(store, now()));
      expect(await scrape(restarted)).toEqual(await scrape());
    } finally {
      await restarted.close();
    }
  });

  it('pages through the queue with the cursor in the store’s order, each alert once; a foreign cursor is a 400', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const r = await get(`/v1/townships/${township}/alerts?limit=3${cursor ? `&cursor=${cursor}` : ''}`, CW1);
      expect(r.statusCode).toBe(200);
      const body = r.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((a) => a.id));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    store.env.resetReadTxn();
    expect(seen).toEqual(listAlerts(store, township, { limit: 500 }).items.map((a) => a.id));
    expect(new Set(seen).size).toBe(seen.length);
    // filters by level and type page the same way
    const urgent = (await get(`/v1/townships/${township}/alerts?level=urgent&type=major_disease&limit=500`, CW1)).json().items as { level: string; type: string }[];
    expect(urgent.length).toBeGreaterThan(0);
    expect(urgent.every((a) => a.level === 'urgent' && a.type === 'major_disease')).toBe(true);
    const bad = await get(`/v1/townships/${township}/alerts?cursor=bm90LWEtY3Vyc29y`, CW1);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_VALIDATION', field: 'cursor' });
  });

  it('masks the same cached alert per caller: names for admins, ID numbers for everyone', async () => {
    const h = home[0]!;
    const p = h.persons[0]!;
    for (let i = 0; i < 2; i++) {
      const cw = (await get(`/v1/townships/${township}/alerts?limit=500`, CW1)).body;
      const admin = (await get(`/v1/townships/${township}/alerts?limit=500`, ADMIN)).body;
      expect(cw).toContain(p.name);
      expect(cw).not.toContain(p.idNumber);
      expect(cw).toContain(p.idNumber.slice(0, 6) + '********' + p.idNumber.slice(14));
      expect(admin).not.toContain(p.idNumber);
      if ([...p.name].length > 1) expect(admin).not.toContain(p.name);
    }
  });

  it('serves the portrait from the stored state: a new state is shown at once, each read audited', async () => {
    const h = home[0]!;
    const read = async (token: string) => {
      const r = await get(`/v1/households/${h.id}`, token);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      return r.json();
    };
    const first = await read(CW1);
    expect(await read(CW1)).toEqual(first);
    expect(first.household.persons[0].name).toBe(h.persons[0]!.name);
    expect(first.alerts.length).toBeGreaterThan(0);
    expect(JSON.stringify(first)).not.toContain(h.persons[0]!.idNumber);
    const admin = await read(ADMIN);
    expect(admin.household.persons[0].name).not.toBe(h.persons[0]!.name);
    expect(admin.score).toBe(first.score);
    expect(admin.alerts.map((a: { id: string }) => a.id)).toEqual(first.alerts.map((a: { id: string }) => a.id));

    // the engine commits a newer state of the household
    const s = states.get(h.id)!;
    await store.households.put(h.id, { ...s, version: s.version + 5 });
    store.env.resetReadTxn();
    expect((await read(CW1)).version).toBe(s.version + 5);

    const audit = (await get(`/v1/audit?action=household.read&target=${h.id}&limit=50`, ADMIN)).json().items as { actor: string }[];
    expect(audit.map((e) => e.actor).sort()).toEqual(['admin-1', 'cw-1', 'cw-1', 'cw-1']);
    // outside the caller's townships: 403 and nothing of the household
    const foreign = households.find((x) => x.region.townshipId !== township)!;
    const refused = await get(`/v1/households/${foreign.id}`, CW1);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).not.toContain(foreign.persons[0]!.name);
    expect((await get('/v1/households/nobody', ADMIN)).statusCode).toBe(404);
  });

  it('serves the same views as rendering the stored records afresh, for every caller', async () => {
    frozen = Date.now() + 3 * DAY;
    try {
      const callers: [string, Principal][] = [
        [CW1, { keyId: 'cw-1', role: 'caseworker', townships: new Set([township]) }],
        [ADMIN, { keyId: 'admin-1', role: 'admin', townships: null }],
      ];
      // one claimed alert, so the lease differs between callers
      await post(`/v1/townships/${township}/alerts/claim`, CW1, { requestId: 'fresh-claim', max: 1, leaseSec: 600 });
      store.env.resetReadTxn();
      const stored = listAlerts(store, township, { limit: 500 }).items;
      for (const [token, p] of callers) {
        const items = (await get(`/v1/townships/${township}/alerts?limit=500`, token)).json().items;
        const expected = stored.map((a) => alertView(a, p, frozen!, store.households.get(a.householdId)!.household.persons));
        expect(items).toEqual(JSON.parse(JSON.stringify(expected)));
        for (const h of home) {
          const got = (await get(`/v1/households/${h.id}`, token)).json();
          const byHousehold = [...store.alertsByHousehold.getKeys({ start: [h.id], end: [h.id, Infinity] })].map((k) => store.alerts.get(k[2])!);
          const want = portraitView(store.households.get(h.id)!, byHousehold, p, privacyViewOf(p.role)!, frozen!, env.config.model);
          expect(got).toEqual(JSON.parse(JSON.stringify(want)));
        }
      }
    } finally {
      frozen = null;
    }
  });

  it('answers scrapes that arrive together with one exposition each', async () => {
    const all = await Promise.all(Array.from({ length: 5 }, () => app.inject({ method: 'GET', url: '/metrics' })));
    for (const r of all) {
      expect(r.statusCode).toBe(200);
      expect(r.body).toContain('lifeline_alert_queue_depth');
    }
  });
});
