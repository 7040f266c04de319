/** The LMDB store shared by the engine's workers and the API. Key layout: README.md. */
export { openStore, type Store, type StoreOptions } from './open.js';
export { transitionAlert, appendAudit, writeAlertInTxn, findOpenAlertInTxn } from './alert-writes.js';
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
export { outboxKey, parseOutboxKey, queueKey, openAlertKey, LEVEL_RANK, RANK_LEVEL, type QueueKey, type OpenAlertKey } from './keys.js';
export type { DeadLetter, OutboxEntry, AuditEntry, DeadLetterOrigin } from './types.js';
