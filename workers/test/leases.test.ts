/**
 * Partition leases against the real NATS server: two lease managers in one process contend for
 * the partitions of one stream. A "processing" table, filled by the handlers, shows who is
 * actually working on each partition; it must never name two nodes for one partition.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { LeaseError, LeaseManager, fairShare, startLeaseManager, type LostReason } from '../leases/index.js';

const TTL = 1500;
const PARTITIONS = 4;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Who processes which partition, as the handlers report it; records every double ownership. */
class Processing {
  readonly owner = new Map<number, string>();
  readonly violations: string[] = [];
  readonly log: string[] = [];
  handlers(node: string, stopDelayMs = 50) {
    return {
      onAcquired: (p: number) => {
        const cur = this.owner.get(p);
        if (cur !== undefined && cur !== node) this.violations.push(`${node} started ${p} while ${cur} processes it`);
        this.owner.set(p, node);
        this.log.push(`${node}+${p}`);
      },
      onLost: async (p: number, reason: LostReason) => {
        await sleep(stopDelayMs); // stopping a partition takes a moment (drain the batch in flight)
        if (this.owner.get(p) === node) this.owner.delete(p);
        this.log.push(`${node}-${p}:${reason}`);
      },
    };
  }
  /** Crash: the process is gone, so it processes nothing any more. */
  crash(node: string): void {
    for (const [p, n] of this.owner) if (n === node) this.owner.delete(p);
  }
  of(node: string): number[] {
    return [...this.owner].filter(([, n]) => n === node).map(([p]) => p).sort();
  }
}

async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

let env: TestEnv;
const conns: NatsConnection[] = [];
const managers: LeaseManager[] = [];

async function manager(nodeId: string, proc: Processing, stopDelayMs?: number): Promise<LeaseManager> {
  const nc = await testConnection();
  conns.push(nc);
  const m = await startLeaseManager(nc, { streamName: env.config.stream.name, partitions: PARTITIONS, nodeId, ttlMs: TTL }, proc.handlers(nodeId, stopDelayMs));
  managers.push(m);
  return m;
}

afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop().catch(() => undefined);
  for (const nc of conns.splice(0)) await nc.close().catch(() => undefined);
  await env?.cleanup();
});

describe('partition leases', () => {
  it('a lone node owns every partition; a second node gets its fair share and nobody processes a partition twice', async () => {
    env = testEnv();
    const proc = new Processing();
    const a = await manager('node-a', proc);
    expect(a.owned()).toEqual([0, 1, 2, 3]);
    await until(() => proc.of('node-a').length === 4, 2000);

    const b = await manager('node-b', proc);
    await until(() => proc.of('node-a').length === 2 && proc.of('node-b').length === 2, 5 * TTL);
    expect(a.owned().length).toBe(2);
    expect(b.owned().length).toBe(2);
    expect(new Set([...a.owned(), ...b.owned()]).size).toBe(4);
    expect(a.nodes()).toEqual(['node-a', 'node-b']);
    // released partitions were drained before the other node started them
    expect(proc.log.some((l) => /^node-a-\d:rebalance$/.test(l))).toBe(true);
    // stable afterwards: several renewal rounds change nothing
    const before = [a.owned(), b.owned()];
    await sleep(TTL);
    expect([a.owned(), b.owned()]).toEqual(before);
    expect(proc.violations).toEqual([]);
  });

  it('a crashed node\'s partitions are taken over once its leases lapse, never earlier', async () => {
    env = testEnv();
    const proc = new Processing();
    const a = await manager('node-a', proc);
    const b = await manager('node-b', proc);
    await until(() => proc.of('node-a').length === 2 && proc.of('node-b').length === 2, 5 * TTL);
    const lostByA = a.owned();

    const crashedAt = Date.now();
    a.abandon();
    proc.crash('node-a');
    await until(() => proc.of('node-b').length === 4, 4 * TTL);
    const tookMs = Date.now() - crashedAt;
    // the leases were still valid for up to one TTL after the last renewal (ttl/3 before the crash at most)
    expect(tookMs).toBeGreaterThanOrEqual(TTL - TTL / 3 - 100);
    expect(b.owned()).toEqual([0, 1, 2, 3]);
    expect(lostByA.every((p) => proc.log.includes(`node-b+${p}`))).toBe(true);
    expect(proc.violations).toEqual([]);
  });

  it('a clean stop hands the partitions over without waiting for the TTL', async () => {
    env = testEnv();
    const proc = new Processing();
    const a = await manager('node-a', proc);
    const b = await manager('node-b', proc);
    await until(() => proc.of('node-b').length === 2, 5 * TTL);
    await b.stop();
    expect(proc.of('node-b')).toEqual([]);
    expect(proc.log.filter((l) => l.endsWith(':shutdown')).length).toBe(2);
    const stoppedAt = Date.now();
    await until(() => proc.of('node-a').length === 4, 3 * TTL);
    // the next renewal round (ttl/3) picks them up: well before a lapse would allow it
    expect(Date.now() - stoppedAt).toBeLessThan(TTL);
    expect(a.nodes()).toEqual(['node-a']);
    expect(proc.violations).toEqual([]);
  });

  it('a node cut off from NATS stops its partitions before another node may take them', async () => {
    env = testEnv();
    const proc = new Processing();
    const stoppedAt = new Map<number, number>();
    const startedAt = new Map<number, number>();
    const a = await manager('node-a', proc, 0);
    a.on('lost', (p, reason) => {
      if (reason === 'expired') stoppedAt.set(p, Date.now());
    });
    const b = await manager('node-b', proc);
    await until(() => proc.of('node-a').length === 2 && proc.of('node-b').length === 2, 5 * TTL);
    b.on('acquired', (p) => startedAt.set(p, Date.now()));
    const aParts = a.owned();

    await conns[0]!.close(); // node-a is alive but can no longer renew
    await until(() => proc.of('node-b').length === 4, 4 * TTL);
    expect(proc.of('node-a')).toEqual([]);
    for (const p of aParts) {
      expect(stoppedAt.get(p)).toBeDefined();
      expect(startedAt.get(p)).toBeDefined();
      // stopped at ttl/2, taken at ttl: a margin of about ttl/2 between the two
      expect(startedAt.get(p)! - stoppedAt.get(p)!).toBeGreaterThan(TTL / 4);
    }
    expect(proc.violations).toEqual([]);
  });

  it('refuses bad options naming the field', () => {
    env = testEnv();
    const build = (nc: NatsConnection) => new LeaseManager(nc, { streamName: 'S', partitions: 0, nodeId: 'x' });
    expect(() => build(null as unknown as NatsConnection)).toThrow(LeaseError);
    expect(() => build(null as unknown as NatsConnection)).toThrow(/partitions/);
    expect(() => new LeaseManager(null as unknown as NatsConnection, { streamName: 'bad name', partitions: 2, nodeId: 'x' })).toThrow(/streamName/);
  });
});

describe('fair share', () => {
  it('splits every partition exactly once over the live nodes, each getting floor or ceil of P/N', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.integer({ min: 1, max: 1024 }), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }), (p, nodes) => {
        const shares = nodes.map((n) => fairShare(p, nodes, n));
        expect(shares.reduce((s, x) => s + x, 0)).toBe(p);
        for (const s of shares) expect([Math.floor(p / nodes.length), Math.ceil(p / nodes.length)]).toContain(s);
      }),
    );
  });
});
