/**
 * Prometheus metrics of the streaming engine, registered in the registry the caller passes (the
 * API serves it). Worker threads never touch prom-client: their figures ride on each batch
 * result and are recorded here, in the main thread, when the result returns; live figures (LMDB
 * size, worker threads) are read at scrape time.
 */
import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';
import { codeLabel, flowLabels, oneOf, updateFlowCounters } from '../connectors/publisher/metrics.js';
import { ALERT_LEVELS } from '../engine/alerts/types.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { BatchResult } from './types.js';

/** Latency buckets, seconds: sub-millisecond at the low end (a lone update commits in ~1 ms), minutes at the top (catch-up after downtime). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Width of the window the worker-pool utilisation is averaged over (ms, 10 s). */
export const UTILISATION_WINDOW_MS = 10_000;

/** The code of an update whose id the household already has: a deduplication, not a rejection. */
const DUPLICATE_CODE = 'LIFELINE_ERR_DUPLICATE_UPDATE';

/** Partitions are numbered below the stream's maximum (config: stream.partitions ≤ 1024): anything else is `unknown`. */
export const MAX_PARTITIONS = 1024;
const partitionLabel = (p: number): string => (Number.isInteger(p) && p >= 0 && p < MAX_PARTITIONS ? String(p) : 'unknown');
export const ENGINE_DEAD_LETTER_ORIGINS: readonly string[] = ['engine', 'poison'];
export const CACHE_RESULTS: readonly string[] = ['hit', 'miss'];
export const ALERT_OUTCOMES: readonly string[] = ['created', 'joined'];
export const BATCH_STAGES: readonly string[] = ['wait', 'score', 'commit', 'total'];

/** Live figures the engine offers, read at scrape time. */
export interface EngineSources {
  /** Worker threads in the pool. */
  threads(): number;
  /** Size of the LMDB data in use, bytes. */
  lmdbBytes(): number;
  /** Partitions of the update stream, and those this process consumes now. */
  partitions?(): { total: number; owned: readonly number[] };
  /** The engine's view of NATS: its connection, and the update stream's replicas. */
  nats?: NatsView;
}

/** A stream's replicas: configured, and online and current (leader included). */
export interface ReplicaState {
  stream: string;
  configured: number;
  current: number;
}

/** What the engine sees of NATS (`natsView`). */
export interface NatsView {
  connected(): boolean;
  /** The update stream's replicas: configured, and current (leader included); null when never answered. */
  replicas(): Promise<ReplicaState | null>;
}

/** How long a scrape waits for the stream's replica state before counting no replica current (ms). */
export const REPLICA_INFO_TIMEOUT_MS = 2_000;
/** Replica answers younger than this (ms) serve the next gauge too. */
export const REPLICA_INFO_SHARED_MS = 500;

/**
 * Watches `nc`'s status events (disconnect, reconnect, close) and asks the server for `stream`'s
 * replicas when asked: the operator's signal that a NATS server or a stream replica is lost, seen
 * from the node that depends on it.
 */
export function natsView(nc: NatsConnection, jsm: JetStreamManager, stream: string): NatsView {
  let connected = !nc.isClosed();
  let configured: number | null = null;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'close') connected = false;
      else if (s.type === 'reconnect') connected = true;
    }
  })().catch(() => undefined);
  // both replica gauges of one scrape share one request
  let last: { at: number; answer: Promise<ReplicaState | null> } | null = null;
  const ask = async (): Promise<ReplicaState | null> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        jsm.streams.info(stream),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('stream info timed out')), REPLICA_INFO_TIMEOUT_MS))),
      ]);
      configured = info.config.num_replicas;
      // a stream that answers has a leader; its followers count when current and online
      const current = 1 + (info.cluster?.replicas ?? []).filter((r) => r.current && !r.offline).length;
      return { stream, configured, current };
    } catch {
      // no answer (no leader, no quorum, connection down): no replica is current
      return configured === null ? null : { stream, configured, current: 0 };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    connected: () => connected && !nc.isClosed(),
    replicas() {
      const now = Date.now();
      if (!last || now - last.at > REPLICA_INFO_SHARED_MS) last = { at: now, answer: ask() };
      return last.answer;
    },
  };
}

