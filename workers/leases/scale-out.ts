/**
 * Scale-out wiring of one engine process: leases decide which partitions it consumes, the
 * changelog restores a partition before its consumer starts and flushes it before its lease is
 * given back. The engine is started owning nothing (`startEngine(config, { partitions: [] })`).
 *
 *   acquired(p): restore p from the changelog → engine.startPartition(p) (consumes from checkpoint + 1)
 *   lost(p):     engine.stopPartition(p) (drains the batch in flight) → flush p's outbox (voluntary only) → release
 */
import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import type { Store } from '../store/index.js';
import { openChangelog, type Changelog, type ChangelogOptionsInput, type RestoreStats } from '../changelog/index.js';
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
  /** Flusher and restore tuning (bucket name and replicas come from config.stream). */
  changelog?: Omit<ChangelogOptionsInput, 'streamName' | 'replicas'>;
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
  readonly changelog: Changelog;
  readonly nodeId: string;
  /** Drains every partition (stop, flush, release), stops the flusher and closes its connections; the engine is left to the caller. */
  stop(): Promise<void>;
}

const VOLUNTARY: ReadonlySet<LostReason> = new Set(['rebalance', 'shutdown', 'start_failed']);

export async function startScaleOut(engine: PartitionSeams, config: Readonly<Config>, opts: ScaleOutOptions = {}): Promise<ScaleOut> {
  const nodeId = opts.nodeId ?? config.engine.nodeId ?? `${hostname()}-${process.pid}`;
  const warn = opts.onWarning ?? ((err: Error) => process.emitWarning(err.message, { code: (err as { code?: string }).code ?? 'LIFELINE_ERR_LEASE' }));
  // own connections: lease renewals must not queue behind the consumers' or the flusher's traffic
  const leaseNc: NatsConnection = await connectNats(config.nats);
  const logNc: NatsConnection = await connectNats(config.nats);
  let leases: LeaseManager | null = null;
  const changelog = await openChangelog(
    logNc,
    engine.store,
    { ...opts.changelog, streamName: config.stream.name, replicas: config.stream.replicas },
    { owns: (p) => leases?.owns(p) ?? false },
  );
  changelog.flusher.on('warning', warn);
  leases = new LeaseManager(
    leaseNc,
    { streamName: config.stream.name, partitions: engine.partitionCount, nodeId, ttlMs: Math.round(config.engine.leaseTtlSec * 1000), replicas: config.stream.replicas },
    {
      async onAcquired(p) {
        const stats = await changelog.restorePartition(p);
        opts.onRestored?.(stats);
        await engine.startPartition(p);
      },
      async onLost(p, reason) {
        await engine.stopPartition(p);
        // after a lapse the lease may already be someone else's: the fence would drop the entries anyway
        if (VOLUNTARY.has(reason)) await changelog.flushPartition(p);
      },
    },
  );
  leases.on('warning', warn);
  if (opts.onLeaseAcquired) leases.on('acquired', opts.onLeaseAcquired);
  if (opts.onLeaseLost) leases.on('lost', opts.onLeaseLost);
  try {
    await leases.start();
  } catch (err) {
    await changelog.stop();
    await Promise.all([leaseNc.close(), logNc.close()]);
    throw err;
  }
  const lm = leases;
  return {
    leases: lm,
    changelog,
    nodeId,
    async stop() {
      await lm.stop();
      await changelog.flusher.flushOnce().catch(warn);
      await changelog.stop();
      await Promise.all([leaseNc.drain().catch(() => undefined), logNc.drain().catch(() => undefined)]);
    },
  };
}
