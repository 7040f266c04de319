/**
 * Alert work over the LMDB store: one transition per synchronous write transaction (the alert,
 * its queue indexes and the audit row commit together), queue claims, the lease sweeper and the
 * in-process event bus that feeds long-polls and the live stream.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Alert, AlertStatus } from '../../engine/alerts/types.js';
import { isOverdue, leaseExpired, transition, type LifecycleOk, type LifecycleRequest } from '../../engine/alerts/lifecycle.js';
import { getAlert, transitionAlert, type AuditEntry, type Store } from '../../workers/store/index.js';
import { ApiError, fromLifecycle, notFound } from '../errors.js';
import type { ApiMetrics } from '../metrics.js';
import type { Principal } from '../auth/index.js';
import { requireTownship } from '../auth/index.js';
import type { AlertTally } from './tally.js';
import type { AlertJsonCache } from '../views/cache.js';
import { queuePage } from './queue.js';

/** Thrown inside the write transaction to leave it without writing (a replayed request). */
class Replayed {
  constructor(readonly result: LifecycleOk) {}
}

const LEASED: readonly AlertStatus[] = ['claimed', 'verified', 'disposed'];

function leaseExpiredNow(store: Store, id: string, now: number): boolean {
  const a = getAlert(store, id);
  return a !== undefined && leaseExpired(a, now);
}

const TOKEN_BYTES = 18;
/** Random bytes drawn 4 KiB at a time: one call to the CSPRNG per ~220 tokens. */
let pool = Buffer.alloc(0);
let poolAt = 0;

