/** The LMDB store shared by the engine's workers and the API. Key layout: README.md. */
export { openStore, storeOptions, type Store, type StoreOptions } from './open.js';
export { writeAlertInTxn, removeAlertInTxn, findOpenAlertInTxn } from './alert-writes.js';
export { writeReferralInTxn, removeReferralInTxn } from './help-writes.js';
export {
  getHousehold,
  getAlert,
  alertsByHousehold,
  listAlertIds,
  listAlerts,
  counts,
  getCheckpoint,
  listCheckpoints,
  listDeadLetters,
  type AlertFilters,
  type AlertPage,
  type AlertIdPage,
  type AlertCounts,
} from './reads.js';
export { queueKey, openAlertKey, LEVEL_RANK, RANK_LEVEL, type QueueKey, type OpenAlertKey } from './keys.js';
export type { DeadLetter, OutboxRow, OutboxKey, DeadLetterOrigin } from './types.js';
