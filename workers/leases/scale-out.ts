/**
 * Scale-out wiring of one engine process: leases decide which partitions it consumes; a partition
 * is restored from its latest snapshot (JetStream object store) before its consumer starts, and
 * snapshotted before its lease is given back voluntarily. The engine is started owning nothing
 * (`startEngine(config, { partitions: [] })`).
 *
 *   acquired(p): clear p's rows → restore p's snapshot → engine.startPartition(p) (replays from its checkpoint + 1)
 *   lost(p):     engine.stopPartition(p) (drains the batch in flight) → snapshot p (voluntary only) → clear p's rows → release
 */
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import type { Store } from '../store/index.js';
import type { ObjectStore } from '@nats-io/obj';
import { clearPartition, openSnapshotBucket, restorePartition, type RestoreStats } from '../snapshots/index.js';
import { Snapshotter } from '../recovery.js';
import { LeaseManager, type LostReason } from './manager.js';

/** The seams of the engine this needs (a subset of `Engine` from workers/engine.ts). */
export interface PartitionSeams {
  readonly store: Store;
  readonly partitionCount: number;
  startPartition(p: number): Promise<void>;
  stopPartition(p: number): Promise<void>;
}

export interface ScaleOutOptions {
  /** This process's id in leases (default: config.engine.nodeId, else `<hostname>-<pid>`). */
  nodeId?: string;
  /** Recoverable trouble: lease rounds that failed, flushes that will be retried. */
  onWarning?: (err: Error) => void;
  /** After each restore (logs, tests). */
  onRestored?: (stats: RestoreStats) => void;
  /** Lease events, attached before the first round so none is missed. */
  onLeaseAcquired?: (p: number) => void;
  onLeaseLost?: (p: number, reason: LostReason) => void;
}

export interface ScaleOut {
  readonly leases: LeaseManager;
  readonly snapshots: Snapshotter;
  readonly bucket: ObjectStore;
  readonly nodeId: string;
  /** Drains every partition (stop, snapshot, release), stops the snapshotter and closes its connections; the engine is left to the caller. */
  stop(): Promise<void>;
}

/** Deadline of each snapshot-store request (ms). */
const SNAPSHOT_REQUEST_TIMEOUT_MS = 2000;

/** How long a partition whose start fails is retried while its lease is held (ms). */
const START_RETRY_MS = 30_000;

const VOLUNTARY: ReadonlySet<LostReason> = new Set(['rebalance', 'shutdown', 'start_failed']);

export async function startScaleOut(engine: PartitionSeams, config: Readonly<Config>, opts: ScaleOutOptions = {}): Promise<ScaleOut> {
  const nodeId = opts.nodeId ?? config.engine.nodeId ?? `${hostname()}-${process.pid}`;
  const warn = opts.onWarning ?? ((err: Error) => process.emitWarning(err.message, { code: (err as { code?: string }).code ?? 'LIFELINE_ERR_LEASE' }));
  // own connections: lease renewals must not queue behind the consumers' or the snapshots' traffic
  const leaseNc: NatsConnection = await connectNats(config.nats);
  const logNc: NatsConnection = await connectNats(config.nats);
  let leases: LeaseManager | null = null;
  // requests answered in ms when the cluster is whole; with a server down nats-server 2.9 may place a
  // read's consumer on it and never answer: a short deadline and a retry cost less than the 5 s default
  const bucket = await openSnapshotBucket(logNc, { streamName: config.stream.name, replicas: config.stream.replicas, timeoutMs: SNAPSHOT_REQUEST_TIMEOUT_MS });
  const snapshots = new Snapshotter(engine.store, bucket, engine.partitionCount, () => leases?.owned() ?? [], warn);
  leases = new LeaseManager(
    leaseNc,
    { streamName: config.stream.name, partitions: engine.partitionCount, nodeId, ttlMs: Math.round(config.engine.leaseTtlSec * 1000), replicas: config.stream.replicas },
    {
      async onAcquired(p) {
        // a cluster electing new stream leaders (a server lost) times requests out for a few seconds:
        // keep trying while the lease is ours rather than give it back and start over
        const until = Date.now() + START_RETRY_MS;
        for (let attempt = 0; ; attempt++) {
          try {
            // whatever this node held of p before is older than the partition's truth: start from the snapshot
            const stats = await restorePartition(engine.store, bucket, p, engine.partitionCount);
            if (stats.checkpoint !== null) snapshots.known(p, stats.checkpoint);
            opts.onRestored?.(stats);
            await engine.startPartition(p);
            return;
          } catch (err) {
            await engine.stopPartition(p).catch(() => undefined);
            if (Date.now() >= until || !leases?.owned().includes(p)) throw err;
            warn(new Error(`partition ${p}: start attempt ${attempt + 1} failed (${(err as Error).message}); retrying while the lease is held`));
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      },
      async onLost(p, reason) {
        await engine.stopPartition(p);
        // after a lapse the lease may already be someone else's: its snapshot must not be overwritten by ours
        if (VOLUNTARY.has(reason)) await snapshots.now([p]).catch(warn);
        // what stays of p here is no longer current: it must not be served as if it were (at shutdown
        // nothing is served any more, and the folder keeps it for inspection)
        if (reason !== 'shutdown') clearPartition(engine.store, p, engine.partitionCount);
      },
    },
  );
  leases.on('warning', warn);
  if (opts.onLeaseAcquired) leases.on('acquired', opts.onLeaseAcquired);
  if (opts.onLeaseLost) leases.on('lost', opts.onLeaseLost);
  try {
    await leases.start();
  } catch (err) {
    await Promise.all([leaseNc.close(), logNc.close()]);
    throw err;
  }
  snapshots.start(config.lmdb.snapshotIntervalSec);
  const lm = leases;
  return {
    leases: lm,
    snapshots,
    bucket,
    nodeId,
    async stop() {
      await lm.stop();
      await snapshots.stop();
      await Promise.all([leaseNc.drain().catch(() => undefined), logNc.drain().catch(() => undefined)]);
    },
  };
}
