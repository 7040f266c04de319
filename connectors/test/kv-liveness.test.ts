/**
 * A KV watch left silent (its server lost) is noticed and restarted from the next revision; one
 * that keeps up, or is merely between checks, is left alone. Against the real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { KvFollower, KvWatchLiveness } from '../nats/index.js';
import { testConnection, uniqueId } from '../../test/support/nats.js';

describe('KV watch liveness', () => {
  let nc: NatsConnection;
  let kv: KV;
  const bucket = `T_${uniqueId()}_LIVE`;
  beforeAll(async () => {
    nc = await testConnection();
    kv = await new Kvm(nc).create(bucket, { history: 1 });
  });
  afterAll(async () => {
    await kv?.destroy().catch(() => undefined);
    await nc?.close();
  });

  it('restarts a watch that stays behind the bucket across two checks, from the revision after its last', async () => {
    let seen = 0;
    const restarts: number[] = [];
    const warnings: string[] = [];
    const l = new KvWatchLiveness(kv, { name: 'the test bucket', revision: () => seen, restart: async (from) => void restarts.push(from), everyMs: 3_600_000, onWarning: (e) => warnings.push(e.message) });
    l.start();
    try {
      seen = await kv.put('a', 'one');
      await l.check();
      await l.check();
      expect(restarts).toEqual([]); // up to date: nothing to do

      const r2 = await kv.put('b', 'two');
      await l.check(); // behind once: it may simply be in flight
      expect(restarts).toEqual([]);
      seen = r2; // it caught up between the checks
      await l.check();
      expect(restarts).toEqual([]);

      await kv.put('c', 'three');
      await l.check();
      await l.check(); // behind twice with no progress: silent
      expect(restarts).toEqual([r2 + 1]);
      expect(warnings[0]).toMatch(/the test bucket watch stopped at revision \d+/);
      expect(l.restarts).toBe(1);
    } finally {
      l.stop();
    }
  });

  it('tries the first watch again when opening it fails (a consumer create unanswered with a server down)', async () => {
    const got: string[] = [];
    const warnings: string[] = [];
    let opens = 0;
    let last = 0;
    const f = new KvFollower(kv, {
      name: 'the test bucket',
      open: async () => {
        if (++opens < 3) throw new Error('TIMEOUT');
        return kv.watch();
      },
      onEntry: (e) => {
        last = e.revision;
        got.push(e.key);
      },
      revision: () => last,
      livenessEveryMs: 3_600_000,
      onWarning: (e) => warnings.push(e.message),
    });
    await kv.put('d', 'four');
    await f.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(opens).toBe(3);
      expect(got).toContain('d');
      expect(warnings.filter((w) => /could not be opened \(TIMEOUT\)/.test(w))).toHaveLength(2);
    } finally {
      f.stop();
    }
    // past its deadline the failure is the caller's
    const never = new KvFollower(kv, { name: 'never', open: () => Promise.reject(new Error('TIMEOUT')), onEntry: () => undefined, revision: () => 0, startDeadlineMs: 300 });
    await expect(never.start()).rejects.toThrow('TIMEOUT');
  });
});
