/** Options of a file intake run; every field is optional. */
import type { DropFormat } from './reader.js';
import type { Progress } from './progress.js';

export interface IntakeOptions {
  /** File format (default: from the extension: `.csv` → csv; `.ndjson`, `.jsonl` → ndjson). */
  format?: DropFormat;
  /** Write the progress record after this many more rows are settled (rows, default 1000). */
  checkpointEvery?: number;
  /** …or after this long, whichever comes first (ms, default 1000). */
  checkpointMs?: number;
  /** Rows awaiting their acknowledgement at once (rows, default 1000: the publisher's window). */
  window?: number;
  /** Also publish each dead letter on `<prefix>.dlq.intake` (default true). */
  deadLetterSubject?: boolean;
  /** Progress record path (default `<file>.progress`, beside the file). */
  progressPath?: string;
  /** Dead-letter file path (default `<file>.dead.ndjson`, beside the file). */
  deadPath?: string;
  /** Ignore a saved progress record and start at the first row (default false). */
  restart?: boolean;
  /** Called after each progress record is written; must not throw. */
  onProgress?: (p: Readonly<Progress>) => void;
  /** Stops taking rows: in-flight rows settle, progress is saved, the run returns with done=false. */
  signal?: AbortSignal;
}

export const INTAKE_DEFAULTS = {
  checkpointEvery: 1000,
  checkpointMs: 1000,
  window: 1000,
  deadLetterSubject: true,
  restart: false,
} as const;
