/** The object-store bucket holding partition snapshots: `<stream>_SNAPSHOTS`, replicated like the stream. */
import { jetstream, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';

export function snapshotBucketName(streamName: string): string {
  return `${streamName}_SNAPSHOTS`;
}

export function snapshotObjectName(partition: number): string {
  return `partition-${partition}`;
}

export async function openSnapshotBucket(nc: NatsConnection, opts: { streamName: string; replicas: number; timeoutMs?: number }): Promise<ObjectStore> {
  return new Objm(opts.timeoutMs === undefined ? nc : jetstream(nc, { timeout: opts.timeoutMs })).create(snapshotBucketName(opts.streamName), { storage: StorageType.File, replicas: opts.replicas, description: `Lifeline partition snapshots of ${opts.streamName}` });
}
