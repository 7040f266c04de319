/**
 * The streaming engine of one process: NATS connection, the worker pool, one PartitionConsumer
 * per owned partition.
 *
 * Design note: by default (no lease manager) the process owns every partition of the stream.
 * The lease manager (workers/leases) drives ownership through `startPartition(p)` and
 * `stopPartition(p)` (which drains the partition's in-flight batch and acks it before
 * returning), so a partition moves between processes without an update applied twice or lost.
 */
import { existsSync } from 'node:fs';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Piscina } from 'piscina';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { connectNats, openKvBucket } from '../connectors/nats/index.js';
import { ensureStreams } from '../connectors/publisher/stream.js';
import { ensureAuditStream } from '../connectors/audit/stream.js';
import { CommandResponder } from './commands/index.js';
import { OutboxPublisher } from './outbox.js';
import { EngineStartError } from './errors.js';
import { compiledTaskFile } from './task-file.js';
import { engineMetrics, natsView, type EngineMetrics } from './metrics.js';
import { consumerName, defaultTuning, type EngineTuning } from './options.js';
import { PartitionConsumer, type PartitionStatus } from './partition-consumer.js';
import { PoolSlots, type SlotWaiter } from './pool-slots.js';
import { openStore, storeOptions, type Store } from './store/index.js';
import type { AlertEvent, BatchResult, BatchTask, WarmTask, WorkerSetup } from './types.js';

/** Deadline of the engine's JetStream management requests (consumer create, delete, info), ms. */
const CONSUMER_REQUEST_TIMEOUT_MS = 2000;

export interface StartOptions {
  /** Registry the engine's metrics are registered in (the API's); none = no metrics. */
  registry?: Registry;
  /** Partitions to own at start (default: all; [] when a lease manager decides). */
  partitions?: readonly number[];
  /** An open store to share (the API's handle); opened from config.lmdb otherwise. */
  store?: Store;
  tuning?: Partial<EngineTuning>;
  /** Called with every error the engine recovers from (poison messages, failed batches). */
  onError?: (err: Error) => void;
}

export interface EngineStatus {
  nodeId: string;
  partitionCount: number;
  partitions: PartitionStatus[];
  threads: number;
  utilisation: number;
}

export type AlertListener = (events: readonly AlertEvent[]) => void;
export type BatchListener = (result: BatchResult) => void;

export interface Engine {
  /** Drains every partition's in-flight batch, closes the pool, the connection and (if opened here) the store. */
  stop(): Promise<void>;
  status(): EngineStatus;
  /** One partition's consumer as it stands, undefined when this process does not consume it (cheap: no list built). */
  partitionStatus(p: number): PartitionStatus | undefined;
  /** New and changed alerts after each commit; returns an unsubscribe function. */
  onAlert(listener: AlertListener): () => void;
  /** Every committed batch (tests, benches, the changelog). */
  onBatch(listener: BatchListener): () => void;
  startPartition(p: number): Promise<void>;
  stopPartition(p: number): Promise<void>;
  readonly partitionCount: number;
  readonly store: Store;
  readonly nc: NatsConnection;
  /** The update stream's name (consumer names derive from it). */
  readonly streamName: string;
  /** Audit rows and dead letters committed but not yet published. */
  readonly outbox: OutboxPublisher;
}

/** The compiled task file: piscina workers always load dist/, also when this module runs from sources. */
export function batchTaskFile(): string {
  return compiledTaskFile('batch-task.js');
}

