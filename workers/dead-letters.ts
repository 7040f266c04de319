/**
 * Dead letters kept by the engine: list them, and replay them (after a fix upstream, or after
 * the household they named was loaded) by republishing their bodies through the Publisher.
 * A replayed letter is marked, not deleted: the record of what went wrong stays. The mark is a
 * message on the letter's partition (`{"deadLetterReplayed": …}`), applied by the engine worker,
 * which alone writes the store, and audited there.
 */
import { jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Publisher } from '../connectors/publisher/index.js';
import { commandSubject } from './commands/index.js';
import type { Update } from '../engine/types.js';
import { listDeadLetters, type DeadLetter, type Store } from './store/index.js';

export { listDeadLetters };

export interface ReplayOutcome {
  partition: number;
  seq: number;
  /** 'published', 'skipped' (already replayed, unless `again`), or 'unreadable' (body is not a JSON object). */
  outcome: 'published' | 'skipped' | 'unreadable';
}

export interface ReplayOptions {
  partition?: number;
  /** Replay letters that were already replayed once (default false). */
  again?: boolean;
  /** Only letters with this rejection code. */
  code?: string;
  limit?: number;
}

/** Republishes matching dead letters; marks each one published with its replay time. */
export async function replayDeadLetters(store: Store, publisher: Publisher, nc: NatsConnection, prefix: string, opts: ReplayOptions & { actor?: string } = {}): Promise<ReplayOutcome[]> {
  const letters = listDeadLetters(store, { ...(opts.partition === undefined ? {} : { partition: opts.partition }), limit: opts.limit ?? 1000 }).filter(
    (l) => opts.code === undefined || l.code === opts.code,
  );
  const out: ReplayOutcome[] = [];
  const sends: Promise<unknown>[] = [];
  const marked: DeadLetter[] = [];
  for (const l of letters) {
    if (l.replayedAt !== null && !opts.again) {
      out.push({ partition: l.partition, seq: l.seq, outcome: 'skipped' });
      continue;
    }
    let body: unknown;
    try {
      body = JSON.parse(l.raw);
    } catch {
      body = null;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof (body as Update).householdId !== 'string' || typeof (body as Update).source !== 'string') {
      out.push({ partition: l.partition, seq: l.seq, outcome: 'unreadable' });
      continue;
    }
    sends.push(publisher.publish(body as Update));
    marked.push(l);
    out.push({ partition: l.partition, seq: l.seq, outcome: 'published' });
  }
  await Promise.all(sends);
  const at = Date.now();
  const js = jetstream(nc);
  await Promise.all(
    marked.map((l) => {
      const h = headers();
      h.set('Nats-Msg-Id', `dlreplay:${l.partition}:${l.seq}:${at}`);
      return js.publish(commandSubject(prefix, l.partition), JSON.stringify({ deadLetterReplayed: { seq: l.seq, at, actor: opts.actor ?? 'cli' } }), { headers: h });
    }),
  );
  return out;
}
