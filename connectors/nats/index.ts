export { connectNats, natsOptions, type NatsConfig } from './connect.js';
export { KvWatchLiveness, type KvLivenessOptions } from './kv-liveness.js';
