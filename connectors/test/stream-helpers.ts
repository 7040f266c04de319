/** Test helpers: read back what a stream really holds (ordered consumer over the real server). */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Update } from '../../engine/types.js';

export interface StoredMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  body: unknown;
}

/** Every message currently in the stream, in order. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StoredMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const out: StoredMessage[] = [];
  if (total === 0) return out;
  const c = await jetstream(nc).consumers.get(stream);
  while (out.length < total) {
    const batch = await c.fetch({ max_messages: Math.min(1000, total - out.length), expires: 2000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || undefined, body: m.json() });
    }
    if (got === 0) break;
  }
  await c.delete().catch(() => undefined);
  return out;
}

export async function streamCount(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(stream)).state.messages;
}

const SOURCES = [
  ['medical_insurance', 'medical_claim'],
  ['health', 'major_disease_diagnosed'],
  ['civil_affairs', 'death_registered'],
  ['education', 'student_dropout'],
] as const;

/** Envelope-shaped updates for publisher tests (the publisher does not validate payloads). */
export function makeUpdates(n: number, tag = 'u'): Update[] {
  const out: Update[] = [];
  for (let i = 0; i < n; i++) {
    const [source, kind] = SOURCES[i % SOURCES.length]!;
    out.push({
      id: `${tag}-${i}`,
      source,
      kind,
      householdId: `H${(i * 7919) % 100_003}`,
      personId: `P${i}`,
      occurredAt: 1_790_000_000_000 + i,
      payload: { amountCny: 100 + i },
    });
  }
  return out;
}
