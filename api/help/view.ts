/**
 * The help view of one API node: every alliance project and every referral of the city, kept in
 * memory from the help feed (JetStream KV, workers/help-feed) — a registry of a few thousand
 * projects and a year's referrals fit easily; the owners' LMDB stays the record.
 *
 * Design note (states): loading (the watch delivers the bucket's last values) → live (`ready`
 * resolved) → closed. A watch that ends or goes silent is resumed from the revision after the last
 * one applied (KvFollower). Of two values of a record the higher revision wins, so a late put never
 * goes back in time; a node's own command outcomes are offered at once (read-your-writes).
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { KvFollower, retryUntil } from '../../connectors/nats/index.js';
import { indexProjects, type ProjectIndex } from '../../engine/help/matching.js';
import type { Project, Referral } from '../../engine/help/types.js';
import { parseHelpFeedEntry } from '../../workers/help-feed/index.js';

export interface HelpViewOptions {
  onWarning?: (err: Error) => void;
  rewatchMs?: number;
  livenessEveryMs?: number;
}

export class HelpView {
  readonly projects = new Map<string, Project>();
  readonly referrals = new Map<string, Referral>();
  /** Referral ids by site, township and alert (none of them changes over a referral's life). */
  readonly bySite = new Map<string, Set<string>>();
  readonly byTownship = new Map<string, Set<string>>();
  readonly byAlert = new Map<string, Set<string>>();
  readonly ready: Promise<void>;
  private index: ProjectIndex | null = null;
  private lastRevision = 0;
  private live = false;
  private markReady!: () => void;
  private readonly follower: KvFollower;
  /** Bumped at every change: caches of derived views compare it. */
  version = 0;

  private constructor(
    kv: KV,
    private readonly opts: HelpViewOptions,
  ) {
    this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
    this.follower = KvFollower.resuming(kv, {
      name: 'the help feed',
      onEntry: (e) => this.onEntry(e),
      applied: () => this.lastRevision,
      ...opts,
    });
  }

  static async open(kv: KV, opts: HelpViewOptions = {}): Promise<HelpView> {
    const v = new HelpView(kv, opts);
    const status = await retryUntil(() => kv.status());
    if (status.values === 0) v.goLive();
    await v.follower.start();
    return v;
  }

  private goLive(): void {
    if (this.live) return;
    this.live = true;
    this.markReady();
  }

  private onEntry(e: KvWatchEntry): void {
    this.lastRevision = Math.max(this.lastRevision, e.revision);
    if (e.operation === 'PUT') {
      const entry = parseHelpFeedEntry(e.value);
      if (!entry) this.opts.onWarning?.(new Error(`help feed key ${e.key} holds no help record: skipped`));
      else if (entry.kind === 'project') this.offerProject(entry.project);
      else this.offerReferral(entry.referral);
    }
    if (!this.live && (e.isUpdate || (e.delta ?? 0) === 0)) this.goLive();
  }

  /** Keeps the project unless a later revision is already here. */
  offerProject(p: Project): void {
    const had = this.projects.get(p.id);
    if (had && had.revision >= p.revision) return;
    this.projects.set(p.id, p);
    this.index = null;
    this.version++;
  }

  offerReferral(r: Referral): void {
    const had = this.referrals.get(r.id);
    if (had && had.revision >= r.revision) return;
    this.referrals.set(r.id, r);
    if (!had) {
      const add = (m: Map<string, Set<string>>, k: string | null): void => {
        if (k === null) return;
        let s = m.get(k);
        if (!s) m.set(k, (s = new Set()));
        s.add(r.id);
      };
      add(this.bySite, r.siteId);
      add(this.byTownship, r.townshipId);
      add(this.byAlert, r.alertId);
    }
    this.version++;
  }

  /** The referrals of a site, township or alert (an index lookup, not a scan). */
  referralsOf(by: 'site' | 'township' | 'alert', key: string): Referral[] {
    const ids = (by === 'site' ? this.bySite : by === 'township' ? this.byTownship : this.byAlert).get(key);
    if (!ids) return [];
    const out: Referral[] = [];
    for (const id of ids) out.push(this.referrals.get(id)!);
    return out;
  }

  /** Projects by service (rebuilt after a change, at the next match). */
  projectIndex(): ProjectIndex {
    this.index ??= indexProjects(this.projects.values());
    return this.index;
  }

  /** Referrals by kind and status (the metrics gauge). */
  counts(): { kind: string; status: string; count: number }[] {
    const by = new Map<string, number>();
    for (const r of this.referrals.values()) by.set(`${r.kind}|${r.status}`, (by.get(`${r.kind}|${r.status}`) ?? 0) + 1);
    return [...by].map(([k, count]) => {
      const [kind, status] = k.split('|') as [string, string];
      return { kind, status, count };
    });
  }

  close(): void {
    this.follower.stop();
  }
}
