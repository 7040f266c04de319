/**
 * In-memory counts of the alert queues for /metrics: alerts per status and level (every status
 * but closed), and the verification deadlines of open and claimed alerts kept sorted per level,
 * so "overdue at `now`" is a binary search instead of LMDB range counts per township at every
 * scrape.
 *
 * Built from the alert_queue keys (no alert record is decoded) when the API starts, so it is
 * right after a restart; then every alert this process changes (AlertService) or its engine
 * reports is set again from its stored record (idempotent: setting the same alert twice counts
 * it once). Writes nobody told this process about (a partition restored from the changelog, a
 * second process on the same LMDB) are picked up by a recount from LMDB every RECOUNT_MS, one
 * township per event-loop turn.
 */
import { ALERT_STATUSES, type Alert, type AlertLevel, type AlertStatus } from '../../engine/alerts/types.js';
import { awaitsVerification } from '../../engine/alerts/lifecycle.js';
import { RANK_LEVEL, type Store } from '../../workers/store/index.js';
import { TALLY_RECOUNT_MS } from '../options.js';

const ACTIVE: readonly AlertStatus[] = ALERT_STATUSES.filter((s) => s !== 'closed');

interface Entry {
  township: string;
  status: AlertStatus;
  level: AlertLevel;
  dueAt: number;
}

type StatusLevel = Record<AlertStatus, Record<AlertLevel, number>>;

/** Index of the first element ≥ x in a sorted array. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(a: number[], x: number): void {
  a.splice(lowerBound(a, x), 0, x);
}

function removeSorted(a: number[], x: number): void {
  const i = lowerBound(a, x);
  if (a[i] === x) a.splice(i, 1);
}

/** Overdue is the engine's one definition (`isOverdue`): awaiting verification and past due. */
const dueCounted = (s: AlertStatus): boolean => awaitsVerification(s);

export class AlertTally {
  private readonly byId = new Map<string, Entry>();
  private readonly idsByTownship = new Map<string, Set<string>>();
  private readonly depth: StatusLevel = Object.fromEntries(ALERT_STATUSES.map((s) => [s, { urgent: 0, general: 0 }])) as StatusLevel;
  /** Sorted due times of open and claimed alerts, per level. */
  private readonly dueByLevel: Record<AlertLevel, number[]> = { urgent: [], general: [] };
  private timer: NodeJS.Timeout | null = null;
  private recounting = false;
  private stopped = false;
  /** Recounts finished since start (tests wait on it). */
  recounts = 0;

  constructor(private readonly store: Store) {
    for (const t of this.storedTownships()) this.replaceTownship(t, this.scanTownship(t));
  }

  /** Sets one alert from its stored record (null or closed: no longer counted). */
  observe(a: Alert | null | undefined, id = a?.id): void {
    if (id === undefined) return;
    this.set(id, a && a.status !== 'closed' ? { township: a.region.townshipId, status: a.status, level: a.level, dueAt: a.dueAt } : null);
  }

  /** Alerts per status and level (closed ones are not counted: always 0). */
  byStatus(): StatusLevel {
    return this.depth;
  }

  /** Open or claimed alerts due before `now`, per level. */
  overdueByLevel(now: number): Record<AlertLevel, number> {
    return { urgent: lowerBound(this.dueByLevel.urgent, now), general: lowerBound(this.dueByLevel.general, now) };
  }

  /** Recounts from LMDB every `intervalMs`, one township per event-loop turn. */
  start(intervalMs = TALLY_RECOUNT_MS, onError: (err: unknown) => void = () => undefined): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.recount().catch(onError);
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-reads every township's queue keys from LMDB and replaces what is held for it. */
  async recount(): Promise<void> {
    if (this.recounting) return;
    this.recounting = true;
    try {
      const townships = new Set([...this.storedTownships(), ...this.idsByTownship.keys()]);
      for (const t of townships) {
        await new Promise<void>((r) => setImmediate(r));
        // stopped meanwhile: the store may be closing
        if (this.stopped) return;
        // a fresh snapshot: at least as new as every change this process has already counted
        this.store.env.resetReadTxn();
        this.replaceTownship(t, this.scanTownship(t));
      }
      this.recounts++;
    } finally {
      this.recounting = false;
    }
  }

  private storedTownships(): Set<string> {
    const out = new Set<string>();
    for (const key of this.store.alertCounts.getKeys({})) out.add(key[0]);
    return out;
  }

  /** One township's alerts that are not closed, from the queue keys alone. */
  private scanTownship(t: string): Map<string, Entry> {
    const found = new Map<string, Entry>();
    for (const status of ACTIVE) {
      for (const key of this.store.alertQueue.getKeys({ start: [t, status], end: [t, status, RANK_LEVEL.length] })) {
        found.set(key[4], { township: t, status, level: RANK_LEVEL[key[2]]!, dueAt: key[3] });
      }
    }
    return found;
  }

  private replaceTownship(t: string, found: Map<string, Entry>): void {
    for (const id of [...(this.idsByTownship.get(t) ?? [])]) if (!found.has(id)) this.set(id, null);
    for (const [id, e] of found) this.set(id, e);
  }

  private set(id: string, e: Entry | null): void {
    const old = this.byId.get(id);
    if (old && e && old.township === e.township && old.status === e.status && old.level === e.level && old.dueAt === e.dueAt) return;
    if (old) {
      this.depth[old.status][old.level]--;
      this.idsByTownship.get(old.township)?.delete(id);
      if (dueCounted(old.status)) removeSorted(this.dueByLevel[old.level], old.dueAt);
      this.byId.delete(id);
    }
    if (!e) return;
    this.byId.set(id, e);
    this.depth[e.status][e.level]++;
    let ids = this.idsByTownship.get(e.township);
    if (!ids) this.idsByTownship.set(e.township, (ids = new Set()));
    ids.add(id);
    if (dueCounted(e.status)) insertSorted(this.dueByLevel[e.level], e.dueAt);
  }
}
