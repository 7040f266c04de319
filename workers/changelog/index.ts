/** The JetStream changelog of household state and alerts: flush from the LMDB outbox, restore on takeover. */
export { openChangelog, type Changelog, type ChangelogFence } from './changelog.js';
export { ChangelogFlusher, outboxRange, type FlushStats, type FlusherEvents, type PartitionVerdict } from './flusher.js';
export { restorePartition, type RestoreStats } from './restore.js';
export { seedChangelog, type SeedStats } from './seed.js';
export { openStateBucket } from './bucket.js';
export { ChangelogError, CHANGELOG_ERROR_CODES, type ChangelogErrorCode } from './errors.js';
export { stateBucketName, resolveChangelogOptions, ChangelogOptionsSchema, type ChangelogOptions, type ChangelogOptionsInput } from './options.js';
export { householdKey, alertKey, checkpointKey, escapeToken, unescapeToken, idOfKey } from './keys.js';
export { encodeValue, decodeValue } from './codec.js';
