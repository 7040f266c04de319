/**
 * Where the CPU of a run went, per thread of this process and for the nats-server process, from
 * Linux's /proc (utime + stime, 10 ms ticks). On 2 cores the pipeline's ceiling is the sum of
 * these per message, not any one thread: the figures show which part to work on next.
 *
 * Threads are told apart by role, not name (Node names them all "node"): the main thread's id is
 * the process id; the busiest other thread during an engine run is its piscina worker; the rest are
 * V8's platform threads (concurrent and parallel GC, compilation), LMDB's writer and libuv's pool.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

function ticks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
}

/** CPU time of the main thread so far, µs (the main thread's task id is the process id). */
export function mainThreadCpuUs(): number {
  return ticks(readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')) * TICK_MS * 1000;
}

function threadTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of readdirSync('/proc/self/task')) {
    try {
      out.set(Number(t), ticks(readFileSync(`/proc/self/task/${t}/stat`, 'utf8')));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

function natsServerTicks(): number | null {
  let total: number | null = null;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'nats-server') continue;
      total = (total ?? 0) + ticks(readFileSync(`/proc/${d}/stat`, 'utf8'));
    } catch {
      // not ours to read, or gone
    }
  }
  return total;
}

export interface CpuShares {
  /** CPU ms per 1,000 messages = µs per message, by role. */
  main: number;
  worker: number;
  otherThreads: number;
  /** null where no nats-server process is visible (a remote server). */
  natsServer: number | null;
  total: number;
}

/** Starts counting; `perMessage(n)` gives the CPU µs per message of each role since. */
export function cpuMeter(): { perMessage(messages: number): CpuShares } {
  const before = threadTicks();
  const natsBefore = natsServerTicks();
  return {
    perMessage(messages: number): CpuShares {
      const after = threadTicks();
      const us = (t: number): number => (t * TICK_MS * 1000) / messages;
      let main = 0;
      const others: number[] = [];
      for (const [tid, t] of after) {
        const d = t - (before.get(tid) ?? 0);
        if (tid === process.pid) main = d;
        else others.push(d);
      }
      others.sort((a, b) => b - a);
      const worker = others[0] ?? 0;
      const rest = others.slice(1).reduce((a, b) => a + b, 0);
      const natsAfter = natsServerTicks();
      const nats = natsBefore === null || natsAfter === null ? null : us(natsAfter - natsBefore);
      const shares = { main: us(main), worker: us(worker), otherThreads: us(rest), natsServer: nats, total: 0 };
      shares.total = shares.main + shares.worker + shares.otherThreads + (nats ?? 0);
      return shares;
    },
  };
}
