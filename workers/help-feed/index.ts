/**
 * The help feed: every alliance project and every referral as its owning engine last committed
 * it, one key per record in the JetStream KV bucket `stream.helpBucket` (history 1: a compacted
 * changelog). Written by the engine through its outbox after each commit (the value read at
 * publish time); every API node watches it into its help view (api/help/view.ts): the registry
 * matching reads, the referral queues and the help statistics.
 */
import { encodedKey, kvPutSubject } from '../../connectors/nats/kv-bucket.js';
import type { Project, Referral } from '../../engine/help/types.js';

export type HelpFeedEntry =
  | { v: 1; kind: 'project'; project: Project; checkpoint: number; partition: number }
  | { v: 1; kind: 'referral'; referral: Referral; checkpoint: number; partition: number };

/** KV key of a project (`p.`) or referral (`r.`): the id in base64url. */
export function helpFeedKey(kind: 'project' | 'referral', id: string): string {
  return encodedKey(kind === 'project' ? 'p' : 'r', id);
}

export function helpFeedSubject(bucket: string, kind: 'project' | 'referral', id: string): string {
  return kvPutSubject(bucket, helpFeedKey(kind, id));
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
