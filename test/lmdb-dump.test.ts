import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../workers/store/index.js';
import { diffDumps, dumpStore } from './support/lmdb-dump.js';

const opened: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const paths = new Map<Store, string>();
function fresh(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-dump-'));
  dirs.push(dir);
  const s = openStore({ path: join(dir, 'lmdb'), noSync: true, mapSizeGiB: 0.25 });
  opened.push(s);
  paths.set(s, join(dir, 'lmdb'));
  return s;
}
const pathOf = (s: Store) => paths.get(s)!;

const state = (id: string, version: number) => ({ household: { id, persons: [] }, version, detail: { b: 1, a: [1, 2] } }) as never;

describe('dumpStore / diffDumps', () => {
  it('covers every named database and ignores write order', async () => {
    const a = fresh();
    const b = fresh();
    await a.households.put('h1', state('h1', 1));
    await a.households.put('h2', state('h2', 2));
    await a.alertQueue.put(['t1', 2, 100, 'a1'] as never, null);
    await a.checkpoints.put(0, 17);
    // same records, other order
    await b.checkpoints.put(0, 17);
    await b.alertQueue.put(['t1', 2, 100, 'a1'] as never, null);
    await b.households.put('h2', state('h2', 2));
    await b.households.put('h1', state('h1', 1));
    const da = dumpStore(pathOf(a));
    const db = dumpStore(pathOf(b));
    for (const name of ['households', 'alerts', 'alert_queue', 'alerts_by_household', 'open_alerts', 'alert_counts', 'checkpoints', 'dead_letters']) expect(da.has(name), name).toBe(true);
    expect(da.get('households')!.entries).toHaveLength(2);
    expect(diffDumps(da, db)).toEqual([]);
    // the store stays usable after a dump of its path
    await a.checkpoints.put(1, 5);
    expect(a.checkpoints.get(1)).toBe(5);
  });

  it('names the database, the key and both values of a difference, index databases included', async () => {
    const a = fresh();
    const b = fresh();
    await a.checkpoints.put(0, 17);
    await b.checkpoints.put(0, 18);
    await a.openAlerts.put(['t1', 'a1'] as never, 'h1');
    const diff = diffDumps(dumpStore(pathOf(a)), dumpStore(pathOf(b))).join('\n');
    expect(diff).toMatch(/checkpoints: 0 only in a, 0 only in b, 1 differ/);
    expect(diff).toMatch(/a = 17\n\s+b = 18/);
    expect(diff).toMatch(/open_alerts \["t1","a1"\]: only in a = "h1"/);
    expect(diffDumps(dumpStore(pathOf(a), { exclude: ['checkpoints', 'open_alerts'] }), dumpStore(pathOf(b), { exclude: ['checkpoints', 'open_alerts'] }))).toEqual([]);
  });
});
