/**
 * The city view of alerts on one API node of a multi-node deployment: every alert of every
 * partition, materialised from the alert feed (JetStream KV, workers/alert-feed) into an LMDB
 * environment of its own with the engine's layout (alerts, queue index, by household, counts),
 * so queues, cursors, counts, stats and the live stream read exactly as on one node.
 *
 * Design note (states): opening (folder removed, env created: the view is rebuilt at every start)
 * → loading (the watch delivers the bucket's last values) → live (`ready` resolved; changes are
 * applied in arrival batches and told to listeners) → closed. A watch that ends under us, or
 * stays silent while the bucket moves on (its server was lost), is resumed from the revision after
 * the last one applied. Of two values of an alert the one read
 * at the higher partition checkpoint wins (a late put of an old owner never goes back in time).
 */
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Alert } from '../../engine/alerts/types.js';
import { KvFollower } from '../../connectors/nats/index.js';
import { parseAlertFeedEntry, type AlertFeedEntry } from '../../workers/alert-feed/index.js';
import { openStore, writeAlertInTxn, type Store } from '../../workers/store/index.js';

type Names = { name: string; idNumber: string; alive?: boolean }[];

export interface CityAlertViewOptions {
  /** Folder of the view's LMDB environment (removed and rebuilt at open). */
  path: string;
  mapSizeGiB: number;
  /** Recoverable trouble (a watch that ended and is resumed, a value that is not a feed entry). */
  onWarning?: (err: Error) => void;
  /** Delay before a watch that ended is resumed (ms, default 1,000). */
  rewatchMs?: number;
  /** How often the watch is checked for progress against the bucket (ms, default 2,000): two checks without progress restart it. */
  livenessEveryMs?: number;
}

export class CityAlertView {
  /** Emits 'alert' (Alert) for every change applied once live. */
  readonly events = new EventEmitter();
  readonly store: Store;
  /** Resolves once the bucket's values at open are all in the view. */
  readonly ready: Promise<void>;
  private readonly persons = new Map<string, Names>();
  /** Alert id → the checkpoint its kept value was read at. */
  private readonly checkpoints = new Map<string, number>();
  private pending: AlertFeedEntry[] = [];
  private flushScheduled = false;
  private live = false;
  private closed = false;
  private lastRevision = 0;
  private markReady!: () => void;
  private failReady!: (err: Error) => void;
  /** Entries applied since open (metrics, tests). */
  applied = 0;
  private readonly follower: KvFollower;

  private constructor(
    kv: KV,
    private readonly opts: CityAlertViewOptions,
  ) {
    this.events.setMaxListeners(0);
    rmSync(opts.path, { recursive: true, force: true });
    // a view: rebuilt from the feed at every start, so nothing needs flushing to disk
    this.store = openStore({ path: opts.path, noSync: true, mapSizeGiB: opts.mapSizeGiB });
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.follower = KvFollower.resuming(kv, {
      name: 'the alert feed',
      onEntry: (e) => this.onEntry(e),
      applied: () => this.lastRevision,
      ...(opts.rewatchMs !== undefined ? { rewatchMs: opts.rewatchMs } : {}),
      ...(opts.livenessEveryMs !== undefined ? { livenessEveryMs: opts.livenessEveryMs } : {}),
      ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
    });
  }

  /** Opens the view and starts loading it; await `ready` before serving from it. */
  static async open(kv: KV, opts: CityAlertViewOptions): Promise<CityAlertView> {
    const v = new CityAlertView(kv, opts);
    try {
      const status = await kv.status();
      if (status.values === 0) v.goLive();
      await v.follower.start();
    } catch (err) {
      await v.close();
      throw err;
    }
    return v;
  }

  /** Names and ID numbers of a household's persons, as the feed last carried them ([] when unknown). */
  personsOf(householdId: string): Names {
    return this.persons.get(householdId) ?? [];
  }

  /** Whether the view knows the household's persons (their names can be masked). */
  knowsPersons(householdId: string): boolean {
    return this.persons.has(householdId);
  }

  /**
   * Applies an alert this node learnt of before the feed delivered it (a command's outcome: its
   * caller then reads its own write), at the checkpoint of the command's sequence; the feed's
   * value, read at that checkpoint or later, replaces it.
   */
  offer(alert: Alert, partition: number, checkpoint: number): void {
    if (!this.live || this.closed) return;
    const persons = this.persons.get(alert.householdId);
    if (!persons) return; // names unknown: masking would miss them, the feed brings it with them
    this.pending.push({ v: 1, alert, persons, checkpoint, partition });
    this.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.follower.stop();
    this.failReady(new Error('the city alert view was closed before it was loaded'));
    await this.store.close();
  }

  private goLive(): void {
    if (this.live) return;
    this.live = true;
    this.markReady();
  }

  private onEntry(e: KvWatchEntry): void {
    if (this.closed) return;
    if (e.revision > this.lastRevision) this.lastRevision = e.revision;
    if (e.operation === 'PUT') {
      const entry = parseAlertFeedEntry(e.value);
      if (entry) this.pending.push(entry);
      else this.opts.onWarning?.(new Error(`alert feed key ${e.key} (revision ${e.revision}) is not a feed entry: skipped`));
    }
    // the last of the values the bucket held when the watch began (or a change after them): the view is complete
    if (!this.live && (e.isUpdate || (e.delta ?? 0) === 0)) {
      this.flushNow();
      this.goLive();
      return;
    }
    this.flush();
  }

  private flush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushNow();
    });
  }

  /** Writes what arrived since the last flush in one transaction, then tells listeners. */
  private flushNow(): void {
    if (this.pending.length === 0 || this.closed) return;
    const batch = this.pending;
    this.pending = [];
    const changed: Alert[] = [];
    this.store.env.transactionSync(() => {
      for (const e of batch) {
        const id = e.alert.id;
        const kept = this.checkpoints.get(id);
        if (kept !== undefined && kept > e.checkpoint) continue;
        const before = this.store.alerts.get(id) ?? null;
        writeAlertInTxn(this.store, before, e.alert);
        this.checkpoints.set(id, e.checkpoint);
        this.persons.set(e.alert.householdId, e.persons);
        changed.push(e.alert);
      }
    });
    this.applied += changed.length;
    if (this.live) for (const a of changed) this.events.emit('alert', a);
  }
}
