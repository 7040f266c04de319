/**
 * Prometheus metrics of the streaming engine, registered in the registry the caller passes (the
 * API serves it). Worker threads never touch prom-client: their figures ride on each batch
 * result and are recorded here, in the main thread.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BatchResult } from './types.js';

export interface EngineMetrics {
  record(r: BatchResult): void;
  setPending(partition: number, n: number): void;
  setUtilisation(u: number): void;
  deadLettered(origin: 'engine' | 'poison', n: number): void;
  batchFailed(partition: number): void;
}

export function engineMetrics(registry: Registry): EngineMetrics {
  const registers = [registry];
  const updates = new Counter({
    name: 'lifeline_engine_updates_total',
    help: 'Updates taken from the stream, by department, kind and outcome (applied or rejected).',
    labelNames: ['source', 'kind', 'outcome'] as const,
    registers,
  });
  const rejected = new Counter({ name: 'lifeline_engine_rejected_total', help: 'Updates kept as dead letters, by rejection code.', labelNames: ['code'] as const, registers });
  const deadLetters = new Counter({ name: 'lifeline_engine_dead_letters_total', help: 'Dead letters written, by origin (engine rejection, poison message).', labelNames: ['origin'] as const, registers });
  const skipped = new Counter({ name: 'lifeline_engine_redeliveries_skipped_total', help: 'Messages at or below the partition checkpoint, skipped.', registers });
  const batchSize = new Histogram({
    name: 'lifeline_engine_batch_size',
    help: 'Messages per batch handed to a worker thread.',
    buckets: [1, 5, 10, 25, 50, 100, 200, 300, 400, 500, 1000],
    registers,
  });
  const stage = new Histogram({
    name: 'lifeline_engine_stage_seconds',
    help: 'Time per batch in each stage: wait (queued for a worker), score (parse, validate, apply, rescore), commit (LMDB), total (in the worker).',
    labelNames: ['stage'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const alerts = new Counter({ name: 'lifeline_engine_alerts_total', help: 'Alerts opened (by level) and triggers joined to an open alert.', labelNames: ['outcome', 'level'] as const, registers });
  const pending = new Gauge({ name: 'lifeline_engine_pending_messages', help: 'Messages not yet applied per partition (server backlog + queued + in flight).', labelNames: ['partition'] as const, registers });
  const checkpoint = new Gauge({ name: 'lifeline_engine_checkpoint_seq', help: 'Last applied stream sequence per partition.', labelNames: ['partition'] as const, registers });
  const utilisation = new Gauge({ name: 'lifeline_engine_worker_utilisation', help: 'Share of time the worker threads were busy (piscina utilisation, 0–1).', registers });
  const lmdbBytes = new Gauge({ name: 'lifeline_engine_lmdb_bytes', help: 'Size of the LMDB data in use, bytes.', registers });
  const cache = new Counter({ name: 'lifeline_engine_state_cache_total', help: 'Household state lookups in the worker cache, by result.', labelNames: ['result'] as const, registers });
  const failures = new Counter({ name: 'lifeline_engine_batch_failures_total', help: 'Batches that failed as a whole (worker crash or write error) and were retried.', labelNames: ['partition'] as const, registers });

  return {
    record(r) {
      for (const [source, kind, ok, bad] of r.counts) {
        if (ok) updates.inc({ source, kind, outcome: 'applied' }, ok);
        if (bad) updates.inc({ source, kind, outcome: 'rejected' }, bad);
      }
      for (const [code, n] of r.rejectedByCode) rejected.inc({ code }, n);
      if (r.rejected) deadLetters.inc({ origin: 'engine' }, r.rejected);
      if (r.skipped) skipped.inc(r.skipped);
      batchSize.observe(r.messages);
      stage.observe({ stage: 'wait' }, r.timings.waitMs / 1000);
      stage.observe({ stage: 'score' }, r.timings.scoreMs / 1000);
      stage.observe({ stage: 'commit' }, r.timings.commitMs / 1000);
      stage.observe({ stage: 'total' }, r.timings.totalMs / 1000);
      if (r.alertsCreated.urgent) alerts.inc({ outcome: 'created', level: 'urgent' }, r.alertsCreated.urgent);
      if (r.alertsCreated.general) alerts.inc({ outcome: 'created', level: 'general' }, r.alertsCreated.general);
      if (r.alertsJoined) alerts.inc({ outcome: 'joined', level: 'any' }, r.alertsJoined);
      checkpoint.set({ partition: String(r.partition) }, r.checkpoint);
      lmdbBytes.set(r.lmdbBytes);
      if (r.cacheHits) cache.inc({ result: 'hit' }, r.cacheHits);
      if (r.cacheMisses) cache.inc({ result: 'miss' }, r.cacheMisses);
    },
    setPending(partition, n) {
      pending.set({ partition: String(partition) }, n);
    },
    setUtilisation(u) {
      utilisation.set(u);
    },
    deadLettered(origin, n) {
      deadLetters.inc({ origin }, n);
    },
    batchFailed(partition) {
      failures.inc({ partition: String(partition) });
    },
  };
}
