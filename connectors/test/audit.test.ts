import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuditError, AuditLog, ensureAuditStream, openAuditLog, readAudit, type AuditQuery, type AuditRow, type StoredAuditRow } from '../audit/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';

let nc: NatsConnection;
let jsm: JetStreamManager;
const envs: TestEnv[] = [];
const env = (o: Record<string, unknown> = {}): TestEnv => {
  const e = testEnv(o);
  envs.push(e);
  return e;
};

beforeAll(async () => {
  nc = await testConnection();
  jsm = await jetstreamManager(nc);
});
afterEach(async () => {
  for (const e of envs.splice(0)) await e.cleanup();
});
afterAll(async () => {
  await nc.close();
});

const ACTORS = ['key_a', 'key_b', 'engine'];
const ACTIONS = ['household.read', 'alert.claim', 'key.issue', 'dead_letter.replay'];
/** A scripted session: row i is fixed by i alone, so every run writes the same rows. */
function row(i: number): AuditRow {
  return {
    at: 1_800_000_000_000 + i * 1000,
    actor: ACTORS[i % ACTORS.length]!,
    role: i % 3 === 2 ? null : 'caseworker',
    township: i % 2 ? 'T01' : null,
    action: ACTIONS[i % ACTIONS.length]!,
    target: `h${i % 5}`,
    requestId: `req-${i}`,
    before: null,
    after: i % 4 === 1 ? { status: 'claimed' } : null,
  };
}

/** Follows cursors to the end and returns every row seen, with the number of calls. */
async function readAll(log: AuditLog, q: Omit<AuditQuery, 'afterSeq'>, scanBudget?: number): Promise<{ rows: StoredAuditRow[]; calls: number; partial: number }> {
  const rows: StoredAuditRow[] = [];
  let afterSeq: number | undefined;
  let calls = 0;
  let partial = 0;
  for (;;) {
    const page = await log.read({ ...q, ...(afterSeq === undefined ? {} : { afterSeq }) }, scanBudget === undefined ? {} : { scanBudget });
    calls++;
    rows.push(...page.items);
    if (page.nextCursor === null) break;
    if (page.items.length < q.limit) partial++;
    expect(page.nextCursor).toBeGreaterThan(afterSeq ?? 0);
    afterSeq = page.nextCursor;
    if (calls > 1000) throw new Error('cursor does not advance');
  }
  return { rows, calls, partial };
}

