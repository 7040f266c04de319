/**
 * The piscina task: one partition's batch → one LMDB transaction. This thread is the only writer
 * of the partition's households, alerts, dead letters and command outcomes.
 *
 * Per batch: messages at or below the partition checkpoint are skipped (redeliveries); the rest
 * are parsed and validated, grouped by household (each household read once — from this thread's
 * cache when it is still valid — its updates applied in stream order, written once); rejected
 * updates become dead letters (they are acknowledged like the rest: a bad message never stalls a
 * partition); triggers open or join alerts with their index keys; caseworker commands
 * (`{"command": …}`, workers/commands) move alerts through their life cycle in stream order with
 * the triggers, each outcome kept by its command key; audit rows and dead letters go to the
 * outbox (published after the commit); the new checkpoint goes in the same transaction.
 * Writes are async puts queued in one event turn (lmdb
 * commits them as one transaction on its write thread while this thread encodes); the alert part
 * runs as a transaction callback because it must read the alerts inside the write transaction
 * (the API rewrites alerts concurrently).
 */
import { workerData } from 'node:worker_threads';
import { upsertAlerts } from '../engine/alerts/records.js';
import { revisionOf, transition } from '../engine/alerts/lifecycle.js';
import { applyReviewOutcome } from '../engine/alerts/review.js';
import type { Alert, AlertLevel, AlertTrigger } from '../engine/alerts/types.js';
import { reject, type Rejection } from '../engine/errors.js';
import type { Household, HouseholdState, Update } from '../engine/types.js';
import { applyStep, freshState, validateUpdate } from './step.js';
import { StateCache } from './state-cache.js';
import { openStore, writeAlertInTxn, findOpenAlertInTxn, type Store, type DeadLetter, type OutboxRow } from './store/index.js';
import { parseCommand, parseHelpCommand, requestOf, type AlertCommand, type CommandOutcome, type HelpCommand, type OutcomeMessage } from './commands/index.js';
import { POLICY_ANSWER_KINDS } from '../engine/help/policies.js';
import { applyHelpCommand, newHelpChanges, settlePolicyReferrals } from './help-decisions.js';
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
  /** A caseworker action on one of the household's alerts. */
  command?: AlertCommand;
}

/** Source and kind names counted for registrations. */
const REGISTRY = ['registry', 'household_registered'] as const;

function registration(x: unknown): Household | null {
  const r = (x as { register?: unknown } | null)?.register as Household | undefined;
  if (!r || typeof r !== 'object' || typeof r.id !== 'string' || r.id.length === 0 || !Array.isArray(r.persons) || typeof r.region?.townshipId !== 'string') return null;
  return r;
}

/** Alert work in stream order: the triggers of one applied update, or one command. */
interface AlertWork {
  idx: number;
  householdId: string;
  state: HouseholdState;
  triggers: AlertTrigger[];
  at: number;
  command?: AlertCommand;
  /** A help-loop command (projects, orders, policy referrals): decided in stream order with the rest. */
  help?: HelpCommand;
  /** An applied department update that may answer the household's policy referrals. */
  settle?: Update;
}

