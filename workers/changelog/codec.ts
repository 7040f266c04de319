/**
 * Value encoding of the changelog: plain MessagePack without shared structures. The LMDB
 * databases use msgpackr shared structures, so their raw bytes only decode inside the
 * environment that wrote them; the changelog must be readable by any process, hence one decode
 * (LMDB) and one portable encode per flushed record.
 */
import { Packr } from 'msgpackr';
import { ChangelogError } from './errors.js';

const packr = new Packr({ useRecords: false, moreTypes: false, bundleStrings: false });

export function encodeValue(v: unknown): Uint8Array {
  return packr.pack(v);
}

export function decodeValue<T>(bytes: Uint8Array, key: string): T {
  try {
    return packr.unpack(bytes) as T;
  } catch (cause) {
    throw new ChangelogError('LIFELINE_ERR_CHANGELOG_CORRUPT', `value of ${key} does not decode as MessagePack`, { cause, details: { key } });
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export const encodeCheckpoint = (seq: number): Uint8Array => enc.encode(String(seq));

export function decodeCheckpoint(bytes: Uint8Array, key: string): number {
  const n = Number(dec.decode(bytes));
  if (!Number.isSafeInteger(n) || n < 0) throw new ChangelogError('LIFELINE_ERR_CHANGELOG_CORRUPT', `value of ${key}: not a stream sequence`, { details: { key } });
  return n;
}
