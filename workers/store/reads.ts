/** Reads the API needs. All synchronous (LMDB reads are memory-mapped); values are decoded copies. */
import { ALERT_STATUSES, type Alert, type AlertLevel, type AlertStatus } from '../../engine/alerts/types.js';
import { AWAITING_VERIFICATION, awaitsVerification } from '../../engine/alerts/lifecycle.js';
import type { HouseholdState } from '../../engine/types.js';
import { BadCursorError } from '../errors.js';
import { LEVEL_RANK, type QueueKey } from './keys.js';
import type { Store } from './open.js';
import type { DeadLetter } from './types.js';

export function getHousehold(store: Store, id: string): HouseholdState | undefined {
  return store.households.get(id);
}

export function getAlert(store: Store, id: string): Alert | undefined {
  return store.alerts.get(id);
}

/** Every alert of a household, oldest first. */
export function alertsByHousehold(store: Store, householdId: string): Alert[] {
  const out: Alert[] = [];
  for (const key of store.alertsByHousehold.getKeys({ start: [householdId], end: [householdId, Infinity] })) {
    const a = store.alerts.get(key[2]);
    if (a) out.push(a);
  }
  return out;
}

export interface AlertFilters {
  /** One status or several (default: every status except closed). */
  status?: AlertStatus | readonly AlertStatus[];
  level?: AlertLevel;
  /** Only alerts due before this instant (epoch ms): the overdue ones when given `now`. */
  dueBefore?: number;
  /** Page size (default 50, at most 500). */
  limit?: number;
}

export interface AlertPage {
  items: Alert[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

type CursorPos = [number, number, string];

function encodeCursor(k: CursorPos): string {
  return Buffer.from(JSON.stringify(k)).toString('base64url');
}

function decodeCursor(c: string): CursorPos {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'string') return v as CursorPos;
  } catch {
    // fall through to the coded error
  }
  throw new BadCursorError(c);
}

function cmp(a: CursorPos, b: CursorPos): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

export interface AlertIdPage {
  ids: string[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * One township's queue as alert ids, from the queue keys alone (no alert record decoded): urgent
 * before general, then by due time, then id. Several statuses are merged in that order. The
 * cursor is the last (level, due, id) handed out.
 */
export function listAlertIds(store: Store, township: string, filters: AlertFilters = {}, cursor?: string | null): AlertIdPage {
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 500);
  const statuses: readonly AlertStatus[] =
    filters.status === undefined ? ALERT_STATUSES.filter((s) => s !== 'closed') : typeof filters.status === 'string' ? [filters.status] : filters.status;
  const after = cursor ? decodeCursor(cursor) : null;
  const ranks = filters.level === undefined ? [0, 1] : [LEVEL_RANK[filters.level]];
  const found: CursorPos[] = [];
  const take = (start: readonly unknown[], end: readonly unknown[], exclusiveStart: boolean): void => {
    let n = 0;
    for (const key of store.alertQueue.getKeys({ start: start as QueueKey, end: end as QueueKey, exclusiveStart })) {
      found.push([key[2], key[3], key[4]]);
      if (++n > limit) break;
    }
  };
  for (const status of statuses) {
    if (filters.level === undefined && filters.dueBefore === undefined) {
      // both levels in one range: the keys already run urgent before general, then by due time
      take(after ? [township, status, after[0], after[1], after[2]] : [township, status], [township, status, ranks.length], after !== null);
      continue;
    }
    for (const rank of ranks) {
      if (after && rank < after[0]) continue;
      const start = after && rank === after[0] ? [township, status, rank, after[1], after[2]] : [township, status, rank];
      const end = filters.dueBefore === undefined ? [township, status, rank + 1] : [township, status, rank, filters.dueBefore];
      take(start, end, after !== null && rank === after[0]);
    }
  }
  found.sort(cmp);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { ids: page.map((k) => k[2]), nextCursor: found.length > limit && last ? encodeCursor(last) : null };
}

/** One township's queue page with the alert records (order and cursor as `listAlertIds`). */
export function listAlerts(store: Store, township: string, filters: AlertFilters = {}, cursor?: string | null): AlertPage {
  const { ids, nextCursor } = listAlertIds(store, township, filters, cursor);
  const items: Alert[] = [];
  for (const id of ids) {
    const a = store.alerts.get(id);
    if (a) items.push(a);
  }
  return { items, nextCursor };
}

export interface AlertCounts {
  /** Per status and level. */
  byStatus: Record<AlertStatus, Record<AlertLevel, number>>;
  /** Not closed. */
  active: number;
  /** Awaiting verification (open or claimed) past their deadline at `now`: the engine's one overdue rule. */
  overdue: number;
}

/** Counts of one township, or of every township when `township` is omitted. */
export function counts(store: Store, opts: { township?: string; now: number }): AlertCounts {
  const byStatus = Object.fromEntries(ALERT_STATUSES.map((s) => [s, { urgent: 0, general: 0 }])) as AlertCounts['byStatus'];
  const townships = new Set<string>();
  const range = opts.township === undefined ? {} : { start: [opts.township], end: [opts.township, '\uffff'] };
  for (const { key, value } of store.alertCounts.getRange(range as { start?: [string]; end?: [string, string] })) {
    const [t, status, level] = key;
    byStatus[status][level] += value;
    if (awaitsVerification(status)) townships.add(t);
  }
  let overdue = 0;
  for (const t of townships) {
    for (const status of AWAITING_VERIFICATION) {
      for (const rank of [0, 1]) overdue += store.alertQueue.getKeysCount({ start: [t, status, rank], end: [t, status, rank, opts.now] });
    }
  }
  const active = ALERT_STATUSES.filter((s) => s !== 'closed').reduce((n, s) => n + byStatus[s].urgent + byStatus[s].general, 0);
  return { byStatus, active, overdue };
}

/** Last applied stream sequence of each partition (0 when the partition has none). */
export function getCheckpoint(store: Store, partition: number): number {
  return store.checkpoints.get(partition) ?? 0;
}

export function listCheckpoints(store: Store): Map<number, number> {
  const out = new Map<number, number>();
  for (const { key, value } of store.checkpoints.getRange({})) out.set(key, value);
  return out;
}

export function listDeadLetters(store: Store, opts: { partition?: number; limit?: number } = {}): DeadLetter[] {
  const range = opts.partition === undefined ? {} : { start: [opts.partition], end: [opts.partition, Infinity] };
  const out: DeadLetter[] = [];
  for (const { value } of store.deadLetters.getRange({ ...(range as object), limit: opts.limit ?? 1000 })) out.push(value);
  return out;
}
