/**
 * Partition ownership as leases in a JetStream KV bucket (`<stream>_LEASES`).
 *
 * Design note — the state machine of one partition, as this node sees it:
 *
 *   free ──(lease absent/expired/ours, CAS create|update wins)──▶ owned      [emit acquired, run onAcquired]
 *   owned ──(tick: renew by CAS update with the read revision)──▶ owned      [stop deadline moves to t0 + ttl/2]
 *   owned ──(more than our fair share / stop())──────────────────▶ draining  [emit lost, run onLost, keep renewing]
 *   draining ──(onLost resolved)───────────────────────────────▶ releasing ▶ free  [CAS delete of the lease]
 *   owned|draining ──(no confirmed renewal for ttl/2)────────────▶ free      [emit lost 'expired', run onLost]
 *   owned|draining ──(lease shows another owner / CAS conflict)─▶ free      [emit lost 'stolen', run onLost]
 *
 * Why two owners never process one partition: a renewal written at t0 says `expiresAt = t0 + ttl`;
 * the owner stops the partition at t0 + ttl/2 unless a later renewal was confirmed, and another
 * node takes the lease only once its clock passes t0 + ttl (and only by compare-and-set on the
 * revision it read, so a renewal in between makes the takeover fail). That leaves ttl/2 for the
 * stop (and clock skew). Handlers of one partition run one after another (a promise chain), so a
 * re-acquired partition starts only after its previous stop finished.
 *
 * Fair share: each node writes a heartbeat key `n.<node>` (same TTL scheme) every tick; all
 * nodes split the partitions over the sorted live nodes (floor or ceil of P/N each), take
 * free or lapsed partitions up to their share, and drain extras when a new node appears.
 */
import { EventEmitter } from 'node:events';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV, type KvEntry } from '@nats-io/kv';
import { LeaseError } from './errors.js';
import { fairShare, preferenceOrder } from './fair-share.js';
import { decodeHeartbeat, decodeLease, encodeRecord, heartbeatKey, leaseKey, type LeaseRecord } from './lease-record.js';
import { leaseBucketName, resolveLeaseOptions, safeNodeKey, type LeaseOptions, type LeaseOptionsInput } from './options.js';


/** Deadline of creating the lease bucket at start (ms): an R3 bucket on a cluster just formed can take seconds. */
const BUCKET_CREATE_TIMEOUT_MS = 15_000;
/** How long after a lapse the extra round runs (ms): clocks of the writer and of this node may differ by this much. */
const WAKE_MARGIN_MS = 25;
/** Why this node stopped owning a partition. */
export type LostReason = 'rebalance' | 'expired' | 'stolen' | 'shutdown' | 'start_failed';

export interface LeaseHandlers {
  /** Start processing the partition (restore, then consume). Awaited; a throw gives the lease back. */
  onAcquired?(partition: number): Promise<void> | void;
  /** Stop processing the partition (drain, flush). Awaited before a voluntary release; must finish within ttl/2 on expiry. */
  onLost?(partition: number, reason: LostReason): Promise<void> | void;
}

export interface LeaseEvents {
  acquired: [partition: number];
  lost: [partition: number, reason: LostReason];
  /** Non-fatal trouble (NATS unreachable, a handler threw); the manager keeps going. */
  warning: [error: Error];
}

type SlotState = 'free' | 'owned' | 'draining' | 'releasing';

interface Slot {
  state: SlotState;
  /** KV revision of our last confirmed write of this lease. */
  revision: number;
  /** Stops the partition when no renewal was confirmed in time. */
  stopTimer: NodeJS.Timeout | null;
  /** Handlers of this partition, one after another. */
  chain: Promise<void>;
}

interface ReadLease {
  record: LeaseRecord | null;
  revision: number;
}

const isCasConflict = (err: unknown): boolean => err instanceof Error && /wrong last sequence/i.test(err.message);

