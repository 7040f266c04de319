/**
 * The raw consumer the engine is held against: per partition one durable pull consumer on
 * `<prefix>.upd.<p>.>` (AckAll, callback mode), whatever is queued (≤ `batch`) is acked by its
 * last message and nothing else is done. Each acked batch is reported with its time, so a caller
 * can time every message exactly as it times the engine's commits (see CommitLog).
 */
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';

export interface AckOnlyOptions {
  stream: string;
  subjectPrefix: string;
  partitions: number;
  /** Most messages acked by one AckAll (messages; the engine's batchMax, default 500). */
  batch?: number;
  /** Messages each pull asks for (messages; default 2 × batch, as the engine). */
  pullMessages?: number;
  /** Unacknowledged messages allowed per consumer (default 5000, as the engine). */
  maxAckPending?: number;
  /** Added to the durable names so several runs can read one stream. */
  tag: string;
  /** Called after each ack: the batch's last stream sequence and the time (performance.now(), ms). */
  onBatch(partition: number, lastSeq: number, count: number, at: number): void;
}

export interface AckOnlyConsumers {
  /** Messages acked so far. */
  readonly acked: number;
  stop(): Promise<void>;
}

export async function startAckOnlyConsumers(js: JetStreamClient, jsm: JetStreamManager, o: AckOnlyOptions): Promise<AckOnlyConsumers> {
  const batchMax = o.batch ?? 500;
  const stops: (() => Promise<unknown>)[] = [];
  const state = { acked: 0 };
  for (let p = 0; p < o.partitions; p++) {
    const name = `${o.stream}_${o.tag}_p${p}`;
    await jsm.consumers.add(o.stream, {
      durable_name: name,
      filter_subject: `${o.subjectPrefix}.upd.${p}.>`,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: o.maxAckPending ?? 5000,
    });
    const c = await js.consumers.get(o.stream, name);
    const queue: JsMsg[] = [];
    let scheduled = false;
    // setImmediate lets a burst arriving in one read be acked as one batch, as the engine batches it
    const drain = (): void => {
      scheduled = false;
      while (queue.length) {
        const batch = queue.splice(0, batchMax);
        const last = batch[batch.length - 1]!;
        last.ack();
        state.acked += batch.length;
        o.onBatch(p, last.seq, batch.length, performance.now());
      }
    };
    const msgs = await c.consume({
      max_messages: o.pullMessages ?? batchMax * 2,
      callback: (m) => {
        queue.push(m);
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      },
    });
    stops.push(() => msgs.close());
  }
  return {
    get acked() {
      return state.acked;
    },
    async stop() {
      await Promise.all(stops.map((s) => s().catch(() => undefined)));
    },
  };
}
