/**
 * The changelog against the real NATS server and real LMDB: batches are committed to one LMDB
 * the way the engine commits them (state, alerts + indexes, outbox entry and checkpoint in one
 * transaction), flushed to the state bucket, and restored into another, empty LMDB.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dirname, join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { DEFAULT_MODEL } from '../../engine/model.js';
import { initialState, processUpdate } from '../../engine/process.js';
import { upsertAlerts } from '../../engine/alerts/records.js';
import type { HouseholdState } from '../../engine/types.js';
import { makeHousehold, makePerson } from '../../engine/test/fixtures.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { alertsByHousehold, counts, findOpenAlertInTxn, openStore, outboxKey, writeAlertInTxn, type OutboxEntry, type Store } from '../store/index.js';
import { checkpointKey, escapeToken, openChangelog, unescapeToken, type Changelog } from '../changelog/index.js';

const PARTITIONS = 4;
const HOUSEHOLDS = Array.from({ length: 40 }, (_, i) => `H${String(i).padStart(4, '0')}`);
const T0 = Date.UTC(2026, 2, 1);

let env: TestEnv;
const stores: Store[] = [];
const conns: NatsConnection[] = [];
const changelogs: Changelog[] = [];

afterEach(async () => {
  for (const c of changelogs.splice(0)) await c.stop();
  for (const s of stores.splice(0)) await s.close();
  for (const nc of conns.splice(0)) await nc.close();
  await env?.cleanup();
});

function store(name: string): Store {
  const s = openStore({ path: join(dirname(env.config.lmdb.path), name), mapSizeGiB: 0.25 });
  stores.push(s);
  return s;
}

async function changelog(s: Store, owns: (p: number) => boolean = () => true): Promise<Changelog> {
  const nc = await testConnection();
  conns.push(nc);
  const c = await openChangelog(nc, s, { streamName: env.config.stream.name }, { owns }, false);
  changelogs.push(c);
  return c;
}

/** The engine's unit of work: one partition's updates → one LMDB transaction with its outbox entry. */
function commitBatch(s: Store, partition: number, seq: number, round: number): void {
  const ids = HOUSEHOLDS.filter((h) => partitionOf(h, PARTITIONS) === partition);
  s.env.transactionSync(() => {
    const changed: string[] = [];
    const alertIds = new Set<string>();
    for (const [i, hid] of ids.entries()) {
      const before: HouseholdState =
        s.households.get(hid) ?? initialState(makeHousehold({ id: hid, persons: [makePerson({ id: `${hid}-p1` }), makePerson({ id: `${hid}-p2`, relation: 'spouse' })] }), DEFAULT_MODEL);
      const update =
        (i + round) % 3 === 0
          ? { kind: 'major_disease_diagnosed', source: 'health', payload: { disease: '肺癌', icd10: 'C34.9', diagnosedAt: '2026-03-01' } }
          : {
              kind: 'medical_claim',
              source: 'medical_insurance',
              payload: {
                claimId: `c-${hid}-${round}`,
                totalCny: 3000 + 6000 * (round + 1),
                insurancePaidCny: 3000,
                outOfPocketCny: 6000 * (round + 1),
                hospitalLevel: 'tertiary',
                inpatient: true,
                diagnosisCode: 'C34.9',
                settledAt: '2026-03-01',
              },
            };
      const at = T0 + round * 60_000 + i;
      const r = processUpdate(before, { id: `u-${hid}-${round}`, householdId: hid, personId: `${hid}-p1`, occurredAt: at, ...update }, DEFAULT_MODEL, { receivedAt: at });
      if (!r.ok) throw new Error(`${hid} round ${round}: ${r.message}`);
      s.households.putSync(hid, r.state);
      changed.push(hid);
      for (const { alert } of upsertAlerts(r.triggers, r.state, DEFAULT_MODEL, at, (t) => findOpenAlertInTxn(s, hid, t))) {
        writeAlertInTxn(s, s.alerts.get(alert.id) ?? null, alert);
        alertIds.add(alert.id);
      }
    }
    const entry: OutboxEntry = { partition, fromSeq: seq, toSeq: seq, households: changed, alerts: [...alertIds], committedAt: Date.now() };
    s.outbox.putSync(outboxKey(partition, seq), entry);
    s.checkpoints.putSync(partition, seq);
  });
}

/** Rounds `from` … `to - 1` over every partition; sequences grow per partition like a filtered stream. */
function commitRounds(s: Store, to = 3, from = 0): void {
  for (let r = from; r < to; r++) for (let p = 0; p < PARTITIONS; p++) commitBatch(s, p, 10 * r + p + 1, r);
}

