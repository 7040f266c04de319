/**
 * The piscina task: one partition's batch → one LMDB transaction.
 *
 * Per batch: messages at or below the partition checkpoint are skipped (redeliveries); the rest
 * are parsed and validated, grouped by household (each household read once — from this thread's
 * cache when it is still valid — its updates applied in stream order, written once); rejected
 * updates become dead letters (they are acknowledged like the rest: a bad message never stalls a
 * partition); triggers open or join alerts with their index keys; the outbox entry and the new
 * checkpoint go in the same transaction. Writes are async puts queued in one event turn (lmdb
 * commits them as one transaction on its write thread while this thread encodes); the alert part
 * runs as a transaction callback because it must read the alerts inside the write transaction
 * (the API rewrites alerts concurrently).
 */
import { workerData } from 'node:worker_threads';
import { upsertAlerts } from '../engine/alerts/records.js';
import type { Alert, AlertLevel, AlertTrigger } from '../engine/alerts/types.js';
import { reject, type Rejection } from '../engine/errors.js';
import type { Household, HouseholdState, Update } from '../engine/types.js';
import { applyStep, freshState, validateUpdate } from './step.js';
import { StateCache } from './state-cache.js';
import { openStore, outboxKey, writeAlertInTxn, findOpenAlertInTxn, type Store, type DeadLetter } from './store/index.js';
import type { AlertEvent, BatchResult, BatchTask, SourceKindCount, WorkerSetup } from './types.js';

const setup = workerData as WorkerSetup;
let store: Store | undefined;
let cache: StateCache | undefined;
const now = (): number => performance.timeOrigin + performance.now();
/** Fault injection for the poison-message tests: a body containing this text ends the thread. */
const CRASH_MARKER = process.env['LIFELINE_FAULT_CRASH_MARKER'];

function ready(): { store: Store; cache: StateCache } {
  store ??= openStore(setup.store);
  cache ??= new StateCache(setup.cacheSize);
  return { store, cache };
}

interface Pending {
  idx: number;
  update: Update | null;
  /** A household registration (`{"register": Household}` on `<prefix>.upd.<p>.registry`). */
  register?: Household;
}

/** Source and kind names counted for registrations. */
const REGISTRY = ['registry', 'household_registered'] as const;

function registration(x: unknown): Household | null {
  const r = (x as { register?: unknown } | null)?.register as Household | undefined;
  if (!r || typeof r !== 'object' || typeof r.id !== 'string' || r.id.length === 0 || !Array.isArray(r.persons) || typeof r.region?.townshipId !== 'string') return null;
  return r;
}

interface AlertWork {
  householdId: string;
  state: HouseholdState;
  triggers: AlertTrigger[];
  at: number;
}

const utf8 = new TextDecoder();

