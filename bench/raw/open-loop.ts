/**
 * An open-loop sender at a constant rate: message i is due at t0 + i / rate and is sent as soon
 * as the loop wakes after that, never waiting for any answer. Latencies are taken from the
 * INTENDED time, so a stall (of the sender, the broker or the consumer) is counted against the
 * system instead of hidden by sending less (coordinated omission).
 */

export interface OpenLoopRun {
  /** performance.now() of message 0's intended send time (ms). */
  t0: number;
  /** Gap between intended sends (ms). */
  gapMs: number;
  /** Worst delay between a message's intended and actual send (ms): how far the sender itself fell behind. */
  maxSendLagMs: number;
  /** Messages sent. */
  sent: number;
}

export function intendedAt(run: Pick<OpenLoopRun, 't0' | 'gapMs'>, i: number): number {
  return run.t0 + i * run.gapMs;
}

/** Calls `send(i)` for i = 0 … count-1 at `ratePerSec`; resolves once the last one is sent. */
export async function openLoop(count: number, ratePerSec: number, send: (i: number) => void, onProgress?: (sent: number) => void): Promise<OpenLoopRun> {
  if (!(ratePerSec > 0)) throw new RangeError(`ratePerSec must be positive, got ${ratePerSec}`);
  const gapMs = 1000 / ratePerSec;
  const t0 = performance.now();
  let i = 0;
  let maxSendLagMs = 0;
  while (i < count) {
    const now = performance.now();
    const due = Math.min(count, Math.floor((now - t0) / gapMs) + 1);
    if (due > i) {
      maxSendLagMs = Math.max(maxSendLagMs, now - (t0 + i * gapMs));
      for (; i < due; i++) send(i);
      onProgress?.(i);
    }
    if (i >= count) break;
    const wait = t0 + i * gapMs - performance.now();
    // a timer wakes ≥ 1 ms late; setImmediate keeps sub-millisecond gaps on time without spinning the CPU
    await new Promise<void>((r) => (wait >= 1 ? setTimeout(r, Math.floor(wait)) : setImmediate(r)));
  }
  return { t0, gapMs, maxSendLagMs, sent: i };
}
