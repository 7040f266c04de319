import { z } from 'zod';

/** Per-household state store. */
export const LmdbSection = z
  .object({
    path: z.string().min(1).default('data/lmdb').describe('Folder of this process\'s LMDB environment (relative to the working directory).'),
    noSync: z
      .boolean()
      .default(false)
      .describe('Skip fsync entirely (faster, but an OS crash can corrupt the file; then delete the folder and it is rebuilt from JetStream). Default: flush after each commit outside the write lock, so a crash loses at most the last commits, which replay from the stream.'),
    snapshotIntervalSec: z
      .number()
      .min(0)
      .default(900)
      .describe('Seconds between partition snapshots to the JetStream object store (0: only the first one); a rebuild replays the stream from the latest snapshot.'),
    mapSizeGib: z.number().positive().default(16).describe('Upper bound of the memory map (GiB).'),
  })
  .strict();

/** The streaming engine: consumers, worker pool, partition leases. */
export const EngineSection = z
  .object({
    nodeId: z.string().min(1).optional().describe('This process\'s id in partition leases (default: hostname-pid).'),
    threads: z.number().int().min(1).max(64).default(1).describe('piscina worker threads (default 1: one LMDB writer at a time gains nothing from more).'),
    batchMax: z.number().int().min(1).max(10_000).default(500).describe('Most messages in one batch handed to a worker.'),
    ackWaitSec: z.number().positive().default(30).describe('Seconds the server waits for an ack before redelivering.'),
    maxDeliver: z.number().int().min(1).default(5).describe('Deliveries of one message before it becomes a dead letter.'),
    maxAckPending: z.number().int().min(1).default(5000).describe('Unacknowledged messages allowed per consumer.'),
    leaseTtlSec: z.number().positive().default(10).describe('Seconds a partition lease lives without renewal.'),
  })
  .strict();

/** The HTTP API. */
export const ApiSection = z
  .object({
    host: z.string().min(1).default('127.0.0.1').describe('Interface the API listens on (0.0.0.0 in containers).'),
    port: z.number().int().min(0).max(65535).default(8080).describe('API port (0 picks a free one).'),
    bodyLimitBytes: z.number().int().positive().default(1024 * 1024).describe('Largest request body (bytes).'),
    batchMax: z.number().int().positive().default(500).describe('Most updates in one POST /v1/updates.'),
    rateLimitPerMin: z.number().int().positive().default(6000).describe('Requests per minute per API key.'),
    kAnonymity: z.number().int().min(1).default(10).describe('Smallest count (households, alerts) shown to a role without personal-data access, in statistics and maps alike: smaller cells are suppressed, with as many others as it takes that none can be worked out from the rest (api/privacy).'),
    /** API keys (hashes only, sha256 hex) with role and township scope. */
    keys: z
      .array(
        z
          .object({
            id: z.string().min(1),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            role: z.enum(['integration', 'caseworker', 'analyst', 'admin', 'site']),
            townships: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([])
      .describe('API keys: [{ id, sha256, role, townships }] (hashes only; issue with `lifeline keys issue`).'),
  })
  .strict();

/** Synthetic city and department simulators. */
export const CitySection = z
  .object({
    profile: z.enum(['hangzhou', 'yuanzhou', 'small']).default('hangzhou').describe('Synthetic city: hangzhou (223k households, 400k persons), yuanzhou (4,803 calibration households), small (tests).'),
    seed: z.number().int().default(20231017).describe('Seed of the synthetic city and feeds: the same seed gives byte-identical output.'),
    dataDir: z.string().min(1).default('data/city').describe('Where the generated city file is kept.'),
    liveRatePerSec: z.number().nonnegative().default(200).describe('Live simulated updates per second across all 17 departments.'),
  })
  .strict();

/** Feed health: a department silent longer than this is reported stale (seconds). */
export const FeedsSection = z
  .object({
    staleAfterSec: z.number().positive().default(300).describe('A department silent longer than this is reported stale (seconds).'),
  })
  .strict();
