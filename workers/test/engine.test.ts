import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { initialState, processValidated } from '../../engine/process.js';
import type { HouseholdState, Update } from '../../engine/types.js';
import { startEngine, type Engine } from '../engine.js';
import { initialLoad } from '../initial-load.js';
import { simHousehold, simulateUpdates } from '../sim/updates.js';
import { alertsByHousehold, counts, getHousehold, listAlerts, openStore, type Store } from '../store/index.js';
import { dump, publishAll, smallCity, waitForCheckpoints } from './support.js';
import { Registry } from 'prom-client';

describe('engine end to end: stream → workers → LMDB', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let engine: Engine | undefined;
  let store: Store;
  const registry = new Registry();
  const alertEvents: string[] = [];

  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    await engine?.stop();
    await store?.close();
    await nc?.close();
    await env.cleanup();
  });

  it('applies a few hundred updates: states equal the pure engine run, one open alert per household and type', async () => {
    const { households } = smallCity(env.config, 150);
    const loaded = await initialLoad(env.config, { threads: 1 });
    expect(loaded.households).toBe(150);

    const updates = [...simulateUpdates(households.map(simHousehold), 600, { alertEvery: 20, idPrefix: 'e2e' })];
    const last = await publishAll(nc, env.config, updates);

    store = openStore({ path: env.config.lmdb.path });
    engine = await startEngine(env.config, { registry, store });
    engine.onAlert((events) => alertEvents.push(...events.map((e) => e.id)));
    // a commit is visible in LMDB before its result (and its alert events) reaches this thread
    const reported = new Map<number, number>();
    engine.onBatch((r) => reported.set(r.partition, Math.max(reported.get(r.partition) ?? 0, r.checkpoint)));
    await waitForCheckpoints(store, last);
    await until(() => [...last].every(([p, seq]) => (reported.get(p) ?? 0) >= seq), 'every batch result reported');

    // the reference: the pure engine applied in publish order
    const ref = new Map<string, HouseholdState>(households.map((h) => [h.id, initialState(h, env.config.model)]));
    let applied = 0;
    for (const u of updates as Update[]) {
      const r = processValidated(ref.get(u.householdId)!, u, env.config.model, { receivedAt: 0 });
      if (r.ok) {
        ref.set(u.householdId, r.state);
        applied++;
      }
    }
    expect(applied).toBeGreaterThan(500);
    const stored = dump(store).households;
    expect(stored.size).toBe(150);
    for (const [id, state] of ref) {
      if (!stored.get(id)?.equals(pack(state))) expect(unpack(stored.get(id)!)).toEqual(state);
      expect(stored.get(id)?.equals(pack(state)), `household ${id}`).toBe(true);
    }

    // alerts: one open per household and type; the API's listings see them
    const all = [...dump(store).alerts.keys()];
    expect(all.length).toBeGreaterThan(0);
    const perType = new Map<string, number>();
    for (const h of households) {
      for (const a of alertsByHousehold(store, h.id)) {
        if (a.status !== 'closed') perType.set(`${h.id}/${a.type}`, (perType.get(`${h.id}/${a.type}`) ?? 0) + 1);
      }
    }
    expect(Math.max(...perType.values())).toBe(1);
    expect(new Set(alertEvents)).toEqual(new Set(all));
    const township = getHousehold(store, households[0]!.id)!.household.region.townshipId;
    const page = listAlerts(store, township, { limit: 500 });
    for (let i = 1; i < page.items.length; i++) {
      const a = page.items[i - 1]!;
      const b = page.items[i]!;
      // urgent before general, then by due time
      expect(a.level === 'urgent' && b.level === 'general' ? -1 : a.level === b.level ? a.dueAt - b.dueAt : 1).toBeLessThanOrEqual(0);
    }
    const c = counts(store, { now: Date.now() });
    expect(c.active).toBe(all.length);

    // every update ends processed, rejected or deduplicated (an id the household already had)
    const metrics = await registry.getMetricsAsJSON();
    const sumOf = (name: string) => metrics.find((m) => m.name === name)!.values.reduce((n, v) => n + v.value, 0);
    expect(sumOf('lifeline_updates_processed_total')).toBe(applied);
    expect(sumOf('lifeline_updates_processed_total') + sumOf('lifeline_updates_rejected_total') + sumOf('lifeline_updates_deduplicated_total')).toBe(600);
  });
});

async function until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
