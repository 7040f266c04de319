import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAlert } from '../../engine/alerts/records.js';
import type { AlertTrigger } from '../../engine/alerts/types.js';
import { DEFAULT_MODEL } from '../../engine/model.js';
import { initialState } from '../../engine/process.js';
import { makeHousehold, makePerson } from '../../engine/test/fixtures.js';
import { AlertNotFoundError, BadCursorError } from '../errors.js';
import { alertsByHousehold, counts, getAlert, listAlerts, openStore, writeAlertInTxn, type Store } from '../store/index.js';
import type { Alert } from '../../engine/alerts/types.js';

const DAY = 86_400_000;

function trigger(type: AlertTrigger['type'], level: AlertTrigger['level'], at: number): AlertTrigger {
  return { type, level, severe: level === 'urgent', reason: 'test', updateId: `u-${at}`, kind: 'major_disease_diagnosed', source: 'health', personId: null, at };
}

describe('LMDB store: alert indexes', () => {
  let dir: string;
  let store: Store;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-store-'));
    store = openStore({ path: dir });
    // 30 households in township T1, 5 in T2: alerts of mixed levels and due times
    store.env.transactionSync(() => {
      for (let i = 0; i < 35; i++) {
        const h = makeHousehold({ id: `h${i}`, persons: [makePerson({ id: `p${i}` })] });
        h.region = { ...h.region, townshipId: i < 30 ? 'T1' : 'T2' };
        const state = { ...initialState(h, DEFAULT_MODEL), version: 1 };
        const level = i % 3 === 0 ? 'urgent' : 'general';
        writeAlertInTxn(store, null, openAlert(trigger('major_disease', level, 1000 + i * 1000), state, DEFAULT_MODEL, 1000 + (35 - i) * 1000));
      }
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages one township queue urgent first, then by due time, without repeats or gaps', () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = listAlerts(store, 'T1', { limit: 7 }, cursor);
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(30);
    const alerts = seen.map((id) => getAlert(store, id)!);
    const firstGeneral = alerts.findIndex((a) => a.level === 'general');
    expect(alerts.slice(0, firstGeneral).every((a) => a.level === 'urgent')).toBe(true);
    expect(alerts.slice(firstGeneral).every((a) => a.level === 'general')).toBe(true);
    for (let i = 1; i < alerts.length; i++) if (alerts[i]!.level === alerts[i - 1]!.level) expect(alerts[i]!.dueAt).toBeGreaterThanOrEqual(alerts[i - 1]!.dueAt);
    expect(() => listAlerts(store, 'T1', {}, 'garbage')).toThrow(BadCursorError);
  });

  it('moves an alert between queues and counts in one transaction; a refused rewrite writes nothing', () => {
    // how the engine worker rewrites an alert: the record, its queue keys and counters in one transaction
    const rewrite = (id: string, fn: (a: Alert) => Alert): Alert =>
      store.env.transactionSync(() => {
        const before = store.alerts.get(id);
        if (!before) throw new AlertNotFoundError(id);
        const after = fn(before);
        writeAlertInTxn(store, before, after);
        return after;
      });
    const before = counts(store, { township: 'T2', now: 0 });
    expect(before.byStatus.open.urgent + before.byStatus.open.general).toBe(5);
    const id = listAlerts(store, 'T2', { status: 'open' }).items[0]!.id;
    const claimed = rewrite(id, (a) => ({ ...a, status: 'claimed', lease: { token: 't', holder: 'w1', expiresAt: 5 }, history: [...a.history, { from: 'open', to: 'claimed', by: 'w1', at: 2, requestId: 'r1' }] }));
    expect(claimed.status).toBe('claimed');
    expect(listAlerts(store, 'T2', { status: 'open' }).items.map((a) => a.id)).not.toContain(id);
    expect(listAlerts(store, 'T2', { status: 'claimed' }).items.map((a) => a.id)).toEqual([id]);
    const after = counts(store, { township: 'T2', now: Number.MAX_SAFE_INTEGER });
    expect(after.byStatus.claimed.urgent + after.byStatus.claimed.general).toBe(1);
    expect(after.overdue).toBe(5);

    expect(() =>
      rewrite(id, () => {
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(getAlert(store, id)!.status).toBe('claimed');
    expect(() => rewrite('nope', (a) => a)).toThrow(AlertNotFoundError);

    // closing frees the household's open-alert slot
    rewrite(id, (a) => ({ ...a, status: 'closed', closedAt: 3 }));
    const hid = getAlert(store, id)!.householdId;
    expect([...store.openAlerts.getRange({ start: [hid], end: [hid, '\uffff'] })].filter((e) => e.value === id)).toEqual([]);
    expect(alertsByHousehold(store, hid).map((a) => a.id)).toEqual([id]);
  });
});
