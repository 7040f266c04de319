/**
 * Opens a KV bucket, creating it when absent, as every Lifeline bucket is kept: history 1 (a
 * compacted changelog of its keys). The create is tried again until a deadline
 * (connectors/nats/retry.ts: with a server of a cluster down, nats-server 2.9 may leave one request
 * unanswered); the handle keeps `timeoutMs` for its readers' requests.
 */
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryUntil } from './retry.js';

export interface KvBucketOptions {
  bucket: string;
  replicas: number;
  /** Each request's deadline, the create's and later ones through the handle (ms, default 10,000). */
  timeoutMs?: number;
  /** Give up creating after this long (ms, default 45,000). */
  deadlineMs?: number;
}

export function openKvBucket(nc: NatsConnection, o: KvBucketOptions): Promise<KV> {
  const timeout = o.timeoutMs ?? 10_000;
  const kvm = new Kvm(jetstream(nc, { timeout }));
  return retryUntil(() => kvm.create(o.bucket, { history: 1, replicas: o.replicas, timeout }), { deadlineMs: o.deadlineMs ?? 45_000 });
}

/** KV key `<prefix>.<base64url(id)>`: record ids hold ':' and other characters keys may not. */
export function encodedKey(prefix: string, id: string): string {
  return `${prefix}.${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/** The subject a put of `key` is published on (a KV put is a publish on `$KV.<bucket>.<key>`). */
export function kvPutSubject(bucket: string, key: string): string {
  return `$KV.${bucket}.${key}`;
}