export class LeaseManager extends EventEmitter<LeaseEvents> {
  readonly options: LeaseOptions;
  readonly nodeKey: string;
  private readonly slots: Slot[];
  private kv: KV | null = null;
  private interval: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** The extra round set for the moment a lease or heartbeat lapses. */
  private wake: { at: number; timer: NodeJS.Timeout } | null = null;
  private stopping = false;
  private stopped = false;
  private liveNodes: string[] = [];
  /** Heartbeats by node key, kept current by a watcher. */
  private readonly heartbeats = new Map<string, { expiresAt: number; revision: number }>();
  private watcher: Awaited<ReturnType<KV['watch']>> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    input: LeaseOptionsInput,
    private readonly handlers: LeaseHandlers = {},
  ) {
    super();
    this.options = resolveLeaseOptions(input);
    this.nodeKey = safeNodeKey(this.options.nodeId);
    this.slots = Array.from({ length: this.options.partitions }, () => ({ state: 'free', revision: 0, stopTimer: null, chain: Promise.resolve() }));
  }

  /** Opens (or creates) the bucket, runs a first tick and keeps ticking every ttl/3. */
  async start(): Promise<void> {
    if (this.kv || this.stopped) throw new LeaseError('LIFELINE_ERR_LEASE_STATE', 'lease manager already started or stopped');
    const o = this.options;
    try {
      // creating a replicated bucket takes a cluster round of its own: not bounded by the renewal timeout
      const createTimeout = Math.max(BUCKET_CREATE_TIMEOUT_MS, o.requestTimeoutMs);
      await new Kvm(jetstream(this.nc, { timeout: createTimeout })).create(leaseBucketName(o.streamName), { history: 1, replicas: o.replicas, timeout: createTimeout });
      this.kv = await new Kvm(jetstream(this.nc, { timeout: o.requestTimeoutMs })).open(leaseBucketName(o.streamName));
    } catch (cause) {
      throw new LeaseError('LIFELINE_ERR_LEASE_BUCKET', `cannot open lease bucket ${leaseBucketName(o.streamName)}: ${(cause as Error).message}`, { cause, retriable: true });
    }
    await this.watchHeartbeats(this.kv);
    await this.tick();
    this.interval = setInterval(() => void this.tick(), o.renewEveryMs);
    this.interval.unref?.();
  }

  /** Partitions this node holds a lease for and may process (owned or draining). */
  owned(): number[] {
    return this.slots.flatMap((s, p) => (s.state === 'owned' || s.state === 'draining' ? [p] : []));
  }

  /** Live nodes seen at the last tick (heartbeat keys, this node included). */
  nodes(): string[] {
    return [...this.liveNodes];
  }

  /** True while this node holds a confirmed lease on `partition` (a fence for writers such as the changelog flusher). */
  owns(partition: number): boolean {
    const s = this.slots[partition];
    return s !== undefined && (s.state === 'owned' || s.state === 'draining');
  }

  /** Runs one renew/rebalance round now (the interval runs it every ttl/3). */
  tick(): Promise<void> {
    if (!this.kv) return Promise.resolve();
    this.ticking ??= this.round().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  /** Drains every partition (onLost 'shutdown'), releases the leases and removes the heartbeat. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    await this.tick();
    // keep renewing while the handlers drain
    await Promise.all(this.slots.map((s) => s.chain));
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    if (this.wake) clearTimeout(this.wake.timer);
    this.wake = null;
    await this.ticking;
    for (const s of this.slots) this.clearStopTimer(s);
    const kv = this.kv;
    if (kv) await kv.delete(heartbeatKey(this.nodeKey)).catch((e: unknown) => this.warn(e));
    this.stopped = true;
    this.watcher?.stop();
  }

  /** Stops ticking without draining or releasing: what a crash looks like to the others (tests, benchmarks). */
  abandon(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    if (this.wake) clearTimeout(this.wake.timer);
    this.wake = null;
    for (const s of this.slots) this.clearStopTimer(s);
    this.stopped = true;
    this.watcher?.stop();
    this.kv = null;
  }

  private async round(): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    const o = this.options;
    try {
      // renewals first, with the revision of our own last write: one round trip, nothing read before
      await Promise.all(this.slots.map((s, p) => (s.state === 'owned' || s.state === 'draining' ? this.renew(kv, p) : undefined)));
      const now = Date.now();
      await kv.put(heartbeatKey(this.nodeKey), encodeRecord({ nodeId: o.nodeId, expiresAt: now + o.ttlMs }));
      this.heartbeats.set(this.nodeKey, { expiresAt: now + o.ttlMs, revision: 0 });
      this.liveNodes = this.live(kv, now);
      // a node that stops renewing is seen gone the moment its heartbeat lapses, not up to a third of a TTL later
      for (const [key, hb] of this.heartbeats) if (key !== this.nodeKey && hb.expiresAt > now) this.wakeAt(hb.expiresAt);
      const target = this.stopping ? 0 : fairShare(o.partitions, this.liveNodes, this.nodeKey);
      const order = preferenceOrder(o.partitions, this.liveNodes, this.nodeKey);
      const owned = order.filter((p) => this.slots[p]!.state === 'owned');
      // give back the least preferred extras first
      for (const p of owned.slice(target).reverse()) this.drain(p, this.stopping ? 'shutdown' : 'rebalance');
      let missing = target - owned.length;
      if (missing <= 0) return;
      const free = order.filter((p) => this.slots[p]!.state === 'free');
      const leases = await Promise.all(free.map((p) => this.readLease(kv, p)));
      for (const [i, p] of free.entries()) {
        if (missing <= 0) break;
        const l = leases[i]!;
        const takeable = !l.record || l.record.owner === o.nodeId || l.record.expiresAt < Date.now();
        if (takeable && this.slots[p]!.state === 'free' && (await this.write(kv, p, l))) missing--;
        // a lease we are short of lapses before the next tick: look again the moment it does
        else if (!takeable && l.record) this.wakeAt(l.record.expiresAt);
      }
    } catch (e) {
      this.warn(e);
    }
  }

  /** Runs a round just after `at` (epoch ms), unless one is already due sooner. */
  private wakeAt(at: number): void {
    if (this.stopped || this.stopping) return;
    const due = at + WAKE_MARGIN_MS;
    if (this.wake && this.wake.at <= due) return;
    if (this.wake) clearTimeout(this.wake.timer);
    const timer = setTimeout(() => {
      this.wake = null;
      void this.tick();
    }, Math.max(0, due - Date.now()));
    timer.unref?.();
    this.wake = { at: due, timer };
  }

  /** Extends a held lease; a CAS conflict means someone else wrote it — unless it was our own write whose reply got lost. */
  private async renew(kv: KV, p: number): Promise<void> {
    const s = this.slots[p]!;
    const ok = await this.write(kv, p, { record: { owner: this.options.nodeId, expiresAt: 0 }, revision: s.revision }, false);
    if (ok || (s.state !== 'owned' && s.state !== 'draining')) return;
    const l = await this.readLease(kv, p);
    if (l.record?.owner === this.options.nodeId && (s.state === 'owned' || s.state === 'draining')) await this.write(kv, p, l);
    else if (l.record && l.record.owner !== this.options.nodeId && (s.state === 'owned' || s.state === 'draining')) this.lose(p, 'stolen');
  }

  /** Creates or CAS-updates the lease of `p` with a fresh expiry; on success (re)arms the stop deadline. */
  private async write(kv: KV, p: number, read: ReadLease, conflictMeansStolen = true): Promise<boolean> {
    const o = this.options;
    const s = this.slots[p]!;
    const t0 = Date.now();
    const value = encodeRecord({ owner: o.nodeId, expiresAt: t0 + o.ttlMs });
    let revision: number;
    try {
      revision = read.record ? await kv.update(leaseKey(p), value, read.revision) : await kv.create(leaseKey(p), value);
    } catch (e) {
      if (isCasConflict(e)) {
        if (conflictMeansStolen && (s.state === 'owned' || s.state === 'draining')) this.lose(p, 'stolen');
        return false;
      }
      this.warn(e);
      return false;
    }
    if (s.state === 'releasing') return false;
    const wasFree = s.state === 'free';
    if (wasFree && this.stopping) {
      await kv.delete(leaseKey(p), { previousSeq: revision }).catch((e: unknown) => this.warn(e));
      return false;
    }
    // a confirmation that arrives after its stop deadline must not (re)start the partition
    const deadline = t0 + o.stopAfterMs - Date.now();
    if (deadline <= 0) return false;
    s.revision = revision;
    this.armStopTimer(p, deadline);
    if (wasFree) {
      s.state = 'owned';
      this.emit('acquired', p);
      this.enqueue(p, async () => {
        try {
          await this.handlers.onAcquired?.(p);
        } catch (e) {
          this.warn(new LeaseError('LIFELINE_ERR_LEASE_STATE', `partition ${p} failed to start: ${(e as Error).message}`, { cause: e, retriable: true }));
          if (s.state === 'owned') this.drain(p, 'start_failed');
        }
      });
    }
    return true;
  }

  private armStopTimer(p: number, ms: number): void {
    const s = this.slots[p]!;
    this.clearStopTimer(s);
    s.stopTimer = setTimeout(() => {
      s.stopTimer = null;
      if (s.state === 'owned' || s.state === 'draining') this.lose(p, 'expired');
    }, ms);
    s.stopTimer.unref?.();
  }

  private clearStopTimer(s: Slot): void {
    if (s.stopTimer) clearTimeout(s.stopTimer);
    s.stopTimer = null;
  }

  /** Involuntary: the lease is (about to be) someone else's; stop at once, release nothing. */
  private lose(p: number, reason: 'expired' | 'stolen'): void {
    const s = this.slots[p]!;
    const wasDraining = s.state === 'draining';
    s.state = 'free';
    this.clearStopTimer(s);
    this.emit('lost', p, reason);
    // a draining partition is already being stopped by its handler
    if (!wasDraining) this.enqueue(p, () => this.handlers.onLost?.(p, reason));
  }

  /** Voluntary: stop the partition while still renewing, then delete the lease by CAS. */
  private drain(p: number, reason: 'rebalance' | 'shutdown' | 'start_failed'): void {
    const s = this.slots[p]!;
    s.state = 'draining';
    this.emit('lost', p, reason);
    this.enqueue(p, async () => {
      try {
        await this.handlers.onLost?.(p, reason);
      } catch (e) {
        this.warn(e);
      }
      if (s.state !== 'draining') return; // expired or stolen meanwhile: nothing of ours to release
      s.state = 'releasing';
      this.clearStopTimer(s);
      await this.ticking; // a renewal in flight would bump the revision under us
      const kv = this.kv;
      if (kv) await kv.delete(leaseKey(p), { previousSeq: s.revision }).catch((e: unknown) => this.warn(e));
      s.state = 'free';
    });
  }

  private enqueue(p: number, job: () => Promise<void> | void): void {
    const s = this.slots[p]!;
    s.chain = s.chain.then(job).catch((e: unknown) => this.warn(e));
  }

  private async readLease(kv: KV, p: number): Promise<ReadLease> {
    const e: KvEntry | null = await kv.get(leaseKey(p));
    if (!e || e.operation !== 'PUT') return { record: null, revision: e?.revision ?? 0 };
    return { record: decodeLease(e.value), revision: e.revision };
  }

  /** Seeds the heartbeat table once, then keeps it current with a watcher (no per-round consumer). */
  private async watchHeartbeats(kv: KV): Promise<void> {
    for await (const k of await kv.keys('n.*')) {
      const e = await kv.get(k);
      if (e && e.operation === 'PUT') this.heartbeats.set(k.slice(2), { expiresAt: decodeHeartbeat(e.value).expiresAt, revision: e.revision });
    }
    const w = await kv.watch({ key: 'n.*', include: KvWatchInclude.UpdatesOnly });
    this.watcher = w;
    void (async () => {
      for await (const e of w) {
        if (e.operation === 'PUT') this.heartbeats.set(e.key.slice(2), { expiresAt: decodeHeartbeat(e.value).expiresAt, revision: e.revision });
        else this.heartbeats.delete(e.key.slice(2));
      }
    })()
      .catch((err: unknown) => this.warn(err))
      .finally(() => {
        if (this.watcher === w) this.watcher = null;
      });
  }

  /** Live nodes (heartbeat not expired, this node included); sweeps long-dead heartbeat keys. */
  private live(kv: KV, now: number): string[] {
    if (!this.watcher && !this.stopped) void this.watchHeartbeats(kv).catch((err: unknown) => this.warn(err));
    const nodes: string[] = [];
    for (const [node, hb] of this.heartbeats) {
      if (hb.expiresAt >= now) nodes.push(node);
      // crashed nodes leave their key behind; sweep long-dead ones so the bucket stays small
      else if (hb.expiresAt < now - 10 * this.options.ttlMs && hb.revision > 0) {
        this.heartbeats.delete(node);
        void kv.delete(heartbeatKey(node), { previousSeq: hb.revision }).catch(() => undefined);
      }
    }
    if (!nodes.includes(this.nodeKey)) nodes.push(this.nodeKey);
    return nodes.sort();
  }

  private warn(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }
}

/** Creates a manager and starts it (first round done when this resolves). */
export async function startLeaseManager(nc: NatsConnection, options: LeaseOptionsInput, handlers: LeaseHandlers = {}): Promise<LeaseManager> {
  const m = new LeaseManager(nc, options, handlers);
  await m.start();
  return m;
}