/** Everything a user of the store sees: states, alerts per household, queue counters, checkpoints. */
function view(s: Store) {
  return {
    households: HOUSEHOLDS.map((h) => s.households.get(h) ?? null),
    alerts: HOUSEHOLDS.map((h) => alertsByHousehold(s, h)),
    counts: counts(s, { now: T0 }),
    checkpoints: Array.from({ length: PARTITIONS }, (_, p) => s.checkpoints.get(p) ?? null),
  };
}

const outboxSize = (s: Store): number => [...s.outbox.getKeys({})].length;

describe('changelog', () => {
  it('flush then restore into an empty LMDB gives identical states, alerts, queues and checkpoints', async () => {
    env = testEnv();
    const a = store('a');
    commitRounds(a);
    const la = await changelog(a);
    const stats = await la.flusher.flushOnce();
    expect(stats.entries).toBe(3 * PARTITIONS);
    expect(stats.households).toBe(HOUSEHOLDS.length); // coalesced: one publish per household
    expect(stats.alerts).toBeGreaterThan(0);
    expect(outboxSize(a)).toBe(0);

    const b = store('b');
    const lb = await changelog(b);
    let restored = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const r = await lb.restorePartition(p);
      expect(r.checkpoint).toBe(20 + p + 1);
      restored += r.households;
    }
    expect(restored).toBe(HOUSEHOLDS.length);
    const va = view(a);
    expect(va.alerts.flat().length).toBeGreaterThan(5);
    expect(view(b)).toEqual(va);
  });

  it('a crash between commit and flush loses nothing: the outbox is flushed by the next process', async () => {
    env = testEnv();
    const path = 'crashy';
    let a = store(path);
    commitRounds(a, 2);
    await a.close();
    stores.splice(stores.indexOf(a), 1);
    a = store(path); // the restarted process finds the committed outbox
    expect(outboxSize(a)).toBe(2 * PARTITIONS);
    commitRounds(a, 3, 2);
    const la = await changelog(a);
    await la.flusher.flushOnce();

    const b = store('b');
    const lb = await changelog(b);
    for (let p = 0; p < PARTITIONS; p++) await lb.restorePartition(p);
    expect(view(b)).toEqual(view(a));
  });

  it('republishing an old outbox entry never moves the checkpoint back', async () => {
    env = testEnv();
    const a = store('a');
    commitRounds(a);
    const la = await changelog(a);
    await la.flusher.flushOnce();
    // the entry of round 1 again, as after a crash between publish and delete
    a.outbox.putSync(outboxKey(0, 1), { partition: 0, fromSeq: 1, toSeq: 1, households: [], alerts: [], committedAt: 0 });
    await la.flusher.flushOnce();
    const cp = await la.kv.get(checkpointKey(0));
    expect(cp?.string()).toBe('21');
  });

  it('publishes only partitions whose lease this node holds and drops the others', async () => {
    env = testEnv();
    const a = store('a');
    commitRounds(a, 1);
    const la = await changelog(a, (p) => p === 2);
    const s = await la.flusher.flushOnce();
    expect(s.dropped).toBe(PARTITIONS - 1);
    expect(outboxSize(a)).toBe(0);
    const keys: string[] = [];
    for await (const k of await la.kv.keys()) keys.push(k);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k === 'cp.2' || k.startsWith('h.2.') || k.startsWith('a.2.'))).toBe(true);
  });

  it('a restored partition carries on: new batches on the new owner flush on top, stale local entries are discarded', async () => {
    env = testEnv();
    const a = store('a');
    commitRounds(a, 2);
    await (await changelog(a)).flusher.flushOnce();

    const b = store('b');
    commitBatch(b, 1, 5, 0); // b once owned partition 1 and left an unflushed entry behind
    const lb = await changelog(b);
    const r = await lb.restorePartition(1);
    expect(r.staleOutbox).toBe(1);
    expect(b.checkpoints.get(1)).toBe(12);
    commitBatch(b, 1, 32, 2); // the consumer resumes at checkpoint + 1
    await lb.flushPartition(1);
    expect((await lb.kv.get(checkpointKey(1)))?.string()).toBe('32');

    const c = store('c');
    const lc = await changelog(c);
    await lc.restorePartition(1);
    const mine = HOUSEHOLDS.filter((h) => partitionOf(h, PARTITIONS) === 1);
    for (const h of mine) {
      expect(c.households.get(h)).toEqual(b.households.get(h));
      expect(alertsByHousehold(c, h)).toEqual(alertsByHousehold(b, h));
    }
    expect(c.households.get(mine[0]!)!.version).toBe(3);
  });
});

describe('changelog keys', () => {
  it('escape any id into one KV key token and back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), (id) => {
        const t = escapeToken(id);
        expect(t).toMatch(/^[-_=a-zA-Z0-9]+$/);
        expect(unescapeToken(t)).toBe(id);
      }),
    );
  });
});
