/**
 * Opens the one LMDB environment of an engine process and its named databases. The worker
 * threads and the API each call this on the same path; LMDB shares the map between them.
 */
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Alert } from '../../engine/alerts/types.js';
import type { HouseholdState } from '../../engine/types.js';
import { StoreOpenError } from '../errors.js';
import type { CountKey, DeadLetterKey, HouseholdAlertKey, OpenAlertKey, QueueKey } from './keys.js';
import type { CommandOutcome } from '../commands/types.js';
import type { Project, Referral } from '../../engine/help/types.js';
import type { DeadLetter, OutboxKey, OutboxRow } from './types.js';

export interface StoreOptions {
  /** Folder of the environment. */
  path: string;
  /**
   * Skip fsync entirely (default false). With it an OS crash can corrupt the file, not only lose
   * the last commits; the default flushes after each commit without holding the write lock
   * (lmdb-js overlappingSync), so a crash loses at most the last transactions, which replay from
   * JetStream (the checkpoint commits with the state).
   */
  noSync?: boolean;
  /** Upper bound of the memory map, GiB (default 16). */
  mapSizeGiB?: number;
  /** Write through the memory map (default false): a stray write or a crash mid-flush may then damage pages. */
  writemap?: boolean;
  readOnly?: boolean;
}

export interface Store {
  readonly env: RootDatabase;
  readonly households: Database<HouseholdState, string>;
  readonly alerts: Database<Alert, string>;
  readonly alertQueue: Database<null, QueueKey>;
  readonly alertsByHousehold: Database<null, HouseholdAlertKey>;
  readonly openAlerts: Database<string, OpenAlertKey>;
  readonly alertCounts: Database<number, CountKey>;
  readonly checkpoints: Database<number, number>;
  readonly deadLetters: Database<DeadLetter, DeadLetterKey>;
  /** Rows to publish after the commit (audit rows, dead letters), removed once JetStream acked them. */
  readonly outbox: Database<OutboxRow, OutboxKey>;
  /** Outcome of each applied command, by partition and command key (a retry gets the first answer). */
  readonly commands: Database<CommandOutcome, [number, string]>;
  /** Alliance projects homed on this store's partitions (by project id). */
  readonly projects: Database<Project, string>;
  /** Service orders (home: the project's partition) and policy referrals (home: the household's), by id. */
  readonly referrals: Database<Referral, string>;
  /** Submitted policy referrals awaiting the department's answer: [household, policy] → referral id. */
  readonly openPolicyReferrals: Database<string, [string, string]>;
  /** Store-wide markers: `city` (the initial load finished), `snapshot:<p>` (last snapshot taken). */
  readonly meta: Database<unknown, string>;
  close(): Promise<void>;
}

const STRUCTURES = Symbol.for('lifeline.structures');

/** The store options of a configuration (`lmdb.*`). */
export function storeOptions(config: { lmdb: { path: string; noSync: boolean; mapSizeGib: number } }): StoreOptions {
  return { path: config.lmdb.path, noSync: config.lmdb.noSync, mapSizeGiB: config.lmdb.mapSizeGib };
}

export function openStore(opts: StoreOptions): Store {
  const noSync = opts.noSync ?? false;
  let env: RootDatabase;
  try {
    if (!opts.readOnly) mkdirSync(opts.path, { recursive: true });
    env = open({
      path: opts.path,
      noSync,
      useWritemap: opts.writemap ?? false,
      // commits become visible first and are flushed after, outside the write lock; meta pages are
      // updated in steps so a crash keeps a consistent (possibly older) state
      overlappingSync: !noSync,
      mapSize: Math.round((opts.mapSizeGiB ?? 16) * 1024 ** 3),
      maxDbs: 16,
      noMemInit: true,
      readOnly: opts.readOnly ?? false,
      compression: false,
    });
  } catch (err) {
    throw new StoreOpenError(opts.path, err);
  }
  // shared structures: msgpack writes each record shape once per database, not once per value
  const structured = { sharedStructuresKey: STRUCTURES, compression: false } as const;
  const store: Store = {
    env,
    households: env.openDB<HouseholdState, string>({ name: 'households', ...structured }),
    alerts: env.openDB<Alert, string>({ name: 'alerts', ...structured }),
    alertQueue: env.openDB<null, QueueKey>({ name: 'alert_queue' }),
    alertsByHousehold: env.openDB<null, HouseholdAlertKey>({ name: 'alerts_by_household' }),
    openAlerts: env.openDB<string, OpenAlertKey>({ name: 'open_alerts' }),
    alertCounts: env.openDB<number, CountKey>({ name: 'alert_counts' }),
    checkpoints: env.openDB<number, number>({ name: 'checkpoints' }),
    deadLetters: env.openDB<DeadLetter, DeadLetterKey>({ name: 'dead_letters' }),
    outbox: env.openDB<OutboxRow, OutboxKey>({ name: 'outbox_rows' }),
    commands: env.openDB<CommandOutcome, [number, string]>({ name: 'commands' }),
    meta: env.openDB<unknown, string>({ name: 'meta' }),
    projects: env.openDB<Project, string>({ name: 'projects', ...structured }),
    referrals: env.openDB<Referral, string>({ name: 'referrals', ...structured }),
    openPolicyReferrals: env.openDB<string, [string, string]>({ name: 'open_policy_referrals' }),
    async close() {
      await env.close();
    },
  };
  return store;
}
