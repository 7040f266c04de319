import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.js';
import { ensureStreams, recordedPartitions, streamPartitions } from '../publisher/stream.js';
import { openPublisher } from '../publisher/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { makeUpdates } from './stream-helpers.js';

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

describe('ensureStreams', () => {
  it('creates the updates and dead-letter streams with the configured limits and partition count', async () => {
    const { config } = env({ 'stream.partitions': 6, 'stream.maxAgeHours': 2, 'stream.duplicateWindowSec': 30, 'stream.maxBytes': 1 << 26 });
    const r = await ensureStreams(jsm, config.stream);
    expect(r.partitions).toBe(6);
    const u = await jsm.streams.info(config.stream.name);
    expect(u.config.subjects).toEqual([`${config.stream.subjectPrefix}.upd.>`]);
    expect(u.config.storage).toBe('file');
    expect(u.config.retention).toBe('limits');
    expect(u.config.max_age).toBe(2 * 3600 * 1e9);
    expect(u.config.duplicate_window).toBe(30 * 1e9);
    expect(u.config.max_bytes).toBe(1 << 26);
    expect(recordedPartitions(u.config)).toBe(6);
    expect(await streamPartitions(jsm, config.stream.name)).toBe(6);
    const d = await jsm.streams.info(config.stream.deadLetterName);
    expect(d.config.subjects).toEqual([`${config.stream.subjectPrefix}.dlq.>`]);
  });

  it('is idempotent: a second call changes nothing and keeps the messages', async () => {
    const { config } = env();
    await ensureStreams(jsm, config.stream);
    const { publisher } = await openPublisher(nc, config);
    await publisher.publishMany(makeUpdates(5));
    const before = await jsm.streams.info(config.stream.name);
    await ensureStreams(jsm, config.stream);
    const after = await jsm.streams.info(config.stream.name);
    expect(after.created).toBe(before.created);
    expect(after.config).toEqual(before.config);
    expect(after.state.messages).toBe(5);
  });

  it('updates changed limits in place', async () => {
    const e = env({ 'stream.maxAgeHours': 1 });
    await ensureStreams(jsm, e.config.stream);
    await ensureStreams(jsm, { ...e.config.stream, maxAgeHours: 3 });
    expect((await jsm.streams.info(e.config.stream.name)).config.max_age).toBe(3 * 3600 * 1e9);
  });

  it('refuses to reuse a stream with another partition count, naming the field, and leaves it as it was', async () => {
    const { config } = env({ 'stream.partitions': 4 });
    await ensureStreams(jsm, config.stream);
    const err = await ensureStreams(jsm, { ...config.stream, partitions: 8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_STREAM_PARTITIONS');
    expect((err as ConnectorError).message).toContain('stream.partitions');
    expect((err as ConnectorError).message).toContain('4');
    expect(await streamPartitions(jsm, config.stream.name)).toBe(4);
  });

  it('reports a server refusal (subjects overlapping another stream) as a coded setup error', async () => {
    const a = env();
    await ensureStreams(jsm, a.config.stream);
    const b = env();
    const err = await ensureStreams(jsm, { ...b.config.stream, subjectPrefix: a.config.stream.subjectPrefix }).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_STREAM_SETUP');
    expect((err as ConnectorError).message).toContain(b.config.stream.name);
  });
});
