/**
 * A KV watch whose server went away can stay open and silent: its ordered consumer lived on that
 * server, and nats-server 2.9 does not tell the client. This checks, every `everyMs`, whether the
 * bucket holds revisions beyond the last one the watch delivered; ahead at two checks in a row with
 * no progress between them, the watch is restarted by `restart(from)` (from = that revision + 1).
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import { retryUntil } from './retry.js';

export interface KvLivenessOptions {
  /** What is watched, for the warning ("the alert feed"). */
  name: string;
  /** The last revision the watch delivered (0: none yet). */
  revision(): number;
  /** Stops the silent watch and starts another from revision `from`. */
  restart(from: number): Promise<void>;
  /** Check interval (ms, default 2,000). */
  everyMs?: number;
  onWarning?: (err: Error) => void;
}

export class KvWatchLiveness {
  private timer: NodeJS.Timeout | null = null;
  /** The revision seen at the last check that found the bucket ahead (-1: none). */
  private behindAt = -1;
  private checking = false;
  /** Watches restarted (metrics, tests). */
  restarts = 0;

  constructor(
    private readonly kv: KV,
    private readonly o: KvLivenessOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), this.o.everyMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check (the timer's; tests call it directly). */
  async check(): Promise<void> {
    if (this.checking || !this.timer) return;
    this.checking = true;
    try {
      const last = (await this.kv.status()).streamInfo.state.last_seq;
      const seen = this.o.revision();
      if (last <= seen) {
        this.behindAt = -1;
        return;
      }
      if (this.behindAt !== seen) {
        this.behindAt = seen;
        return;
      }
      this.behindAt = -1;
      this.restarts++;
      this.o.onWarning?.(new Error(`${this.o.name} watch stopped at revision ${seen} while the bucket is at ${last}: watching again from ${seen + 1}`));
      if (this.timer) await this.o.restart(seen + 1);
    } catch (err) {
      this.o.onWarning?.(err as Error);
    } finally {
      this.checking = false;
    }
  }
}

export interface KvFollowerOptions {
  /** What is watched, for warnings ("the alert feed"). */
  name: string;
  /** Opens a watch (resuming where the caller's state says, or reloading what it needs first). */
  open(): Promise<QueuedIterator<KvWatchEntry>>;
  onEntry(e: KvWatchEntry): void;
  /** The last revision the caller has applied (for the liveness check). */
  revision(): number;
  /** Delay before a watch that ended under us is opened again (ms, default 1,000). */
  rewatchMs?: number;
  /** Liveness check interval (ms, default 2,000). */
  livenessEveryMs?: number;
  /** How long the first watch is tried again when opening it fails (ms, default 30,000). */
  startDeadlineMs?: number;
  onWarning?: (err: Error) => void;
}

/**
 * Follows a KV bucket through one watch at a time: a watch that ends under us (bucket recreated,
 * connection lost) is opened again after `rewatchMs`; one that stays silent while the bucket moves
 * on is stopped and opened again at once (KvWatchLiveness).
 */
export class KvFollower {
  private watcher: QueuedIterator<KvWatchEntry> | null = null;
  private rewatch: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly liveness: KvWatchLiveness;

  /**
   * A follower whose watches resume from the revision after the last one applied (`applied()`): a
   * resumed watch misses nothing and repeats nothing. For views materialised from a whole bucket.
   */
  static resuming(
    kv: KV,
    o: { name: string; onEntry(e: KvWatchEntry): void; applied(): number } & Pick<KvFollowerOptions, 'rewatchMs' | 'livenessEveryMs' | 'startDeadlineMs' | 'onWarning'>,
  ): KvFollower {
    const { applied, ...rest } = o;
    return new KvFollower(kv, {
      ...rest,
      open: () => {
        const last = applied();
        return kv.watch(last > 0 ? { resumeFromRevision: last + 1 } : {});
      },
      revision: applied,
    });
  }

  constructor(
    kv: KV,
    private readonly o: KvFollowerOptions,
  ) {
    this.liveness = new KvWatchLiveness(kv, {
      name: o.name,
      revision: o.revision,
      restart: async () => {
        const w = this.watcher;
        this.watcher = null; // its end must not schedule a second watch
        w?.stop();
        if (!this.stopped) await this.follow();
      },
      ...(o.livenessEveryMs !== undefined ? { everyMs: o.livenessEveryMs } : {}),
      ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    });
  }

  /**
   * Opens the first watch and starts the liveness checks. A watch is an ordered consumer: with a
   * server of a cluster down, nats-server 2.9 may never answer its create and answer the next at
   * once, so a failed open is tried again until `startDeadlineMs`.
   */
  async start(): Promise<void> {
    await retryUntil(() => this.follow(), {
      deadlineMs: this.o.startDeadlineMs ?? 30_000,
      stopped: () => this.stopped,
      onRetry: (err) => this.o.onWarning?.(new Error(`${this.o.name}: the watch could not be opened (${err.message}); trying again`)),
    });
    this.liveness.start();
  }

  stop(): void {
    this.stopped = true;
    this.liveness.stop();
    if (this.rewatch) clearTimeout(this.rewatch);
    this.watcher?.stop();
    this.watcher = null;
  }

  private async follow(): Promise<void> {
    const w = await this.o.open();
    this.watcher = w;
    void (async () => {
      for await (const e of w) this.o.onEntry(e);
    })()
      .catch((err: unknown) => this.o.onWarning?.(err as Error))
      .finally(() => {
        if (this.watcher !== w || this.stopped) return;
        this.watcher = null;
        this.rewatch = setTimeout(() => {
          this.rewatch = null;
          if (!this.stopped) this.follow().catch((err: unknown) => this.o.onWarning?.(err as Error));
        }, this.o.rewatchMs ?? 1000);
        this.rewatch.unref();
      });
  }
}