export async function startEngine(config: Readonly<Config>, opts: StartOptions = {}): Promise<Engine> {
  const tuning: EngineTuning = { ...defaultTuning(config), ...opts.tuning };
  const nodeId = config.engine.nodeId ?? `${process.env['HOSTNAME'] ?? 'node'}-${process.pid}`;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let partitionCount: number;
  try {
    nc = await connectNats(config.nats);
    // consumers are (re)created at every partition start: with a server of a cluster down, nats-server 2.9 may
    // never answer one request and answer the next at once, so a short deadline and a retry beat the 5 s default
    jsm = await jetstreamManager(nc, { timeout: CONSUMER_REQUEST_TIMEOUT_MS });
    js = jetstream(nc);
    partitionCount = (await ensureStreams(jsm, config.stream)).partitions;
    await ensureAuditStream(jsm, config.stream);
    // the alert and help feeds the outbox writes into (workers/alert-feed, workers/help-feed)
    await openKvBucket(nc, { bucket: config.stream.alertsBucket, replicas: config.stream.replicas });
    await openKvBucket(nc, { bucket: config.stream.helpBucket, replicas: config.stream.replicas });
  } catch (err) {
    throw new EngineStartError(`cannot reach the update stream ${config.stream.name}: ${(err as Error).message}`, err);
  }
  const ownStore = opts.store === undefined;
  const store = opts.store ?? openStore(storeOptions(config));
  const file = batchTaskFile();
  if (!existsSync(file)) throw new EngineStartError(`worker task ${file} is missing: run npm run build`);
  const setup: WorkerSetup = {
    store: storeOptions(config),
    model: config.model,
    cacheSize: tuning.stateCacheSize,
    prefix: config.stream.subjectPrefix,
  };
  // atomics 'disabled': workers own LMDB async writes and must keep their event loop running between tasks
  const pool = new Piscina<BatchTask, BatchResult>({
    filename: file,
    minThreads: config.engine.threads,
    maxThreads: config.engine.threads,
    atomics: 'disabled',
    idleTimeout: Number.MAX_SAFE_INTEGER,
    // the default puts a task that finds every thread busy back at the tail: not first in, first out
    stricterFIFO: true,
    workerData: setup,
  });
  const onError = opts.onError ?? ((err: Error) => process.emitWarning(err.message, { code: (err as { code?: string }).code ?? 'LIFELINE_ERR_WORKERS' }));
  const slots = new PoolSlots(tuning.batchesInFlight ?? config.engine.threads);
  const warm = tuning.warmUpUpdates > 0 ? warmUp(pool, slots, tuning.warmUpUpdates, (err) => onError(err)) : undefined;
  const metrics: EngineMetrics | undefined = opts.registry ? engineMetrics(opts.registry) : undefined;
  const alertListeners = new Set<AlertListener>();
  const batchListeners = new Set<BatchListener>();
  const consumers = new Map<number, PartitionConsumer>();

  const outbox = new OutboxPublisher(store, js, { prefix: config.stream.subjectPrefix, alertsBucket: config.stream.alertsBucket, helpBucket: config.stream.helpBucket, onError });
  const responder = new CommandResponder(nc, store, config.stream.subjectPrefix, (p) => consumers.get(p)?.status().state === 'running');
  const onResult = (r: BatchResult): void => {
    if (r.commands.length) safe(() => responder.publish(r.partition, r.commands));
    if (r.outboxRows > 0) void outbox.flush(r.partition);
    if (r.alerts.length) for (const l of alertListeners) safe(() => l(r.alerts));
    for (const l of batchListeners) safe(() => l(r));
  };
  const safe = (f: () => void): void => {
    try {
      f();
    } catch (err) {
      onError(err as Error);
    }
  };

  const startPartition = async (p: number): Promise<void> => {
    if (!Number.isInteger(p) || p < 0 || p >= partitionCount) throw new RangeError(`partition must be 0 … ${partitionCount - 1}, got ${p}`);
    let c = consumers.get(p);
    if (!c) {
      c = new PartitionConsumer({ partition: p, config, tuning, js, jsm, pool, slots, store, metrics, onResult, onError });
      consumers.set(p, c);
    }
    await c.start();
    void outbox.flush(p); // rows a crash left behind
  };
  const stopPartition = async (p: number): Promise<void> => {
    const c = consumers.get(p);
    if (!c) return;
    await c.stop();
    consumers.delete(p);
    metrics?.forgetPartition(p);
  };

  const unbindMetrics = metrics?.bind({
    threads: () => pool.threads.length,
    lmdbBytes: () => lmdbBytes(store),
    partitions: () => ({ total: partitionCount, owned: [...consumers.keys()] }),
    nats: natsView(nc, jsm, config.stream.name),
  });
  let poll: NodeJS.Timeout | undefined;
  if (metrics && tuning.pendingPollMs > 0) {
    poll = setInterval(() => {
      for (const c of consumers.values()) {
        const name = consumerName(config.stream.name, c.partition, tuning.consumerTag);
        jsm.consumers
          .info(config.stream.name, name)
          .then((i) => metrics.setPending(c.partition, i.num_pending + c.backlog))
          .catch(() => undefined);
      }
    }, tuning.pendingPollMs);
    poll.unref();
  }

  const initial = opts.partitions ?? Array.from({ length: partitionCount }, (_, i) => i);
  try {
    await Promise.all(initial.map((p) => startPartition(p)));
  } catch (err) {
    await Promise.all([...consumers.values()].map((c) => c.stop()));
    responder.stop();
    await outbox.stop();
    await warm?.stop();
    if (poll) clearInterval(poll);
    unbindMetrics?.();
    await pool.destroy();
    await nc.close();
    if (ownStore) await store.close();
    throw new EngineStartError(`cannot start partition consumers: ${(err as Error).message}`, err);
  }

  let stopped = false;
  return {
    partitionCount,
    store,
    nc,
    streamName: config.stream.name,
    outbox,
    startPartition,
    stopPartition,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (poll) clearInterval(poll);
      unbindMetrics?.();
      await Promise.all([...consumers.keys()].map((p) => stopPartition(p)));
      responder.stop();
      await outbox.stop();
      await warm?.stop();
      await pool.close();
      await nc.drain().catch(() => nc.close());
      if (ownStore) await store.close();
    },
    status() {
      return {
        nodeId,
        partitionCount,
        partitions: [...consumers.values()].map((c) => c.status()).sort((a, b) => a.partition - b.partition),
        threads: pool.threads.length,
        utilisation: pool.utilization,
      };
    },
    partitionStatus(p) {
      return consumers.get(p)?.status();
    },
    onAlert(l) {
      alertListeners.add(l);
      return () => alertListeners.delete(l);
    },
    onBatch(l) {
      batchListeners.add(l);
      return () => batchListeners.delete(l);
    },
  };
}

