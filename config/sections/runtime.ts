import { z } from 'zod';

/** Per-household state store. */
export const LmdbSection = z
  .object({
    /** Folder of this process's LMDB environment (relative to the working directory). */
    path: z.string().min(1).default('data/lmdb'),
    /** Skip fsync on commit; the partition checkpoint plus the JetStream changelog make it recoverable. */
    noSync: z.boolean().default(true),
    /** Upper bound of the memory map (GiB). */
    mapSizeGiB: z.number().positive().default(16),
  })
  .strict();

/** The streaming engine: consumers, worker pool, partition leases. */
export const EngineSection = z
  .object({
    /** This process's id in partition leases (default: hostname-pid). */
    nodeId: z.string().min(1).optional(),
    /** piscina worker threads (default 1: one LMDB writer at a time gains nothing from more). */
    threads: z.number().int().min(1).max(64).default(1),
    /** Most messages in one batch handed to a worker. */
    batchMax: z.number().int().min(1).max(10_000).default(500),
    /** Seconds the server waits for an ack before redelivering. */
    ackWaitSec: z.number().positive().default(30),
    /** Deliveries of one message before it becomes a dead letter. */
    maxDeliver: z.number().int().min(1).default(5),
    /** Unacknowledged messages allowed per consumer. */
    maxAckPending: z.number().int().min(1).default(5000),
    /** Seconds a partition lease lives without renewal. */
    leaseTtlSec: z.number().positive().default(10),
  })
  .strict();

/** The HTTP API. */
export const ApiSection = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Largest request body (bytes). */
    bodyLimitBytes: z.number().int().positive().default(1024 * 1024),
    /** Most updates in one POST /v1/updates. */
    batchMax: z.number().int().positive().default(500),
    /** Requests per minute per API key. */
    rateLimitPerMin: z.number().int().positive().default(6000),
    /** Map cells with fewer households are merged or suppressed for roles without personal-data access. */
    kAnonymity: z.number().int().min(1).default(10),
    /** API keys (hashes only, sha256 hex) with role and township scope. */
    keys: z
      .array(
        z
          .object({
            id: z.string().min(1),
            sha256: z.string().regex(/^[0-9a-f]{64}$/),
            role: z.enum(['integration', 'caseworker', 'analyst', 'admin']),
            townships: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Synthetic city and department simulators. */
export const CitySection = z
  .object({
    profile: z.enum(['hangzhou', 'yuanzhou', 'small']).default('hangzhou'),
    seed: z.number().int().default(20231017),
    /** Where the generated city file is kept. */
    dataDir: z.string().min(1).default('data/city'),
    /** Live simulated updates per second across all 17 departments. */
    liveRatePerSec: z.number().nonnegative().default(200),
  })
  .strict();

/** Feed health: a department silent longer than this is reported stale (seconds). */
export const FeedsSection = z
  .object({
    staleAfterSec: z.number().positive().default(300),
  })
  .strict();
