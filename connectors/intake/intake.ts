/**
 * File intake of a department drop (one file per batch, NDJSON or CSV): validate every row,
 * publish the valid ones, dead-letter the rest, and survive being killed at any row.
 *
 * Design (per row: read → parse → validate → publish or dead-letter → settled):
 * - rows get a sequence number; the *mark* is the end of the longest prefix of settled rows
 *   (acknowledged by the server, or written to the dead file and, if enabled, acknowledged on
 *   the dead-letter subject);
 * - every `checkpointEvery` rows or `checkpointMs` the dead file is fsync'd, then the mark (byte
 *   offset, line, counts, dead-file length at the mark) is written atomically to `<file>.progress`;
 * - on restart the dead file is truncated back to its length at the mark and reading resumes at
 *   the mark: rows after it are sent again and the server's duplicate window (Nats-Msg-Id
 *   `<source>:<id>`, dead letters `intake:<file hash>:<line>`) drops what it already stored.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { validateUpdate } from '../../engine/validate.js';
import type { RejectionIssue } from '../../engine/errors.js';
import { ConnectorError } from '../errors.js';
import type { Publisher } from '../publisher/publisher.js';
import type { DeadLetter } from '../publisher/types.js';
import { csvLayout, csvRowToRaw, type CsvLayout } from './csv-row.js';
import { INTAKE_DEFAULTS, type IntakeOptions } from './options.js';
import { fingerprint, freshProgress, readProgress, writeProgress, type Progress } from './progress.js';
import { readRecords, splitCsv, type DropFormat, type RawRecord } from './reader.js';

export interface IntakeSummary {
  file: string;
  format: DropFormat;
  /** Rows handled in total (all runs): valid + dead. */
  records: number;
  published: number;
  duplicates: number;
  dead: number;
  /** Where this run started (line 1 = from the beginning); undefined when the file was already done. */
  resumedAt: { offset: number; line: number } | undefined;
  done: boolean;
  progressPath: string;
  deadPath: string;
}

export function formatOf(file: string, format?: DropFormat): DropFormat {
  if (format) return format;
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(file)) return 'ndjson';
  throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_FILE', `${file}: unknown format (name it .csv, .ndjson or .jsonl, or pass a format)`, { details: { file } });
}

const PARSE_CODE = 'LIFELINE_ERR_CONNECTOR_INTAKE_PARSE';

interface RowState {
  end: number;
  nextLine: number;
  dead: boolean;
  duplicate: boolean;
  /** Dead-file length once this row's dead line (if any) is written. */
  deadCum: number;
}

type Parsed = { ok: true; raw: unknown } | { ok: false; reason: string; issues: RejectionIssue[]; raw: unknown };

function parseRow(rec: RawRecord, format: DropFormat, layout: CsvLayout | undefined): Parsed {
  if (format === 'ndjson') {
    try {
      return { ok: true, raw: JSON.parse(rec.text) as unknown };
    } catch (err) {
      const reason = `not valid JSON: ${(err as Error).message}`;
      return { ok: false, reason, issues: [{ field: 'line', reason }], raw: rec.text };
    }
  }
  const { fields, error } = splitCsv(rec.text);
  if (error) return { ok: false, reason: error, issues: [{ field: 'row', reason: error }], raw: rec.text };
  if (fields.length !== layout!.columns.length) {
    const reason = `expected ${layout!.columns.length} columns, got ${fields.length}`;
    return { ok: false, reason, issues: [{ field: 'row', reason }], raw: rec.text };
  }
  return { ok: true, raw: csvRowToRaw(layout!, fields) };
}

async function readHeader(file: string): Promise<CsvLayout> {
  for await (const [rec] of readRecords(file, 'csv', 0, 1)) {
    const { fields, error } = splitCsv(rec!.text);
    if (error) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_CSV', `${file}: header: ${error}`, { details: { file } });
    return csvLayout(fields, file);
  }
  throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_CSV', `${file}: empty file (a CSV drop starts with a header row)`, { details: { file } });
}

