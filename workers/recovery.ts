/**
 * Start-up and ongoing recovery of one engine process's LMDB view (see docs/architecture.md,
 * "What is guaranteed").
 *
 * Design note (start-up, single node or each acquired partition):
 *   marker file RUNNING present    → the last run did not stop cleanly: reported; with
 *                                    lmdb.noSync the file may be damaged, so the view is rebuilt
 *   meta `city` present            → the view is complete: consume from its checkpoints
 *   snapshots of every partition   → restore them (rows of a partial view are cleared first)
 *   no snapshot at all             → the caller loads the city into a cleared store, marks it,
 *                                    and takes snapshot 0 (a killed load is never served)
 * Then every `lmdb.snapshotIntervalSec` the owner snapshots its partitions whose checkpoint moved.
 */
import { existsSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Store } from './store/index.js';
import { openSnapshotBucket, restorePartition, snapshotInfo, takeSnapshots, type RestoreStats, type SnapshotHeader } from './snapshots/index.js';

const MARKER = 'RUNNING';
export const CITY_KEY = 'city';

export interface CityMarker {
  /** How the view got its households: the initial load, or a restore from snapshots. */
  via: 'load' | 'restore';
  households: number;
  at: number;
}

/** What the running marker records of a run. */
export interface RunMarker {
  pid: number;
  startedAt: number;
  /** The kernel's boot id: another one at the next start means the machine went down, not just the process. */
  bootId: string;
}

/** This boot of the machine (Linux); '' where the kernel does not say. */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** Writes the running marker; answers what it found of the previous run (null: clean or first start). */
export function markRunning(path: string): RunMarker | null {
  const file = join(path, MARKER);
  let previous: RunMarker | null = null;
  if (existsSync(file)) {
    try {
      previous = { bootId: '', ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<RunMarker>) } as RunMarker;
    } catch {
      previous = { pid: 0, startedAt: 0, bootId: '' };
    }
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid, startedAt: Date.now(), bootId: currentBootId() } satisfies RunMarker));
  return previous;
}

/**
 * Whether an unclean stop leaves a view that cannot be trusted: only with lmdb.noSync (unflushed
 * pages may be torn) and only when the machine itself went down (another boot id, or none known):
 * a killed process leaves its writes in the OS page cache, whole.
 */
export function viewDamaged(previous: RunMarker | null, noSync: boolean): boolean {
  if (previous === null || !noSync) return false;
  const now = currentBootId();
  return now === '' || previous.bootId === '' || previous.bootId !== now;
}

/** Removes the running marker (a clean stop, after the store is closed). */
export function markStopped(path: string): void {
  rmSync(join(path, MARKER), { force: true });
}

export function cityMarker(store: Store): CityMarker | undefined {
  return store.meta.get(CITY_KEY) as CityMarker | undefined;
}

export async function setCityMarker(store: Store, m: CityMarker): Promise<void> {
  await store.meta.put(CITY_KEY, m);
}

/** Removes every row of every database (a partial load or a damaged view). */
export async function clearStore(store: Store): Promise<void> {
  for (const db of [store.households, store.alerts, store.alertQueue, store.alertsByHousehold, store.openAlerts, store.alertCounts, store.checkpoints, store.deadLetters, store.outbox, store.commands, store.meta]) {
    await (db as { clearAsync(): Promise<void> }).clearAsync();
  }
}

export type StartDecision =
  | { action: 'resume'; marker: CityMarker }
  | { action: 'restore'; snapshots: SnapshotHeader[] }
  | { action: 'load' };

/** What start-up must do with this store, given the snapshots in JetStream. */
export async function decideStart(store: Store, bucket: ObjectStore, partitionCount: number, opts: { distrust?: boolean } = {}): Promise<StartDecision> {
  const marker = cityMarker(store);
  if (marker && !opts.distrust) return { action: 'resume', marker };
  const found: SnapshotHeader[] = [];
  for (let p = 0; p < partitionCount; p++) {
    const h = await snapshotInfo(bucket, p);
    if (h) found.push(h);
  }
  if (found.length === partitionCount) return { action: 'restore', snapshots: found };
  if (found.length > 0) {
    // snapshot 0 is written for every partition at once: a gap means the bucket lost objects
    throw new Error(`only ${found.length} of ${partitionCount} partition snapshots exist in the snapshot bucket: the truth is incomplete; restore the bucket or remove it to reload the city`);
  }
  return { action: 'load' };
}

/** Restores every partition from its snapshot (a lost or partial folder). */
export async function restoreAll(store: Store, bucket: ObjectStore, partitionCount: number, onPartition?: (s: RestoreStats) => void): Promise<RestoreStats[]> {
  const out: RestoreStats[] = [];
  for (let p = 0; p < partitionCount; p++) {
    const s = await restorePartition(store, bucket, p, partitionCount);
    onPartition?.(s);
    out.push(s);
  }
  const households = out.reduce((n, s) => n + s.households, 0);
  await setCityMarker(store, { via: 'restore', households, at: Date.now() });
  return out;
}

/**
 * Periodic snapshots of the partitions this process owns, taken only when a partition's
 * checkpoint moved since its last snapshot; one round at a time.
 */