describe('audit stream', () => {
  it('is append-only: the server refuses deleting a row and purging the stream; only the whole stream can be removed', async () => {
    const { config } = env();
    const info = await ensureAuditStream(jsm, config.stream);
    expect(info.config.deny_delete).toBe(true);
    expect(info.config.deny_purge).toBe(true);
    expect(info.config.max_age).toBe(0);
    expect(info.config.discard).toBe('new');
    expect(info.config.duplicate_window).toBe(2 * 3600 * 1e9);
    expect(info.config.subjects).toEqual([`${config.stream.subjectPrefix}.audit.>`]);
    const log = new AuditLog(jetstream(nc), { stream: config.stream.auditName, subjectPrefix: config.stream.subjectPrefix });
    await log.appendMany([0, 1, 2].map((i) => ({ row: row(i), msgId: `r${i}` })));

    await expect(jsm.streams.deleteMessage(config.stream.auditName, 2)).rejects.toThrow(/message delete not permitted/);
    await expect(jsm.streams.deleteMessage(config.stream.auditName, 2, false)).rejects.toThrow(/message delete not permitted/);
    await expect(jsm.streams.purge(config.stream.auditName)).rejects.toThrow(/purge not permitted/);
    await expect(jsm.streams.purge(config.stream.auditName, { filter: `${config.stream.subjectPrefix}.audit.alert_claim` })).rejects.toThrow(/purge not permitted/);
    const page = await log.read({ limit: 10 });
    expect(page.items.map((r) => r.requestId)).toEqual(['req-0', 'req-1', 'req-2']);

    // ensuring again changes nothing
    const again = await ensureAuditStream(jsm, config.stream);
    expect(again.created).toBe(info.created);
    expect(again.state.messages).toBe(3);
    // tests rely on this to clean up (nats-server 2.9.10)
    expect(await jsm.streams.delete(config.stream.auditName)).toBe(true);
  });

  it('append waits for the server: a repeated msgId is stored once; a malformed row is refused before sending', async () => {
    const { config } = env();
    const log = await openAuditLog(nc, config);
    const first = await log.append(row(0), 'read:req-0');
    const repeat = await log.append({ ...row(0), at: row(0).at + 5 }, 'read:req-0');
    expect(first.duplicate).toBe(false);
    expect(repeat).toEqual({ seq: first.seq, duplicate: true });
    const bad = await log.append({ ...row(1), action: 'Household Read' }, 'x').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AuditError);
    expect((bad as AuditError).code).toBe('LIFELINE_ERR_AUDIT_ROW');
    expect((bad as AuditError).details).toEqual({ field: 'action' });
    expect((await jsm.streams.info(config.stream.auditName)).state.messages).toBe(1);
  });

  it('without the stream an append fails with a retriable coded error instead of hanging', async () => {
    const { config } = env();
    const log = new AuditLog(jetstream(nc), { stream: config.stream.auditName, subjectPrefix: config.stream.subjectPrefix }, { ackTimeoutMs: 500 });
    const err = await log.append(row(0), 'm0').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).code).toBe('LIFELINE_ERR_AUDIT_APPEND');
    expect((err as AuditError).retriable).toBe(true);
  });

  it('appendMany confirms every row in order; sending the list again stores nothing new', async () => {
    const { config } = env();
    const log = await openAuditLog(nc, config, { window: 8 });
    const rows = Array.from({ length: 50 }, (_, i) => ({ row: row(i), msgId: `alert:a${i}:1` }));
    const res = await log.appendMany(rows);
    expect(res).toHaveLength(50);
    expect(new Set(res.map((r) => r.seq)).size).toBe(50);
    expect(res.every((r) => !r.duplicate)).toBe(true);
    const again = await log.appendMany(rows);
    expect(again.map((r) => r.seq)).toEqual(res.map((r) => r.seq));
    expect(again.every((r) => r.duplicate)).toBe(true);
    const all = await readAll(log, { limit: 100 });
    expect(all.rows.map((r) => r.requestId)).toEqual(rows.map((r) => r.row.requestId));
  });

  it('pages by stream sequence, oldest first, every row exactly once; filters narrow; a scan budget answers with a cursor, never a silent stop', async () => {
    const { config } = env();
    const log = await openAuditLog(nc, config);
    const rows = Array.from({ length: 60 }, (_, i) => row(i));
    await log.appendMany(rows.map((r, i) => ({ row: r, msgId: `m${i}` })));

    const paged = await readAll(log, { limit: 7 });
    expect(paged.rows.map((r) => r.requestId)).toEqual(rows.map((r) => r.requestId));
    expect(paged.rows.map((r) => r.seq)).toEqual([...paged.rows.map((r) => r.seq)].sort((a, b) => a - b));
    expect(paged.calls).toBe(Math.ceil(60 / 7));

    const want = (f: (r: AuditRow) => boolean): (string | null)[] => rows.filter(f).map((r) => r.requestId);
    // actor key_b matches every third row: a budget of 4 rows per call leaves pages part-filled, with cursors
    const byActor = await readAll(log, { limit: 5, actor: 'key_b' }, 4);
    expect(byActor.rows.map((r) => r.requestId)).toEqual(want((r) => r.actor === 'key_b'));
    expect(byActor.partial).toBeGreaterThan(0);
    const budgetPage = await log.read({ limit: 50, actor: 'key_b' }, { scanBudget: 4 });
    expect(budgetPage.nextCursor).toBe(budgetPage.scannedTo);
    expect(budgetPage.scanned).toBe(4);

    expect((await readAll(log, { limit: 3, action: 'alert.claim' })).rows.map((r) => r.requestId)).toEqual(want((r) => r.action === 'alert.claim'));
    expect((await readAll(log, { limit: 4, target: 'h3', actor: 'key_a' })).rows.map((r) => r.requestId)).toEqual(want((r) => r.target === 'h3' && r.actor === 'key_a'));
    const from = rows[10]!.at;
    const to = rows[25]!.at;
    expect((await readAll(log, { limit: 4, from, to })).rows.map((r) => r.requestId)).toEqual(want((r) => r.at >= from && r.at < to));
    expect((await readAll(log, { limit: 4, action: 'key.issue', from })).rows.map((r) => r.requestId)).toEqual(want((r) => r.action === 'key.issue' && r.at >= from));

    const last = paged.rows[paged.rows.length - 1]!.seq;
    expect(await log.read({ limit: 5, afterSeq: last })).toEqual({ items: [], nextCursor: null, scannedTo: last, scanned: 0 });
    expect(await log.read({ limit: 5, afterSeq: last + 100 })).toMatchObject({ items: [], nextCursor: null });
    // an action nobody did: the end is known at once, no waiting on an empty fetch
    expect(await log.read({ limit: 5, action: 'alert.close' })).toMatchObject({ items: [], nextCursor: null, scannedTo: last });
    // rows appended after a read reached the end are found from its scannedTo
    const end = await log.read({ limit: 100, afterSeq: last - 1 });
    expect(end.nextCursor).toBeNull();
    await log.appendMany([60, 61, 62].map((i) => ({ row: row(i), msgId: `m${i}` })));
    expect((await log.read({ limit: 100, afterSeq: end.scannedTo })).items.map((r) => r.requestId)).toEqual(['req-60', 'req-61', 'req-62']);
    await expect(readAudit(jetstream(nc), { stream: config.stream.auditName, subjectPrefix: config.stream.subjectPrefix }, { limit: 5, afterSeq: -1 })).rejects.toMatchObject({
      code: 'LIFELINE_ERR_AUDIT_QUERY',
      details: { field: 'cursor' },
    });
  });
});
