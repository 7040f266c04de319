import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.js';
import { openPublisher, partitionOf, Publisher, type PublishOutcome } from '../publisher/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { makeUpdates, readStream } from './stream-helpers.js';

let nc: NatsConnection;
const envs: TestEnv[] = [];
const env = (o: Record<string, unknown> = {}): TestEnv => {
  const e = testEnv(o);
  envs.push(e);
  return e;
};
beforeAll(async () => {
  nc = await testConnection();
});
afterEach(async () => {
  for (const e of envs.splice(0)) await e.cleanup();
});
afterAll(async () => {
  await nc.close();
});

describe('Publisher', () => {
  it('stores each update once, as its JSON envelope, on its partition subject with Nats-Msg-Id <source>:<id>', async () => {
    const { config } = env({ 'stream.partitions': 4 });
    const { publisher } = await openPublisher(nc, config);
    const updates = makeUpdates(300);
    const results = await publisher.publishMany(updates);
    expect(results.map((r) => r.duplicate)).toEqual(updates.map(() => false));
    const stored = await readStream(nc, config.stream.name);
    expect(stored).toHaveLength(300);
    const byId = new Map(stored.map((m) => [m.msgId, m]));
    for (const u of updates) {
      const m = byId.get(`${u.source}:${u.id}`);
      expect(m, u.id).toBeDefined();
      expect(m!.subject).toBe(`${config.stream.subjectPrefix}.upd.${partitionOf(u.householdId, 4)}.${u.source}`);
      expect(m!.body).toEqual(u);
    }
  });

  it('stores the same record published twice only once and counts the repeat as a duplicate', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const [u] = makeUpdates(1);
    const first = await publisher.publish(u!);
    const again = await publisher.publish({ ...u! });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    expect((await readStream(nc, config.stream.name)).length).toBe(1);
    const s = publisher.stats();
    expect(s.published).toBe(1);
    expect(s.duplicates).toBe(1);
  });

  it('never has more than `window` messages awaiting acks; callers wait instead', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config, { window: 8 });
    let maxSeen = 0;
    const all: Promise<unknown>[] = [];
    for (const u of makeUpdates(200)) {
      all.push(publisher.publish(u));
      maxSeen = Math.max(maxSeen, publisher.stats().inFlight);
    }
    expect(maxSeen).toBe(8);
    await Promise.all(all);
    expect(publisher.stats().inFlight).toBe(0);
    expect(publisher.stats().published).toBe(200);
  });

  it('counts stored updates per department and kind and reports each outcome to onResult', async () => {
    const { config } = env();
    const outcomes: PublishOutcome[] = [];
    const { publisher } = await openPublisher(nc, config, { onResult: (o) => outcomes.push(o) });
    await publisher.publishMany(makeUpdates(8));
    expect(publisher.stats().byKind).toEqual({
      medical_insurance: { medical_claim: 2 },
      health: { major_disease_diagnosed: 2 },
      civil_affairs: { death_registered: 2 },
      education: { student_dropout: 2 },
    });
    expect(outcomes).toHaveLength(8);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('retries transient failures with backoff, then fails with a coded, retriable error', async () => {
    const { config } = env();
    // no stream listens on this prefix: the server answers 503 no responders every time
    const outcomes: PublishOutcome[] = [];
    const publisher = new Publisher(jetstream(nc), { subjectPrefix: `${config.stream.subjectPrefix}.nowhere`, partitions: 2 }, {
      retries: 2,
      backoffMs: 20,
      onResult: (o) => outcomes.push(o),
    });
    const started = Date.now();
    const err = await publisher.publish(makeUpdates(1)[0]!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_PUBLISH_FAILED');
    expect((err as ConnectorError).retriable).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(60); // 20 + 40 ms of backoff
    expect(publisher.stats()).toMatchObject({ retries: 2, failures: 1, published: 0, inFlight: 0 });
    expect(outcomes[0]?.ok).toBe(false);
  });

  it('publishMany rejects with the error when one message fails, after the others have settled', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config, { retries: 0 });
    const updates = makeUpdates(20);
    const big = { ...updates[5]!, payload: { blob: 'x'.repeat(2 * 1024 * 1024) } }; // over the server's max payload
    updates[5] = big;
    const err = await publisher.publishMany(updates).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_PUBLISH_REJECTED');
    expect((err as ConnectorError).retriable).toBe(false);
    expect(publisher.stats().inFlight).toBe(0);
    expect(publisher.stats().published).toBe(19);
  });

  it('publishes dead letters to <prefix>.dlq.<origin>, once per msgId', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const letter = { origin: 'intake' as const, reason: 'payload.amountCny: expected number', code: 'LIFELINE_ERR_UPDATE_SCHEMA', issues: [{ field: 'payload.amountCny', reason: 'expected number' }], file: 'a.csv', row: 3, raw: { id: 'x' } };
    await publisher.publishDeadLetter('intake', letter, 'a.csv:3');
    const again = await publisher.publishDeadLetter('intake', letter, 'a.csv:3');
    expect(again.duplicate).toBe(true);
    const stored = await readStream(nc, config.stream.deadLetterName);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.subject).toBe(`${config.stream.subjectPrefix}.dlq.intake`);
    expect(stored[0]!.body).toEqual(letter);
  });

  it('refuses to publish once closed', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    await publisher.close();
    const err = await publisher.publish(makeUpdates(1)[0]!).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_PUBLISHER_CLOSED');
  });
});
