export { connectNats, natsOptions, type NatsConfig } from './connect.js';
export { retryUntil, type RetryOptions } from './retry.js';
export { openKvBucket, encodedKey, kvPutSubject, type KvBucketOptions } from './kv-bucket.js';
export { KvFollower, KvWatchLiveness, type KvFollowerOptions, type KvLivenessOptions } from './kv-liveness.js';
