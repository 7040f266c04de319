/** Options of the changelog bucket, flusher and restore. Times in milliseconds. */
import { z } from 'zod';
import { ChangelogError } from './errors.js';

/** KV bucket of household state for a stream: carries the stream name so per-test cleanup finds it. */
export function stateBucketName(streamName: string): string {
  return `${streamName}_STATE`;
}

export const ChangelogOptionsSchema = z
  .object({
    /** Stream whose state is logged; names the bucket `<stream>_STATE`. */
    streamName: z.string().regex(/^[A-Za-z0-9_-]+$/),
    /** Replicas of the state bucket (1 on one server, 3 on a cluster). */
    replicas: z.number().int().min(1).max(5).default(1),
    /** Pause between flush rounds when the outbox is empty (ms, default 100). */
    intervalMs: z.number().int().min(1).default(100),
    /** Most outbox entries one flush round takes (default 2000); a full round is followed at once by the next. */
    maxEntries: z.number().int().min(1).default(2000),
    /** Publishes awaiting their ack at once (default 512): awaiting one at a time is latency-bound. */
    inFlight: z.number().int().min(1).max(10_000).default(512),
    /** Upper bound of one KV request (ms, default 10,000). */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    /** Records written per LMDB transaction during a restore (default 1000). */
    restoreChunk: z.number().int().min(1).default(1000),
  })
  .strict();

export type ChangelogOptionsInput = z.input<typeof ChangelogOptionsSchema>;
export type ChangelogOptions = z.output<typeof ChangelogOptionsSchema>;

export function resolveChangelogOptions(input: ChangelogOptionsInput): ChangelogOptions {
  const r = ChangelogOptionsSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? first.path.join('.') || '(options)' : '(options)';
    throw new ChangelogError('LIFELINE_ERR_CHANGELOG_OPTIONS', `changelog option ${field}: ${first?.message ?? 'invalid'}`, {
      cause: r.error,
      details: { issues: r.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })) },
    });
  }
  return r.data;
}
