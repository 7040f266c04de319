/**
 * Index maintenance for alerts. Every write of an alert goes through `writeAlertInTxn` so the
 * queue, by-household, open-alert and counter entries never drift from the record. Must run
 * inside a write transaction (transactionSync, or an async `transaction` callback).
 */
import type { Alert } from '../../engine/alerts/types.js';
import { countKey, householdAlertKey, openAlertKey, queueKey } from './keys.js';
import type { Store } from './open.js';

function sameKey(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function bump(store: Store, key: ReturnType<typeof countKey>, by: number): void {
  const n = (store.alertCounts.get(key) ?? 0) + by;
  if (n > 0) store.alertCounts.putSync(key, n);
  else store.alertCounts.removeSync(key);
}

/** Writes `after` (whose previous stored version is `before`, or null when new) and its index keys. */
export function writeAlertInTxn(store: Store, before: Alert | null, after: Alert): void {
  store.alerts.putSync(after.id, after);
  const qNew = queueKey(after);
  const cNew = countKey(after);
  if (before) {
    const qOld = queueKey(before);
    if (!sameKey(qOld, qNew)) store.alertQueue.removeSync(qOld);
    const cOld = countKey(before);
    if (!sameKey(cOld, cNew)) {
      bump(store, cOld, -1);
      bump(store, cNew, 1);
    }
  } else {
    store.alertsByHousehold.putSync(householdAlertKey(after), null);
    bump(store, cNew, 1);
  }
  store.alertQueue.putSync(qNew, null);
  const ok = openAlertKey(after.householdId, after.type);
  if (after.status === 'closed') {
    if (store.openAlerts.get(ok) === after.id) store.openAlerts.removeSync(ok);
  } else {
    store.openAlerts.putSync(ok, after.id);
  }
}

/** Removes an alert and all its index keys and counts (a partition cleared before a restore). */
export function removeAlertInTxn(store: Store, a: Alert): void {
  store.alerts.removeSync(a.id);
  store.alertQueue.removeSync(queueKey(a));
  store.alertsByHousehold.removeSync(householdAlertKey(a));
  bump(store, countKey(a), -1);
  const ok = openAlertKey(a.householdId, a.type);
  if (store.openAlerts.get(ok) === a.id) store.openAlerts.removeSync(ok);
}

/** The household's not-closed alert of `type`, read inside the current transaction. */
export function findOpenAlertInTxn(store: Store, householdId: string, type: Alert['type']): Alert | null {
  const id = store.openAlerts.get(openAlertKey(householdId, type));
  if (id === undefined) return null;
  return store.alerts.get(id) ?? null;
}
