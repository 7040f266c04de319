/**
 * Bulk load of a generated city: `households.ndjson` (one Household per line) → initialState →
 * LMDB. The file is read in chunks of lines; worker threads parse, score and write them with
 * large async-put transactions, so parsing and scoring use both cores while lmdb commits.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import type { Config } from '../config/index.js';
import { LoadInputError } from './errors.js';
import { storeOptions } from './store/index.js';
import { compiledTaskFile } from './task-file.js';
import type { LoadChunk, LoadChunkResult } from './load-task.js';
import type { WorkerSetup } from './types.js';

/** Fault injection (tests only): the process SIGKILLs itself once this many households are loaded. */
const KILL_AFTER = process.env['LIFELINE_FAULT_KILL_LOAD_AFTER'] ? Number(process.env['LIFELINE_FAULT_KILL_LOAD_AFTER']) : undefined;

export interface LoadOptions {
  /** NDJSON file (default `<city.dataDir>/households.ndjson`). */
  file?: string;
  /** Worker threads parsing and scoring (default 2). */
  threads?: number;
  /** Lines per chunk handed to a thread (default 2000; each chunk is one LMDB transaction). */
  chunkLines?: number;
  onProgress?: (households: number) => void;
}

export interface LoadReport {
  households: number;
  persons: number;
  seconds: number;
  file: string;
}


export async function initialLoad(config: Readonly<Config>, opts: LoadOptions = {}): Promise<LoadReport> {
  const file = opts.file ?? join(config.city.dataDir, 'households.ndjson');
  if (!existsSync(file)) throw new LoadInputError(file, 0, 'file not found (generate the city first)');
  const started = performance.now();
  const threads = opts.threads ?? 2;
  // small chunks under fault injection, so the kill lands between chunks of a small test city
  const chunkLines = opts.chunkLines ?? (KILL_AFTER !== undefined ? 100 : 2000);
  const setup: WorkerSetup = {
    // same flags as the process's own handle: lmdb-js shares one environment per path across threads
    store: storeOptions(config),
    model: config.model,
    cacheSize: 0,
    prefix: config.stream.subjectPrefix,
  };
  const pool = new Piscina<LoadChunk, LoadChunkResult>({ filename: compiledTaskFile('load-task.js'), minThreads: threads, maxThreads: threads, atomics: 'disabled', workerData: setup });
  let households = 0;
  let persons = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const submit = (chunk: LoadChunk): Promise<void> => {
    const p = pool
      .run(chunk)
      .then((r) => {
        if (r.bad) throw new LoadInputError(chunk.file, r.bad.line, r.bad.reason);
        households += r.households;
        persons += r.persons;
        opts.onProgress?.(households);
        // fault injection for the partial-load test: die as a power cut would, part way through
        if (KILL_AFTER !== undefined && households >= KILL_AFTER) process.kill(process.pid, 'SIGKILL');
      })
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    return p;
  };
  try {
    let buf = '';
    let lines: string[] = [];
    let lineNo = 1;
    let chunkStart = 1;
    for await (const piece of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      buf += piece as string;
      let nl: number;
      let from = 0;
      while ((nl = buf.indexOf('\n', from)) >= 0) {
        lines.push(buf.slice(from, nl));
        from = nl + 1;
        lineNo++;
        if (lines.length >= chunkLines) {
          // keep at most 2 chunks per thread queued: bounded memory on a 400k-person file
          while (inFlight.size >= threads * 2) await Promise.race(inFlight);
          if (failure) throw failure;
          void submit({ file, firstLine: chunkStart, text: lines.join('\n') });
          lines = [];
          chunkStart = lineNo;
        }
      }
      buf = buf.slice(from);
    }
    if (buf.length) lines.push(buf);
    if (lines.length) void submit({ file, firstLine: chunkStart, text: lines.join('\n') });
    while (inFlight.size) await Promise.race(inFlight);
    if (failure) throw failure;
  } finally {
    await pool.destroy();
  }
  return { households, persons, seconds: (performance.now() - started) / 1000, file };
}
