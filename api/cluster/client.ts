/**
 * The asking side of cross-node reads: a household's portrait from its partition's owner, the
 * city's household aggregates gathered from every partition's owner and merged, a township's
 * points likewise, and the intake's checks of updates for households owned elsewhere. An answer
 * that needs a partition nobody serves right now (its owner died and the lease has not lapsed,
 * or the new owner is still catching up) is a 503 naming the partitions, never a partial city.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { AggregateCache, aggregatesFromWire, byHouseholdId, mergeAggregates, type Aggregates, type AggregatesWire, type AggregateSource, type HouseholdPoint } from '../aggregates.js';
import type { Principal } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { AGGREGATE_TTL_MS } from '../options.js';
import { STATUS_HEADER, TOWNSHIP_HEADER, serveSubject, type IntakeAnswer, type PortraitRequest, type ServeKind } from './protocol.js';

export interface ClusterReadsOptions {
  /** How long one request waits for the owner (ms, default 1,500). */
  requestTimeoutMs?: number;
  /** How long a read keeps asking a partition that does not answer (ms, default 3,000). */
  deadlineMs?: number;
  /** Aggregates are gathered again when older than this (ms, default AGGREGATE_TTL_MS). */
  aggregateTtlMs?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Answer {
  status: number;
  data: Uint8Array;
  township: string | null;
}

function unavailableParts(partitions: number[], why: string): ApiError {
  return new ApiError('LIFELINE_ERR_API_PARTITION_UNAVAILABLE', 503, `partition${partitions.length > 1 ? 's' : ''} ${partitions.join(', ')} ${why}; retry shortly`, {
    retriable: true,
    details: { partitions, retryAfterSec: 2 },
  });
}

