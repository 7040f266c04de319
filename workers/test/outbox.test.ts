/**
 * The outbox publisher against the real audit stream: rows committed by a worker thread are found
 * even when this thread's read snapshot is older than that commit, and rows a failed round left
 * behind are published by the retry timer without waiting for the partition's next batch.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureAuditStream } from '../../connectors/audit/stream.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { waitFor } from '../../bench/harness/wait.js';
import { OutboxPublisher } from '../outbox.js';
import { openStore, type OutboxKey, type OutboxRow, type Store } from '../store/index.js';

const opened: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function setup(): Promise<{ env: TestEnv; nc: NatsConnection; store: Store }> {
  const env = testEnv();
  opened.push(() => env.cleanup());
  const nc = await testConnection();
  opened.push(() => nc.close());
  const store = openStore({ path: env.config.lmdb.path });
  opened.push(() => store.close());
  return { env, nc, store };
}

const row = (p: number, seq: number): { key: OutboxKey; value: OutboxRow } => ({
  key: [p, seq, 0],
  value: { kind: 'audit', msgId: `outbox-test:${p}:${seq}`, body: { at: seq, actor: 'system', role: null, township: null, action: 'alert.expire', target: `h${seq}:1:hardship`, requestId: null, before: null, after: null } },
});

async function auditCount(nc: NatsConnection, env: TestEnv): Promise<number> {
  return (await (await jetstreamManager(nc)).streams.info(env.config.stream.auditName)).state.messages;
}

describe('outbox publisher', () => {
  it("finds rows another thread committed after this thread's read snapshot was taken", async () => {
    const { env, nc, store } = await setup();
    await ensureAuditStream(await jetstreamManager(nc), env.config.stream);
    const outbox = new OutboxPublisher(store, jetstream(nc), { prefix: env.config.stream.subjectPrefix, retryEveryMs: 0 });
    opened.push(() => outbox.stop());
    const done = new Int32Array(new SharedArrayBuffer(4));
    // the writer opens the same environment from its own thread, as the engine's batch task does
    const writer = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.store).then(({ openStore }) => {
         const store = openStore({ path: workerData.path });
         parentPort.on('message', (rows) => {
           store.env.transactionSync(() => { for (const r of rows) store.outbox.putSync(r.key, r.value); });
           Atomics.store(workerData.done, 0, 1);
           Atomics.notify(workerData.done, 0);
         });
         parentPort.postMessage('ready');
       });`,
      { eval: true, workerData: { store: join(process.cwd(), 'dist', 'workers', 'store', 'index.js'), path: env.config.lmdb.path, done } },
    );
    opened.push(() => writer.terminate());
    await new Promise<void>((resolve, reject) => {
      writer.once('message', () => resolve());
      writer.once('error', reject);
    });
    const rows = [row(2, 10), row(2, 11), row(2, 12)];
    // one synchronous stretch: read (this thread's snapshot), let the other thread commit, flush
    expect(store.outbox.getKeysCount()).toBe(0);
    writer.postMessage(rows);
    expect(Atomics.wait(done, 0, 0, 10_000)).not.toBe('timed-out');
    const flushed = outbox.flush(2);
    await flushed;
    expect(outbox.published).toBe(3);
    expect(await auditCount(nc, env)).toBe(3);
    store.env.resetReadTxn();
    expect(store.outbox.getKeysCount()).toBe(0);
  });

  it("publishes rows a failed round left behind by its retry timer, without the partition's next batch", async () => {
    const { env, nc, store } = await setup();
    const errors: string[] = [];
    const outbox = new OutboxPublisher(store, jetstream(nc), { prefix: env.config.stream.subjectPrefix, retryEveryMs: 100, ackTimeoutMs: 1000, onError: (e) => errors.push(e.message) });
    opened.push(() => outbox.stop());
    for (const r of [row(1, 5), row(3, 7), row(3, 8)]) await store.outbox.put(r.key, r.value);
    // no audit stream yet: the round fails and the rows stay
    await outbox.flush(1);
    expect(errors.length).toBeGreaterThan(0);
    expect(outbox.published).toBe(0);
    // the stream appears; nothing else happens on partitions 1 and 3
    await ensureAuditStream(await jetstreamManager(nc), env.config.stream);
    await waitFor('the retry timer published every row', () => outbox.published === 3, { timeoutMs: 10_000, everyMs: 20 });
    expect(await auditCount(nc, env)).toBe(3);
    store.env.resetReadTxn();
    expect(store.outbox.getKeysCount()).toBe(0);
  });
});
