import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../connectors/audit/index.js';
import { KeyResolver, KvKeyStore, issueKey, revokeKey } from '../auth/index.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';

/** Everything a test opens, closed even when it fails. */
const opened: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});
async function setup(): Promise<{ env: TestEnv; a: NatsConnection; b: NatsConnection }> {
  const env = testEnv();
  opened.push(() => env.cleanup());
  const a = await testConnection();
  opened.push(() => a.close());
  const b = await testConnection();
  opened.push(() => b.close());
  return { env, a, b };
}
async function store(nc: NatsConnection, env: TestEnv): Promise<KvKeyStore> {
  const s = await KvKeyStore.open(nc, { bucket: env.config.stream.keysBucket, replicas: env.config.stream.replicas });
  opened.push(() => s.close());
  return s;
}
/** Waits for a condition another node's watch makes true; the deadline is the promise under test ("within seconds"). */
async function within(ms: number, what: string, cond: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('API keys in JetStream KV', () => {
  it('a key issued on one node works on another; revoked on one, every node refuses it within seconds', async () => {
    const { env, a, b } = await setup();
    const nodeA = await store(a, env);
    const nodeB = await store(b, env);
    const resolverA = new KeyResolver([], nodeA);
    const resolverB = new KeyResolver([], nodeB);

    const issued = await issueKey('caseworker', ['330106001'], { store: nodeA });
    expect(resolverA.resolve(issued.token)?.keyId).toBe(issued.record.id); // the issuing node at once
    await within(5000, 'node B sees the new key', () => resolverB.resolve(issued.token) !== null);
    expect(resolverB.resolve(issued.token)).toMatchObject({ keyId: issued.record.id, role: 'caseworker' });

    expect(await revokeKey(nodeA, issued.record.id)).toBe(true);
    expect(resolverA.resolve(issued.token)).toBeNull();
    await within(5000, 'node B refuses the revoked key', () => resolverB.resolve(issued.token) === null);
    expect(nodeB.list().find((r) => r.id === issued.record.id)?.revokedAt).not.toBeNull();
  });

  it('a node started later loads every key; the token itself is never stored', async () => {
    const { env, a, b } = await setup();
    const first = await store(a, env);
    const keys = [await issueKey('admin', [], { store: first }), await issueKey('analyst', [], { store: first }), await issueKey('integration', [], { store: first })];
    await revokeKey(first, keys[1]!.record.id);
    const later = await store(b, env);
    expect(later.list().map((r) => r.id).sort()).toEqual(keys.map((k) => k.record.id).sort());
    const resolver = new KeyResolver([], later);
    expect(resolver.resolve(keys[0]!.token)?.role).toBe('admin');
    expect(resolver.resolve(keys[1]!.token)).toBeNull();
    expect(resolver.resolve(keys[2]!.token)?.role).toBe('integration');
    expect(JSON.stringify(later.list())).not.toContain(keys[0]!.token.slice('lifeline_'.length));
  });

  it('issuing and revoking write audit rows naming who did it, without the key hash', async () => {
    const { env, a } = await setup();
    const keys = await store(a, env);
    const log = await openAuditLog(a, env.config);
    const audit = { log, actor: 'system', role: null, requestId: 'cli-1' };
    const issued = await issueKey('caseworker', ['t1'], { store: keys, audit });
    await revokeKey(keys, issued.record.id, issued.record.createdAt + 1000, audit);
    const page = await log.read({ limit: 10, target: issued.record.id });
    expect(page.items.map((r) => [r.action, r.actor, r.requestId])).toEqual([
      ['key.issue', 'system', 'cli-1'],
      ['key.revoke', 'system', 'cli-1'],
    ]);
    expect(page.items[1]!.before).toMatchObject({ id: issued.record.id, revokedAt: null });
    expect(page.items[1]!.after).toMatchObject({ id: issued.record.id, revokedAt: issued.record.createdAt + 1000 });
    expect(JSON.stringify(page.items)).not.toContain(issued.record.sha256);
  });
});
