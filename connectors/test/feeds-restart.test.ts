/**
 * A restarted simulator continues the city the engine holds: built from the engine's household
 * states, with a wall clock, it never sends an update the engine must refuse (a person already
 * dead, a member that already exists, a household whose last member died, a time ahead of now).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { testRandom } from '../../test/support/seed.js';
import { DEFAULT_MODEL } from '../../engine/model.js';
import { initialState, processUpdate } from '../../engine/process.js';
import type { Household, HouseholdState, Update } from '../../engine/types.js';
import { startEngine, type Engine } from '../../workers/engine.js';
import { initialLoad } from '../../workers/initial-load.js';
import { listDeadLetters, openStore, type Store } from '../../workers/store/index.js';
import { mergeLast, publishAll, smallCity, waitForCheckpoints } from '../../workers/test/support.js';
import { generateCity } from '../city/generator.js';
import { profileByName } from '../city/profiles.js';
import { CityIndex, FeedSimulator } from '../feeds/index.js';
import { storedStates } from '../../cli/commands/feed.js';

const profile = profileByName('small');

/** The store's household states in id order. */
function statesIn(store: Store): HouseholdState[] {
  store.env.resetReadTxn();
  const out: HouseholdState[] = [];
  for (const { key, value } of store.households.getRange({})) if (typeof key === 'string') out.push(value);
  return out;
}

/** `n` updates from `sim`, each checked to be no later than the wall clock when it was made. */
function draw(sim: FeedSimulator, n: number): Update[] {
  const out = sim.batch(n);
  const now = Date.now();
  const ahead = out.filter((u) => u.occurredAt > now);
  expect(ahead.map((u) => u.id), 'occurredAt ahead of the wall clock').toEqual([]);
  return out;
}

describe('simulated feeds after a restart (pure engine)', () => {
  /** Applies updates to in-memory states with the engine's own step; returns the rejections. */
  const applyAll = (states: Map<string, HouseholdState>, updates: Iterable<Update>): string[] => {
    const rejected: string[] = [];
    for (const u of updates) {
      const r = processUpdate(states.get(u.householdId)!, u, DEFAULT_MODEL, { receivedAt: u.occurredAt });
      if (r.ok) states.set(u.householdId, r.state);
      else rejected.push(`${u.kind} ${u.id}: ${r.code} ${r.message}`);
    }
    return rejected;
  };

  // the heavy bench mix (deaths, births, newcomers by the hundred) is what makes a restart hard and the
  // contrast certain; the live default (realistic) is checked for zero rejections too
  it.each(['bench', 'realistic'] as const)('continues from the states (%s mix): zero rejections over two restarts (bench: where replaying the city file contradicts them)', (workload) => {
    const rnd = testRandom();
    const households: Household[] = [...generateCity(profile, 11, { limit: 400 })];
    const states = new Map(households.map((h) => [h.id, initialState(h, DEFAULT_MODEL)]));
    // a clock that runs four days in 12,000 updates: ages, deaths and dissolved households happen
    let t = Date.UTC(2026, 9, 1, 8);
    const clock = () => (t += 29_000);
    const inOrder = () => [...states.values()].sort((a, b) => (a.household.id < b.household.id ? -1 : 1));

    const first = new FeedSimulator(CityIndex.fromHouseholds(profile, households), { seed: rnd.int(1, 2 ** 30), runTag: 'a', clock, workload });
    expect(applyAll(states, first.batch(6000))).toEqual([]);
    for (const tag of ['b', 'c']) {
      const restarted = new FeedSimulator(CityIndex.fromStates(profile, inOrder()), { seed: rnd.int(1, 2 ** 30), runTag: tag, clock, workload });
      expect(applyAll(states, restarted.batch(6000)), `restart ${tag}`).toEqual([]);
    }
    const dead = inOrder().reduce((n, s) => n + s.household.persons.filter((p) => !p.alive).length, 0);
    const dissolved = inOrder().filter((s) => s.household.persons.every((p) => !p.alive)).length;
    if (workload === 'realistic') return;
    expect(dead).toBeGreaterThan(0);

    // the old way, for contrast: a new run replaying the city file's original facts
    const replay = new FeedSimulator(CityIndex.fromHouseholds(profile, households), { seed: rnd.int(1, 2 ** 30), runTag: 'd', clock, workload });
    expect(applyAll(states, replay.batch(6000)).length, `dead ${dead}, dissolved ${dissolved}`).toBeGreaterThan(0);
  }, 120_000);
});

describe('simulated feeds after a restart (real engine)', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  let store: Store | undefined;
  let engine: Engine | undefined;

  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    await engine?.stop().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await nc?.close();
    await env?.cleanup();
  });

  it('a second simulator fed the engine\'s states sends nothing the engine rejects', async () => {
    const rnd = testRandom();
    const { households } = smallCity(env.config, 300);
    await initialLoad(env.config, { threads: 1 });
    store = openStore({ path: env.config.lmdb.path });
    engine = await startEngine(env.config, { store });

    const first = new FeedSimulator(CityIndex.fromHouseholds(profile, households), { seed: rnd.int(1, 2 ** 30), runTag: 'first', clock: Date.now });
    const last1 = await publishAll(nc, env.config, draw(first, 3000));
    await waitForCheckpoints(store, last1, 120_000);
    expect(listDeadLetters(store, { limit: 50 }).map((l) => `${l.code} ${l.reason}`), 'first run').toEqual([]);

    // the restart: a new simulator (new seed, new run tag) built from what the engine holds now, read as `lifeline feed` reads it
    const second = new FeedSimulator(CityIndex.fromStates(profile, storedStates(env.config)), { seed: rnd.int(1, 2 ** 30), runTag: 'second', clock: Date.now });
    const last2 = await publishAll(nc, env.config, draw(second, 3000));
    await waitForCheckpoints(store, mergeLast(last1, last2), 120_000);
    expect(listDeadLetters(store, { limit: 50 }).map((l) => `${l.code} ${l.reason}`), 'after the restart').toEqual([]);
    // the engine really applied them: versions add up to every update sent
    const applied = statesIn(store).reduce((n, s) => n + s.version, 0);
    expect(applied).toBe(6000);
  }, 300_000);
});
