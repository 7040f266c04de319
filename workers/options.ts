/**
 * Options of the streaming engine. Most come from the validated configuration (`engine.*`,
 * `lmdb.*`, `stream.*`); these are the ones only the engine knows, with their unit and default.
 */
import type { Config } from '../config/index.js';

export interface EngineTuning {
  /**
   * Decoded household states each worker thread keeps (default 0: off; ~2–3 KB of heap each). A hit
   * saves one LMDB read + decode, but every kept state is promoted to V8's old generation and later
   * collected there: with the cache sized for the whole city the worker spent ~20 % more CPU per
   * update and the GC threads ~50 % more than with none (bench/pipeline.ts, 100k households).
   * Worth it only where a few households take most updates.
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
  /**
   * Batches handed to the worker pool at once across all partitions (default engine.threads). A
   * partition forms its batch when it gets a slot, so messages wait in their partition and join
   * the next batch instead of waiting in the pool behind batches formed too early. More than the
   * threads gains nothing: piscina hands a thread its next task only after the main thread has
   * seen the previous result.
   */
  batchesInFlight: number | undefined;
  /**
   * Made-up updates each start runs through validation and scoring in the worker threads, in
   * memory, whenever no batch is waiting (default 2000; 0 = none): the first real batches then
   * find that code compiled.
   */
  warmUpUpdates: number;
  /** Added to durable consumer names, so two engines (e.g. a bench baseline) can read one stream (default ''). */
  consumerTag: string;
}

export function defaultTuning(config: Readonly<Config>): EngineTuning {
  return {
    stateCacheSize: 0,
    pullMessages: Math.max(100, config.engine.batchMax * 2),
    retryBackoffMs: 50,
    pendingPollMs: 5000,
    batchesInFlight: undefined,
    warmUpUpdates: 2000,
    consumerTag: '',
  };
}

/** Durable consumer name of one partition (one per stream and partition). */
export function consumerName(streamName: string, partition: number, tag = ''): string {
  return `${streamName}${tag ? `_${tag}` : ''}_p${partition}`;
}