/** Takes one drop file in; resumes from `<file>.progress` when a previous run was interrupted. */
export async function runIntake(file: string, publisher: Publisher, options: IntakeOptions = {}): Promise<IntakeSummary> {
  const o = { ...INTAKE_DEFAULTS, ...options };
  const format = formatOf(file, options.format);
  const progressPath = options.progressPath ?? `${file}.progress`;
  const deadPath = options.deadPath ?? `${file}.dead.ndjson`;
  if (!existsSync(file)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_FILE', `${file}: no such file`, { details: { file } });
  let fp;
  try {
    fp = fingerprint(file);
  } catch (err) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_FILE', `${file}: cannot read (${(err as Error).message})`, { cause: err, details: { file } });
  }
  const saved = o.restart ? undefined : readProgress(progressPath, file, fp);
  const summary = (p: Progress, resumedAt: IntakeSummary['resumedAt']): IntakeSummary => ({
    file, format, records: p.records, published: p.published, duplicates: p.duplicates, dead: p.dead, resumedAt, done: p.done, progressPath, deadPath,
  });
  if (saved?.done) return summary(saved, undefined);
  const progress: Progress = saved ?? freshProgress(file, fp);
  const resumedAt = { offset: progress.offset, line: progress.line };
  const layout = format === 'csv' ? await readHeader(file) : undefined;
  const fileKey = fp.sha256.slice(0, 16);

  // the dead file is cut back to what belongs to rows before the mark: rows after it are redone
  let deadFd: number | undefined;
  let deadWritten = progress.deadBytes;
  let deadUnsynced = false;
  if (existsSync(deadPath)) {
    deadFd = openSync(deadPath, 'r+');
    const size = fstatSync(deadFd).size;
    if (size < progress.deadBytes) {
      closeSync(deadFd);
      throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS', `${deadPath} is shorter (${size} B) than its progress record says (${progress.deadBytes} B); it was changed by hand`, {
        details: { file, deadPath },
      });
    }
    if (size > progress.deadBytes) ftruncateSync(deadFd, progress.deadBytes);
  } else if (progress.deadBytes > 0) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS', `${deadPath} is missing but ${progressPath} records ${progress.dead} dead letters`, { details: { file, deadPath } });
  }
  const appendDead = (line: string): void => {
    deadFd ??= openSync(deadPath, 'a+');
    const buf = Buffer.from(line);
    writeSync(deadFd, buf, 0, buf.length, deadWritten);
    deadWritten += buf.length;
    deadUnsynced = true;
  };

  const rows = new Map<number, RowState>();
  let reachedEnd = false;
  let issued = 0;
  let mark = 0;
  let settledSinceCheckpoint = 0;
  let outstanding = 0;
  let wake: (() => void) | undefined;
  const lowWater = Math.floor(o.window / 2);
  let failure: unknown;
  let lastCheckpoint = Date.now();

  const settled = new Set<number>();
  const wakeReader = (): void => {
    if (wake && outstanding <= lowWater) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  // folds settled rows into the mark strictly in file order
  const settle = (seq: number): void => {
    outstanding--;
    settled.add(seq);
    while (settled.delete(mark)) {
      const r = rows.get(mark)!;
      rows.delete(mark);
      mark++;
      settledSinceCheckpoint++;
      progress.offset = r.end;
      progress.line = r.nextLine;
      progress.records++;
      progress.deadBytes = r.deadCum;
      if (r.dead) progress.dead++;
      else if (r.duplicate) progress.duplicates++;
      else progress.published++;
    }
    wakeReader();
  };
  // a failed row never settles: the mark stops before it and a restart sends it again
  const fail = (err: unknown): void => {
    failure ??= err;
    outstanding--;
    wakeReader();
  };

  const checkpoint = (final: boolean): void => {
    if (deadFd !== undefined && deadUnsynced) {
      fsyncSync(deadFd); // dead lines first: the progress record must never point past unsynced lines
      deadUnsynced = false;
    }
    if (final) progress.done = failure === undefined && rows.size === 0 && !o.signal?.aborted && reachedEnd;
    writeProgress(progressPath, progress);
    settledSinceCheckpoint = 0;
    lastCheckpoint = Date.now();
    o.onProgress?.({ ...progress });
  };

  try {
    const records = readRecords(file, format, progress.offset, progress.line);
    reading: for await (const batch of records) for (const rec of batch) {
      if (failure !== undefined || o.signal?.aborted) break reading;
      if (format === 'csv' && rec.start === 0) continue; // the header (re-read on every run)
      const seq = issued++;
      const row: RowState = { end: rec.end, nextLine: rec.nextLine, dead: false, duplicate: false, deadCum: deadWritten };
      rows.set(seq, row);
      const parsed = parseRow(rec, format, layout);
      const v = parsed.ok ? validateUpdate(parsed.raw) : undefined;
      if (v?.ok) {
        outstanding++;
        publisher.publish(v.update).then(
          (r) => {
            row.duplicate = r.duplicate;
            settle(seq);
          },
          (err: unknown) => fail(err),
        );
      } else {
        const letter: DeadLetter = parsed.ok
          ? { origin: 'intake', reason: v!.ok ? '' : v!.message, code: v!.ok ? '' : v!.code, issues: v!.ok ? [] : v!.issues, file, row: rec.line, raw: parsed.raw }
          : { origin: 'intake', reason: parsed.reason, code: PARSE_CODE, issues: parsed.issues, file, row: rec.line, raw: parsed.raw };
        appendDead(JSON.stringify(letter) + '\n');
        row.dead = true;
        row.deadCum = deadWritten;
        outstanding++;
        if (o.deadLetterSubject) {
          publisher.publishDeadLetter('intake', letter, `intake:${fileKey}:${rec.line}`).then(
            () => settle(seq),
            (err: unknown) => fail(err),
          );
        } else settle(seq);
      }
      // refill only once half the window is free: rows then leave in bursts that share socket writes
      if (outstanding >= o.window) await new Promise<void>((r) => (wake = r));
      if (settledSinceCheckpoint >= o.checkpointEvery || (settledSinceCheckpoint > 0 && Date.now() - lastCheckpoint >= o.checkpointMs)) checkpoint(false);
    }
    reachedEnd = failure === undefined && !o.signal?.aborted;
    while (outstanding > 0) await new Promise<void>((r) => (wake = r)); // let every sent row settle

    if (failure !== undefined) reachedEnd = false;
    checkpoint(true);
  } finally {
    if (deadFd !== undefined) closeSync(deadFd);
  }
  if (failure !== undefined) throw failure;
  return summary(progress, resumedAt);
}
