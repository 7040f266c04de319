/**
 * Alert work: every caseworker action (and the lease sweeper's expiries) becomes a command on the
 * household's partition, applied by the engine worker with the updates (the only writer of
 * alerts) and answered with its outcome; queue claims pick candidates from the LMDB view; the
 * in-process event bus feeds long-polls and the live stream from the engine's commit notices.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Alert, AlertStatus } from '../../engine/alerts/types.js';
import { isOverdue, leaseExpired, revisionOf, LIFECYCLE_ERROR_CODES, type LifecycleErrorCode, type LifecycleOk, type LifecycleRequest } from '../../engine/alerts/lifecycle.js';
import { getAlert, type Store } from '../../workers/store/index.js';
import { householdOfAlertId, type AlertCommand } from '../../workers/commands/index.js';
import { ApiError, fromLifecycle, notFound, unavailable } from '../errors.js';
import type { CommandClient } from './commands.js';
import type { ApiMetrics } from '../metrics.js';
import type { Principal } from '../auth/index.js';
import { requireTownship } from '../auth/index.js';
import type { AlertTally } from './tally.js';
import type { AlertJsonCache } from '../views/cache.js';
import { queuePage } from './queue.js';

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

export interface AlertServiceOptions {
  /** Where the lease sweeper looks for expired leases (default: the store queues are read from). */
  sweepStore?: Store;
  /** Told of every alert a command changed, as the engine committed it (the city view reads its own writes). */
  onOutcome?: (alert: Alert, partition: number, seq: number) => void;
}

export class AlertService {
  /** Emits 'alert' (Alert) after every committed change this process sees. */
  readonly events = new EventEmitter();
  private sweepTimer: NodeJS.Timeout | null = null;
  /** Queue claims in flight, by caller and request id. */
  private readonly claiming = new Map<string, Promise<Alert[]>>();

  constructor(
    readonly store: Store,
    private readonly metrics: ApiMetrics,
    private readonly now: () => number,
    /** Counts behind /metrics: told of every change this service commits or the engine reports. */
    readonly tally: AlertTally | null = null,
    /** Alerts as stored, decoded only when changed: lets a replayed claim skip the alerts others hold. */
    private readonly views: AlertJsonCache | null = null,
    /** Publishes actions as commands and waits for their outcomes; null: actions answer 503. */
    private readonly commands: CommandClient | null = null,
    private readonly opts: AlertServiceOptions = {},
  ) {
    this.events.setMaxListeners(0);
    this.sweepStore = opts.sweepStore ?? store;
  }

  /** The store the sweeper scans: this node's own partitions (the engine's store), so each expiry is sent by one node. */
  private readonly sweepStore: Store;

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

  /**
   * Applies one life-cycle request to one alert through the stream; a repeated request id returns
   * the first result unchanged. `role` is kept in the audit row the engine writes.
   */
  async apply(id: string, req: LifecycleRequest, actor: string, requestId: string | null, p: Principal | null, role: string | null = p?.role ?? null): Promise<LifecycleOk> {
    if (p) this.checkScope(id, p);
    if (!this.commands) throw unavailable('caseworker actions need the update stream (no NATS connection in this process)');
    const householdId = householdOfAlertId(id) ?? getAlert(this.store, id)?.householdId;
    if (!householdId) throw notFound('alert');
    const cmd: AlertCommand = {
      v: 1,
      key: requestId === null ? `${actor}|${req.action}|${id}|${this.revisionOf(id)}` : `${actor}|${requestId}|${id}`,
      alertId: id,
      householdId,
      action: req.action,
      actor,
      role,
      at: this.now(),
      requestId,
      ...('token' in req ? { token: req.token } : {}),
      ...('leaseMs' in req ? { leaseMs: req.leaseMs } : {}),
      ...(req.action === 'verify' ? { outcome: req.outcome, note: req.note } : {}),
      ...(req.action === 'dispose' ? { referrals: req.referrals, note: req.note } : {}),
    };
    let m;
    try {
      m = await this.commands.send(cmd);
    } catch (err) {
      this.metrics.alertTransitions.inc({ action: req.action, result: err instanceof ApiError ? err.code : 'error' });
      throw err;
    }
    // the engine committed before it answered: a read snapshot older than that commit would miss it
    this.store.env.resetReadTxn();
    const o = m.outcome;
    if (!o.ok) {
      const code = o.code ?? 'LIFELINE_ERR_ALERT_INVALID_TRANSITION';
      this.metrics.alertTransitions.inc({ action: req.action, result: code });
      if (code === 'LIFELINE_ERR_ALERT_NOT_FOUND') throw notFound('alert');
      if ((LIFECYCLE_ERROR_CODES as readonly string[]).includes(code)) {
        throw fromLifecycle({ ok: false, code: code as LifecycleErrorCode, message: o.message ?? code, ...(o.field !== undefined ? { field: o.field } : {}) });
      }
      throw new ApiError(code, 400, o.message ?? code, o.field !== undefined ? { field: o.field } : {});
    }
    if (!m.alert || !o.entry) throw new ApiError('LIFELINE_ERR_API_INTERNAL', 500, 'the engine answered without the alert');
    this.opts.onOutcome?.(m.alert, o.partition, o.seq);
    this.metrics.alertTransitions.inc({ action: req.action, result: o.replayed ? 'replayed' : 'ok' });
    if (!o.replayed) this.metrics.auditWrites.inc({ action: `alert.${req.action}` });
    return { ok: true, alert: m.alert, entry: o.entry, replayed: o.replayed };
  }

