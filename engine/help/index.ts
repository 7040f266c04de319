/** The help loop (needs → resources → referrals → outcomes), pure. */
export * from './types.js';
export * from './capacity.js';
export * from './referrals.js';
export * from './matching.js';
export * from './policies.js';
