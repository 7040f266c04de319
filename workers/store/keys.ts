/**
 * Key layout of the LMDB environment (see README.md). Keys are lmdb ordered-binary arrays so
 * range scans follow (township, status, level, due) order without decoding values.
 */
import { caseOf, type AlertCase, type AlertLevel, type AlertStatus, type AlertType } from '../../engine/alerts/types.js';
import type { Alert } from '../../engine/alerts/types.js';

/** urgent sorts before general in the queue. */
export const LEVEL_RANK: Record<AlertLevel, number> = { urgent: 0, general: 1 };
export const RANK_LEVEL: readonly AlertLevel[] = ['urgent', 'general'];

/** alert_queue key: township, status, level rank, due time, id. */
export type QueueKey = [string, AlertStatus, number, number, string];
/** alerts_by_household key: household, created time, id. */
export type HouseholdAlertKey = [string, number, string];
/** open_alerts key: household, case (`caseOf` the alert type: one hardship case, one eligibility review) → id of its not-closed alert. */
export type OpenAlertKey = [string, AlertCase];
/** alert_counts key: township, status, level → number of alerts. */
export type CountKey = [string, AlertStatus, AlertLevel];
/** dead_letters key: partition, stream sequence. */
export type DeadLetterKey = [number, number];

export function queueKey(a: Pick<Alert, 'region' | 'status' | 'level' | 'dueAt' | 'id'>): QueueKey {
  return [a.region.townshipId, a.status, LEVEL_RANK[a.level], a.dueAt, a.id];
}

export function householdAlertKey(a: Pick<Alert, 'householdId' | 'createdAt' | 'id'>): HouseholdAlertKey {
  return [a.householdId, a.createdAt, a.id];
}

export function openAlertKey(householdId: string, type: AlertType): OpenAlertKey {
  return [householdId, caseOf(type)];
}

export function countKey(a: Pick<Alert, 'region' | 'status' | 'level'>): CountKey {
  return [a.region.townshipId, a.status, a.level];
}
