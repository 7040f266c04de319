/**
 * Options of the streaming engine. Most come from the validated configuration (`engine.*`,
 * `lmdb.*`, `stream.*`); these are the ones only the engine knows, with their unit and default.
 */
import type { Config } from '../config/index.js';

export interface EngineTuning {
  /**
   * Decoded household states each worker thread keeps (default 250,000: a whole 223k-household
   * city; ~2–3 KB of heap each). Saves the LMDB read + msgpack decode of every cache hit. 0 disables.
   */
  stateCacheSize: number;
  /**
   * Messages each partition's pull consumer asks the server for at a time (default 2 × batchMax):
   * enough that a full batch is queued when the previous one finishes.
   */
  pullMessages: number;
  /** Backoff before retrying a message whose batch crashed its worker, ms per attempt (default 50). */
  retryBackoffMs: number;
  /** How often pending counts are read from the server for the metrics, ms (default 5000; 0 = never). */
  pendingPollMs: number;
  /** Added to durable consumer names, so two engines (e.g. a bench baseline) can read one stream (default ''). */
  consumerTag: string;
}

export function defaultTuning(config: Readonly<Config>): EngineTuning {
  return {
    stateCacheSize: 250_000,
    pullMessages: Math.max(100, config.engine.batchMax * 2),
    retryBackoffMs: 50,
    pendingPollMs: 5000,
    consumerTag: '',
  };
}

/** Durable consumer name of one partition (one per stream and partition). */
export function consumerName(streamName: string, partition: number, tag = ''): string {
  return `${streamName}${tag ? `_${tag}` : ''}_p${partition}`;
}
