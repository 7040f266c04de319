/**
 * Restores one partition from its latest snapshot into this process's LMDB: what a node does on
 * an empty or lost folder and when it takes a partition over. The partition's rows are removed
 * first (a lapsed lease may have left older ones), then the snapshot's rows are written with
 * their indexes and counters rebuilt, then its checkpoint; the consumer then replays the stream
 * from checkpoint + 1. Nothing is read from another node's disk.
 */
import type { ObjectStore } from '@nats-io/obj';
import { Unpackr } from 'msgpackr';
import type { Alert } from '../../engine/alerts/types.js';
import type { HouseholdState } from '../../engine/types.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import { removeAlertInTxn, removeReferralInTxn, writeAlertInTxn, writeReferralInTxn, type Store } from '../store/index.js';
import { referralHomeKey } from '../../engine/help/referrals.js';
import type { Project, Referral } from '../../engine/help/types.js';
import { snapshotObjectName } from './bucket.js';
import type { RestoreStats, Section, SnapshotHeader } from './types.js';
import { WorkersError } from '../errors.js';

const WRITE_CHUNK = 2000;

/** Removes every row of partition `p` (households, alerts and their index keys, dead letters, outcomes, outbox, checkpoint). */
export function clearPartition(store: Store, p: number, partitionCount: number): number {
  const households: string[] = [];
  for (const key of store.households.getKeys()) if (partitionOf(key as string, partitionCount) === p) households.push(key as string);
  const alerts: string[] = [];
  for (const key of store.alertsByHousehold.getKeys()) if (partitionOf(key[0], partitionCount) === p) alerts.push(key[2]);
  const projects = [...store.projects.getKeys()].filter((k) => partitionOf(k as string, partitionCount) === p);
  const referrals = [...store.referrals.getKeys()].filter((k) => {
    const home = referralHomeKey(k as string);
    return home !== null && partitionOf(home, partitionCount) === p;
  });
  const ranged = (db: { getKeys(o: unknown): Iterable<unknown> }) => [...db.getKeys({ start: [p], end: [p + 1] })];
  const letters = ranged(store.deadLetters as never);
  const commands = ranged(store.commands as never);
  const outbox = ranged(store.outbox as never);
  let n = 0;
  const all: [string, unknown[]][] = [['households', households], ['alerts', alerts], ['deadLetters', letters], ['commands', commands], ['outbox', outbox], ['projects', projects], ['referrals', referrals]];
  for (const [db, keys] of all) {
    for (let i = 0; i < keys.length; i += WRITE_CHUNK) {
      const part = keys.slice(i, i + WRITE_CHUNK);
      store.env.transactionSync(() => {
        for (const k of part) {
          if (db === 'alerts') {
            const a = store.alerts.get(k as string);
            if (a) removeAlertInTxn(store, a);
          } else if (db === 'referrals') {
            const r = store.referrals.get(k as string);
            if (r) removeReferralInTxn(store, r);
          } else (store as unknown as Record<string, { removeSync(k: unknown): boolean }>)[db]!.removeSync(k);
        }
      });
      n += part.length;
    }
  }
  store.env.transactionSync(() => store.checkpoints.removeSync(p));
  return n;
}

export async function restorePartition(store: Store, bucket: ObjectStore, p: number, partitionCount: number): Promise<RestoreStats> {
  const t0 = performance.now();
  let body: Uint8Array | null;
  try {
    body = await bucket.getBlob(snapshotObjectName(p));
  } catch (cause) {
    throw new WorkersError('LIFELINE_ERR_WORKERS_SNAPSHOT_READ', `cannot read the snapshot of partition ${p}: ${(cause as Error).message}`, { cause, retriable: true, details: { partition: p } });
  }
  const cleared = clearPartition(store, p, partitionCount);
  if (!body) return { partition: p, checkpoint: null, households: 0, alerts: 0, cleared, ms: performance.now() - t0 };
  const unpackr = new Unpackr({ useRecords: true });
  let header: SnapshotHeader | null = null;
  let households = 0;
  let alerts = 0;
  const chunks = unpackr.unpackMultiple(body) as [Section | 'header', unknown][];
  for (const [section, rows] of chunks) {
    if (section === 'header') {
      header = rows as SnapshotHeader;
      if (header.partition !== p || header.partitions !== partitionCount) {
        throw new WorkersError('LIFELINE_ERR_WORKERS_SNAPSHOT_MISMATCH', `snapshot ${snapshotObjectName(p)} is of partition ${header.partition} of ${header.partitions}, not ${p} of ${partitionCount}`, { details: { partition: p } });
      }
      continue;
    }
    const list = rows as [unknown, unknown][];
    store.env.transactionSync(() => {
      for (const [k, v] of list) {
        switch (section) {
          case 'households':
            store.households.putSync(k as string, v as HouseholdState);
            households++;
            break;
          case 'alerts':
            writeAlertInTxn(store, null, v as Alert);
            alerts++;
            break;
          case 'deadLetters':
            store.deadLetters.putSync(k as never, v as never);
            break;
          case 'commands':
            store.commands.putSync(k as never, v as never);
            break;
          case 'outbox':
            store.outbox.putSync(k as never, v as never);
            break;
          case 'projects':
            store.projects.putSync(k as string, v as Project);
            break;
          case 'referrals':
            writeReferralInTxn(store, v as Referral);
            break;
        }
      }
    });
    await new Promise((r) => setImmediate(r));
  }
  if (!header) throw new WorkersError('LIFELINE_ERR_WORKERS_SNAPSHOT_MISMATCH', `snapshot ${snapshotObjectName(p)} has no header`, { details: { partition: p } });
  await store.checkpoints.put(p, header.checkpoint);
  return { partition: p, checkpoint: header.checkpoint, households, alerts, cleared, ms: performance.now() - t0 };
}
