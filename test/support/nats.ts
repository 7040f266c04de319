/**
 * Test support: each test file gets its own stream names, subject prefix and LMDB folder, and
 * deletes them afterwards, because the NATS server outlives the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, type Config } from '../../config/index.js';

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

export function uniqueId(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export interface TestEnv {
  config: Readonly<Config>;
  /** Removes every stream, KV bucket and folder this env created. */
  cleanup(): Promise<void>;
}

/** A frozen Config with unique stream names, subject prefix, KV bucket prefix and a fresh LMDB folder. */
export function testEnv(overrides: Record<string, unknown> = {}): TestEnv {
  const id = uniqueId();
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-'));
  const config = loadConfig({
    env: { NATS_URL },
    overrides: {
      'stream.name': `T_${id}_UPD`,
      'stream.deadLetterName': `T_${id}_DLQ`,
      'stream.auditName': `T_${id}_AUDIT`,
      'stream.keysBucket': `T_${id}_KEYS`,
      'stream.feedsBucket': `T_${id}_FEEDS`,
      'stream.alertsBucket': `T_${id}_ALERTS`,
      'stream.helpBucket': `T_${id}_HELP`,
      'stream.subjectPrefix': `t.${id}`,
      'stream.partitions': 4,
      // nats-server reserves max_bytes when a stream is created: 8 GiB per test stream exhausts it
      'stream.maxBytes': 64 * 1024 ** 2,
      'lmdb.path': join(dir, 'lmdb'),
      'city.dataDir': join(dir, 'city'),
      'city.profile': 'small',
      'api.port': 0,
      ...overrides,
    },
  });
  return {
    config,
    async cleanup() {
      const nc = await connect({ servers: NATS_URL });
      try {
        const jsm = await jetstreamManager(nc);
        for await (const s of jsm.streams.list()) {
          const name = s.config.name;
          // KV buckets are streams named KV_<bucket>; ours carry the id too
          if (name.includes(id)) await jsm.streams.delete(name).catch(() => undefined);
        }
      } finally {
        await nc.close();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function testConnection(): Promise<NatsConnection> {
  return connect({ servers: NATS_URL, noAsyncTraces: true });
}
