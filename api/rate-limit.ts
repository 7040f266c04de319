/**
 * Per-key rate limit as a token bucket: a key may burst up to a minute's allowance, then is
 * held to `perMin / 60` requests a second. One bucket per key id, in this process's memory.
 */
import { ApiError } from './errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly perMin: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = perMin / 60_000;
  }

  /** Takes one request from the key's bucket, or throws 429 with the seconds to wait. */
  take(key: string): void {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.perMin, at: t };
    // a clock stepped back refills nothing (rather than draining the bucket for the time it stepped)
    b.tokens = Math.min(this.perMin, b.tokens + Math.max(0, t - b.at) * this.perMs);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfterSec = Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
      throw ApiError.of('LIFELINE_ERR_API_RATE_LIMITED', `rate limit of ${this.perMin} requests per minute exceeded; retry in ${retryAfterSec}s`, {
        details: { limitPerMin: this.perMin, retryAfterSec },
      });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
  }
}
