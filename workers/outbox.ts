/**
 * Publishes what a batch committed for the world outside LMDB: audit rows to the audit stream,
 * engine dead letters to the dead-letter stream, changed alerts to the alert feed (KV; the value
 * is read when published, so a repeat or a late round never puts an older state), then deletes
 * them from the outbox. At least once:
 * each row's Nats-Msg-Id makes a repeat (a crash between the ack and the delete, a replay after a
 * lost disk) a no-op within the target stream's duplicate window.
 *
 * One flush per partition at a time; a flush asked for while one runs runs again after it. Rows a
 * failed round left behind are retried every `retryEveryMs`, so a quiet partition's audit rows do
 * not wait for its next batch.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { auditSubject } from '../connectors/audit/options.js';
import type { OutboxKey, OutboxRow, Store } from './store/index.js';
import { alertFeedSubject, type AlertFeedEntry } from './alert-feed/index.js';
import { helpFeedSubject, type HelpFeedEntry } from './help-feed/index.js';

export interface OutboxOptions {
  /** Subject prefix: audit rows go to `<prefix>.audit.<action>`, dead letters to `<prefix>.dlq.engine`. */
  prefix: string;
  /** KV bucket of the alert feed (`stream.alertsBucket`); alert rows are dropped when absent (tests of the outbox alone). */
  alertsBucket?: string;
  /** KV bucket of the help feed (`stream.helpBucket`); help rows are dropped when absent. */
  helpBucket?: string;
  /** Rows published at once (default 256). */
  window?: number;
  /** Time to wait for each acknowledgement, ms (default 10,000). */
  ackTimeoutMs?: number;
  /** How often rows still in the outbox are published again, ms (default 5,000; 0 = only after batches). */
  retryEveryMs?: number;
  onError?: (err: Error) => void;
}

export class OutboxPublisher {
  private readonly running = new Map<number, Promise<void>>();
  private readonly again = new Set<number>();
  private stopped = false;
  private readonly timer: NodeJS.Timeout | null;
  /** Rows published since start (metrics, tests). */
  published = 0;

  constructor(
    private readonly store: Store,
    private readonly js: JetStreamClient,
    private readonly opts: OutboxOptions,
  ) {
    const every = opts.retryEveryMs ?? 5000;
    this.timer = every > 0 ? setInterval(() => this.retryAll(), every) : null;
    this.timer?.unref();
  }

  /** Publishes the partition's pending rows (returns when this round is done). */
  flush(p: number): Promise<void> {
    const r = this.running.get(p);
    if (r) {
      this.again.add(p);
      return r;
    }
    const run = this.round(p).finally(() => {
      this.running.delete(p);
      if (this.again.delete(p) && !this.stopped) void this.flush(p);
    });
    this.running.set(p, run);
    return run;
  }

  /** Waits for the rounds in flight; later flushes are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.running.values()]);
  }

  /** Rows not yet published, all partitions (readiness, tests). */
  pending(): number {
    return this.store.outbox.getKeysCount();
  }

  /** Flushes every partition that still has rows (one key read per partition, not every row). */
  private retryAll(): void {
    if (this.stopped) return;
    this.store.env.resetReadTxn();
    let from = 0;
    for (;;) {
      let next: number | undefined;
      for (const key of this.store.outbox.getKeys({ start: [from], limit: 1 })) next = key[0];
      if (next === undefined) return;
      void this.flush(next);
      from = next + 1;
    }
  }

  /** Puts the row's alerts as they stand now (with the names their texts are masked by) into the alert feed. */
  private putAlerts(p: number, row: OutboxRow, checkpoint: number, timeout: number): Promise<unknown>[] {
    const bucket = this.opts.alertsBucket;
    if (!bucket) return [];
    const ids = (row.body['ids'] as string[] | undefined) ?? [];
    const out: Promise<unknown>[] = [];
    for (const id of ids) {
      const alert = this.store.alerts.get(id);
      if (!alert) continue; // the partition was cleared meanwhile (lease lost): its new owner publishes
      const persons = this.store.households.get(alert.householdId)?.household.persons.map((x) => ({ name: x.name, idNumber: x.idNumber, alive: x.alive })) ?? [];
      const entry: AlertFeedEntry = { v: 1, alert, persons, checkpoint, partition: p };
      out.push(this.js.publish(alertFeedSubject(bucket, id), JSON.stringify(entry), { timeout }));
    }
    return out;
  }

  /** Puts the row's projects and referrals as they stand now into the help feed. */
  private putHelp(p: number, row: OutboxRow, checkpoint: number, timeout: number): Promise<unknown>[] {
    const bucket = this.opts.helpBucket;
    if (!bucket) return [];
    const out: Promise<unknown>[] = [];
    for (const id of (row.body['projects'] as string[] | undefined) ?? []) {
      const project = this.store.projects.get(id);
      if (!project) continue; // cleared meanwhile (lease lost): its new owner publishes
      const entry: HelpFeedEntry = { v: 1, kind: 'project', project, checkpoint, partition: p };
      out.push(this.js.publish(helpFeedSubject(bucket, 'project', id), JSON.stringify(entry), { timeout }));
    }
    for (const id of (row.body['referrals'] as string[] | undefined) ?? []) {
      const referral = this.store.referrals.get(id);
      if (!referral) continue;
      const entry: HelpFeedEntry = { v: 1, kind: 'referral', referral, checkpoint, partition: p };
      out.push(this.js.publish(helpFeedSubject(bucket, 'referral', id), JSON.stringify(entry), { timeout }));
    }
    return out;
  }

  private async round(p: number): Promise<void> {
    const window = this.opts.window ?? 256;
    const timeout = this.opts.ackTimeoutMs ?? 10_000;
    try {
      for (;;) {
        if (this.stopped) return;
        // the worker committed these rows after this thread's read snapshot may have been taken (a
        // read transaction lives until the next timers phase, across several I/O callbacks)
        this.store.env.resetReadTxn();
        const rows: { key: OutboxKey; value: OutboxRow }[] = [];
        for (const e of this.store.outbox.getRange({ start: [p], end: [p, Infinity], limit: window })) rows.push({ key: e.key, value: e.value });
        if (rows.length === 0) return;
        // the alerts are read in this round's snapshot, so they stand as at this checkpoint
        const checkpoint = this.store.checkpoints.get(p) ?? 0;
        await Promise.all(
          rows.flatMap(({ value }) => {
            if (value.kind === 'alert_view') return this.putAlerts(p, value, checkpoint, timeout);
            if (value.kind === 'help_view') return this.putHelp(p, value, checkpoint, timeout);
            const h = headers();
            h.set('Nats-Msg-Id', value.msgId);
            const subject = value.kind === 'audit' ? auditSubject(this.opts.prefix, String(value.body['action'])) : `${this.opts.prefix}.dlq.engine`;
            return [this.js.publish(subject, JSON.stringify(value.body), { headers: h, timeout })];
          }),
        );
        for (const { key } of rows) void this.store.outbox.remove(key);
        await this.store.outbox.committed;
        this.published += rows.length;
        if (rows.length < window) return;
      }
    } catch (err) {
      // left in the outbox: the next batch of the partition (or the next start) publishes them
      this.opts.onError?.(new Error(`outbox of partition ${p}: ${(err as Error).message}`));
    }
  }
}
