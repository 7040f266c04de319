import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import type { Config } from '../../config/index.js';
import { startEngine } from '../engine.js';
import { initialLoad } from '../initial-load.js';
import { LoadInputError } from '../errors.js';
import { openStore } from '../store/index.js';
import { dump, mergeLast, publishRaw, smallCity, waitForCheckpoints } from './support.js';

describe('initial load', () => {
  let env: TestEnv;
  let nc: NatsConnection;

  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    await nc?.close();
    await env.cleanup();
  });

  it('stores exactly the states the streaming path creates for the same households', async () => {
    const { households } = smallCity(env.config, 120, 5);
    const bulk = await initialLoad(env.config, { threads: 2, chunkLines: 25 });
    expect(bulk).toMatchObject({ households: 120, persons: households.reduce((n, h) => n + h.persons.length, 0) });

    const streamCfg: Readonly<Config> = { ...env.config, lmdb: { ...env.config.lmdb, path: join(env.config.city.dataDir, 'stream-lmdb') } };
    const last = new Map<number, number>();
    for (const h of households) {
      const p = partitionOf(h.id, env.config.stream.partitions);
      last.set(p, await publishRaw(nc, env.config, p, 'registry', JSON.stringify({ register: h })));
    }
    const streamStore = openStore({ path: streamCfg.lmdb.path });
    const engine = await startEngine(streamCfg, { store: streamStore });
    await waitForCheckpoints(streamStore, mergeLast(last));
    await engine.stop();

    const bulkStore = openStore({ path: env.config.lmdb.path });
    const a = dump(bulkStore).households;
    const b = dump(streamStore).households;
    expect(a.size).toBe(120);
    expect(b.size).toBe(120);
    for (const [id, bytes] of a) expect(b.get(id)?.equals(bytes), id).toBe(true);
    await bulkStore.close();
    await streamStore.close();
  });

  it('names the file and line of a bad household', async () => {
    const file = join(env.config.city.dataDir, 'bad.ndjson');
    const { households } = smallCity(env.config, 3, 6);
    writeFileSync(file, [JSON.stringify(households[0]), '{"id": "h-x", "persons": "none"}', JSON.stringify(households[1])].join('\n'));
    const err = await initialLoad(env.config, { file, threads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as LoadInputError).code).toBe('LIFELINE_ERR_WORKERS_LOAD_INPUT');
    expect((err as Error).message).toContain('bad.ndjson:2');
  });
});
