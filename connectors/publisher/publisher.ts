/**
 * The one publisher of department updates into JetStream.
 *
 * Design: a sliding window of at most `window` messages awaiting their PubAck. A message takes a
 * slot before it is sent and hands it on when it settles (to the oldest waiting caller, or back to
 * the pool), so callers await exactly when the window is full. Each message is JetStream-published
 * with `Nats-Msg-Id: <source>:<id>`; transient failures (timeout, 503 no responders, disconnect)
 * are retried with doubling backoff while keeping the slot, then surface as a coded error.
 * `publishMany` refills a full window in bursts (from half empty) so the client coalesces writes.
 * The hot path allocates only the body string, the publish options and the result.
 */
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { Update } from '../../engine/types.js';
import { ConnectorError } from '../errors.js';
import { PUBLISHER_DEFAULTS, type PublisherOptions } from './options.js';
import { deadLetterSubject, partitionOf, subjectFor } from './partition.js';
import type { DeadLetter, DeadLetterOrigin, PublishOutcome, PublishResult, PublisherStats } from './types.js';

export interface PublisherTarget {
  /** Subject prefix of the stream (`stream.subjectPrefix`). */
  subjectPrefix: string;
  /** Partition count recorded with the stream (use `ensureStreams(...).partitions`). */
  partitions: number;
}

const TRANSIENT = new Set(['TimeoutError', 'JetStreamNotEnabled', 'RequestError', 'NoResponders', 'ConnectionError']);

function isTransient(err: unknown): boolean {
  const e = err as { name?: string; code?: number; message?: string };
  if (e?.name && TRANSIENT.has(e.name)) return true;
  // JetStream API answers 503 while a stream has no leader (e.g. during server restart)
  return e?.name === 'JetStreamApiError' && e.code === 503;
}

interface Pending {
  subject: string;
  body: string;
  msgId: string;
  partition: number;
  source: string;
  kind: string;
  attempt: number;
}

export class Publisher {
  private readonly js: JetStreamClient;
  private readonly prefix: string;
  private readonly partitions: number;
  private readonly window: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly backoffMaxMs: number;
  private readonly ackTimeoutMs: number;
  /** The options' onResult and every `observe` listener, composed; undefined when none (the hot path then skips it). */
  private onResult: ((o: PublishOutcome) => void) | undefined;
  private readonly ownOnResult: ((o: PublishOutcome) => void) | undefined;
  private readonly observers = new Set<(o: PublishOutcome) => void>();

  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private waitHead = 0;
  private idle: (() => void)[] = [];
  private refillers: (() => void)[] = [];
  private readonly lowWater: number;
  private closed = false;

  private published = 0;
  private deadLetters = 0;
  private duplicates = 0;
  private retried = 0;
  private failures = 0;
  private readonly byKind: Record<string, Record<string, number>> = Object.create(null) as Record<string, Record<string, number>>;
  /** subjects per partition and source, built once: `subject = cache[partition][source]` */
  private readonly subjects: Map<string, string>[];

  constructor(js: JetStreamClient, target: PublisherTarget, options: PublisherOptions = {}) {
    const o = { ...PUBLISHER_DEFAULTS, ...options };
    for (const k of ['window', 'backoffMs', 'backoffMaxMs', 'ackTimeoutMs'] as const) {
      if (!(Number.isFinite(o[k]) && o[k] > 0)) throw new RangeError(`publisher option ${k} must be a positive number, got ${o[k]}`);
    }
    if (!(Number.isInteger(o.retries) && o.retries >= 0)) throw new RangeError(`publisher option retries must be a non-negative integer, got ${o.retries}`);
    if (!(Number.isInteger(target.partitions) && target.partitions >= 1)) throw new RangeError(`partitions must be a positive integer, got ${target.partitions}`);
    this.js = js;
    this.prefix = target.subjectPrefix;
    this.partitions = target.partitions;
    this.window = Math.floor(o.window);
    this.lowWater = Math.floor(this.window / 2);
    this.retries = o.retries;
    this.backoffMs = o.backoffMs;
    this.backoffMaxMs = o.backoffMaxMs;
    this.ackTimeoutMs = o.ackTimeoutMs;
    this.ownOnResult = options.onResult;
    this.onResult = options.onResult;
    this.subjects = Array.from({ length: this.partitions }, () => new Map<string, string>());
  }

