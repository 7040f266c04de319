/**
 * The streaming engine: JetStream partitions → piscina worker threads → household state in LMDB.
 * `startEngine(config, { registry })` runs it; the store module is what the API reads.
 */
export { startEngine, batchTaskFile, type Engine, type EngineStatus, type StartOptions, type AlertListener, type BatchListener } from './engine.js';
export { initialLoad, type LoadOptions, type LoadReport } from './initial-load.js';
export { replayDeadLetters, listDeadLetters, type ReplayOptions, type ReplayOutcome } from './dead-letters.js';
export { engineMetrics, type EngineMetrics } from './metrics.js';
export { defaultTuning, consumerName, type EngineTuning } from './options.js';
export type { AlertEvent, BatchResult } from './types.js';
export type { PartitionStatus } from './partition-consumer.js';
export * from './errors.js';
export * as store from './store/index.js';
