/**
 * Projects and referrals are part of a partition's snapshot: taken with the partition, restored
 * into an empty store (the open-policy index rebuilt with them), cleared with the partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { policyReferralId, serviceReferralId } from '../../engine/help/referrals.js';
import type { Project, Referral } from '../../engine/help/types.js';
import { openStore, writeReferralInTxn, type Store } from '../store/index.js';
import { clearPartition, openSnapshotBucket, restorePartition, takeSnapshots } from '../snapshots/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { join } from 'node:path';

const N = 4;

function project(id: string): Project {
  return {
    id,
    name: id,
    services: ['counselling'],
    site: { id: 'S330106001', name: 'site', level: 'township', districtId: '330106', townshipId: '330106001', communityId: null, lat: 30.2, lon: 120.1 },
    cityWide: false,
    capacity: { unit: 'concurrent', places: 5 },
    eligibility: '',
    activeFrom: 0,
    activeTo: null,
    retiredAt: null,
    usage: { month: '2026-11', taken: 1, active: 1 },
    orders: 1,
    createdAt: 1,
    updatedAt: 2,
    revision: 2,
  };
}

function referral(id: string, kind: 'policy' | 'service', householdId: string, projectId: string | null): Referral {
  return {
    id,
    kind,
    code: kind === 'policy' ? 'dibao' : 'counselling',
    householdId,
    alertId: `${householdId}:4:death`,
    districtId: '330106',
    townshipId: '330106001',
    projectId,
    siteId: projectId ? 'S330106001' : null,
    siteLevel: projectId ? 'township' : null,
    placeMonth: null,
    holdsPlace: kind === 'service',
    recipient: null,
    status: kind === 'policy' ? 'submitted' : 'dispatched',
    note: '',
    reason: null,
    rematchOf: null,
    followUpAt: null,
    createdAt: 1,
    updatedAt: 1,
    settledAt: null,
    answeredAt: null,
    history: [{ from: null, to: kind === 'policy' ? 'submitted' : 'dispatched', by: 'cw', at: 1, requestId: 'r' }],
    revision: 1,
  };
}

describe('help records in partition snapshots', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  const stores: Store[] = [];
  beforeAll(async () => {
    env = testEnv();
    nc = await testConnection();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await nc?.close();
    await env?.cleanup();
  });

  it('takes, clears and restores projects and referrals with their partition', async () => {
    const a = openStore({ path: join(env.config.lmdb.path, 'a'), noSync: true, mapSizeGiB: 1 });
    stores.push(a);
    // one project, one order (home: the project's partition), one policy referral (home: the household's)
    const pid = 'P00042';
    const hid = ['h-1', 'h-2', 'h-3', 'h-4', 'h-5'].find((h) => partitionOf(h, N) !== partitionOf(pid, N))!;
    const order = referral(serviceReferralId(pid, 1), 'service', hid, pid);
    const policy = referral(policyReferralId(`${hid}:4:death`, 'dibao'), 'policy', hid, null);
    await a.env.transaction(() => {
      a.projects.putSync(pid, project(pid));
      writeReferralInTxn(a, order);
      writeReferralInTxn(a, policy);
    });
    const bucket = await openSnapshotBucket(nc, { streamName: env.config.stream.name, replicas: 1 });
    const headers = await takeSnapshots(a, bucket, { partitions: [0, 1, 2, 3], partitionCount: N });
    const pp = partitionOf(pid, N);
    const hp = partitionOf(hid, N);
    expect(headers.find((h) => h.partition === pp)).toMatchObject({ projects: 1, referrals: 1 });
    expect(headers.find((h) => h.partition === hp)).toMatchObject({ projects: 0, referrals: 1 });

    const b = openStore({ path: join(env.config.lmdb.path, 'b'), noSync: true, mapSizeGiB: 1 });
    stores.push(b);
    for (let p = 0; p < N; p++) await restorePartition(b, bucket, p, N);
    expect(b.projects.get(pid)).toEqual(project(pid));
    expect(b.referrals.get(order.id)).toEqual(order);
    expect(b.referrals.get(policy.id)).toEqual(policy);
    expect(b.openPolicyReferrals.get([hid, 'dibao'])).toBe(policy.id);

    // clearing the household's partition removes its policy referral and index, not the project's order
    clearPartition(b, hp, N);
    expect(b.referrals.get(policy.id)).toBeUndefined();
    expect(b.openPolicyReferrals.get([hid, 'dibao'])).toBeUndefined();
    expect(b.referrals.get(order.id)).toEqual(order);
  });
});