  private revisionOf(id: string): number {
    // the sweeper's expiries are keyed by the revision the owner's store holds
    const a = getAlert(this.sweepStore, id) ?? getAlert(this.store, id);
    return a ? revisionOf(a) : -1;
  }

  /**
   * Takes up to `max` open alerts of a township, urgent first then by due time. A repeated
   * request id returns the alerts that request took (still held by the caller).
   */
  claimFromQueue(township: string, p: Principal, opts: { requestId: string; max: number; leaseMs: number }): Promise<Alert[]> {
    requireTownship(p, township);
    // the same request sent twice at once (a client retrying) runs once: the second gets the first's answer
    const key = `${p.keyId}|${opts.requestId}`;
    const running = this.claiming.get(key);
    if (running) return running;
    const run = this.claimOnce(township, p, opts).finally(() => this.claiming.delete(key));
    this.claiming.set(key, run);
    return run;
  }

  private async claimOnce(township: string, p: Principal, opts: { requestId: string; max: number; leaseMs: number }): Promise<Alert[]> {
    const prior = this.claimedBy(township, p.keyId, opts.requestId);
    if (prior.length > 0) return prior;
    const out: Alert[] = [];
    let cursor: string | null = null;
    const tried = new Set<string>();
    // a few pages at most: alerts taken by others between listing and claiming are skipped
    for (let page = 0; page < 5 && out.length < opts.max; page++) {
      const { ids, nextCursor } = queuePage(this.store, township, { status: 'open', limit: Math.max(opts.max * 2, 10) }, cursor);
      const fresh = ids.filter((id) => !tried.has(id));
      for (let i = 0; i < fresh.length && out.length < opts.max; ) {
        // as many claims in flight as places still to fill: each waits for the engine's commit
        const wave = fresh.slice(i, i + (opts.max - out.length));
        i += wave.length;
        for (const id of wave) tried.add(id);
        const results = await Promise.allSettled(wave.map((id) => this.apply(id, { action: 'claim', leaseMs: opts.leaseMs, token: newLeaseToken() }, p.keyId, opts.requestId, null, p.role)));
        for (const r of results) {
          if (r.status === 'fulfilled') {
            // replayed: this request id took it before (a retry from another node): it is still ours
            if (r.value.alert.lease?.holder === p.keyId && out.length < opts.max) out.push(r.value.alert);
          } else if (!(r.reason instanceof ApiError && (r.reason.status === 409 || r.reason.status === 404))) throw r.reason;
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
    for (const { key, value } of this.sweepStore.alertCounts.getRange({})) {
      if (value > 0 && (LEASED as readonly string[]).includes(key[1])) out.add(key[0]);
    }
    return out;
  }

  /** Returns every alert whose lease has expired to the queue (expire commands through the stream); answers how many. */
  async sweep(): Promise<number> {
    const now = this.now();
    const due: string[] = [];
    for (const t of this.leasedTownships()) {
      let cursor: string | null = null;
      for (let page = 0; page < 100; page++) {
        const { ids, nextCursor } = queuePage(this.sweepStore, t, { status: LEASED, limit: 500 }, cursor);
        for (const id of ids) {
          // the lease as stored, decoded only when the alert changed since the last look
          const c = this.sweepStore === this.store ? this.views?.get(id) : undefined;
          if (c ? c.lease === null || c.lease.expiresAt > now : !leaseExpiredNow(this.sweepStore, id, now)) continue;
          due.push(id);
        }
        if (!nextCursor) break;
        cursor = nextCursor;
      }
    }
    let n = 0;
    for (let i = 0; i < due.length; i += 64) {
      const results = await Promise.allSettled(due.slice(i, i + 64).map((id) => this.apply(id, { action: 'expire' }, 'system', null, null, 'system')));
      for (const r of results) {
        if (r.status === 'fulfilled') n++;
        // taken, extended or released meanwhile: nothing to sweep
        else if (!(r.reason instanceof ApiError)) throw r.reason;
      }
    }
    if (n > 0) this.metrics.leasesExpired.inc(n);
    return n;
  }

  startSweeper(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.sweepTimer) return;
    let running = false;
    this.sweepTimer = setInterval(() => {
      if (running) return;
      running = true;
      this.sweep()
        .catch(onError)
        .finally(() => (running = false));
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
