/**
 * When each message of a partitioned stream was done with: a consumer that commits or acks
 * whole batches records (partition, last sequence, time) once per batch; a message is done at
 * the first record of its partition whose sequence reaches its own (checkpoints only grow).
 */
export class CommitLog {
  private readonly seqs: number[][];
  private readonly times: number[][];
  /** Messages reported done (batch sizes summed). */
  messages = 0;

  constructor(partitions: number) {
    this.seqs = Array.from({ length: partitions }, () => []);
    this.times = Array.from({ length: partitions }, () => []);
  }

  record(partition: number, lastSeq: number, count: number, at: number): void {
    const s = this.seqs[partition]!;
    this.messages += count;
    if (s.length && s[s.length - 1]! >= lastSeq) return; // nothing new (a redelivered or empty batch)
    s.push(lastSeq);
    this.times[partition]!.push(at);
  }

  /** Time the message `seq` of `partition` was done, or undefined if not (yet). */
  timeOf(partition: number, seq: number): number | undefined {
    const s = this.seqs[partition]!;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! >= seq) hi = mid;
      else lo = mid + 1;
    }
    return lo < s.length ? this.times[partition]![lo] : undefined;
  }
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `values` (ms); sorts a copy. */
export function percentiles(values: readonly number[]): Percentiles {
  const v = Float64Array.from(values).sort();
  const at = (q: number): number => (v.length ? v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))]! : NaN);
  let sum = 0;
  for (const x of v) sum += x;
  return { count: v.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: v.length ? v[v.length - 1]! : NaN, mean: v.length ? sum / v.length : NaN };
}
