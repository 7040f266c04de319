import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { waitFor } from '../../bench/harness/wait.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { KIND_SOURCE } from '../../engine/catalogue/departments.js';
import { wasApplied } from '../../engine/process.js';
import { examplePayload } from '../../engine/catalogue/examples.js';
import { startEngine, type Engine } from '../engine.js';
import { initialLoad } from '../initial-load.js';
import { simHousehold, simulateUpdates } from '../sim/updates.js';
import { getHousehold, listDeadLetters, openStore, type Store } from '../store/index.js';
import { mergeLast, publishAll, publishRaw, smallCity, waitForCheckpoints } from './support.js';

const MARKER = 'CRASH-THE-WORKER-PLEASE';

describe('poison messages never stall a partition', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let engine: Engine | undefined;
  let store: Store;

  beforeAll(async () => {
    env = testEnv({ 'engine.maxDeliver': 3 });
    nc = await testConnection();
    process.env['LIFELINE_FAULT_CRASH_MARKER'] = MARKER; // worker threads inherit the environment
  });
  afterAll(async () => {
    delete process.env['LIFELINE_FAULT_CRASH_MARKER'];
    await engine?.stop();
    await store?.close();
    await nc?.close();
    await env.cleanup();
  });

  it('keeps schema-invalid updates and a worker-crashing message as dead letters; later updates still apply', async () => {
    const { households } = smallCity(env.config, 40);
    await initialLoad(env.config, { threads: 1 });
    const target = households[0]!;
    const p = partitionOf(target.id, env.config.stream.partitions);
    const sims = households.filter((h) => partitionOf(h.id, env.config.stream.partitions) === p).map(simHousehold);

    const before = await publishAll(nc, env.config, simulateUpdates(sims, 30, { idPrefix: 'a', alertEvery: 0 }));
    // not JSON; a bad payload field; an unknown household; a message that kills its worker thread
    const badPayload = examplePayload('medical_claim');
    const numeric = Object.keys(badPayload).find((k) => typeof badPayload[k] === 'number')!;
    badPayload[numeric] = 'lots';
    const bad1 = await publishRaw(nc, env.config, p, 'health', '{"id": "x1", oops');
    const bad2 = await publishRaw(
      nc,
      env.config,
      p,
      'medical_insurance',
      JSON.stringify({ id: 'x2', source: 'medical_insurance', kind: 'medical_claim', householdId: target.id, personId: target.persons[0]!.id, occurredAt: Date.UTC(2026, 9, 2), payload: badPayload }),
    );
    const bad3 = await publishRaw(
      nc,
      env.config,
      p,
      'community',
      JSON.stringify({ id: 'x3', source: 'community', kind: 'grid_visit_recorded', householdId: 'no-such-household', occurredAt: Date.UTC(2026, 9, 2), payload: examplePayload('grid_visit_recorded') }),
    );
    const crash = await publishRaw(nc, env.config, p, KIND_SOURCE.grid_visit_recorded, JSON.stringify({ id: 'x4', note: MARKER }));
    const later = [...simulateUpdates(sims, 30, { idPrefix: 'b', alertEvery: 0, seed: 99, startAt: Date.UTC(2026, 10, 1) })];
    const after = await publishAll(nc, env.config, later);

    store = openStore({ path: env.config.lmdb.path });
    const errors: Error[] = [];
    engine = await startEngine(env.config, { store, onError: (e) => errors.push(e) });
    await waitForCheckpoints(store, mergeLast(before, after));

    const letters = listDeadLetters(store, { partition: p });
    const bySeq = new Map(letters.map((l) => [l.seq, l]));
    expect(bySeq.get(bad1)?.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(bySeq.get(bad2)?.code).toBe('LIFELINE_ERR_UPDATE_SCHEMA');
    expect(bySeq.get(bad2)?.issues[0]?.field).toBe(`payload.${numeric}`);
    expect(bySeq.get(bad3)?.code).toBe('LIFELINE_ERR_UNKNOWN_HOUSEHOLD');
    expect(bySeq.get(crash)?.code).toBe('LIFELINE_ERR_WORKERS_POISON');
    expect(bySeq.get(crash)?.raw).toContain(MARKER);
    expect(errors.some((e) => (e as { code?: string }).code === 'LIFELINE_ERR_WORKERS_BATCH_FAILED')).toBe(true);
    // the updates published after the poison were applied (the engine learns of its last commit
    // when the worker's answer reaches the main thread, a moment after LMDB shows it)
    const status = () => engine!.status().partitions.find((s) => s.partition === p)!;
    await waitFor('the engine saw its last commit', () => status().checkpoint >= after.get(p)!, { timeoutMs: 10_000, everyMs: 10 });
    const applied = status();
    expect(applied.poisoned).toBe(1);
    expect(applied.checkpoint).toBe(after.get(p));
    const state = getHousehold(store, sims[0]!.id)!;
    expect(later.some((u) => u.householdId === sims[0]!.id && wasApplied(state, u.id))).toBe(true);
  });
});
