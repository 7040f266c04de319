/**
 * Retries a JetStream API request until a deadline: with a server of a cluster down, nats-server
 * 2.9 sometimes leaves one request unanswered and answers the next at once, so a short timeout per
 * attempt and another attempt beat one long wait.
 */
export interface RetryOptions {
  /** Give up (rethrowing the last error) once this long has passed (ms, default 30,000). */
  deadlineMs?: number;
  /** Pause between attempts (ms, default 250). */
  pauseMs?: number;
  /** Told of each failed attempt that will be tried again. */
  onRetry?: (err: Error) => void;
  /** Stop trying (rethrow) when this says so, e.g. the caller was stopped. */
  stopped?: () => boolean;
}

export async function retryUntil<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const deadline = Date.now() + (o.deadlineMs ?? 30_000);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (o.stopped?.() || Date.now() >= deadline) throw err;
      o.onRetry?.(err as Error);
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 250));
    }
  }
}
