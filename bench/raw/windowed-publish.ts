/**
 * Raw JetStream async publish, the transport limit a publishing path is held against: pre-built
 * subjects, bodies and message ids, `js.publish` in windows (publish `window`, await them all,
 * repeat). Use it on a `noAsyncTraces` connection, as limits.md measured it.
 */
import type { JetStreamClient } from '@nats-io/jetstream';

export interface RawRow {
  subject: string;
  body: string;
  /** Sent as Nats-Msg-Id (the server's de-duplication key). */
  msgId: string;
}

/** Publishes every row; resolves with the seconds it took (the first publish to the last PubAck). */
export async function windowedPublish(js: JetStreamClient, rows: readonly RawRow[], window = 1000, onProgress?: (done: number) => void): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += window) {
    const end = Math.min(rows.length, i + window);
    const acks: Promise<unknown>[] = new Array(end - i);
    for (let j = i; j < end; j++) {
      const r = rows[j]!;
      acks[j - i] = js.publish(r.subject, r.body, { msgID: r.msgId });
    }
    await Promise.all(acks);
    onProgress?.(end);
  }
  return (performance.now() - t0) / 1000;
}
