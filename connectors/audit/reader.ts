/**
 * Reads the audit stream page by page, by stream sequence, oldest first. Oldest first because
 * JetStream consumers only go forward: a newest-first page would cost one request per row.
 *
 * A read never stops silently: it examines at most `scanBudget` rows; when the budget runs out
 * before the page is full it answers with what it found and a cursor to continue (`nextCursor`),
 * and `nextCursor` is null only once the scan reached the end of the stream.
 *
 * Each call uses one ephemeral pull consumer without acks (filtered to the action's subject when
 * the query names one; nats-server 2.9 has no multi-filter consumers). The call ends at the last
 * sequence of the stream (or of the action's subject) as it was when the call began, so it never
 * waits on an empty fetch; rows appended meanwhile are for the next call (from `scannedTo`).
 */
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type ConsumerInfo, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { AuditError } from './errors.js';
import { ACTION_RE, AUDIT_DEFAULTS, auditSubject, auditSubjectFilter, type AuditReadOptions } from './options.js';
import type { AuditPage, AuditQuery, AuditRow, StoredAuditRow } from './types.js';

/** Empty fetches in a row, with rows still pending, before a read gives up with a retriable error. */
const EMPTY_FETCHES = 3;

function queryError(field: string, reason: string): AuditError {
  return new AuditError('LIFELINE_ERR_AUDIT_QUERY', `audit query ${field}: ${reason}`, { details: { field } });
}

function readError(stream: string, what: string, err: unknown): AuditError {
  return new AuditError('LIFELINE_ERR_AUDIT_READ', `audit stream ${stream}: cannot ${what}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
    retriable: true,
    details: { stream },
  });
}

function checkQuery(q: AuditQuery, budget: number): void {
  if (!Number.isInteger(q.limit) || q.limit < 1) throw queryError('limit', 'must be a positive integer');
  if (q.afterSeq !== undefined && (!Number.isSafeInteger(q.afterSeq) || q.afterSeq < 0)) throw queryError('cursor', 'must be a stream sequence (a non-negative integer)');
  if (q.action !== undefined && !ACTION_RE.test(q.action)) throw queryError('action', 'must be dotted lower-case words, e.g. household.read');
  if (q.from !== undefined && q.to !== undefined && q.to < q.from) throw queryError('to', 'must not be before from');
  if (!Number.isInteger(budget) || budget < 1) throw queryError('scanBudget', 'must be a positive integer');
}

/** The row of a message; a body that does not decode is still returned (never skipped), marked as such. */
function rowOf(m: JsMsg): StoredAuditRow {
  try {
    const row = m.json<AuditRow>();
    if (row && typeof row === 'object' && typeof row.action === 'string') return { ...row, seq: m.seq };
  } catch {
    // fall through
  }
  return {
    seq: m.seq,
    at: m.info.timestampNanos ? Math.floor(m.info.timestampNanos / 1e6) : 0,
    actor: 'unknown',
    role: null,
    township: null,
    action: 'undecodable',
    target: m.subject,
    requestId: null,
    before: null,
    after: null,
    details: { raw: m.string().slice(0, 1024) },
  };
}

function matches(r: StoredAuditRow, q: AuditQuery): boolean {
  if (q.actor !== undefined && r.actor !== q.actor) return false;
  if (q.target !== undefined && r.target !== q.target) return false;
  if (q.action !== undefined && r.action !== q.action) return false;
  if (q.from !== undefined && !(r.at >= q.from)) return false;
  if (q.to !== undefined && !(r.at < q.to)) return false;
  return true;
}

export async function readAudit(
  js: JetStreamClient,
  target: { stream: string; subjectPrefix: string },
  q: AuditQuery,
  opts: AuditReadOptions = {},
): Promise<AuditPage> {
  const budget = opts.scanBudget ?? AUDIT_DEFAULTS.scanBudget;
  const chunk = Math.max(1, opts.fetchChunk ?? AUDIT_DEFAULTS.fetchChunk);
  const timeout = opts.requestTimeoutMs ?? AUDIT_DEFAULTS.requestTimeoutMs;
  checkQuery(q, budget);
  const { stream } = target;
  const after = q.afterSeq ?? 0;
  const jsm = await js.jetstreamManager().catch((err: unknown) => {
    throw readError(stream, 'reach JetStream', err);
  });
  const lastSeq = await jsm.streams.info(stream).then(
    (i) => i.state.last_seq,
    (err: unknown) => {
      throw readError(stream, 'read its info', err);
    },
  );
  // the last row this call must reach: the stream's last, or the last of the action's subject
  let endSeq = lastSeq;
  if (q.action !== undefined && after < lastSeq) {
    const last = await jsm.streams.getMessage(stream, { last_by_subj: auditSubject(target.subjectPrefix, q.action) }).catch((err: unknown) => {
      if (/no message found|not found/i.test((err as Error)?.message ?? '')) return null;
      throw readError(stream, 'find the last row of the action', err);
    });
    endSeq = last?.seq ?? 0;
  }
  // nothing of interest after the cursor: everything up to the stream's end counts as examined
  if (after >= endSeq) return { items: [], nextCursor: null, scannedTo: lastSeq, scanned: 0 };

  const cfg: Partial<ConsumerConfig> = {
    ack_policy: AckPolicy.None,
    filter_subject: q.action !== undefined ? auditSubject(target.subjectPrefix, q.action) : auditSubjectFilter(target.subjectPrefix),
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: 30_000_000_000, // the server removes it if this process dies mid-read (ns, 30 s)
  };
  // `from`/`to` never skip by server time: rows carry the writer's clock (and tests move it), so only the row decides
  Object.assign(cfg, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 });

  let ci: ConsumerInfo;
  try {
    ci = await jsm.consumers.add(stream, cfg);
  } catch (err) {
    throw readError(stream, 'open a reader', err);
  }
  const items: StoredAuditRow[] = [];
  let scanned = 0;
  let lastScanned = after;
  let atEnd = false; // a row at endSeq exists and matches the subject filter: the scan reaches it
  try {
    const consumer = await js.consumers.get(stream, ci.name);
    let empty = 0;
    while (!atEnd && items.length < q.limit && scanned < budget) {
      let got = 0;
      try {
        const batch = await consumer.fetch({ max_messages: Math.min(chunk, budget - scanned), expires: timeout });
        for await (const m of batch) {
          got++;
          scanned++;
          lastScanned = m.seq;
          const row = rowOf(m);
          if (matches(row, q)) items.push(row);
          // the end is the sequence known at the start, not the server's pending count (it can lag on a loaded server)
          if (m.seq >= endSeq) atEnd = true;
          if (atEnd || items.length === q.limit || scanned >= budget) break;
        }
      } catch {
        // the rows that arrived are kept (no acks: the next fetch continues after them); none arrived: see below
      }
      if (got > 0) {
        empty = 0;
        continue;
      }
      // an empty or broken fetch before the end (a loaded machine): try again, then a retriable error — never a short page
      if (++empty >= EMPTY_FETCHES) throw readError(stream, 'fetch', new Error(`${EMPTY_FETCHES} fetches brought no rows although rows up to sequence ${endSeq} remain after ${lastScanned}`));
    }
  } catch (err) {
    throw err instanceof AuditError ? err : readError(stream, 'fetch', err);
  } finally {
    await jsm.consumers.delete(stream, ci.name).catch(() => undefined);
  }
  if (atEnd) return { items, nextCursor: null, scannedTo: Math.max(lastScanned, lastSeq), scanned };
  return { items, nextCursor: lastScanned, scannedTo: lastScanned, scanned };
}
