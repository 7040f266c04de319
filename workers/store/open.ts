/**
 * Opens the one LMDB environment of an engine process and its named databases. The worker
 * threads and the API each call this on the same path; LMDB shares the map between them.
 */
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { Alert } from '../../engine/alerts/types.js';
import type { HouseholdState } from '../../engine/types.js';
import { StoreOpenError } from '../errors.js';
import type { AuditKey, CountKey, DeadLetterKey, HouseholdAlertKey, OpenAlertKey, QueueKey } from './keys.js';
import type { AuditEntry, DeadLetter, OutboxEntry } from './types.js';

export interface StoreOptions {
  /** Folder of the environment. */
  path: string;
  /** Skip fsync on commit (default true): the checkpoint committed with the state is the truth on restart. */
  noSync?: boolean;
  /** Upper bound of the memory map, GiB (default 16). */
  mapSizeGiB?: number;
  /** Write through the memory map (default: same as noSync); saves a malloc+copy per dirty page. */
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
  readonly outbox: Database<OutboxEntry, string>;
  readonly audit: Database<AuditEntry, AuditKey>;
  close(): Promise<void>;
}

const STRUCTURES = Symbol.for('lifeline.structures');

export function openStore(opts: StoreOptions): Store {
  const noSync = opts.noSync ?? true;
  let env: RootDatabase;
  try {
    if (!opts.readOnly) mkdirSync(opts.path, { recursive: true });
    env = open({
      path: opts.path,
      noSync,
      useWritemap: opts.writemap ?? noSync,
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
    outbox: env.openDB<OutboxEntry, string>({ name: 'outbox' }),
    audit: env.openDB<AuditEntry, AuditKey>({ name: 'audit' }),
    async close() {
      await env.close();
    },
  };
  return store;
}
