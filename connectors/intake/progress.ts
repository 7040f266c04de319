/**
 * The durable progress record of one drop file (`<name>.progress`, JSON): how far the file has
 * been handled with every row before that point acknowledged by the server or dead-lettered,
 * and how long the dead-letter file was at that point. Written atomically (temp file, fsync,
 * rename, fsync of the folder) so a kill at any instant leaves either the old or the new record.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, writeSync, existsSync, readFileSync, fstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectorError } from '../errors.js';

export interface FileFingerprint {
  size: number;
  /** sha256 of the first and last 64 KiB: a drop file must not change while it is taken in. */
  sha256: string;
}

export interface Progress {
  version: 1;
  file: string;
  fingerprint: FileFingerprint;
  /** Byte offset where the next unhandled record starts. */
  offset: number;
  /** Line number at `offset`. */
  line: number;
  /** Records handled before `offset` (valid and dead). */
  records: number;
  /** Valid records the server stored as new. */
  published: number;
  /** Valid records the server already held (re-sent after a restart, or repeated in the file). */
  duplicates: number;
  /** Records that went to dead letters. */
  dead: number;
  /** Length of the dead-letter file that belongs to the records before `offset`. */
  deadBytes: number;
  /** True once the whole file is handled. */
  done: boolean;
  updatedAt: string;
}

const EDGE = 64 * 1024;

export function fingerprint(path: string): FileFingerprint {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = createHash('sha256');
    const head = Buffer.alloc(Math.min(EDGE, size));
    readSync(fd, head, 0, head.length, 0);
    h.update(head);
    if (size > EDGE) {
      const tail = Buffer.alloc(Math.min(EDGE, size - EDGE));
      readSync(fd, tail, 0, tail.length, size - tail.length);
      h.update(tail);
    }
    return { size, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

export function freshProgress(file: string, fp: FileFingerprint): Progress {
  return { version: 1, file, fingerprint: fp, offset: 0, line: 1, records: 0, published: 0, duplicates: 0, dead: 0, deadBytes: 0, done: false, updatedAt: new Date().toISOString() };
}

/** The saved progress, or undefined when there is none; a record of another file is an error. */
export function readProgress(path: string, file: string, fp: FileFingerprint): Progress | undefined {
  if (!existsSync(path)) return undefined;
  let p: Progress;
  try {
    p = JSON.parse(readFileSync(path, 'utf8')) as Progress;
  } catch (err) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS', `${path}: unreadable progress record (${(err as Error).message}); delete it to take the file in from the start`, {
      cause: err,
      details: { progress: path },
    });
  }
  if (p.version !== 1 || typeof p.offset !== 'number' || typeof p.deadBytes !== 'number') {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS', `${path}: not a progress record of this version`, { details: { progress: path } });
  }
  if (p.fingerprint?.size !== fp.size || p.fingerprint.sha256 !== fp.sha256) {
    throw new ConnectorError(
      'LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS',
      `${path}: records progress of a different version of ${file} (size ${p.fingerprint?.size} vs ${fp.size}); a drop file must not change — ` +
        'give a new batch a new file name, or delete the progress and dead-letter files to start over',
      { details: { progress: path, file } },
    );
  }
  return p;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some file systems refuse to fsync a folder; the rename is still atomic
  }
}

export function writeProgress(path: string, p: Progress): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify({ ...p, updatedAt: new Date().toISOString() }, null, 1) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
