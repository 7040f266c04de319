/**
 * Options of the partition lease manager. Times are milliseconds; defaults follow
 * `engine.leaseTtlSec` (10 s).
 */
import { z } from 'zod';
import { LeaseError } from './errors.js';

/** KV bucket of leases for a stream: it carries the stream name so per-test cleanup finds it. */
export function leaseBucketName(streamName: string): string {
  return `${streamName}_LEASES`;
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; node ids such as `host-1234` pass unchanged, others are escaped. */
export function safeNodeKey(nodeId: string): string {
  return nodeId.replace(/[^-_=a-zA-Z0-9]/g, (c) => `=${c.charCodeAt(0).toString(16)}`);
}

export const LeaseOptionsSchema = z
  .object({
    /** Stream whose partitions are leased; names the bucket `<stream>_LEASES`. */
    streamName: z.string().regex(/^[A-Za-z0-9_-]+$/),
    /** Partition count of the stream (fixed at stream creation). */
    partitions: z.number().int().min(1).max(1024),
    /** This process's identity in leases (unique per live process, e.g. `hostname-pid`). */
    nodeId: z.string().min(1).max(200),
    /** A lease lives this long without renewal (ms, default 10,000). Renewal every ttl/3; a node stops a partition at ttl/2 without renewal. */
    ttlMs: z.number().int().min(300).default(10_000),
    /** Replicas of the lease bucket (1 on one server, 3 on a cluster). */
    replicas: z.number().int().min(1).max(5).default(1),
    /** Upper bound of one KV request (ms, default ttl/4): a hung renewal must not outlive the stop deadline. */
    requestTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export type LeaseOptionsInput = z.input<typeof LeaseOptionsSchema>;

export interface LeaseOptions {
  streamName: string;
  partitions: number;
  nodeId: string;
  ttlMs: number;
  replicas: number;
  requestTimeoutMs: number;
  /** Period of the renew/rebalance tick: ttl/3. */
  renewEveryMs: number;
  /** Without a successful renewal for this long a partition is stopped: ttl/2. */
  stopAfterMs: number;
}

/** Validates and derives the periods; bad input names the field and the reason. */
export function resolveLeaseOptions(input: LeaseOptionsInput): LeaseOptions {
  const r = LeaseOptionsSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? first.path.join('.') || '(options)' : '(options)';
    throw new LeaseError('LIFELINE_ERR_LEASE_OPTIONS', `lease option ${field}: ${first?.message ?? 'invalid'}`, {
      cause: r.error,
      details: { issues: r.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })) },
    });
  }
  const o = r.data;
  return {
    streamName: o.streamName,
    partitions: o.partitions,
    nodeId: o.nodeId,
    ttlMs: o.ttlMs,
    replicas: o.replicas,
    requestTimeoutMs: o.requestTimeoutMs ?? Math.max(100, Math.floor(o.ttlMs / 4)),
    renewEveryMs: Math.floor(o.ttlMs / 3),
    stopAfterMs: Math.floor(o.ttlMs / 2),
  };
}