export interface EngineMetrics {
  /**
   * A committed batch. `storedAt`: each message's JetStream store time (epoch ms, fractional);
   * `now`: when the result came back to the main thread (epoch ms, fractional).
   */
  record(r: BatchResult, storedAt: ArrayLike<number>, now: number): void;
  setPending(partition: number, n: number): void;
  /** The partition left this process: its per-partition series go. */
  forgetPartition(partition: number): void;
  deadLettered(origin: 'engine' | 'poison', n: number): void;
  batchFailed(partition: number): void;
  /** Sets the live figures' sources (the running engine's); returns a function that unbinds them (engine stopped). */
  bind(sources: EngineSources): () => void;
}

/**
 * A histogram without labels, observed a batch at a time: prom-client's `observe` costs about
 * 1 µs per value (label checks and hashing), which at 100k updates/s would be a tenth of the
 * main thread; this costs a bucket search. Exposed like a prom-client Histogram (cumulative
 * `_bucket{le}`, `_sum`, `_count`).
 */
class BatchHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Observes `now - start` (ms in, seconds recorded) for every start: one observation each. */
  observeSince(startsMs: ArrayLike<number>, nowMs: number): void {
    const b = this.bounds;
    for (let i = 0; i < startsMs.length; i++) {
      const v = Math.max(0, nowMs - startsMs[i]!) / 1000;
      let k = 0;
      while (k < b.length && v > b[k]!) k++;
      this.counts[k] = this.counts[k]! + 1;
      this.sum += v;
    }
    this.count += startsMs.length;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: { le?: number | string }; value: number; metricName: string }[] }> {
    const values: { labels: { le?: number | string }; value: number; metricName: string }[] = [];
    let acc = 0;
    for (let k = 0; k < this.bounds.length; k++) {
      acc += this.counts[k]!;
      values.push({ labels: { le: this.bounds[k]! }, value: acc, metricName: `${this.name}_bucket` });
    }
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

const created = new WeakMap<Registry, EngineMetrics>();

/** Creates (once per registry) the engine's metrics. */
export function engineMetrics(registry: Registry): EngineMetrics {
  const existing = created.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const flow = updateFlowCounters(registry);
  let sources: EngineSources | null = null;
  let lastLmdbBytes = 0;
  const startedAt = Date.now();
  // busy worker time per second slot, for the utilisation over the last window
  const slots = Math.ceil(UTILISATION_WINDOW_MS / 1000) + 1;
  const busyMs = new Float64Array(slots);
  const slotSecond = new Float64Array(slots).fill(-1);

  const processing = new BatchHistogram(
    'lifeline_processing_seconds',
    "Per update, from its JetStream store time to its batch's LMDB commit (seen when the batch result returns); unit: seconds.",
    LATENCY_BUCKETS,
  );
  registry.registerMetric(processing as unknown as Metric);
  const eventToAlert = new Histogram({
    name: 'lifeline_event_to_alert_seconds',
    help: "From the triggering update's store time in the stream to its alert committed (created, or joined to an open one); ms resolution at the start; unit: seconds.",
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const alertsCreated = new Counter({ name: 'lifeline_alerts_created_total', help: 'Alerts opened by the engine, per level; unit: alerts.', labelNames: ['level'] as const, registers });
  const alertsJoined = new Counter({
    name: 'lifeline_alerts_joined_total',
    help: 'Triggers joined to an alert already open for the household and type, per resulting level; unit: triggers.',
    labelNames: ['level'] as const,
    registers,
  });
  const pending = new Gauge({
    name: 'lifeline_consumer_pending',
    help: 'Messages of a partition not yet committed (server backlog + queued + in flight), per partition; unit: messages.',
    labelNames: ['partition'] as const,
    registers,
  });
  const checkpoint = new Gauge({ name: 'lifeline_engine_checkpoint_sequence', help: 'Last stream sequence committed to LMDB, per partition; unit: stream sequence number.', labelNames: ['partition'] as const, registers });
  new Gauge({
    name: 'lifeline_worker_threads',
    help: 'Worker threads in the engine pool; unit: threads.',
    registers,
    collect() {
      this.set(sources?.threads() ?? 0);
    },
  });
  const busy = new Counter({ name: 'lifeline_worker_busy_seconds_total', help: 'Time the worker threads spent on batches, all threads together; unit: seconds.', registers });
  new Gauge({
    name: 'lifeline_worker_pool_utilisation',
    help: `Share of the worker threads' time spent on batches over the last ${UTILISATION_WINDOW_MS / 1000} s; unit: ratio 0–1.`,
    registers,
    collect() {
      const n = sources?.threads() ?? 0;
      const now = Date.now();
      const sec = Math.floor(now / 1000);
      let total = 0;
      // whole seconds before the current one, plus the current one's part
      const windowSec = Math.floor(UTILISATION_WINDOW_MS / 1000);
      for (let i = 0; i < slots; i++) if (slotSecond[i]! >= sec - windowSec && slotSecond[i]! <= sec) total += busyMs[i]!;
      const span = Math.min(UTILISATION_WINDOW_MS + (now % 1000), now - startedAt);
      this.set(n > 0 && span > 0 ? Math.min(1, total / (n * span)) : 0);
    },
  });
  new Gauge({
    name: 'lifeline_lmdb_size_bytes',
    help: 'Size of the LMDB data in use (pages up to the last used one); unit: bytes.',
    registers,
    collect() {
      let bytes = lastLmdbBytes;
      try {
        if (sources) bytes = sources.lmdbBytes();
      } catch {
        // the store is closing: the last figure a worker reported stands
      }
      this.set(bytes);
    },
  });
  new Gauge({
    name: 'lifeline_engine_partitions',
    help: 'Partitions of the update stream (every node should report the same); unit: partitions.',
    registers,
    collect() {
      const p = sources?.partitions?.();
      if (p) this.set(p.total);
    },
  });
  new Gauge({
    name: 'lifeline_engine_partitions_owned',
    help: 'Partitions this process consumes now (all of them on one node; its fair share of leases under --scale-out); unit: partitions.',
    registers,
    collect() {
      this.set(sources?.partitions?.().owned.length ?? 0);
    },
  });
  new Gauge({
    name: 'lifeline_nats_connected',
    help: "Whether the engine's NATS connection is up; unit: boolean (1 connected, 0 not).",
    registers,
    collect() {
      this.set(sources?.nats?.connected() ? 1 : 0);
    },
  });
  const replicaGauge = (name: string, help: string, pick: (r: { configured: number; current: number }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['stream'] as const,
      registers,
      async collect() {
        const r = await sources?.nats?.replicas();
        if (r) this.set({ stream: r.stream }, pick(r));
      },
    });
  replicaGauge('lifeline_stream_replicas', 'Replicas the update stream is configured with (stream.replicas); unit: replicas.', (r) => r.configured);
  replicaGauge(
    'lifeline_stream_replicas_current',
    `Replicas of the update stream that are online and current, leader included, as the server reports them (0 when it does not answer within ${REPLICA_INFO_TIMEOUT_MS / 1000} s); unit: replicas.`,
    (r) => r.current,
  );
  const deadLetters = new Counter({ name: 'lifeline_engine_dead_letters_total', help: 'Dead letters written by the engine, per origin (engine rejection, poison message); unit: messages.', labelNames: ['origin'] as const, registers });
  const skipped = new Counter({ name: 'lifeline_engine_redeliveries_skipped_total', help: 'Messages at or below the partition checkpoint, skipped; unit: messages.', registers });
  const batchSize = new Histogram({
    name: 'lifeline_engine_batch_messages',
    help: 'Messages per batch handed to a worker thread; unit: messages.',
    buckets: [1, 5, 10, 25, 50, 100, 200, 300, 400, 500, 1000],
    registers,
  });
  const stage = new Histogram({
    name: 'lifeline_engine_batch_stage_seconds',
    help: 'Time per batch in each stage: wait (queued for a worker), score (parse, validate, apply, rescore), commit (LMDB), total (in the worker); unit: seconds.',
    labelNames: ['stage'] as const,
    buckets: LATENCY_BUCKETS.slice(0, -3),
    registers,
  });
  const cache = new Counter({ name: 'lifeline_engine_state_cache_lookups_total', help: 'Household state lookups in the worker cache, per result (hit, miss); unit: lookups.', labelNames: ['result'] as const, registers });
  const failures = new Counter({
    name: 'lifeline_engine_batch_failures_total',
    help: 'Batches that failed as a whole (worker crash or write error) and were retried, per partition; unit: batches.',
    labelNames: ['partition'] as const,
    registers,
    collect() {
      // a consumed partition has its series from its start, not from its first pending figure
      for (const p of sources?.partitions?.().owned ?? []) {
        const label = partitionLabel(p);
        if (!failing.has(label)) {
          failing.add(label);
          this.inc({ partition: label }, 0);
        }
      }
    },
  });
  // every known label set at zero: rate() and increase() see the first event too
  for (const level of ALERT_LEVELS) {
    alertsCreated.inc({ level }, 0);
    alertsJoined.inc({ level }, 0);
  }
  for (const origin of ENGINE_DEAD_LETTER_ORIGINS) deadLetters.inc({ origin }, 0);
  for (const result of CACHE_RESULTS) cache.inc({ result }, 0);
  // labelled histograms too: histogram_quantile(rate(…)) would miss the observation that creates a series
  for (const outcome of ALERT_OUTCOMES) eventToAlert.zero({ outcome });
  for (const s of BATCH_STAGES) stage.zero({ stage: s });
  const failing = new Set<string>();
  const m: EngineMetrics = {
    record(r, storedAt, now) {
      for (const [source, kind, ok] of r.counts) if (ok) flow.processed.inc(flowLabels(source, kind), ok);
      if (r.rejectedBy) {
        for (const [source, kind, code, n] of r.rejectedBy) {
          const labels = flowLabels(source, kind);
          if (code === DUPLICATE_CODE) flow.deduplicated.inc({ ...labels, stage: 'engine' }, n);
          else flow.rejected.inc({ ...labels, code: codeLabel(code) }, n);
        }
      } else {
        // a worker without per-code tallies: the rejections are still counted
        for (const [source, kind, , bad] of r.counts) if (bad) flow.rejected.inc({ ...flowLabels(source, kind), code: 'unknown' }, bad);
      }
      processing.observeSince(storedAt, now);
      for (const e of r.alerts) {
        eventToAlert.observe({ outcome: e.created ? 'created' : 'joined' }, Math.max(0, now - e.at) / 1000);
        if (!e.created) alertsJoined.inc({ level: oneOf(e.level, ALERT_LEVELS) });
      }
      if (r.alertsCreated.urgent) alertsCreated.inc({ level: 'urgent' }, r.alertsCreated.urgent);
      if (r.alertsCreated.general) alertsCreated.inc({ level: 'general' }, r.alertsCreated.general);
      if (r.rejected) deadLetters.inc({ origin: 'engine' }, r.rejected);
      if (r.skipped) skipped.inc(r.skipped);
      batchSize.observe(r.messages);
      stage.observe({ stage: 'wait' }, r.timings.waitMs / 1000);
      stage.observe({ stage: 'score' }, r.timings.scoreMs / 1000);
      stage.observe({ stage: 'commit' }, r.timings.commitMs / 1000);
      stage.observe({ stage: 'total' }, r.timings.totalMs / 1000);
      busy.inc(r.timings.totalMs / 1000);
      const sec = Math.floor(now / 1000);
      const slot = sec % slots;
      if (slotSecond[slot] !== sec) {
        slotSecond[slot] = sec;
        busyMs[slot] = 0;
      }
      busyMs[slot] = busyMs[slot]! + r.timings.totalMs;
      checkpoint.set({ partition: partitionLabel(r.partition) }, r.checkpoint);
      lastLmdbBytes = r.lmdbBytes;
      if (r.cacheHits) cache.inc({ result: 'hit' }, r.cacheHits);
      if (r.cacheMisses) cache.inc({ result: 'miss' }, r.cacheMisses);
    },
    setPending(partition, n) {
      const label = partitionLabel(partition);
      // a partition this process consumes: its failure counter exists from the start
      if (!failing.has(label)) {
        failing.add(label);
        failures.inc({ partition: label }, 0);
      }
      pending.set({ partition: label }, n);
    },
    forgetPartition(partition) {
      pending.remove({ partition: partitionLabel(partition) });
      checkpoint.remove({ partition: partitionLabel(partition) });
    },
    deadLettered(origin, n) {
      deadLetters.inc({ origin: oneOf(origin, ENGINE_DEAD_LETTER_ORIGINS) }, n);
    },
    batchFailed(partition) {
      failing.add(partitionLabel(partition));
      failures.inc({ partition: partitionLabel(partition) });
    },
    bind(s) {
      sources = s;
      return () => {
        if (sources === s) sources = null;
      };
    },
  };
  created.set(registry, m);
  return m;
}