  /** Publishes one update; resolves once the server stored it (or knew it already). */
  publish(update: Update): Promise<PublishResult> {
    if (this.closed) return Promise.reject(this.closedError());
    const p = this.prepare(update);
    if (this.inFlight < this.window && this.waitHead === this.waiters.length) {
      this.inFlight++;
      return this.send(p);
    }
    return this.slot().then(() => this.send(p));
  }

  /**
   * The batch path: sends as fast as the window allows, resolves with the results in input order,
   * or rejects with the first error once every message of the batch has settled.
   */
  async publishMany(updates: readonly Update[]): Promise<PublishResult[]> {
    if (this.closed) throw this.closedError();
    const promises: Promise<PublishResult>[] = new Array(updates.length);
    for (let i = 0; i < updates.length; i++) {
      const p = this.prepare(updates[i]!);
      // when full, refill in a burst once half the window is free: a burst shares socket writes
      while (this.inFlight >= this.window && this.waitHead === this.waiters.length) await this.refill();
      if (this.inFlight < this.window && this.waitHead === this.waiters.length) this.inFlight++;
      else await this.slot();
      promises[i] = this.send(p);
    }
    const settled = await Promise.allSettled(promises);
    const out: PublishResult[] = new Array(settled.length);
    for (let i = 0; i < settled.length; i++) {
      const s = settled[i]!;
      if (s.status === 'rejected') throw s.reason;
      out[i] = s.value;
    }
    return out;
  }

  /** Publishes a dead letter on `<prefix>.dlq.<origin>`; `msgId` makes re-sends of the same letter idempotent. */
  publishDeadLetter(origin: DeadLetterOrigin, body: DeadLetter, msgId?: string): Promise<PublishResult> {
    if (this.closed) return Promise.reject(this.closedError());
    const p: Pending = {
      subject: deadLetterSubject(this.prefix, origin),
      body: JSON.stringify(body),
      msgId: msgId ?? '',
      partition: -1,
      source: 'dead_letter',
      kind: origin,
      attempt: 0,
    };
    if (this.inFlight < this.window && this.waitHead === this.waiters.length) {
      this.inFlight++;
      return this.send(p);
    }
    return this.slot().then(() => this.send(p));
  }

  /** The partition and subject an update goes to. */
  route(update: Pick<Update, 'householdId' | 'source'>): { partition: number; subject: string } {
    const partition = partitionOf(update.householdId, this.partitions);
    return { partition, subject: this.subjectOf(partition, update.source) };
  }

