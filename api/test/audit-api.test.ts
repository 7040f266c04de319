/**
 * The audit trail through the HTTP API, against the real NATS server: a scripted session of
 * portrait reads and key changes is read back in full through GET /v1/audit, page by page, each
 * row exactly once, and the filters narrow it; a read the audit stream cannot confirm is refused.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type StoredAuditRow } from '../../connectors/audit/index.js';
import { generateCity } from '../../connectors/city/generator.js';
import { initialState } from '../../engine/process.js';
import type { Household } from '../../engine/types.js';
import { openStore, type Store } from '../../workers/store/index.js';
import { buildApp, type LifelineApp } from '../app.js';
import { hashToken, issueKey, KvKeyStore, revokeKey } from '../auth/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';

const tok = (c: string) => 'lifeline_' + c.repeat(32);
const ADMIN = tok('a');
const CW1 = tok('b');

describe('GET /v1/audit over the audit stream', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let store: Store;
  let keyStore: KvKeyStore;
  let app: LifelineApp;
  let households: Household[];
  let home: Household[];
  let away: Household;
  const get = (url: string, token: string, a = app) => a.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    households = [...generateCity('small', 5, { limit: 60 })];
    const township = households[0]!.region.townshipId;
    home = households.filter((h) => h.region.townshipId === township);
    away = households.find((h) => h.region.townshipId !== township)!;
    env = testEnv({
      'api.keys': [
        { id: 'admin-1', sha256: hashToken(ADMIN), role: 'admin', townships: [] },
        { id: 'cw-1', sha256: hashToken(CW1), role: 'caseworker', townships: [township] },
      ],
    });
    nc = await testConnection();
    store = openStore({ path: env.config.lmdb.path });
    await store.env.transaction(() => {
      for (const h of households) store.households.putSync(h.id, initialState(h, env.config.model));
    });
    keyStore = await KvKeyStore.open(nc, { bucket: env.config.stream.keysBucket, replicas: 1 });
    app = await buildApp(env.config, { store, nats: nc, registry: new Registry(), keyStore, commands: null, dashboard: false, sweeper: false } as Parameters<typeof buildApp>[1]);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    keyStore?.close();
    await store?.close();
    await nc?.close();
    await env?.cleanup();
  });

  /** Follows nextCursor from the start to the end; every page but the last is full unless the scan budget ran out. */
  async function readAll(query: string, limit: number): Promise<{ rows: StoredAuditRow[]; pages: number }> {
    const rows: StoredAuditRow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/audit?limit=${limit}${query}${cursor === null ? '' : `&cursor=${cursor}`}`, ADMIN);
      expect(res.statusCode, `${query} ${cursor} ${res.body}`).toBe(200);
      const page = res.json() as { items: StoredAuditRow[]; nextCursor: string | null; scannedTo: number };
      expect(page.items.length).toBeLessThanOrEqual(limit);
      rows.push(...page.items);
      cursor = page.nextCursor;
      if (++pages > 100) throw new Error('cursor does not advance');
    } while (cursor !== null);
    return { rows, pages };
  }

  it('a scripted session of reads and key changes comes back in full, page by page, each row once; filters narrow it', async () => {
    const expected: [string, string, string][] = []; // action, actor, target — in the order they happened
    const read = async (token: string, actor: string, h: Household, status = 200) => {
      const res = await get(`/v1/households/${h.id}`, token);
      expect(res.statusCode, res.body).toBe(status);
      if (status === 200) expected.push(['household.read', actor, h.id]);
    };
    const system = { log: app.lifeline.audit!, actor: 'system', role: null };
    const issued = await issueKey('caseworker', [home[0]!.region.townshipId], { store: keyStore, audit: system });
    expected.push(['key.issue', 'system', issued.record.id]);
    await read(CW1, 'cw-1', home[0]!);
    await read(issued.token, issued.record.id, home[1]!);
    await read(ADMIN, 'admin-1', away);
    await read(CW1, 'cw-1', away, 403); // outside the caseworker's townships: refused, nothing read
    await read(CW1, 'cw-1', { ...home[0]!, id: 'no-such-household' }, 404);
    await read(CW1, 'cw-1', home[2]!);
    await read(issued.token, issued.record.id, home[2]!);
    expect(await revokeKey(keyStore, issued.record.id, Date.now(), system)).toBe(true);
    expected.push(['key.revoke', 'system', issued.record.id]);
    await read(issued.token, issued.record.id, home[1]!, 401);
    await read(ADMIN, 'admin-1', home[1]!);
    await read(CW1, 'cw-1', home[0]!);

    const all = await readAll('', 2);
    expect(all.rows.map((r) => [r.action, r.actor, r.target])).toEqual(expected);
    expect(all.pages).toBe(Math.ceil(expected.length / 2));
    expect(new Set(all.rows.map((r) => r.seq)).size).toBe(expected.length);
    const reads = all.rows.filter((r) => r.action === 'household.read');
    expect(reads.every((r) => typeof r.requestId === 'string' && r.township !== null && r.role !== null)).toBe(true);
    expect(all.rows.find((r) => r.actor === 'admin-1')).toMatchObject({ role: 'admin', details: { fullNames: false } });

    const want = (f: (e: [string, string, string]) => boolean) => expected.filter(f);
    const triples = (rows: StoredAuditRow[]) => rows.map((r) => [r.action, r.actor, r.target]);
    expect(triples((await readAll('&actor=cw-1', 1)).rows)).toEqual(want((e) => e[1] === 'cw-1'));
    expect(triples((await readAll(`&target=${home[2]!.id}`, 1)).rows)).toEqual(want((e) => e[2] === home[2]!.id));
    expect(triples((await readAll('&action=key.revoke', 5)).rows)).toEqual(want((e) => e[0] === 'key.revoke'));
    expect(triples((await readAll('&action=household.read&actor=admin-1', 1)).rows)).toEqual(want((e) => e[0] === 'household.read' && e[1] === 'admin-1'));
    const from = all.rows[3]!.at;
    const to = all.rows[7]!.at;
    const inTime = all.rows.filter((r) => r.at >= from && r.at < to);
    expect((await readAll(`&from=${from}&to=${to}`, 2)).rows).toEqual(inTime);
  });

  it('a bad cursor is a 400 naming cursor; only admins read the audit', async () => {
    for (const cursor of ['abc', '-1', '1.5']) {
      const res = await get(`/v1/audit?cursor=${cursor}`, ADMIN);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_VALIDATION', field: 'cursor' });
    }
    expect((await get('/v1/audit?action=Not%20An%20Action', ADMIN)).json().error).toMatchObject({ field: 'action' });
    expect((await get('/v1/audit', CW1)).statusCode).toBe(403);
  });

  it('a portrait read the audit stream cannot confirm is not served: 503 with retry advice', async () => {
    // an audit log on a stream that does not exist: every append fails as it would with NATS down
    const broken = new AuditLog(jetstream(nc), { stream: `${env.config.stream.auditName}_MISSING`, subjectPrefix: `${env.config.stream.subjectPrefix}.missing` }, { ackTimeoutMs: 500 });
    const other = await buildApp(env.config, { store, registry: new Registry(), audit: broken, persistFeeds: false, commands: null, dashboard: false, sweeper: false } as Parameters<typeof buildApp>[1]);
    try {
      const res = await get(`/v1/households/${home[0]!.id}`, CW1, other);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.json().error).toMatchObject({ code: 'LIFELINE_ERR_API_UNAVAILABLE', details: { retryAfterSec: 1 } });
      expect(res.body).not.toContain(home[0]!.persons[0]!.name);
      const none = await buildApp(env.config, { store, registry: new Registry(), audit: null, commands: null, dashboard: false, sweeper: false } as Parameters<typeof buildApp>[1]);
      try {
        expect((await get(`/v1/households/${home[0]!.id}`, CW1, none)).statusCode).toBe(503);
        expect((await get('/v1/audit', ADMIN, none)).statusCode).toBe(503);
      } finally {
        await none.close();
      }
    } finally {
      await other.close();
    }
  });
});
