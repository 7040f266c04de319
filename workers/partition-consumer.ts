/**
 * One partition: a durable pull consumer feeding batches to the worker pool, one batch in flight.
 *
 * Design note (state machine): stopped → starting (consumer re-created at checkpoint + 1: the
 * checkpoint in LMDB is the truth) → running (messages queue; when no batch is in flight the
 * partition asks the process's PoolSlots for a slot, and only when it gets one does whatever is
 * queued, up to batchMax, go to a worker — slots go to the partition with the oldest queued
 * message; the batch's last message is acked after the commit — AckAll) → stopping (no new batches; the in-flight one finishes and is acked) →
 * stopped. A failed batch (worker crash, write error) is retried message by message ("isolating")
 * so the culprit is found; a message that fails maxDeliver times is written as a dead letter with
 * the checkpoint moved past it, and the partition flows on.
 *
 * Consumer settings, from measurements (shared/limits.md, same machine): AckAll on the batch's
 * last message in callback mode consumed 112–124k msgs/s vs 70–80k for one explicit ack per
 * message; max_ack_pending (engine.maxAckPending, 5000) must exceed a full batch plus the next
 * one queued (2 × batchMax) or the server stops delivering while a batch commits; ack_wait
 * (engine.ackWaitSec, 30 s) is far above a batch's commit time, and a redelivery is harmless
 * anyway (skipped by sequence here and by the checkpoint in the worker); max_deliver is left
 * unlimited on the server because attempts are counted here, against engine.maxDeliver.
 */
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Piscina } from 'piscina';
import type { Config } from '../config/index.js';
import { BatchFailedError } from './errors.js';
import type { EngineMetrics } from './metrics.js';
import { consumerName, type EngineTuning } from './options.js';
import type { PoolSlots, SlotWaiter } from './pool-slots.js';
import { getCheckpoint, type Store, type DeadLetter } from './store/index.js';
import { packBatch, type BatchResult, type BatchTask } from './types.js';

interface Queued {
  msg: JsMsg;
  seq: number;
  receivedAt: number;
  /** JetStream store time, epoch ms with its fraction (metrics; receivedAt is whole ms for the engine). */
  storedAt: number;
}

export interface PartitionDeps {
  partition: number;
  config: Readonly<Config>;
  tuning: EngineTuning;
  js: JetStreamClient;
  jsm: JetStreamManager;
  pool: Piscina<BatchTask, BatchResult>;
  /** The pool's batch slots, shared by the process's partitions (oldest waiting message first). */
  slots: PoolSlots;
  /** The main thread's handle on the store (checkpoint reads, poison dead letters). */
  store: Store;
  metrics: EngineMetrics | undefined;
  onResult(r: BatchResult): void;
  onError(err: Error): void;
}

export type PartitionState = 'stopped' | 'starting' | 'running' | 'stopping';

export interface PartitionStatus {
  partition: number;
  state: PartitionState;
  checkpoint: number;
  /** Running, and everything the stream held for it when it started is applied: its state may be served as current. */
  caughtUp: boolean;
  queued: number;
  inFlight: number;
  batches: number;
  applied: number;
  rejected: number;
  poisoned: number;
}

export class PartitionConsumer implements SlotWaiter {
  private state: PartitionState = 'stopped';
  private queue: Queued[] = [];
  private head = 0;
  private inFlight: Promise<void> | null = null;
  private inFlightCount = 0;
  private scheduled = false;
  /** Waiting for a pool slot: the batch is formed when it comes (onSlot). */
  private awaitingSlot = false;
  private messages: ConsumerMessages | null = null;
  private highestSeen = 0;
  private checkpoint = 0;
  /** Messages still to be sent one at a time after a failed batch. */
  private isolate = 0;
  private readonly failures = new Map<number, number>();
  private resetCache = true;
  private stats = { batches: 0, applied: 0, rejected: 0, poisoned: 0 };
  /** Sequence to commit before the partition counts as caught up (0: it is; Infinity: the last of the start's backlog has not arrived yet). */
  private catchUpTo = Infinity;
  /** Counts starts and stops: a start whose number is no longer current was overtaken by a stop. */
  private runs = 0;