export default async function runBatch(task: BatchTask): Promise<BatchResult> {
  const started = now();
  const { store, cache } = ready();
  const { partition: p, bodies, offsets, seqs, receivedAt } = task;
  const n = seqs.length;
  store.env.resetReadTxn(); // see the main thread's and other threads' latest commits
  const checkpoint = store.checkpoints.get(p) ?? 0;
  cache.validate(p, checkpoint, task.resetCache);

  const counts = new Map<string, SourceKindCount>();
  const rejectedByCode = new Map<string, number>();
  // every dead letter follows the count() of its rejection: it is tallied under that source and kind
  let lastBad: SourceKindCount = ['unknown', 'unknown', 0, 0];
  const rejectedBy = new Map<string, [string, string, string, number]>();
  const count = (source: string, kind: string, ok: boolean): void => {
    const key = `${source}\u0000${kind}`;
    let c = counts.get(key);
    if (!c) counts.set(key, (c = [source, kind, 0, 0]));
    if (ok) c[2]++;
    else {
      c[3]++;
      lastBad = c;
    }
  };
  const letters: [number, DeadLetter][] = [];
  const deadLetter = (i: number, rej: Rejection, raw: string, source: string): void => {
    rejectedByCode.set(rej.code, (rejectedByCode.get(rej.code) ?? 0) + 1);
    const rk = `${lastBad[0]}\u0000${lastBad[1]}\u0000${rej.code}`;
    const r = rejectedBy.get(rk);
    if (r) r[3]++;
    else rejectedBy.set(rk, [lastBad[0], lastBad[1], rej.code, 1]);
    letters.push([
      seqs[i]!,
      {
        origin: 'engine',
        code: rej.code,
        reason: rej.message,
        issues: rej.issues,
        partition: p,
        seq: seqs[i]!,
        subject: `${setup.prefix}.upd.${p}.${source}`,
        raw,
        receivedAt: receivedAt[i]!,
        replayedAt: null,
      },
    ]);
  };

  // parse, validate, group by household (stream order within each group)
  let skipped = 0;
  let lastSeq = checkpoint;
  const groups = new Map<string, Pending[]>();
  const raws: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const seq = seqs[i]!;
    if (seq <= checkpoint) {
      skipped++;
      continue;
    }
    if (seq > lastSeq) lastSeq = seq;
    const raw = utf8.decode(bodies.subarray(offsets[i]!, offsets[i + 1]!));
    raws[i] = raw;
    if (CRASH_MARKER && raw.includes(CRASH_MARKER)) process.exit(70);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      count('unknown', 'unknown', false);
      deadLetter(i, reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'update', reason: `not JSON: ${(err as Error).message}` }]), raw, 'unknown');
      continue;
    }
    if (parsed !== null && typeof parsed === 'object' && 'register' in parsed) {
      const h = registration(parsed);
      if (!h) {
        count(REGISTRY[0], REGISTRY[1], false);
        deadLetter(i, reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'register', reason: 'expected a household with id, persons[] and region.townshipId' }]), raw, REGISTRY[0]);
        continue;
      }
      const g = groups.get(h.id);
      if (g) g.push({ idx: i, update: null, register: h });
      else groups.set(h.id, [{ idx: i, update: null, register: h }]);
      continue;
    }
    const v = validateUpdate(parsed);
    if (!v.ok) {
      const src = typeof (parsed as { source?: unknown })?.source === 'string' ? String((parsed as { source: string }).source).slice(0, 64) : 'unknown';
      const kind = typeof (parsed as { kind?: unknown })?.kind === 'string' ? String((parsed as { kind: string }).kind).slice(0, 64) : 'unknown';
      count(v.code === 'LIFELINE_ERR_UNKNOWN_SOURCE' ? 'unknown' : src, v.code === 'LIFELINE_ERR_UNKNOWN_KIND' ? 'unknown' : kind, false);
      deadLetter(i, v, raw, src);
      continue;
    }
    const g = groups.get(v.update.householdId);
    if (g) g.push({ idx: i, update: v.update });
    else groups.set(v.update.householdId, [{ idx: i, update: v.update }]);
  }

  // apply per household: read once, apply in order, write once
  let applied = 0;
  let cacheHits = 0;
  let cacheMisses = 0;
  const changed: [string, HouseholdState][] = [];
  const alertWork: AlertWork[] = [];
  try {
    for (const [hid, pending] of groups) {
      let state = cache.get(p, hid);
      if (state) cacheHits++;
      else {
        cacheMisses++;
        state = store.households.get(hid);
      }
      const before = state;
      for (const { idx, update, register } of pending) {
        if (register) {
          if (state) {
            count(REGISTRY[0], REGISTRY[1], false);
            deadLetter(idx, reject('LIFELINE_ERR_DUPLICATE_UPDATE', [{ field: 'register.id', reason: `household ${hid.slice(0, 64)} is already registered` }]), raws[idx]!, REGISTRY[0]);
            continue;
          }
          state = freshState(register, setup.model);
          count(REGISTRY[0], REGISTRY[1], true);
          applied++;
          continue;
        }
        if (!update) continue;
        if (!state) {
          count(update.source, update.kind, false);
          deadLetter(idx, reject('LIFELINE_ERR_UNKNOWN_HOUSEHOLD', [{ field: 'householdId', reason: `no household ${hid.slice(0, 64)}` }]), raws[idx]!, update.source);
          continue;
        }
        const r = applyStep(state, update, setup.model, receivedAt[idx]!);
        if (!r.ok) {
          count(update.source, update.kind, false);
          deadLetter(idx, r, raws[idx]!, update.source);
          continue;
        }
        count(update.source, update.kind, true);
        applied++;
        state = r.state;
        if (r.triggers.length) alertWork.push({ householdId: hid, state, triggers: r.triggers, at: receivedAt[idx]! });
      }
      if (state && state !== before) changed.push([hid, state]);
    }
  } catch (err) {
    cache.drop(p);
    throw err;
  }
  const scored = now();

  // one transaction: households, dead letters, alerts + indexes, outbox, checkpoint
  const touched = changed.map(([hid]) => hid);
  const outbox = { partition: p, fromSeq: n ? seqs[0]! : lastSeq, toSeq: lastSeq, households: touched, alerts: [] as string[], committedAt: Date.now() };
  let commit: Promise<unknown>;
  let alertEvents: Promise<AlertEvent[]> = Promise.resolve([]);
  try {
    if (lastSeq > checkpoint) {
      for (const [hid, state] of changed) {
        store.households.put(hid, state);
        cache.set(p, hid, state);
      }
      for (const [seq, letter] of letters) store.deadLetters.put([p, seq], letter);
      if (alertWork.length) {
        alertEvents = store.env.transaction(() => {
          const events = applyAlerts(store, alertWork);
          outbox.alerts = [...new Set(events.map((e) => e.id))];
          store.outbox.putSync(outboxKey(p, lastSeq), outbox);
          return events;
        });
      } else {
        store.outbox.put(outboxKey(p, lastSeq), outbox);
      }
      commit = store.checkpoints.put(p, lastSeq);
    } else {
      commit = Promise.resolve(true);
    }
    const [, events] = await Promise.all([commit, alertEvents]);
    cache.committedAt(p, lastSeq);
    const done = now();
    const alertsCreated: Record<AlertLevel, number> = { urgent: 0, general: 0 };
    let alertsJoined = 0;
    for (const e of events) {
      if (e.created) alertsCreated[e.level]++;
      else alertsJoined++;
    }
    return {
      partition: p,
      checkpoint: lastSeq,
      messages: n,
      skipped,
      applied,
      rejected: letters.length,
      households: groups.size,
      counts: [...counts.values()],
      rejectedByCode: [...rejectedByCode],
      rejectedBy: [...rejectedBy.values()],
      alertsCreated,
      alertsJoined,
      alerts: events,
      cacheHits,
      cacheMisses,
      timings: { waitMs: Math.max(0, started - task.dispatchedAt), scoreMs: scored - started, commitMs: done - scored, totalMs: done - started },
      lmdbBytes: lmdbBytes(store),
    };
  } catch (err) {
    cache.drop(p);
    throw err;
  }
}

