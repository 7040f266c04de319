/**
 * The alert feed: every alert as its owning engine last committed it, one key per alert in the
 * JetStream KV bucket `stream.alertsBucket` (history 1: a compacted changelog, as Kafka Streams
 * keeps one per store). The engine writes it through its outbox after each commit (at least once,
 * the value read at publish time, so a late put never carries an older state than the store's);
 * every API node of a multi-node deployment watches it into its city view (api/cluster/).
 */
import { encodedKey, kvPutSubject } from '../../connectors/nats/kv-bucket.js';
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

/** KV key of an alert (`a.` + its id in base64url). */
export function alertFeedKey(alertId: string): string {
  return encodedKey('a', alertId);
}

/** The subject a put of `alertId` is published on. */
export function alertFeedSubject(bucket: string, alertId: string): string {
  return kvPutSubject(bucket, alertFeedKey(alertId));
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
