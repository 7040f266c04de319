/**
 * The help feed: every alliance project and every referral as its owning engine last committed
 * it, one key per record in the JetStream KV bucket `stream.helpBucket` (history 1: a compacted
 * changelog). Written by the engine through its outbox after each commit (the value read at
 * publish time); every API node watches it into its help view (api/help/view.ts): the registry
 * matching reads, the referral queues and the help statistics.
 */
import { Kvm, type KV } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { retryUntil } from '../../connectors/nats/retry.js';
import type { Project, Referral } from '../../engine/help/types.js';

export type HelpFeedEntry =
  | { v: 1; kind: 'project'; project: Project; checkpoint: number; partition: number }
  | { v: 1; kind: 'referral'; referral: Referral; checkpoint: number; partition: number };

/** KV keys may not hold ':' (referral ids do), hence base64url. */
export function helpFeedKey(kind: 'project' | 'referral', id: string): string {
  return `${kind === 'project' ? 'p' : 'r'}.${Buffer.from(id, 'utf8').toString('base64url')}`;
}

export function helpFeedSubject(bucket: string, kind: 'project' | 'referral', id: string): string {
  return `$KV.${bucket}.${helpFeedKey(kind, id)}`;
}

export async function openHelpFeed(nc: NatsConnection, opts: { bucket: string; replicas: number; timeoutMs?: number; deadlineMs?: number }): Promise<KV> {
  // an unanswered request is tried again until the deadline (connectors/nats/retry.ts); the handle keeps the 10 s timeout its readers had
  const timeout = opts.timeoutMs ?? 10_000;
  const kvm = new Kvm(jetstream(nc, { timeout }));
  return retryUntil(() => kvm.create(opts.bucket, { history: 1, replicas: opts.replicas, timeout }), { deadlineMs: opts.deadlineMs ?? 45_000 });
}

export function parseHelpFeedEntry(data: Uint8Array): HelpFeedEntry | null {
  try {
    const v = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as Partial<HelpFeedEntry> & { project?: Project; referral?: Referral };
    if (v?.v !== 1 || typeof v.checkpoint !== 'number') return null;
    if (v.kind === 'project' && typeof v.project?.id === 'string') return v as HelpFeedEntry;
    if (v.kind === 'referral' && typeof v.referral?.id === 'string') return v as HelpFeedEntry;
    return null;
  } catch {
    return null;
  }
}
