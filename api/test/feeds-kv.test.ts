import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedTracker } from '../feeds.js';
import { FeedHealthStore } from '../feeds-store.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';

const opened: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});
async function setup(): Promise<{ env: TestEnv; nc: NatsConnection }> {
  const env = testEnv();
  opened.push(() => env.cleanup());
  const nc = await testConnection();
  opened.push(() => nc.close());
  return { env, nc };
}
/** A tracker on a hand-moved clock, persisted to the test's bucket (saves only when asked: everyMs 0). */
async function node(nc: NatsConnection, env: TestEnv, clock: { t: number }): Promise<{ tracker: FeedTracker; store: FeedHealthStore }> {
  const tracker = new FeedTracker(env.config.feeds.staleAfterSec, () => clock.t);
  const store = await FeedHealthStore.open(nc, tracker, { bucket: env.config.stream.feedsBucket, replicas: 1, everyMs: 0 });
  opened.push(() => store.close());
  return { tracker, store };
}
const T0 = Date.UTC(2026, 10, 3, 9, 0, 0);
const byDept = (t: FeedTracker) => Object.fromEntries(t.health().map((h) => [h.source, h]));

describe('feed health in JetStream KV', () => {
  it('survives a restart: a new tracker on the same bucket shows the earlier last-update times and totals', async () => {
    const { env, nc } = await setup();
    const clock = { t: T0 };
    const first = await node(nc, env, clock);
    first.tracker.observe('civil_affairs', 40, 4, T0 - 60_000);
    first.tracker.observe('health', 10, 0, T0 - 30_000);
    first.tracker.observe('civil_affairs', 5, 1, T0 - 20_000);
    expect(await first.store.save()).toBe(2); // only the departments that changed
    expect(await first.store.save()).toBe(0);
    await first.store.close();

    clock.t = T0 + 10_000;
    const second = await node(nc, env, clock);
    const h = byDept(second.tracker);
    expect(h['civil_affairs']).toMatchObject({ lastUpdateAt: T0 - 20_000, received: 45, rejected: 5, stale: false, rejectionRate: 5 / 45 });
    expect(h['health']).toMatchObject({ lastUpdateAt: T0 - 30_000, received: 10, rejected: 0 });
    expect(h['civil_affairs']!.ratePerSec).toBeGreaterThan(0); // the rate window came back too
    expect(h['public_security']).toMatchObject({ lastUpdateAt: null, received: 0 });

    // what the restarted node adds is saved on top, not instead
    second.tracker.observe('health', 3, 1, T0 + 5_000);
    await second.store.save();
    const third = await node(nc, env, clock);
    expect(byDept(third.tracker)['health']).toMatchObject({ lastUpdateAt: T0 + 5_000, received: 13, rejected: 1 });
  });

  it('two nodes sharing the bucket add up their counts instead of overwriting each other', async () => {
    const { env, nc } = await setup();
    const clock = { t: T0 };
    const a = await node(nc, env, clock);
    const b = await node(nc, env, clock);
    a.tracker.observe('education', 7, 1, T0 - 5_000);
    b.tracker.observe('education', 11, 2, T0 - 1_000);
    await a.store.save();
    await b.store.save();
    a.tracker.observe('education', 1, 0, T0);
    await a.store.save();
    const later = await node(nc, env, clock);
    expect(byDept(later.tracker)['education']).toMatchObject({ lastUpdateAt: T0, received: 19, rejected: 3 });
  });

  it('a stored row whose source is not in the catalogue is not restored (no made-up text becomes a source label)', async () => {
    const { env, nc } = await setup();
    const clock = { t: T0 };
    const first = await node(nc, env, clock);
    first.tracker.observe('health', 2, 0, T0 - 1_000);
    await first.store.save();
    await first.store.close();
    // written by hand or by an older version: a key a client could have chosen
    const kv = await new Kvm(nc).open(env.config.stream.feedsBucket);
    await kv.put('drop_tables', JSON.stringify({ lastAt: T0, total: 99, rejectedTotal: 0, buckets: [{ at: T0 - (T0 % 60_000), received: 99, rejected: 0 }] }));
    const second = await node(nc, env, clock);
    const sources = second.tracker.health().map((h) => h.source);
    expect(sources).not.toContain('drop_tables');
    expect(byDept(second.tracker)['health']).toMatchObject({ received: 2 });
  });
});
