/**
 * Streams the records of a drop file with their byte offsets, so progress can be recorded as a
 * byte position and a restart can seek straight back to it.
 *
 * Records end at a newline; in CSV a newline inside double quotes belongs to the field (RFC 4180).
 * Scanning bytes is safe for UTF-8: '\n' and '"' never occur inside a multi-byte sequence.
 */
import { open } from 'node:fs/promises';

export type DropFormat = 'csv' | 'ndjson';

export interface RawRecord {
  /** Byte offset of the record's first byte. */
  start: number;
  /** Byte offset just past its newline (where the next record starts). */
  end: number;
  /** 1-based line number of the file where the record starts. */
  line: number;
  /** Line number where the next record starts. */
  nextLine: number;
  /** The record without its line terminator (CRLF or LF). */
  text: string;
}

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Yields the non-blank records from byte `offset` (at a record start, on line `line`), in batches
 * of everything complete in one read: handling a batch in one go lets the NATS client coalesce
 * its socket writes (it flushes in a microtask, so a per-record `await` costs a write per row).
 */
export async function* readRecords(path: string, format: DropFormat, offset = 0, line = 1, chunkBytes = 1 << 20): AsyncGenerator<RawRecord[]> {
  const fh = await open(path, 'r');
  try {
    let pos = offset; // file position of buf[0]
    let buf = Buffer.alloc(0);
    let scanFrom = 0;
    let inQuotes = false;
    let fieldStart = true; // a quote opens a quoted field only at the start of a field
    let justClosed = false; // a quote right after a closing quote is an escaped quote ("")
    let curLine = line;
    let linesInRecord = 0;
    let eof = false;
    const csv = format === 'csv';
    for (;;) {
      const batch: RawRecord[] = [];
      let i = scanFrom;
      for (; i < buf.length; i++) {
        const b = buf[i]!;
        if (b === NL) {
          linesInRecord++;
          if (inQuotes) continue;
          fieldStart = true;
          justClosed = false;
          const end = i + 1;
          const textEnd = i > 0 && buf[i - 1] === CR ? i - 1 : i;
          const text = buf.toString('utf8', 0, textEnd);
          const rec: RawRecord = { start: pos, end: pos + end, line: curLine, nextLine: curLine + linesInRecord, text };
          curLine += linesInRecord;
          linesInRecord = 0;
          pos += end;
          buf = buf.subarray(end);
          i = -1;
          if (text.trim() !== '') batch.push(rec);
        } else if (csv) {
          if (inQuotes) {
            if (b === QUOTE) {
              inQuotes = false;
              justClosed = true;
            }
          } else if (b === QUOTE && (fieldStart || justClosed)) {
            inQuotes = true;
            fieldStart = justClosed = false;
          } else {
            justClosed = false;
            fieldStart = b === COMMA;
          }
        }
      }
      scanFrom = buf.length;
      if (batch.length) yield batch;
      if (eof) break;
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await fh.read(chunk, 0, chunkBytes, pos + buf.length);
      if (bytesRead === 0) eof = true;
      else buf = buf.length ? Buffer.concat([buf, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      if (eof && buf.length > 0) {
        // last record without a trailing newline
        const text = buf.toString('utf8').replace(/\r$/, '');
        if (text.trim() !== '') yield [{ start: pos, end: pos + buf.length, line: curLine, nextLine: curLine + linesInRecord + 1, text }];
        break;
      }
      if (eof) break;
    }
  } finally {
    await fh.close();
  }
}

/** Splits one CSV record into fields (RFC 4180: "" is a quote inside a quoted field). */
export function splitCsv(text: string): { fields: string[]; error?: string } {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (i < n && text.charCodeAt(i) === QUOTE) {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return { fields, error: 'unterminated quoted field' };
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === n) return { fields };
      if (text[i] !== ',') return { fields, error: `unexpected character after a quoted field at column ${fields.length}` };
      i++;
    } else {
      const c = text.indexOf(',', i);
      if (c < 0) {
        fields.push(text.slice(i));
        return { fields };
      }
      fields.push(text.slice(i, c));
      i = c + 1;
    }
  }
}