  constructor(private readonly d: PartitionDeps) {}

  get partition(): number {
    return this.d.partition;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.state = 'starting';
    const run = ++this.runs;
    try {
      await this.open(run);
    } catch (err) {
      if (this.runs === run) this.state = 'stopped';
      throw err;
    }
  }

  /** The start's steps; a stop() while they run (another `runs`) ends them without consuming. */
  private async open(run: number): Promise<void> {
    const { config, partition, jsm, js } = this.d;
    const stream = config.stream.name;
    const name = consumerName(stream, partition, this.d.tuning.consumerTag);
    this.d.store.env.resetReadTxn();
    this.checkpoint = getCheckpoint(this.d.store, partition);
    this.highestSeen = this.checkpoint;
    this.queue = [];
    this.head = 0;
    this.isolate = 0;
    this.failures.clear();
    this.resetCache = true;
    await jsm.consumers.delete(stream, name).catch(() => undefined); // its delivery state is not the truth; the checkpoint is
    const created = await jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: `${config.stream.subjectPrefix}.upd.${partition}.>`,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.checkpoint + 1,
      ack_wait: Math.round(config.engine.ackWaitSec * 1e9),
      max_deliver: -1, // poison messages are counted and dead-lettered here, so the server never drops one silently
      max_ack_pending: config.engine.maxAckPending,
    });
    // what the stream held when this start began must be applied before the partition is served as current
    this.catchUpTo = created.num_pending === 0 ? 0 : Infinity;
    if (this.runs !== run) return; // stopped while the consumer was being created: a stopped partition never consumes
    const consumer = await js.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: this.d.tuning.pullMessages, callback: (m) => this.onMessage(m) });
    if (this.runs !== run) {
      await messages.close().catch(() => undefined);
      return;
    }
    this.messages = messages;
    this.state = 'running';
  }

  /** Stops taking messages, lets the in-flight batch commit and be acked. Queued messages are left for redelivery. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.runs++; // a start still in progress gives up
    this.state = 'stopping';
    this.d.slots.cancel(this);
    this.awaitingSlot = false;
    const m = this.messages;
    this.messages = null;
    if (m) await m.close().catch(() => undefined);
    while (this.inFlight) await this.inFlight;
    this.queue = [];
    this.head = 0;
    this.state = 'stopped';
  }

  status(): PartitionStatus {
    return {
      partition: this.d.partition,
      state: this.state,
      checkpoint: this.checkpoint,
      caughtUp: this.state === 'running' && this.checkpoint >= this.catchUpTo,
      queued: this.queue.length - this.head,
      inFlight: this.inFlightCount,
      ...this.stats,
    };
  }

  /** Messages received but not yet committed (queued + in flight). */
  get backlog(): number {
    return this.queue.length - this.head + this.inFlightCount;
  }

  private onMessage(msg: JsMsg): void {
    const seq = msg.seq;
    if (seq <= this.highestSeen) return; // a redelivery of a message we hold or have committed
    this.highestSeen = seq;
    if (this.catchUpTo === Infinity && msg.info.pending === 0) this.catchUpTo = seq;
    // the stream's store time: the same message gets the same receive time on every delivery, so replays are identical
    const storedAt = Number(msg.info.timestampNanos) / 1e6;
    this.queue.push({ msg, seq, receivedAt: Math.floor(storedAt), storedAt });
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.scheduled || this.inFlight || this.awaitingSlot || this.state !== 'running') return;
    this.scheduled = true;
    // setImmediate lets a burst arriving in one read land in one batch
    if (delayMs > 0) setTimeout(() => this.dispatch(), delayMs);
    else setImmediate(() => this.dispatch());
  }

  private dispatch(): void {
    this.scheduled = false;
    if (this.inFlight || this.awaitingSlot || this.state !== 'running' || this.queue.length === this.head) return;
    if (this.d.slots.acquire(this)) this.send();
    else this.awaitingSlot = true;
  }

  oldest(): number {
    return this.head < this.queue.length ? this.queue[this.head]!.storedAt : Infinity;
  }

  onSlot(): void {
    this.awaitingSlot = false;
    if (this.inFlight || this.state !== 'running' || this.queue.length === this.head) this.d.slots.release();
    else this.send();
  }

  /** Holding a slot: everything queued now, up to batchMax, goes to a worker. */
  private send(): void {
    const available = this.queue.length - this.head;
    const take = this.isolate > 0 ? 1 : Math.min(available, this.d.config.engine.batchMax);
    const batch = this.queue.slice(this.head, this.head + take);
    this.head += take;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.inFlightCount = take;
    this.inFlight = this.run(batch).finally(() => {
      this.inFlight = null;
      this.inFlightCount = 0;
      if (this.state === 'running' && this.queue.length > this.head) this.schedule(0);
    });
  }

  private async run(batch: Queued[]): Promise<void> {
    let result: BatchResult;
    try {
      const { task, transfer } = packBatch(
        this.d.partition,
        batch.map((q) => ({ data: q.msg.data, seq: q.seq, receivedAt: q.receivedAt })),
        this.resetCache,
      );
      result = await this.d.pool.run(task, { transferList: transfer });
    } catch (err) {
      this.d.slots.release();
      await this.failed(batch, err);
      return;
    }
    this.d.slots.release(); // first: the next batch goes to the worker before this one's ack and listeners run
    this.resetCache = false;
    if (this.isolate > 0) this.isolate--;
    for (const q of batch) this.failures.delete(q.seq);
    this.checkpoint = Math.max(this.checkpoint, result.checkpoint);
    batch[batch.length - 1]!.msg.ack(); // AckAll: acknowledges the whole batch
    this.stats.batches++;
    this.stats.applied += result.applied;
    this.stats.rejected += result.rejected;
    if (this.d.metrics) this.d.metrics.record(result, batch.map((q) => q.storedAt), performance.timeOrigin + performance.now());
    this.d.onResult(result);
  }

  private async failed(batch: Queued[], err: unknown): Promise<void> {
    this.d.metrics?.batchFailed(this.d.partition);
    this.resetCache = true;
    // put the batch back in front, in order
    this.head -= batch.length;
    if (this.head < 0) {
      this.queue = [...batch, ...this.queue.slice(this.head + batch.length)];
      this.head = 0;
    } else {
      for (let i = 0; i < batch.length; i++) this.queue[this.head + i] = batch[i]!;
    }
    if (batch.length > 1) {
      this.isolate = batch.length; // find the culprit one message at a time
      return;
    }
    const q = batch[0]!;
    const attempts = (this.failures.get(q.seq) ?? Math.max(0, q.msg.info.deliveryCount - 1)) + 1;
    this.failures.set(q.seq, attempts);
    if (attempts < this.d.config.engine.maxDeliver) {
      await new Promise((r) => setTimeout(r, this.d.tuning.retryBackoffMs * attempts));
      return;
    }
    // maxDeliver reached: keep it as a dead letter, move the checkpoint past it, ack, flow on
    this.head++;
    if (this.isolate > 0) this.isolate--;
    this.failures.delete(q.seq);
    const cause = new BatchFailedError(this.d.partition, err);
    await this.poison(q, cause);
    this.d.onError(cause);
  }

  private async poison(q: Queued, cause: BatchFailedError): Promise<void> {
    const { store, partition, config } = this.d;
    const raw = Buffer.from(q.msg.data).toString('utf8');
    const letter: DeadLetter = {
      origin: 'engine',
      code: 'LIFELINE_ERR_WORKERS_POISON',
      reason: `crashed its worker ${config.engine.maxDeliver} times: ${cause.message}`,
      issues: [],
      partition,
      seq: q.seq,
      subject: q.msg.subject,
      raw,
      receivedAt: q.receivedAt,
      replayedAt: null,
    };
    store.env.transactionSync(() => {
      store.deadLetters.putSync([partition, q.seq], letter);
      if ((store.checkpoints.get(partition) ?? 0) < q.seq) store.checkpoints.putSync(partition, q.seq);
    });
    this.checkpoint = Math.max(this.checkpoint, q.seq);
    q.msg.ack();
    this.stats.poisoned++;
    this.d.metrics?.deadLettered('poison', 1);
  }
}