export class Snapshotter {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SnapshotHeader[]> | null = null;
  private readonly last = new Map<number, number>();
  /** Snapshots written since start. */
  taken = 0;

  constructor(
    private readonly store: Store,
    private readonly bucket: ObjectStore,
    private readonly partitionCount: number,
    private readonly owned: () => readonly number[],
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  start(intervalSec: number): void {
    if (intervalSec <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.round().catch((e: unknown) => this.onError(e as Error)), intervalSec * 1000);
    this.timer.unref();
  }

  /** Snapshots the given partitions now (all owned when omitted), whether or not they moved. */
  async now(partitions?: readonly number[]): Promise<SnapshotHeader[]> {
    while (this.running) await this.running.catch(() => undefined);
    const run = takeSnapshots(this.store, this.bucket, { partitions: partitions ?? this.owned(), partitionCount: this.partitionCount });
    this.running = run;
    try {
      const hs = await run;
      for (const h of hs) this.last.set(h.partition, h.checkpoint);
      this.taken += hs.length;
      return hs;
    } finally {
      this.running = null;
    }
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.store.env.resetReadTxn();
    const moved = this.owned().filter((p) => (this.store.checkpoints.get(p) ?? 0) !== this.last.get(p));
    if (moved.length) await this.now(moved);
  }

  /** Remembers a partition's snapshot checkpoint (after a restore) so an unchanged one is not rewritten. */
  known(p: number, checkpoint: number): void {
    this.last.set(p, checkpoint);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await this.running.catch(() => undefined);
  }
}

export interface PrepareOptions {
  partitionCount: number;
  /** The stream's name and replicas (the snapshot bucket is named after it). */
  streamName: string;
  replicas: number;
  /** lmdb.noSync: an unclean stop then means the file cannot be trusted. */
  noSync: boolean;
  /** Partitions come from leases (scale-out): each is restored when acquired, so start-up restores none. */
  leased?: boolean;
  /** Loads the city into the (cleared) store: only called when JetStream holds no snapshot. */
  loadCity: () => Promise<{ households: number }>;
  log?: (line: string) => void;
}

export interface PreparedView {
  bucket: ObjectStore;
  decision: StartDecision['action'];
  /** The previous run's marker when it did not stop cleanly. */
  unclean: RunMarker | null;
  restored: RestoreStats[];
}

/**
 * Brings a single-node store to a state the engine can consume from: resume, restore from the
 * snapshots, or load the city and take snapshot 0 (before anything is served). Ends with a
 * snapshot of any partition that has none, so the view is always rebuildable.
 */
export async function prepareView(nc: NatsConnection, store: Store, path: string, o: PrepareOptions): Promise<PreparedView> {
  const log = o.log ?? (() => undefined);
  const unclean = markRunning(path);
  const damaged = viewDamaged(unclean, o.noSync);
  if (unclean) {
    const what = damaged
      ? 'the machine went down with lmdb.noSync on, so the view is rebuilt from JetStream'
      : o.noSync
        ? 'the machine stayed up, so the OS kept every commit: resuming, later messages replay from the stream'
        : 'resuming from its last flushed commit, later messages replay from the stream';
    log(`LMDB ${path}: the previous run (pid ${unclean.pid}) did not stop cleanly; ${what}`);
  }
  const bucket = await openSnapshotBucket(nc, { streamName: o.streamName, replicas: o.replicas });
  const decision = await decideStart(store, bucket, o.partitionCount, { distrust: damaged });
  let restored: RestoreStats[] = [];
  if (decision.action === 'resume') {
    log(`LMDB ${path}: ${store.households.getCount().toLocaleString('en-US')} households (from the ${decision.marker.via}), consuming from its checkpoints`);
  } else if (decision.action === 'restore' && o.leased) {
    log(`LMDB ${path}: partitions are restored from their snapshots as their leases are acquired`);
  } else if (decision.action === 'restore') {
    if (damaged) await clearStore(store);
    log(`LMDB ${path}: empty, incomplete or not to be trusted; restoring ${o.partitionCount} partitions from their JetStream snapshots`);
    restored = await restoreAll(store, bucket, o.partitionCount, (s) => log(`  partition ${s.partition}: ${s.households} households, ${s.alerts} alerts, replay from sequence ${(s.checkpoint ?? 0) + 1} (${Math.round(s.ms)} ms)`));
  } else {
    log(`no snapshot in JetStream: loading the city into a cleared ${path}`);
    await clearStore(store);
    const r = await o.loadCity();
    await setCityMarker(store, { via: 'load', households: r.households, at: Date.now() });
  }
  const missing: number[] = [];
  // a leased node snapshots only what it loaded itself (snapshot 0); later ones are the owners' to take
  if (!o.leased || decision.action === 'load') for (let p = 0; p < o.partitionCount; p++) if (!(await snapshotInfo(bucket, p))) missing.push(p);
  if (missing.length) {
    const t0 = performance.now();
    await takeSnapshots(store, bucket, { partitions: missing, partitionCount: o.partitionCount });
    log(`snapshot of ${missing.length} partitions written to JetStream in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { bucket, decision: decision.action, unclean, restored };
}