export function newLeaseToken(): string {
  if (poolAt + TOKEN_BYTES > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  const t = pool.toString('base64url', poolAt, poolAt + TOKEN_BYTES);
  poolAt += TOKEN_BYTES;
  return t;
}

/** What an audit row keeps of an alert before and after a transition. */
function auditState(a: Alert): Record<string, unknown> {
  return {
    status: a.status,
    level: a.level,
    lease: a.lease ? { holder: a.lease.holder, expiresAt: a.lease.expiresAt } : null,
    verification: a.verification ? { outcome: a.verification.outcome, note: a.verification.note } : null,
    disposition: a.disposition ? { referrals: a.disposition.referrals, note: a.disposition.note } : null,
  };
}

export class AlertService {
  /** Emits 'alert' (Alert) after every committed change this process sees. */
  readonly events = new EventEmitter();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly store: Store,
    private readonly metrics: ApiMetrics,
    private readonly now: () => number,
    /** Counts behind /metrics: told of every change this service commits or the engine reports. */
    readonly tally: AlertTally | null = null,
    /** Alerts as stored, decoded only when changed: lets a replayed claim skip the alerts others hold. */
    private readonly views: AlertJsonCache | null = null,
  ) {
    this.events.setMaxListeners(0);
  }

  /** The alert, or 404; 403 when outside the caller's townships. */
  read(id: string, p: Principal): Alert {
    const a = getAlert(this.store, id);
    if (!a) throw notFound('alert');
    requireTownship(p, a.region.townshipId);
    return a;
  }

  /** 404 when the alert does not exist; 403 when outside the caller's townships. */
  private checkScope(id: string, p: Principal): void {
    const township = this.views ? this.views.get(id)?.townshipId : getAlert(this.store, id)?.region.townshipId;
    if (township === undefined) throw notFound('alert');
    requireTownship(p, township);
  }

  /** Applies one life-cycle request to one alert; a repeated request id returns the first result unchanged. */
  apply(id: string, req: LifecycleRequest, actor: string, requestId: string | null, p: Principal | null): LifecycleOk {
    if (p) this.checkScope(id, p);
    let result: LifecycleOk | null = null;
    let prior: Alert | null = null;
    const at = this.now();
    try {
      transitionAlert(
        this.store,
        id,
        (current) => {
          prior = current;
          const r = transition(current, req, { now: at, actor, requestId });
          if (!r.ok) throw fromLifecycle(r);
          if (r.replayed) throw new Replayed(r);
          result = r;
          return r.alert;
        },
        (after): AuditEntry => {
          // inside the transaction, after the write: the view cache keeps the record with its new bytes
          this.views?.remember(after);
          return {
            at,
            actor,
            action: `alert.${req.action}`,
            target: id,
            // unique per row: one request id may cover several alerts (a queue claim)
            requestId,
            details: { requestId, township: after.region.townshipId, before: prior ? auditState(prior) : null, after: auditState(after) },
          };
        },
      );
    } catch (err) {
      if (err instanceof Replayed) {
        this.metrics.alertTransitions.inc({ action: req.action, result: 'replayed' });
        return err.result;
      }
      this.metrics.alertTransitions.inc({ action: req.action, result: err instanceof ApiError ? err.code : 'error' });
      if ((err as { code?: string }).code === 'LIFELINE_ERR_WORKERS_ALERT_NOT_FOUND') throw notFound('alert');
      throw err;
    }
    const r = result as LifecycleOk | null;
    if (!r) throw new ApiError('LIFELINE_ERR_API_INTERNAL', 500, 'transition produced no result');
    this.metrics.alertTransitions.inc({ action: req.action, result: 'ok' });
    this.metrics.auditWrites.inc({ action: `alert.${req.action}` });
    this.tally?.observe(r.alert);
    this.events.emit('alert', r.alert);
    return r;
  }

  /**
   * Takes up to `max` open alerts of a township, urgent first then by due time. A repeated
   * request id returns the alerts that request took (still held by the caller).
   */
  claimFromQueue(township: string, p: Principal, opts: { requestId: string; max: number; leaseMs: number }): Alert[] {
    requireTownship(p, township);
    const prior = this.claimedBy(township, p.keyId, opts.requestId);
    if (prior.length > 0) return prior;
    const out: Alert[] = [];
    let cursor: string | null = null;
    // a few pages at most: alerts taken by others between listing and claiming are skipped
    for (let page = 0; page < 5 && out.length < opts.max; page++) {
      const { ids, nextCursor } = queuePage(this.store, township, { status: 'open', limit: Math.max(opts.max * 2, 10) }, cursor);
      for (const id of ids) {
        if (out.length >= opts.max) break;
        try {
          const r = this.apply(id, { action: 'claim', leaseMs: opts.leaseMs, token: newLeaseToken() }, p.keyId, opts.requestId, null);
          if (!r.replayed) out.push(r.alert);
        } catch (err) {
          if (err instanceof ApiError && (err.status === 409 || err.status === 404)) continue;
          throw err;
        }
      }
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    return out;
  }

  /** Alerts of a township still leased to `holder` whose claim carried `requestId`. */
  private claimedBy(township: string, holder: string, requestId: string): Alert[] {
    const out: Alert[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const { ids, nextCursor } = queuePage(this.store, township, { status: LEASED, limit: 500 }, cursor);
      for (const id of ids) {
        // held by someone else or taken by another request: no need to decode it
        const c = this.views?.get(id);
        if (c && (c.lease?.holder !== holder || !c.claimRequests.includes(requestId))) continue;
        const a = getAlert(this.store, id);
        if (a && a.lease?.holder === holder && a.history.some((h) => h.requestId === requestId && h.to === 'claimed' && h.from === 'open')) out.push(a);
      }
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    return out;
  }

  /** Resolves when an open alert of the township appears (new, released or expired), or after `ms`. */
  waitForOpen(township: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.events.off('alert', onAlert);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAlert = (a: Alert) => {
        if (a.region.townshipId === township && a.status === 'open') done(true);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      this.events.on('alert', onAlert);
      signal?.addEventListener('abort', onAbort);
    });
  }

  /** Townships with at least one alert in a leased status (from the count index). */
  private leasedTownships(): Set<string> {
    const out = new Set<string>();
    for (const { key, value } of this.store.alertCounts.getRange({})) {
      if (value > 0 && (LEASED as readonly string[]).includes(key[1])) out.add(key[0]);
    }
    return out;
  }

  /** Returns every alert whose lease has expired to the queue; answers how many. */
  sweep(): number {
    const now = this.now();
    let n = 0;
    for (const t of this.leasedTownships()) {
      let cursor: string | null = null;
      for (let page = 0; page < 100; page++) {
        const { ids, nextCursor } = queuePage(this.store, t, { status: LEASED, limit: 500 }, cursor);
        for (const id of ids) {
          // the lease as stored, decoded only when the alert changed since the last look
          const c = this.views?.get(id);
          if (c ? c.lease === null || c.lease.expiresAt > now : !leaseExpiredNow(this.store, id, now)) continue;
          try {
            this.apply(id, { action: 'expire' }, 'system', null, null);
            n++;
          } catch (err) {
            // taken, extended or released meanwhile: nothing to sweep
            if (!(err instanceof ApiError)) throw err;
          }
        }
        if (!nextCursor) break;
        cursor = nextCursor;
      }
    }
    if (n > 0) this.metrics.leasesExpired.inc(n);
    return n;
  }

  startSweeper(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        onError(err);
      }
    }, intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeper(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Re-reads an alert the engine committed and tells listeners. */
  notify(id: string): void {
    const a = getAlert(this.store, id);
    this.tally?.observe(a, id);
    if (a) this.events.emit('alert', a);
  }

  overdue(a: Alert): boolean {
    return isOverdue(a, this.now());
  }
}
