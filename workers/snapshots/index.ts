/**
 * Partition snapshots in the JetStream object store (Flink-style checkpoints): LMDB is a view
 * rebuilt from the latest snapshot of each partition plus a replay of the update stream (updates
 * and caseworker commands) from the snapshot's checkpoint. Snapshot 0 is taken right after the
 * initial city load, later ones every `lmdb.snapshotIntervalSec` by the partition's owner, so the
 * replay stays short and inside the stream's retention.
 */
export { openSnapshotBucket, snapshotBucketName, snapshotObjectName } from './bucket.js';
export { takeSnapshots, snapshotInfo, type TakeOptions } from './take.js';
export { restorePartition, clearPartition } from './restore.js';
export type { SnapshotHeader, RestoreStats } from './types.js';