  /** Resolves when nothing is awaiting a PubAck. */
  flush(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Waits for in-flight messages, then refuses new ones. The connection stays open (the caller owns it). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Adds a listener for every message's final outcome, like options.onResult (metrics); returns its remover. Must not throw or block. */
  observe(listener: (o: PublishOutcome) => void): () => void {
    this.observers.add(listener);
    this.composeOnResult();
    return () => {
      this.observers.delete(listener);
      this.composeOnResult();
    };
  }

  private composeOnResult(): void {
    const all = [...(this.ownOnResult ? [this.ownOnResult] : []), ...this.observers];
    this.onResult = all.length === 0 ? undefined : all.length === 1 ? all[0] : (o) => {
      for (const f of all) f(o);
    };
  }

  stats(): PublisherStats {
    const byKind: Record<string, Record<string, number>> = {};
    for (const s of Object.keys(this.byKind)) byKind[s] = { ...this.byKind[s] };
    return { published: this.published, deadLetters: this.deadLetters, duplicates: this.duplicates, retries: this.retried, failures: this.failures, inFlight: this.inFlight, byKind };
  }

  private subjectOf(partition: number, source: string): string {
    const m = this.subjects[partition]!;
    let s = m.get(source);
    if (s === undefined) {
      s = subjectFor(this.prefix, partition, source);
      m.set(source, s);
    }
    return s;
  }

  private prepare(u: Update): Pending {
    const partition = partitionOf(u.householdId, this.partitions);
    return {
      subject: this.subjectOf(partition, u.source),
      body: JSON.stringify(u),
      msgId: u.source + ':' + u.id,
      partition,
      source: u.source,
      kind: u.kind,
      attempt: 0,
    };
  }

  private refill(): Promise<void> {
    return new Promise((r) => this.refillers.push(r));
  }

  private slot(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Hands the settled message's slot to the oldest waiter, or returns it to the pool. */
  private release(): void {
    if (this.waitHead < this.waiters.length) {
      const next = this.waiters[this.waitHead]!;
      this.waiters[this.waitHead++] = undefined as unknown as () => void;
      if (this.waitHead > 1024 && this.waitHead * 2 > this.waiters.length) {
        this.waiters = this.waiters.slice(this.waitHead);
        this.waitHead = 0;
      }
      next();
      return;
    }
    this.inFlight--;
    if (this.refillers.length && this.inFlight <= this.lowWater) {
      const r = this.refillers;
      this.refillers = [];
      for (const f of r) f();
    }
    if (this.inFlight === 0 && this.idle.length) {
      const idle = this.idle;
      this.idle = [];
      for (const r of idle) r();
    }
  }

  private send(p: Pending): Promise<PublishResult> {
    const opts = p.msgId ? { msgID: p.msgId, timeout: this.ackTimeoutMs } : { timeout: this.ackTimeoutMs };
    return this.js.publish(p.subject, p.body, opts).then(
      (ack) => this.acked(p, ack),
      (err: unknown) => this.failed(p, err),
    );
  }

  private acked(p: Pending, ack: PubAck): PublishResult {
    this.release();
    const duplicate = ack.duplicate === true;
    if (duplicate) this.duplicates++;
    else if (p.partition < 0) this.deadLetters++;
    else {
      this.published++;
      const kinds = this.byKind[p.source] ?? (this.byKind[p.source] = Object.create(null) as Record<string, number>);
      kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    }
    const result: PublishResult = { msgId: p.msgId, subject: p.subject, partition: p.partition, stream: ack.stream, seq: ack.seq, duplicate, retries: p.attempt };
    if (this.onResult) this.onResult({ ok: true, source: p.source as never, kind: p.kind, result });
    return result;
  }

  private async failed(p: Pending, err: unknown): Promise<PublishResult> {
    const transient = isTransient(err);
    if (transient && p.attempt < this.retries && !this.closedConnection(err)) {
      const delay = Math.min(this.backoffMaxMs, this.backoffMs * 2 ** p.attempt);
      p.attempt++;
      this.retried++;
      await new Promise((r) => setTimeout(r, delay));
      // keeps its slot while waiting: the window bounds what is outstanding, retries included
      return this.js.publish(p.subject, p.body, p.msgId ? { msgID: p.msgId, timeout: this.ackTimeoutMs } : { timeout: this.ackTimeoutMs }).then(
        (ack) => this.acked(p, ack),
        (e: unknown) => this.failed(p, e),
      );
    }
    this.release();
    this.failures++;
    const msg = (err as Error)?.message ?? String(err);
    const error = transient
      ? new ConnectorError('LIFELINE_ERR_CONNECTOR_PUBLISH_FAILED', `publish of ${p.msgId || p.subject} to ${p.subject} failed after ${p.attempt + 1} attempts: ${msg}`, {
          cause: err,
          retriable: true,
          details: { subject: p.subject, msgId: p.msgId, attempts: p.attempt + 1 },
        })
      : new ConnectorError('LIFELINE_ERR_CONNECTOR_PUBLISH_REJECTED', `publish of ${p.msgId || p.subject} to ${p.subject} refused: ${msg}`, {
          cause: err,
          retriable: false,
          details: { subject: p.subject, msgId: p.msgId },
        });
    if (this.onResult) this.onResult({ ok: false, source: p.source as never, kind: p.kind, msgId: p.msgId, subject: p.subject, error });
    throw error;
  }

  private closedConnection(err: unknown): boolean {
    const n = (err as Error)?.name;
    return n === 'ClosedConnectionError' || n === 'DrainingConnectionError';
  }

  private closedError(): ConnectorError {
    return new ConnectorError('LIFELINE_ERR_CONNECTOR_PUBLISHER_CLOSED', 'publisher is closed');
  }
}
