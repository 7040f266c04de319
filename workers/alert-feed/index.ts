/**
 * The alert feed: every alert as its owning engine last committed it, one key per alert in the
 * JetStream KV bucket `stream.alertsBucket` (history 1: a compacted changelog, as Kafka Streams
 * keeps one per store). The engine writes it through its outbox after each commit (at least once,
 * the value read at publish time, so a late put never carries an older state than the store's);
 * every API node of a multi-node deployment watches it into its city view (api/cluster/).
 */
import { Kvm, type KV } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryUntil } from '../../connectors/nats/retry.js';
import type { Alert } from '../../engine/alerts/types.js';

/** What the feed keeps per alert. */
export interface AlertFeedEntry {
  v: 1;
  alert: Alert;
  /** Names and ID numbers of the household's persons: readers mask them in the alert's texts for roles that may not see them. */
  persons: { name: string; idNumber: string; alive?: boolean }[];
  /** The partition's checkpoint (stream sequence) the value was read at: a reader keeps the higher of two. */
  checkpoint: number;
  partition: number;
}

/** KV key of an alert: alert ids hold ':' which KV keys may not, hence base64url. */
export function alertFeedKey(alertId: string): string {
  return `a.${Buffer.from(alertId, 'utf8').toString('base64url')}`;
}

/** The subject a put of `alertId` is published on (a KV put is a publish on `$KV.<bucket>.<key>`). */
export function alertFeedSubject(bucket: string, alertId: string): string {
  return `$KV.${bucket}.${alertFeedKey(alertId)}`;
}

/** Opens the bucket, creating it when absent (history 1, `replicas` copies). */
export async function openAlertFeed(nc: NatsConnection, opts: { bucket: string; replicas: number; timeoutMs?: number; deadlineMs?: number }): Promise<KV> {
  // an unanswered request is tried again until the deadline (connectors/nats/retry.ts); the handle keeps the 10 s timeout its readers had
  const timeout = opts.timeoutMs ?? 10_000;
  const kvm = new Kvm(jetstream(nc, { timeout }));
  return retryUntil(() => kvm.create(opts.bucket, { history: 1, replicas: opts.replicas, timeout }), { deadlineMs: opts.deadlineMs ?? 45_000 });
}

/** Parses a feed value; null when it is not one (a reader skips it and says so). */
export function parseAlertFeedEntry(data: Uint8Array): AlertFeedEntry | null {
  try {
    const v = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as Partial<AlertFeedEntry>;
    if (v?.v !== 1 || typeof v.alert?.id !== 'string' || !Array.isArray(v.persons) || typeof v.checkpoint !== 'number') return null;
    return v as AlertFeedEntry;
  } catch {
    return null;
  }
}
