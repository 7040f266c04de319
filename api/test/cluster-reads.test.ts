/**
 * Cross-node reads as a contract, against the real NATS server: a read is answered by the
 * partition's owner exactly as a local read would be, and a partition nobody serves as current
 * (no owner, or an owner still catching up after a takeover) is a 503 naming it, never an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { AggregateCache } from '../aggregates.js';
import { ClusterReads, PartitionServer, type Ownership } from '../cluster/index.js';
import { ApiError } from '../errors.js';
import { privacyViewOf } from '../privacy/mask.js';
import { AlertJsonCache, PortraitJsonCache } from '../views/cache.js';
import type { Principal } from '../auth/index.js';
import { testConnection } from '../../test/support/nats.js';
import { FIXTURE_NOW, openFixture, type Fixture } from './fixture.js';

describe('cross-node reads (owner answers, nobody else)', () => {
  let f: Fixture;
  let nc: NatsConnection;
  let server: PartitionServer;
  let reads: ClusterReads;
  let portraits: PortraitJsonCache;
  const state = new Map<number, Ownership>();
  const partitions = 4;

  beforeAll(async () => {
    f = await openFixture();
    nc = await testConnection();
    portraits = new PortraitJsonCache(f.store, new AlertJsonCache(f.store), f.env.config.model);
    const prefix = f.env.config.stream.subjectPrefix;
    server = new PartitionServer({ nc, prefix, store: f.store, portraits, partitionCount: partitions, owns: (p) => state.get(p) ?? null, now: () => FIXTURE_NOW });
    reads = new ClusterReads(nc, prefix, partitions, () => FIXTURE_NOW, { requestTimeoutMs: 200, deadlineMs: 700, aggregateTtlMs: 0 });
  });
  afterAll(async () => {
    server?.stop();
    await nc?.close();
    await f?.close();
  });

  const everyone = (o: Ownership) => {
    for (let p = 0; p < partitions; p++) state.set(p, o);
  };
  const caseworker = (): Principal => ({ keyId: 'cw-1', role: 'caseworker', townships: new Set([f.township]) });
  const failure = async (run: () => Promise<unknown>): Promise<ApiError> => {
    try {
      await run();
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error('expected the read to fail');
  };

  it("gives the owner's rendering of a portrait, byte for byte, with the caller's scope applied there", async () => {
    everyone('current');
    const h = f.households.find((x) => x.region.townshipId === f.township)!;
    const local = portraits.json(h.id, caseworker(), privacyViewOf('caseworker')!, FIXTURE_NOW, () => undefined)!;
    const remote = await reads.portrait(h.id, caseworker(), FIXTURE_NOW);
    expect(remote.townshipId).toBe(f.township);
    expect(remote.body.toString('utf8')).toBe(local.body.toString('utf8'));
    // another township's household: refused by the owner, as a local read refuses it
    const other = f.households.find((x) => x.region.townshipId === f.otherTownship)!;
    expect((await failure(() => reads.portrait(other.id, caseworker(), FIXTURE_NOW))).status).toBe(403);
    expect((await failure(() => reads.portrait('no-such-household', caseworker(), FIXTURE_NOW))).status).toBe(404);
  });

  it('answers 503 naming the partition when nobody owns it, or its owner is still catching up', async () => {
    const h = f.households[0]!;
    const p = partitionOf(h.id, partitions);
    everyone('current');
    state.set(p, null);
    const none = await failure(() => reads.portrait(h.id, caseworker(), FIXTURE_NOW));
    expect(none.status).toBe(503);
    expect(none.code).toBe('LIFELINE_ERR_API_PARTITION_UNAVAILABLE');
    expect(none.details).toMatchObject({ partitions: [p] });
    state.set(p, 'catching_up');
    const behind = await failure(() => reads.portrait(h.id, caseworker(), FIXTURE_NOW));
    expect(behind.status).toBe(503);
    expect(behind.message).toMatch(/catching up/);
  });

  it('merges every partition into the aggregates one node would build, and refuses a partial city', async () => {
    everyone('current');
    const merged = await reads.get();
    const local = await AggregateCache.ofStore(f.store, () => FIXTURE_NOW).get();
    const strip = (a: typeof local) => ({ ...a, builtAt: 0, pointsByTownship: new Map() });
    expect(strip(merged)).toEqual(strip(local));
    expect((await reads.points(f.township)).points).toEqual(local.pointsByTownship.get(f.township));
    state.set(2, null);
    reads.invalidate();
    const partial = await failure(() => reads.get());
    expect(partial.status).toBe(503);
    expect(partial.details).toMatchObject({ partitions: [2] });
  });

  it("checks pushed updates against their owners' households", async () => {
    everyone('current');
    const h = f.households[3]!;
    const results = await reads.intake([
      { householdId: h.id, id: 'x1', source: 'civil_affairs', kind: 'death', occurredAt: FIXTURE_NOW, payload: {} } as never,
      { householdId: 'no-such-household' } as never,
    ]);
    expect(results[0]!.exists).toBe(true);
    expect(results[1]).toEqual({ exists: false, refusal: null });
  });
});