export class ClusterReads implements AggregateSource {
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  /** The merged city, gathered again when older than the TTL. */
  private readonly city: AggregateCache;
  /** Told of every read asked of an owner: its kind, how it ended and how long it took (metrics). */
  onRead: ((kind: ServeKind, outcome: 'ok' | 'refused' | 'unavailable' | 'error', seconds: number) => void) | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly partitionCount: number,
    private readonly now: () => number,
    opts: ClusterReadsOptions = {},
  ) {
    this.timeoutMs = opts.requestTimeoutMs ?? 1500;
    this.deadlineMs = opts.deadlineMs ?? 3000;
    this.city = new AggregateCache(() => this.gatherCity(), now, opts.aggregateTtlMs ?? AGGREGATE_TTL_MS);
  }

  partitionOf(householdId: string): number {
    return partitionOf(householdId, this.partitionCount);
  }

  /** Asks partition p's owner; retried until the deadline while nobody answers or the owner is catching up. */
  private async ask(p: number, kind: ServeKind, body: unknown): Promise<Answer> {
    const t0 = performance.now();
    try {
      const a = await this.askOwner(p, kind, body);
      this.onRead?.(kind, a.status === 200 ? 'ok' : a.status < 500 ? 'refused' : 'error', (performance.now() - t0) / 1000);
      return a;
    } catch (err) {
      this.onRead?.(kind, err instanceof ApiError && err.code === 'LIFELINE_ERR_API_PARTITION_UNAVAILABLE' ? 'unavailable' : 'error', (performance.now() - t0) / 1000);
      throw err;
    }
  }

  private async askOwner(p: number, kind: ServeKind, body: unknown): Promise<Answer> {
    const until = Date.now() + this.deadlineMs;
    const data = enc.encode(JSON.stringify(body));
    let last: ApiError = unavailableParts([p], 'have no owner answering');
    for (;;) {
      try {
        const m = await this.nc.request(serveSubject(this.prefix, p, kind), data, { timeout: Math.max(50, Math.min(this.timeoutMs, until - Date.now())) });
        const status = Number(m.headers?.get(STATUS_HEADER) ?? '500');
        if (status !== 503) return { status, data: m.data, township: m.headers?.get(TOWNSHIP_HEADER) || null };
        last = unavailableParts([p], 'are catching up on the stream after a takeover');
      } catch {
        // no answer in time: no owner yet (a takeover in progress)
      }
      const left = until - Date.now();
      if (left <= 0) throw last;
      await new Promise((r) => setTimeout(r, Math.min(250, left)));
    }
  }

  private json<T>(a: Answer): T {
    if (a.status === 200) return JSON.parse(dec.decode(a.data)) as T;
    const e = JSON.parse(dec.decode(a.data)) as { error?: { code?: string; message?: string; field?: string; details?: Record<string, unknown> } };
    throw new ApiError(e.error?.code ?? 'LIFELINE_ERR_API_INTERNAL', a.status, e.error?.message ?? `the owner answered ${a.status}`, {
      ...(e.error?.field !== undefined ? { field: e.error.field } : {}),
      ...(e.error?.details !== undefined ? { details: e.error.details } : {}),
    });
  }

  /** The portrait as the owner renders it for `p` (UTF-8 JSON) and the household's township; errors as the owner answered them. */
  async portrait(id: string, p: Principal, now: number): Promise<{ body: Buffer; townshipId: string }> {
    const req: PortraitRequest = { id, principal: { keyId: p.keyId, role: p.role, townships: p.townships === null ? null : [...p.townships] }, now };
    const a = await this.ask(this.partitionOf(id), 'portrait', req);
    if (a.status !== 200) this.json(a);
    return { body: Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), townshipId: a.township ?? '' };
  }

  /** Every partition's answer, or a 503 naming those that did not answer. */
  private async gather<T>(kind: ServeKind, body: unknown): Promise<T[]> {
    const all = Array.from({ length: this.partitionCount }, (_, p) => p);
    const settled = await Promise.allSettled(all.map((p) => this.ask(p, kind, body).then((a) => this.json<T>(a))));
    const missing = all.filter((p) => settled[p]!.status === 'rejected');
    if (missing.length > 0) {
      const first = (settled[missing[0]!] as PromiseRejectedResult).reason;
      if (!(first instanceof ApiError) || first.code !== 'LIFELINE_ERR_API_PARTITION_UNAVAILABLE') throw first;
      throw unavailableParts(missing, 'have no owner answering');
    }
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  get(): Promise<Aggregates> {
    return this.city.get();
  }

  /** Every partition's aggregates merged, as of the oldest part: that is how current the whole is. */
  private async gatherCity(): Promise<Aggregates> {
    const parts = await this.gather<AggregatesWire | null>('aggregates', {});
    const list = parts.filter((w): w is AggregatesWire => w !== null).map(aggregatesFromWire);
    return mergeAggregates(list, list.length ? Math.min(...list.map((a) => a.builtAt)) : this.now());
  }

  async points(township: string): Promise<{ points: HouseholdPoint[]; builtAt: number }> {
    const parts = await this.gather<{ builtAt: number; points: HouseholdPoint[] }>('points', { township });
    const points = parts.flatMap((x) => x.points).sort(byHouseholdId);
    return { points, builtAt: parts.length ? Math.min(...parts.map((x) => x.builtAt)) : this.now() };
  }

  invalidate(): void {
    this.city.invalidate();
  }

  /** The intake's checks of updates whose households this node does not own, asked of each owner. */
  async intake(updates: readonly { householdId: string }[]): Promise<IntakeAnswer['results']> {
    const byPartition = new Map<number, number[]>();
    updates.forEach((u, i) => {
      const p = this.partitionOf(u.householdId);
      (byPartition.get(p) ?? byPartition.set(p, []).get(p)!).push(i);
    });
    const out: IntakeAnswer['results'] = new Array(updates.length);
    await Promise.all(
      [...byPartition].map(async ([p, idx]) => {
        const a = this.json<IntakeAnswer>(await this.ask(p, 'intake', { updates: idx.map((i) => updates[i]) }));
        idx.forEach((i, k) => (out[i] = a.results[k]!));
      }),
    );
    return out;
  }
}
