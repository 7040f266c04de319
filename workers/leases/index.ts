/** Partition leases: which engine process consumes which partition, with fair share and takeover. */
export { LeaseManager, startLeaseManager, type LeaseEvents, type LeaseHandlers, type LostReason } from './manager.js';
export { LeaseError, LEASE_ERROR_CODES, type LeaseErrorCode } from './errors.js';
export { leaseBucketName, resolveLeaseOptions, safeNodeKey, LeaseOptionsSchema, type LeaseOptions, type LeaseOptionsInput } from './options.js';
export { fairShare, preferenceOrder } from './fair-share.js';
export type { LeaseRecord, HeartbeatRecord } from './lease-record.js';
