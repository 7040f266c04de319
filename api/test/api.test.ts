/**
 * The API through HTTP (Fastify inject) against the real pipeline: NATS JetStream, the engine's
 * worker pool, LMDB. A small city is loaded, updates are pushed over HTTP, and the alerts they
 * raise are worked through their life cycle.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { stopParts } from '../../test/support/stack.js';
import { smallCity } from '../../workers/test/support.js';
import { initialLoad } from '../../workers/initial-load.js';
import { startEngine, type Engine } from '../../workers/engine.js';
import { openStore, getHousehold, type Store } from '../../workers/store/index.js';
import { openPublisher, type Publisher } from '../../connectors/publisher/index.js';
import { layoutByName } from '../../connectors/city/regions.js';
import type { Household } from '../../engine/types.js';
import { buildApp, type LifelineApp } from '../app.js';
import { hashToken, issueKey, LmdbKeyStore } from '../auth/index.js';

const tok = (c: string) => 'lifeline_' + c.repeat(32);
const ADMIN = tok('a');
const INTEGRATION = tok('i');
const ANALYST = tok('n');

describe('HTTP API over the real pipeline', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let store: Store;
  let engine: Engine;
  let publisher: Publisher;
  let app: LifelineApp;
  let households: Household[];
  let home: Household[];
  let skew = 0;
  let caseworker: string;
  let otherCaseworker: string;
  let township: string;
  let otherTownship: string;
  const registry = new Registry();

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const post = (url: string, token: string, body: unknown) => app.inject({ method: 'POST', url, headers: auth(token), payload: body as object });
  const get = (url: string, token: string) => app.inject({ method: 'GET', url, headers: auth(token) });

  beforeAll(async () => {
    env = testEnv({
      'api.kAnonymity': 5,
      'api.keys': [
        { id: 'admin-1', sha256: hashToken(ADMIN), role: 'admin', townships: [] },
        { id: 'intake-1', sha256: hashToken(INTEGRATION), role: 'integration', townships: [] },
        { id: 'analyst-1', sha256: hashToken(ANALYST), role: 'analyst', townships: [] },
      ],
    });
    nc = await testConnection();
    households = smallCity(env.config, 80, 7).households;
    await initialLoad(env.config, { threads: 1 });
    store = openStore({ path: env.config.lmdb.path });
    engine = await startEngine(env.config, { registry, store });
    ({ publisher } = await openPublisher(nc, env.config));
    const keyStore = new LmdbKeyStore(store.env);
    // the township with the most households, so two of its households can raise alerts
    const byTownship = new Map<string, Household[]>();
    for (const h of households) byTownship.set(h.region.townshipId, [...(byTownship.get(h.region.townshipId) ?? []), h]);
    home = [...byTownship.values()].sort((a, b) => b.length - a.length)[0]!;
    township = home[0]!.region.townshipId;
    otherTownship = households.find((h) => h.region.townshipId !== township)!.region.townshipId;
    caseworker = (await issueKey('caseworker', [township], { store: keyStore, id: 'cw-1' })).token;
    otherCaseworker = (await issueKey('caseworker', [otherTownship], { store: keyStore, id: 'cw-2' })).token;
    app = await buildApp(env.config, { store, publisher, engine, nats: nc, registry, keyStore, layout: layoutByName('hangzhou'), now: () => Date.now() + skew, sweeper: false, dashboard: false });
  }, 120_000);

  // every part closed even when one fails, then the leak check
  afterAll(() => stopParts({ app, publisher, engine, store, nc, env }));

  const diseaseUpdate = (h: Household, id: string) => ({
    id,
    source: 'health',
    kind: 'major_disease_diagnosed',
    householdId: h.id,
    personId: h.persons[0]!.id,
    occurredAt: Date.now(),
    payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
  });

  async function waitFor<T>(f: () => Promise<T | null>, ms = 30_000): Promise<T> {
    const until = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v !== null) return v;
      if (Date.now() > until) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers 401 without a key and the one error shape for unknown routes', async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/townships/${township}/alerts` });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ error: { code: 'LIFELINE_ERR_API_UNAUTHENTICATED', field: 'authorization' } });
    const nf = await get('/v1/nowhere', ADMIN);
    expect(nf.statusCode).toBe(404);
    expect(nf.json().error.code).toBe('LIFELINE_ERR_API_NOT_FOUND');
  });

  it('malformed JSON and unknown fields are 400s naming the problem', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/updates', headers: { ...auth(INTEGRATION), 'content-type': 'application/json' }, payload: '{"id": "x",, }' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_MALFORMED_JSON', field: 'body' });
    expect(bad.json().error.message).toMatch(/JSON/);
    const unknown = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: 'r-unknown', max: 1, colour: 'red' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_VALIDATION', field: 'colour' });
    const wrongType = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: 'r-type', max: 'many' });
    expect(wrongType.json().error.field).toBe('max');
    const badQuery = await get(`/v1/townships/${township}/alerts?level=severe`, caseworker);
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error.field).toBe('level');
  });

  it('a batch with bad items accepts the good ones, each item with its own result; repeats are duplicates', async () => {
    const h = home[2] ?? households.find((x) => !home.includes(x))!;
    const good = diseaseUpdate(h, 'batch-good-1');
    const badKind = { ...diseaseUpdate(h, 'batch-bad-1'), kind: 'alien_landing' };
    const badPayload = { ...diseaseUpdate(h, 'batch-bad-2'), payload: { disease: 'x', icd10: 'C34.9' } };
    const r = await post('/v1/updates', INTEGRATION, [good, badKind, badPayload]);
    expect(r.statusCode).toBe(202);
    const body = r.json();
    expect(body).toMatchObject({ pending: 1, rejected: 2 });
    expect(body.results[0]).toMatchObject({ index: 0, id: 'batch-good-1', status: 'pending' });
    expect(body.results[1]).toMatchObject({ index: 1, status: 'rejected', field: 'kind' });
    expect(body.results[2]).toMatchObject({ index: 2, status: 'rejected', field: 'payload.diagnosedAt' });
    const again = await post('/v1/updates', INTEGRATION, good);
    expect(again.json().results[0].status).toBe('duplicate');
    // one update alone that is invalid: a 4xx naming the field and the reason, not a 202 saying "rejected"
    const single = await post('/v1/updates', INTEGRATION, badPayload);
    expect(single.statusCode).toBe(400);
    expect(single.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_VALIDATION', field: 'payload.diagnosedAt' });
    const nowhere = await post('/v1/updates', INTEGRATION, { ...diseaseUpdate(h, 'single-nowhere'), householdId: 'no-such-household' });
    expect(nowhere.statusCode).toBe(404);
    expect(nowhere.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_NOT_FOUND', field: 'householdId' });
    // the same JSON sent as text/plain is not taken for an update
    const plain = await app.inject({ method: 'POST', url: '/v1/updates', headers: { ...auth(INTEGRATION), 'content-type': 'text/plain' }, payload: JSON.stringify(diseaseUpdate(h, 'as-text')) });
    expect(plain.statusCode).toBe(415);
    expect(plain.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_UNSUPPORTED_MEDIA_TYPE', field: 'content-type' });
    // only integration and admin may push
    expect((await post('/v1/updates', caseworker, good)).statusCode).toBe(403);
    // too many items
    const big = Array.from({ length: env.config.api.batchMax + 1 }, (_, i) => diseaseUpdate(h, `big-${i}`));
    const tooBig = await post('/v1/updates', INTEGRATION, big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error.code).toBe('LIFELINE_ERR_API_BATCH_TOO_LARGE');
  });

  it('an update pushed over HTTP becomes an alert in its township queue, and is claimed, verified, disposed and closed with audit entries', async () => {
    const h = home[0]!;
    const pushed = await post('/v1/updates', INTEGRATION, diseaseUpdate(h, 'flow-1'));
    expect(pushed.json().results[0].status).toBe('pending');

    const alert = await waitFor(async () => {
      const r = await get(`/v1/townships/${township}/alerts?type=major_disease`, caseworker);
      expect(r.statusCode).toBe(200);
      return (r.json().items as { householdId: string; id: string }[]).find((a) => a.householdId === h.id) ?? null;
    });
    // the engine has applied it: sent again, it is answered as applied, not published twice
    const resent = await post('/v1/updates', INTEGRATION, [diseaseUpdate(h, 'flow-1')]);
    expect(resent.json()).toMatchObject({ applied: 1, pending: 0, results: [{ status: 'applied' }] });
    const other = await get(`/v1/alerts/${encodeURIComponent(alert.id)}`, otherCaseworker);
    expect(other.statusCode).toBe(403);
    expect(other.body).not.toContain(h.id);

    // claim this alert: the queue may hold others, so claim until ours comes
    let token: string | null = null;
    for (let i = 0; i < 50 && token === null; i++) {
      const c = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: `claim-${i}`, max: 5, leaseSec: 600 });
      expect(c.statusCode).toBe(200);
      const mine = (c.json().claimed as { id: string; lease: { token?: string; holder: string } }[]).find((a) => a.id === alert.id);
      if (mine) {
        expect(mine.lease.holder).toBe('cw-1');
        token = mine.lease.token!;
        // the same request id again gives the same alerts, not new ones
        const again = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: `claim-${i}`, max: 5, leaseSec: 600 });
        expect((again.json().claimed as { id: string }[]).map((a) => a.id)).toContain(alert.id);
      }
      if (c.json().claimed.length === 0) break;
    }
    expect(token).not.toBeNull();
    const id = encodeURIComponent(alert.id);
    const seenByAdmin = await get(`/v1/alerts/${id}`, ADMIN);
    expect(seenByAdmin.json().lease.token).toBeUndefined();

    const v = await post(`/v1/alerts/${id}/verify`, caseworker, { requestId: 'v-1', leaseToken: token, outcome: 'confirmed', note: 'home visit' });
    expect(v.statusCode).toBe(200);
    expect(v.json().alert.status).toBe('verified');
    const vAgain = await post(`/v1/alerts/${id}/verify`, caseworker, { requestId: 'v-1', leaseToken: token, outcome: 'confirmed', note: 'home visit' });
    expect(vAgain.json()).toMatchObject({ replayed: true, alert: { status: 'verified' } });
    const badRef = await post(`/v1/alerts/${id}/dispose`, caseworker, { requestId: 'd-0', leaseToken: token, referrals: [{ kind: 'policy', code: 'moon_base' }] });
    expect(badRef.statusCode).toBe(400);
    expect(badRef.json().error.field).toBe('referrals.0.code');
    const d = await post(`/v1/alerts/${id}/dispose`, caseworker, { requestId: 'd-1', leaseToken: token, referrals: [{ kind: 'policy', code: 'medical_assistance' }, { kind: 'service', code: 'home_care' }], note: '' });
    expect(d.statusCode).toBe(200);
    const c = await post(`/v1/alerts/${id}/close`, caseworker, { requestId: 'c-1', leaseToken: token });
    expect(c.statusCode).toBe(200);
    expect(c.json().alert.status).toBe('closed');
    expect(c.json().alert.history.map((e: { to: string }) => e.to)).toEqual(['open', 'claimed', 'verified', 'disposed', 'closed']);

    // the engine commits each transition with its audit row and publishes the row to the audit stream right after
    type Row = { action: string; actor: string; role: string | null; before: { status: string }; after: { status: string } };
    const rows = await waitFor(async () => {
      const audit = await get(`/v1/audit?target=${id}&limit=50`, ADMIN);
      expect(audit.statusCode).toBe(200);
      const items = audit.json().items as Row[];
      return items.length >= 4 ? items : null;
    });
    expect(rows.map((e) => e.action)).toEqual(['alert.claim', 'alert.verify', 'alert.dispose', 'alert.close']);
    expect(rows[3]).toMatchObject({ actor: 'cw-1', role: 'caseworker', before: { status: 'disposed' }, after: { status: 'closed' } });
    expect((await get('/v1/audit', caseworker)).statusCode).toBe(403);
  }, 60_000);

  it('a lease that expires returns the alert to the queue; the stale token then gets 409', async () => {
    const h = home[1]!;
    await post('/v1/updates', INTEGRATION, diseaseUpdate(h, 'lease-1'));
    const alertId = await waitFor(async () => {
      const a = (await get(`/v1/households/${h.id}`, caseworker)).json().alerts as { id: string; type: string; status: string }[];
      return a.find((x) => x.type === 'major_disease' && x.status === 'open')?.id ?? null;
    });
    let token: string | undefined;
    for (let i = 0; i < 50 && !token; i++) {
      const c = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: `lease-claim-${i}`, max: 5, leaseSec: 60 });
      token = (c.json().claimed as { id: string; lease: { token: string } }[]).find((a) => a.id === alertId)?.lease.token;
      if (c.json().claimed.length === 0) break;
    }
    expect(token).toBeDefined();
    skew += 61_000;
    expect(await app.lifeline.alerts.sweep()).toBeGreaterThan(0);
    const back = await get(`/v1/alerts/${encodeURIComponent(alertId)}`, caseworker);
    expect(back.json()).toMatchObject({ status: 'open', lease: null });
    expect(back.json().history.at(-1)).toMatchObject({ from: 'claimed', to: 'open', by: 'system' });
    const stale = await post(`/v1/alerts/${encodeURIComponent(alertId)}/verify`, caseworker, { requestId: 'late-1', leaseToken: token, outcome: 'confirmed' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.field).toBe('leaseToken');
    // someone else claims it now; the old token is foreign to the new lease
    const c2 = await post(`/v1/townships/${township}/alerts/claim`, caseworker, { requestId: 'lease-reclaim', max: 50, leaseSec: 60 });
    expect((c2.json().claimed as { id: string }[]).map((a) => a.id)).toContain(alertId);
    const foreign = await post(`/v1/alerts/${encodeURIComponent(alertId)}/release`, caseworker, { requestId: 'late-2', leaseToken: token });
    expect(foreign.statusCode).toBe(409);
    expect(foreign.json().error.code).toBe('LIFELINE_ERR_ALERT_LEASE_CONFLICT');
  }, 60_000);

  it('streams new and changed alerts of a township as server-sent events, over a real port', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const h = home[0]!;
    const received = new Promise<string>((resolve, reject) => {
      const req = http.get(`${address}/v1/townships/${township}/alerts/stream`, { headers: auth(caseworker) }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toContain('text/event-stream');
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          const ev = buf.split('\n\n').find((e) => e.includes('event: alert') && e.includes(h.id));
          if (ev) {
            req.destroy();
            resolve(ev);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e)));
      setTimeout(() => reject(new Error('no alert event within 30 s')), 30_000).unref();
    });
    await new Promise((r) => setTimeout(r, 200));
    const fresh = { ...diseaseUpdate(h, 'sse-1'), payload: { disease: '胃恶性肿瘤', icd10: 'C16.9', diagnosedAt: '2026-08-02' } };
    expect((await post('/v1/updates', INTEGRATION, fresh)).json().results[0].status).toBe('pending');
    const ev = await received;
    const data = JSON.parse(ev.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    // the household's major-disease case may still be held from the lease test: the new trigger joins it
    expect(data).toMatchObject({ householdId: h.id, type: 'major_disease' });
    expect(['open', 'claimed']).toContain(data.status);
    expect(JSON.stringify(data)).not.toContain(h.persons[0]!.idNumber);
    // another township's caseworker is refused the stream
    const refused = await app.inject({ method: 'GET', url: `/v1/townships/${township}/alerts/stream`, headers: auth(otherCaseworker) });
    expect(refused.statusCode).toBe(403);
  }, 40_000);

  it('a caseworker cannot see another township: queue, portrait and map points are 403 with no data', async () => {
    const foreignHousehold = households.find((h) => h.region.townshipId === otherTownship)!;
    for (const r of [
      await get(`/v1/townships/${otherTownship}/alerts`, caseworker),
      await get(`/v1/households/${foreignHousehold.id}`, caseworker),
      await get(`/v1/map/households?township=${otherTownship}`, caseworker),
      await post(`/v1/townships/${otherTownship}/alerts/claim`, caseworker, { requestId: 'x' }),
    ]) {
      expect(r.statusCode).toBe(403);
      expect(Object.keys(r.json())).toEqual(['error']);
      expect(r.body).not.toContain(foreignHousehold.id);
      expect(r.body).not.toContain(foreignHousehold.persons[0]!.name);
    }
  });

  it('the portrait: caseworkers see names, ID numbers masked; admins see masked names; every read is audited', async () => {
    const h = home[0]!;
    const p = h.persons[0]!;
    const r = await get(`/v1/households/${h.id}`, caseworker);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.dimensions).toHaveLength(7);
    expect(Object.keys(body.causes)).toHaveLength(9);
    expect([1, 2, 3]).toContain(body.tier);
    expect(body.household.persons[0].name).toBe(p.name);
    expect(body.household.persons[0].idNumber).toBe(p.idNumber.slice(0, 6) + '********' + p.idNumber.slice(14));
    expect(r.body).not.toContain(p.idNumber);
    expect(body.recentUpdates.length).toBeGreaterThan(0);
    const a = await get(`/v1/households/${h.id}`, ADMIN);
    expect(a.body).not.toContain(p.idNumber);
    for (const person of h.persons) if ([...person.name].length > 1) expect(a.body).not.toContain(person.name);
    const audit = await get(`/v1/audit?action=household.read&target=${h.id}`, ADMIN);
    expect((audit.json().items as { actor: string }[]).map((e) => e.actor)).toEqual(expect.arrayContaining(['cw-1', 'admin-1']));
  });

  it('an analyst gets aggregates only: never a name, an ID number or a household id', async () => {
    const bodies: string[] = [];
    for (const url of ['/v1/stats', '/v1/stats/summary?period=month', '/v1/stats/summary?period=quarter', '/v1/map/townships', '/v1/map/communities', '/v1/feeds']) {
      const r = await get(url, ANALYST);
      expect(r.statusCode, url).toBe(200);
      bodies.push(r.body);
    }
    for (const url of [`/v1/households/${households[0]!.id}`, `/v1/townships/${township}/alerts`, `/v1/map/households?township=${township}`, '/v1/audit']) {
      expect((await get(url, ANALYST)).statusCode, url).toBe(403);
    }
    const all = bodies.join('\n');
    for (const h of households) {
      expect(all).not.toContain(h.id);
      for (const p of h.persons) {
        expect(all).not.toContain(p.idNumber);
        if ([...p.name].length > 1) expect(all).not.toContain(p.name);
      }
    }
    // k-anonymity: with 80 households spread over communities, small cells are suppressed for analysts (an empty one shows 0: it holds nobody)
    const communities = JSON.parse(bodies[4]!);
    const shown = communities.features.filter((f: { properties: { suppressed: boolean } }) => !f.properties.suppressed);
    for (const f of shown) expect(f.properties.households === 0 || f.properties.households >= 5, String(f.properties.households)).toBe(true);
    const stats = JSON.parse(bodies[0]!);
    expect(stats.tiers.households).toBe(80);
  });

  it('stats count alerts by level, status and township, and overdue ones', async () => {
    const r = await get('/v1/stats', ADMIN);
    const s = r.json();
    expect(s.alerts.byTownship[township]).toBeDefined();
    expect(s.alerts.byStatus.closed.urgent + s.alerts.byStatus.closed.general).toBeGreaterThanOrEqual(1);
    const cw = (await get('/v1/stats', caseworker)).json();
    expect(Object.keys(cw.alerts.byTownship)).toEqual([township]);
    // jump past every verification deadline: the open alerts become overdue
    const before = (await get(`/v1/townships/${township}/alerts?overdue=true`, caseworker)).json();
    expect(before.items).toEqual([]);
    skew += 30 * 86_400_000;
    try {
      const later = (await get('/v1/stats', ADMIN)).json();
      expect(later.alerts.overdue).toBeGreaterThan(0);
      const q = (await get(`/v1/townships/${township}/alerts?overdue=true`, caseworker)).json();
      expect(q.items.length).toBeGreaterThan(0);
      expect(q.items.every((a: { overdue: boolean }) => a.overdue)).toBe(true);
      expect(q.overdue).toBe(q.items.length);
    } finally {
      skew -= 30 * 86_400_000;
    }
  });

  it('serves Prometheus metrics with route templates, readiness and the OpenAPI document', async () => {
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain('lifeline_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/v1/townships/:id/alerts"');
    expect(m.body).toContain('process_cpu_user_seconds_total');
    expect(m.body).toContain('nodejs_eventloop_lag_seconds');
    expect(m.body).toMatch(/lifeline_feed_stale\{source="health"\} 0/);
    expect(m.body).not.toContain(households[0]!.id);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', failing: [] });
    const doc = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/updates', '/v1/townships/{id}/alerts', '/v1/alerts/{id}/verify', '/v1/households/{id}']));
  });
});