/** Inside the write transaction: join or open each trigger's alert, keep the indexes in step. */
function applyAlerts(store: Store, work: readonly AlertWork[]): AlertEvent[] {
  const events: AlertEvent[] = [];
  for (const w of work) {
    const befores = new Map<string, Alert | null>();
    const upserts = upsertAlerts(w.triggers, w.state, setup.model, w.at, (type) => {
      const found = findOpenAlertInTxn(store, w.householdId, type);
      if (found) befores.set(found.id, found);
      return found;
    });
    for (const { alert, created } of upserts) {
      writeAlertInTxn(store, created ? null : (befores.get(alert.id) ?? null), alert);
      events.push({ id: alert.id, householdId: alert.householdId, townshipId: alert.region.townshipId, type: alert.type, level: alert.level, status: alert.status, created, at: w.at });
    }
  }
  return events;
}

let sizeCheckedAt = 0;
let sizeBytes = 0;
function lmdbBytes(store: Store): number {
  const t = Date.now();
  if (t - sizeCheckedAt > 1000) {
    sizeCheckedAt = t;
    const s = store.env.getStats() as { pageSize?: number; lastPageNumber?: number; treeBranchPageCount?: number };
    sizeBytes = (s.pageSize ?? 4096) * ((s.lastPageNumber ?? 0) + 1);
  }
  return sizeBytes;
}
