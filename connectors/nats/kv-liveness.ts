/**
 * A KV watch whose server went away can stay open and silent: its ordered consumer lived on that
 * server, and nats-server 2.9 does not tell the client. This checks, every `everyMs`, whether the
 * bucket holds revisions beyond the last one the watch delivered; ahead at two checks in a row with
 * no progress between them, the watch is restarted by `restart(from)` (from = that revision + 1).
 */
import type { KV } from '@nats-io/kv';

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