/**
 * Runs the warm-up task in chunks, each only when no partition is waiting for the pool (it is the
 * lowest-priority slot waiter), so it never holds a batch back by more than one chunk.
 */
function warmUp(pool: Piscina<BatchTask, BatchResult>, slots: PoolSlots, total: number, onError: (err: Error) => void): { stop(): Promise<void> } {
  const CHUNK = 100;
  const filename = compiledTaskFile('warm-task.js');
  let left = total;
  let stopped = false;
  let running: Promise<void> | null = null;
  const waiter: SlotWaiter = { oldest: () => Infinity, onSlot: () => run() };
  const next = (): void => {
    if (!stopped && left > 0 && slots.acquire(waiter)) run();
  };
  const run = (): void => {
    if (stopped || left <= 0) {
      slots.release();
      return;
    }
    const updates = Math.min(CHUNK, left);
    left -= updates;
    const task: WarmTask = { updates };
    running = (pool as unknown as Piscina<WarmTask, number>).run(task, { filename }).then(
      () => {
        running = null;
        slots.release();
        next();
      },
      (err: unknown) => {
        running = null;
        left = 0;
        slots.release();
        if (!stopped) onError(new EngineStartError(`the warm-up task failed: ${(err as Error).message}`, err));
      },
    );
  };
  next();
  return {
    async stop() {
      stopped = true;
      slots.cancel(waiter);
      if (running) await running;
    },
  };
}

/** Pages in use up to the last one written, in bytes (what the data file needs). */
function lmdbBytes(store: Store): number {
  const s = store.env.getStats() as { pageSize?: number; lastPageNumber?: number };
  return (s.pageSize ?? 4096) * ((s.lastPageNumber ?? 0) + 1);
}
