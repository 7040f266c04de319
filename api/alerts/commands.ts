/**
 * The API side of caseworker actions: each action is published as a command on the household's
 * partition (workers/commands), and the answer is the engine's outcome after its commit, not a
 * write of our own. Outcomes arrive on `<prefix>.cmdout.*`; when the stream says the command is a
 * duplicate (a client retry within the duplicate window), or an outcome is late, the partition's
 * owner is asked for it (`<prefix>.cmdq.<p>`). A retry with the same request id gets the first
 * outcome.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { streamPartitions } from '../../connectors/publisher/stream.js';
import { commandMsgId, commandSubject, helpRouteKey, lookupSubject, outcomeSubject, type AlertCommand, type HelpCommand, type LookupReply, type OutcomeMessage } from '../../workers/commands/index.js';
import { ApiError } from '../errors.js';

export interface CommandClientOptions {
  /** How long an action waits for its outcome before answering 504 (ms, default 5000). */
  timeoutMs?: number;
  /** How often a waiting action asks the partition's owner for its outcome (ms, default 500). */
  lookupEveryMs?: number;
}

interface Waiter {
  resolve(m: OutcomeMessage): void;
  promise: Promise<OutcomeMessage>;
}

export class CommandClient {
  private readonly js: JetStreamClient;
  private readonly sub: Subscription;
  private readonly waiters = new Map<string, Waiter>();
  private partitions: Promise<number> | null = null;
  private readonly enc = new TextEncoder();
  private readonly dec = new TextDecoder();
  private readonly timeoutMs: number;
  private readonly lookupEveryMs: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly config: Readonly<Config>,
    opts: CommandClientOptions = {},
  ) {
    this.js = jetstream(nc);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.lookupEveryMs = opts.lookupEveryMs ?? 500;
    this.sub = nc.subscribe(outcomeSubject(config.stream.subjectPrefix, '*'), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const m = JSON.parse(this.dec.decode(msg.data)) as OutcomeMessage;
          this.waiters.get(m.outcome.key)?.resolve(m);
        } catch {
          // not ours to judge: a malformed outcome is ignored, the look-up finds the stored one
        }
      },
    });
  }

  private partitionCount(): Promise<number> {
    this.partitions ??= jetstreamManager(this.nc)
      .then((jsm) => streamPartitions(jsm, this.config.stream.name))
      .catch((err: unknown) => {
        this.partitions = null;
        throw err;
      });
    return this.partitions;
  }

  /** Publishes the command and waits for its outcome (504 past the timeout, 503 when the stream is unreachable). */
  send(cmd: AlertCommand): Promise<OutcomeMessage> {
    return this.publish(cmd.key, cmd.householdId, JSON.stringify({ command: cmd }));
  }

  /** A help-loop command, routed to the partition of its home key (the project, or the household). */
  sendHelp(cmd: HelpCommand): Promise<OutcomeMessage> {
    const route = helpRouteKey(cmd);
    if (route === null) throw new ApiError('LIFELINE_ERR_API_NOT_FOUND', 404, 'no such referral', { details: { field: 'id' } });
    return this.publish(cmd.key, route, JSON.stringify({ help: cmd }));
  }

  private async publish(key: string, routeKey: string, body: string): Promise<OutcomeMessage> {
    const cmd = { key };
    let n: number;
    try {
      n = await this.partitionCount();
    } catch (cause) {
      throw new ApiError('LIFELINE_ERR_API_UNAVAILABLE', 503, 'the update stream cannot be reached; retry with the same requestId', { cause, details: { retryAfterSec: 2 } });
    }
    const p = partitionOf(routeKey, n);
    const w = this.waiter(cmd.key);
    const h = headers();
    h.set('Nats-Msg-Id', commandMsgId(cmd.key));
    let duplicate = false;
    try {
      const ack = await this.js.publish(commandSubject(this.config.stream.subjectPrefix, p), body, { headers: h, timeout: this.timeoutMs });
      duplicate = ack.duplicate;
    } catch (cause) {
      this.waiters.delete(cmd.key);
      throw new ApiError('LIFELINE_ERR_API_UNAVAILABLE', 503, 'the action could not be written to the update stream; retry with the same requestId', { cause, details: { retryAfterSec: 2 } });
    }
    const deadline = Date.now() + this.timeoutMs;
    // after a duplicate publish the decision is the first request's: this one is a retry
    const answer = (m: OutcomeMessage): OutcomeMessage => (duplicate && m.outcome.ok ? { ...m, outcome: { ...m.outcome, replayed: true } } : m);
    // a duplicate is never delivered again: its outcome can only come from the owner's store (or the first request's broadcast)
    let nextLookup = duplicate ? 0 : this.lookupEveryMs;
    try {
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const wait = Math.min(left, nextLookup);
        const got = await Promise.race([w.promise, new Promise<null>((r) => setTimeout(() => r(null), wait).unref())]);
        if (got) return answer(got);
        const looked = await this.lookup(p, cmd.key);
        if (looked) return answer(looked);
        nextLookup = this.lookupEveryMs;
      }
    } finally {
      if (this.waiters.get(cmd.key) === w) this.waiters.delete(cmd.key);
    }
    throw new ApiError('LIFELINE_ERR_API_COMMAND_TIMEOUT', 504, `the action is in the stream but the engine has not answered within ${this.timeoutMs} ms; retry with the same requestId to get its outcome`, {
      retriable: true,
      details: { retryAfterSec: 2, partition: p },
    });
  }

  private waiter(key: string): Waiter {
    const found = this.waiters.get(key);
    if (found) return found;
    let resolve!: (m: OutcomeMessage) => void;
    const promise = new Promise<OutcomeMessage>((r) => (resolve = r));
    const w = { resolve, promise };
    this.waiters.set(key, w);
    return w;
  }

  private async lookup(p: number, key: string): Promise<OutcomeMessage | null> {
    try {
      const r = await this.nc.request(lookupSubject(this.config.stream.subjectPrefix, p), this.enc.encode(JSON.stringify({ key })), { timeout: Math.min(1000, this.timeoutMs) });
      const reply = JSON.parse(this.dec.decode(r.data)) as LookupReply;
      return reply.state === 'decided' ? reply.message : null;
    } catch {
      return null; // no owner answering right now (a takeover in progress): keep waiting
    }
  }

  close(): void {
    this.sub.unsubscribe();
    this.waiters.clear();
  }
}
