/**
 * The engine side of commands on the main thread: after each commit, every command outcome is
 * published on `<prefix>.cmdout.<p>` with the alert as committed (core NATS: a lost one is
 * recovered by a look-up); look-ups on `<prefix>.cmdq.<p>` are answered from LMDB, only for
 * partitions this process owns and runs (another node's answer would be a guess).
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Store } from '../store/index.js';
import { lookupSubject, outcomeSubject, type CommandOutcome, type LookupReply, type OutcomeMessage } from './types.js';

/** An outcome with the records it names as they stand in `store`: the alert, or a help command's project and referral. */
export function outcomeMessageOf(store: Store, outcome: CommandOutcome): OutcomeMessage {
  if (outcome.projectId === undefined && outcome.referralId === undefined) return { outcome, alert: store.alerts.get(outcome.alertId) ?? null };
  return {
    outcome,
    alert: null,
    project: outcome.projectId !== undefined ? (store.projects.get(outcome.projectId) ?? null) : null,
    referral: outcome.referralId !== undefined ? (store.referrals.get(outcome.referralId) ?? null) : null,
  };
}

export class CommandResponder {
  private readonly sub: Subscription;
  private readonly enc = new TextEncoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: Store,
    private readonly prefix: string,
    /** Whether this process currently owns and runs partition p. */
    private readonly owns: (p: number) => boolean,
  ) {
    this.sub = nc.subscribe(lookupSubject(prefix, '*'), { callback: (err, msg) => (err ? undefined : this.lookup(msg.subject, msg.data, (d) => msg.respond(d))) });
  }

  publish(partition: number, outcomes: readonly OutcomeMessage[]): void {
    const subject = outcomeSubject(this.prefix, partition);
    for (const o of outcomes) this.nc.publish(subject, this.enc.encode(JSON.stringify(o)));
  }

  private lookup(subject: string, data: Uint8Array, respond: (d: Uint8Array) => boolean): void {
    const p = Number(subject.slice(subject.lastIndexOf('.') + 1));
    if (!Number.isInteger(p) || !this.owns(p)) return;
    let key: unknown;
    try {
      key = (JSON.parse(new TextDecoder().decode(data)) as { key?: unknown }).key;
    } catch {
      return;
    }
    if (typeof key !== 'string') return;
    this.store.env.resetReadTxn();
    const outcome = this.store.commands.get([p, key]);
    const reply: LookupReply = outcome ? { state: 'decided', message: outcomeMessageOf(this.store, outcome) } : { state: 'pending' };
    respond(this.enc.encode(JSON.stringify(reply)));
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}
