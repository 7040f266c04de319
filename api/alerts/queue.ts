/**
 * One page of a township's queue as alert ids, read from the alert_queue keys alone: the same
 * order, filters and cursor as the store's `listAlerts` (urgent before general, then due time,
 * then id; the cursor is the last (levelRank, dueAt, id) handed out, base64url JSON), without
 * decoding any alert record. The listing then takes each alert's view from the view cache.
 */
import { ALERT_STATUSES, type AlertStatus } from '../../engine/alerts/types.js';
import { LEVEL_RANK, type AlertFilters, type QueueKey, type Store } from '../../workers/store/index.js';
import { validation } from '../errors.js';

type CursorPos = [number, number, string];

function encodeCursor(k: CursorPos): string {
  return Buffer.from(JSON.stringify(k)).toString('base64url');
}

function decodeCursor(c: string): CursorPos {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'string') return v as CursorPos;
  } catch {
    // fall through to the 400
  }
  throw validation('cursor', 'not a cursor from a previous page');
}

function cmp(a: CursorPos, b: CursorPos): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

export interface QueuePage {
  ids: string[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

export function queuePage(store: Store, township: string, filters: AlertFilters = {}, cursor?: string | null): QueuePage {
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
