/** The object-store bucket holding partition snapshots: `<stream>_SNAPSHOTS`, replicated like the stream. */
import { StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';

export function snapshotBucketName(streamName: string): string {
  return `${streamName}_SNAPSHOTS`;
}

export function snapshotObjectName(partition: number): string {
  return `partition-${partition}`;
}

export async function openSnapshotBucket(nc: NatsConnection, opts: { streamName: string; replicas: number }): Promise<ObjectStore> {
  return new Objm(nc).create(snapshotBucketName(opts.streamName), { storage: StorageType.File, replicas: opts.replicas, description: `Lifeline partition snapshots of ${opts.streamName}` });
}
