/**
 * Multi-node serving (`lifeline start --scale-out`): every node answers for the whole city.
 * Alerts are few and are materialised on every node from the alert feed (alert-view.ts);
 * households are many and stay with their partition's owner, which answers reads routed to it by
 * partition (responder.ts, client.ts); household aggregates are gathered per partition and merged.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { openKvBucket } from '../../connectors/nats/index.js';
import { CityAlertView } from './alert-view.js';
import { ClusterReads, type ClusterReadsOptions } from './client.js';
import type { Ownership } from './responder.js';

export { CityAlertView } from './alert-view.js';
export { ClusterReads } from './client.js';
export { PartitionServer, type Ownership } from './responder.js';
export * from './protocol.js';

/** What `buildApp` needs to serve the whole city from one node of several. */
export interface ClusterServing {
  view: CityAlertView;
  reads: ClusterReads;
  partitionCount: number;
  /** How partition p stands on this node (from the engine's consumers). */
  owns(p: number): Ownership;
  close(): Promise<void>;
}

/** The part of the engine this needs: one partition consumer's state (asked on every cross-node read and pushed update). */
export interface OwnershipSource {
  partitionStatus(p: number): { state: string; caughtUp: boolean } | undefined;
}

export function ownershipOf(engine: OwnershipSource): (p: number) => Ownership {
  return (p) => {
    const s = engine.partitionStatus(p);
    if (!s || s.state !== 'running') return null;
    return s.caughtUp ? 'current' : 'catching_up';
  };
}

/** Opens the city alert view (waiting until it holds the feed's values) and the cross-node reads. */
export async function openClusterServing(
  nc: NatsConnection,
  config: Readonly<Config>,
  engine: OwnershipSource & { partitionCount: number },
  opts: { onWarning?: (err: Error) => void; reads?: ClusterReadsOptions; now?: () => number } = {},
): Promise<ClusterServing> {
  const kv = await openKvBucket(nc, { bucket: config.stream.alertsBucket, replicas: config.stream.replicas });
  const view = await CityAlertView.open(kv, { path: `${config.lmdb.path}-city`, mapSizeGiB: Math.max(1, Math.ceil(config.lmdb.mapSizeGib / 4)), ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  try {
    await view.ready;
  } catch (err) {
    await view.close();
    throw err;
  }
  const reads = new ClusterReads(nc, config.stream.subjectPrefix, engine.partitionCount, opts.now ?? Date.now, opts.reads);
  return {
    view,
    reads,
    partitionCount: engine.partitionCount,
    owns: ownershipOf(engine),
    close: () => view.close(),
  };
}