/** Subject token of commands; they are not a department feed, so only a malformed one is counted (as unknown). */
const COMMANDS = ['command'] as const;

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
  /** Dead letters republished by `lifeline dead-letters replay`: marked here, by the one writer. */
  const replays: { idx: number; seq: number; at: number; actor: string }[] = [];
  const raws: string[] = new Array<string>(n);
  const alertWork: AlertWork[] = [];
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
    if (parsed !== null && typeof parsed === 'object' && 'deadLetterReplayed' in parsed) {
      const r = (parsed as { deadLetterReplayed: { seq?: unknown; at?: unknown; actor?: unknown } }).deadLetterReplayed;
      if (!r || typeof r.seq !== 'number' || typeof r.at !== 'number' || typeof r.actor !== 'string') {
        count('unknown', 'unknown', false);
        deadLetter(i, reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'deadLetterReplayed', reason: 'expected { seq, at, actor }' }]), raw, COMMANDS[0]);
        continue;
      }
      replays.push({ idx: i, seq: r.seq, at: r.at, actor: r.actor });
      continue;
    }
    if (parsed !== null && typeof parsed === 'object' && 'command' in parsed) {
      const c = parseCommand((parsed as { command: unknown }).command);
      if (!c.ok) {
        count('unknown', 'unknown', false);
        deadLetter(i, reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: c.field, reason: c.reason }]), raw, COMMANDS[0]);
        continue;
      }
      const hid = c.command.householdId;
      const g = groups.get(hid);
      if (g) g.push({ idx: i, update: null, command: c.command });
      else groups.set(hid, [{ idx: i, update: null, command: c.command }]);
      continue;
    }
    if (parsed !== null && typeof parsed === 'object' && 'help' in parsed) {
      const c = parseHelpCommand((parsed as { help: unknown }).help);
      if (!c.ok) {
        count('unknown', 'unknown', false);
        deadLetter(i, reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: c.field, reason: c.reason }]), raw, COMMANDS[0]);
        continue;
      }
      alertWork.push({ idx: i, householdId: '', state: undefined as unknown as HouseholdState, triggers: [], at: receivedAt[i]!, help: c.command });
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
  try {
    for (const [hid, pending] of groups) {
      let state = cache.get(p, hid);
      if (state) cacheHits++;
      else {
        cacheMisses++;
        state = store.households.get(hid);
      }
      const before = state;
      for (const { idx, update, register, command } of pending) {
        if (command) {
          // decided inside the write transaction, in stream order with the triggers
          alertWork.push({ idx, householdId: hid, state: state as HouseholdState, triggers: [], at: receivedAt[idx]!, command });
          continue;
        }
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
        if (r.triggers.length) alertWork.push({ idx, householdId: hid, state, triggers: r.triggers, at: receivedAt[idx]! });
        if (POLICY_ANSWER_KINDS.has(update.kind)) alertWork.push({ idx, householdId: hid, state, triggers: [], at: receivedAt[idx]!, settle: update });
      }
      if (state && state !== before) changed.push([hid, state]);
    }
  } catch (err) {
    cache.drop(p);
    throw err;
  }
  const scored = now();

  // one transaction: households, dead letters, alerts + indexes, command outcomes, outbox, checkpoint
  let commit: Promise<unknown>;
  let alertPart: Promise<AlertPart> = Promise.resolve({ events: [], outcomes: [], audit: 0 });
  let outboxRows = 0;
  try {
    if (lastSeq > checkpoint) {
      for (const [hid, state] of changed) {
        store.households.put(hid, state);
        cache.set(p, hid, state);
      }
      for (const [seq, letter] of letters) {
        store.deadLetters.put([p, seq], letter);
        const row: OutboxRow = { kind: 'dead_letter', msgId: `engine:${p}:${seq}`, body: letter as unknown as Record<string, unknown> };
        store.outbox.put([p, seq, 0], row);
        outboxRows++;
      }
      for (const r of replays) {
        const letter = letters.find(([seq]) => seq === r.seq)?.[1] ?? store.deadLetters.get([p, r.seq]);
        if (!letter) continue;
        const marked: DeadLetter = { ...letter, replayedAt: r.at };
        store.deadLetters.put([p, r.seq], marked);
        const row: OutboxRow = {
          kind: 'audit',
          msgId: `dead_letter.replay:${p}:${r.seq}:${r.at}`,
          body: { at: r.at, actor: r.actor, role: 'admin', township: null, action: 'dead_letter.replay', target: `${p}:${r.seq}`, requestId: null, before: { replayedAt: letter.replayedAt }, after: { replayedAt: r.at }, details: { code: letter.code, partition: p, seq: r.seq } },
        };
        store.outbox.put([p, seqs[r.idx]!, 2], row);
        outboxRows++;
      }
      if (alertWork.length) {
        alertWork.sort((a, b) => a.idx - b.idx);
        const latest = new Map(changed);
        const households = {
          get: (hid: string): HouseholdState | undefined => latest.get(hid) ?? store.households.get(hid),
          set: (hid: string, state: HouseholdState): void => {
            latest.set(hid, state);
            store.households.putSync(hid, state); // after the batch's queued put of the same key: this one wins
            cache.set(p, hid, state);
          },
        };
        alertPart = store.env.transaction(() => applyAlerts(store, p, alertWork, seqs, households));
      }
      commit = store.checkpoints.put(p, lastSeq);
    } else {
      commit = Promise.resolve(true);
    }
    const [, part] = await Promise.all([commit, alertPart]);
    const events = part.events;
    outboxRows += part.audit;
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
      commands: part.outcomes,
      outboxRows,
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

interface AlertPart {
  events: AlertEvent[];
  outcomes: OutcomeMessage[];
  /** Rows written to the outbox (audit rows and the alert-feed row). */
  audit: number;
}

/** What an audit row keeps of an alert before and after a transition. */
function auditState(a: Alert | null): Record<string, unknown> | null {
  if (!a) return null;
  return {
    status: a.status,
    level: a.level,
    revision: revisionOf(a),
    lease: a.lease ? { holder: a.lease.holder, expiresAt: a.lease.expiresAt } : null,
    verification: a.verification ? { outcome: a.verification.outcome, note: a.verification.note } : null,
    disposition: a.disposition ? { referrals: a.disposition.referrals, note: a.disposition.note } : null,
  };
}

/**
 * Inside the write transaction, in stream order: join or open each trigger's alert, apply each
 * command to its alert (refusals are outcomes too), keep the indexes in step, queue audit rows.
 */
/** The batch's households as they stand, for commands whose outcome changes a household (a review's verification). */
interface HouseholdAccess {
  get(hid: string): HouseholdState | undefined;
  set(hid: string, state: HouseholdState): void;
}

function applyAlerts(store: Store, p: number, work: readonly AlertWork[], seqs: Float64Array, households: HouseholdAccess): AlertPart {
  const events: AlertEvent[] = [];
  const outcomes: OutcomeMessage[] = [];
  let audit = 0;
  const help = newHelpChanges();
  /** A help item's audit rows, at outbox index 10, 11, … of its message (no other work item of that message writes help rows). */
  const flushHelpAudits = (seq: number): void => {
    help.audits.forEach((row, i) => store.outbox.putSync([p, seq, 10 + i], row));
    audit += help.audits.length;
    help.audits.length = 0;
  };
  for (const w of work) {
    if (w.help) {
      const seq = seqs[w.idx]!;
      outcomes.push(applyHelpCommand(store, p, seq, w.help, help));
      flushHelpAudits(seq);
      continue;
    }
    if (w.settle) {
      const seq = seqs[w.idx]!;
      settlePolicyReferrals(store, p, seq, w.settle, w.at, help);
      flushHelpAudits(seq);
      continue;
    }
    if (w.command) {
      const seq = seqs[w.idx]!;
      const r = applyCommand(store, p, seq, w.command);
      outcomes.push(r.message);
      if (r.changed && r.before) {
        const a = r.changed;
        writeAlertInTxn(store, r.before, a);
        if (w.command.action === 'verify' && a.verification) {
          // a review's verification settles the pending assets it was about: the household's facts change here, by the one writer
          const state = households.get(a.householdId);
          if (state) {
            const next = applyReviewOutcome(state, a, a.verification.outcome, setup.model, w.command.at);
            if (next !== state) households.set(a.householdId, next);
          }
        }
        events.push({ id: a.id, householdId: a.householdId, townshipId: a.region.townshipId, type: a.type, level: a.level, status: a.status, created: false, at: w.at });
        const c = w.command;
        const row: OutboxRow = {
          kind: 'audit',
          msgId: `alert:${a.id}:${revisionOf(a)}`,
          body: {
            at: c.at,
            actor: c.actor,
            role: c.role,
            township: a.region.townshipId,
            action: `alert.${c.action}`,
            target: a.id,
            requestId: c.requestId,
            before: auditState(r.before),
            after: auditState(a),
            details: { householdId: a.householdId, partition: p, seq },
          },
        };
        store.outbox.putSync([p, seq, 1], row);
        audit++;
      }
      continue;
    }
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
  if (events.length > 0) {
    // the alert feed (workers/alert-feed): which alerts to put, as they stand when published
    const row: OutboxRow = { kind: 'alert_view', msgId: '', body: { ids: [...new Set(events.map((e) => e.id))] } };
    store.outbox.putSync([p, seqs[work[work.length - 1]!.idx]!, 3], row);
    audit++;
  }
  if (help.projects.size > 0 || help.referrals.size > 0) {
    // the help feed (workers/help-feed): which projects and referrals to put, as they stand when published
    const row: OutboxRow = { kind: 'help_view', msgId: '', body: { projects: [...help.projects], referrals: [...help.referrals] } };
    store.outbox.putSync([p, seqs[work[work.length - 1]!.idx]!, 4], row);
    audit++;
  }
  return { events, outcomes, audit };
}

/** Decides one command against the alert as it stands in this transaction; records the outcome by its key. */
function applyCommand(store: Store, p: number, seq: number, c: AlertCommand): { message: OutcomeMessage; before: Alert | null; changed: Alert | null } {
  const prior = store.commands.get([p, c.key]);
  const current = store.alerts.get(c.alertId) ?? null;
  if (prior) return { message: { outcome: { ...prior, replayed: true }, alert: current }, before: null, changed: null };
  const refuse = (code: string, message: string, field?: string): { message: OutcomeMessage; before: null; changed: null } => {
    const outcome: CommandOutcome = { key: c.key, partition: p, seq, ok: false, replayed: false, code, message, alertId: c.alertId, revision: current ? revisionOf(current) : -1 };
    if (field !== undefined) outcome.field = field;
    store.commands.putSync([p, c.key], outcome);
    return { message: { outcome, alert: current }, before: null, changed: null };
  };
  if (!current || current.householdId !== c.householdId) return refuse('LIFELINE_ERR_ALERT_NOT_FOUND', `alert ${c.alertId.slice(0, 128)} does not exist`, 'id');
  const req = requestOf(c);
  if ('missing' in req) return refuse('LIFELINE_ERR_ALERT_BAD_INPUT', `${c.action} needs ${req.missing}`, req.missing);
  const r = transition(current, req, { now: c.at, actor: c.actor, requestId: c.requestId });
  if (!r.ok) return refuse(r.code, r.message, r.field);
  const after = r.alert;
  const outcome: CommandOutcome = { key: c.key, partition: p, seq, ok: true, replayed: r.replayed, alertId: c.alertId, revision: revisionOf(after), entry: r.entry };
  store.commands.putSync([p, c.key], outcome);
  return { message: { outcome, alert: after }, before: r.replayed ? null : current, changed: r.replayed ? null : after };
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
