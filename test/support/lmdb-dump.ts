/**
 * Every named database of an LMDB store as sorted, comparable key/value lists, and a readable
 * diff of two such dumps: crash tests compare a killed run's store with an uninterrupted one's,
 * indexes and counters included, without listing the databases by hand (a new one is covered
 * the day it is added).
 *
 * Values are decoded (msgpack, with the store's shared structures) and rendered as canonical
 * JSON (object keys sorted), so the order in which records first appeared — which decides the
 * shared-structure ids and thus the bytes — does not count as a difference.
 */
import { open, type Key, type RootDatabase } from 'lmdb';

/** The shared-structures key of workers/store/open.ts: bookkeeping of msgpack, not data. */
const STRUCTURES = Symbol.for('lifeline.structures');

export interface DbDump {
  /** [key, value] as canonical JSON, sorted by key. */
  entries: [string, string][];
}

/** Database name → its entries; sorted by name. */
export type StoreDump = Map<string, DbDump>;

export interface DumpOptions {
  /** Databases left out (e.g. ones only one of the compared runs writes). */
  exclude?: readonly string[];
}

/** JSON with object keys sorted; binary, dates, bigints and symbols spelt out so nothing collapses to `{}`. */
export function canonical(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : `"${String(v)}"`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return `Symbol(${v.description ?? ''})`;
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'invalid' : v.toISOString()})`;
  if (ArrayBuffer.isView(v)) return `bytes(${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')})`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Map) return `Map{${[...v].map(([k, x]) => `${canonical(k)}:${canonical(x)}`).sort().join(',')}}`;
  if (v instanceof Set) return `Set[${[...v].map(canonical).sort().join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** Names of the named databases: LMDB keeps them as the keys of its unnamed root database. */
function databaseNames(path: string): string[] {
  const root = open({ path, readOnly: true, keyEncoding: 'binary', encoding: 'binary', maxDbs: 64 });
  try {
    return [...root.getKeys({})].map((k) => Buffer.from(k as unknown as Uint8Array).toString('utf8').replace(/\0+$/, '')).sort();
  } finally {
    root.close();
  }
}

function dumpDb(env: RootDatabase, name: string): DbDump {
  const db = env.openDB<unknown, Key>({ name, sharedStructuresKey: STRUCTURES, compression: false });
  const entries: [string, string][] = [];
  for (const { key, value } of db.getRange({})) {
    if (typeof key === 'symbol') continue;
    entries.push([canonical(key), canonical(value)]);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { entries };
}

/**
 * Every named database of the store at `path` (minus `exclude`). Opens its own read-only handle,
 * so it works whether or not the store is open elsewhere in the process, and closes it.
 */
export function dumpStore(path: string, opts: DumpOptions = {}): StoreDump {
  const skip = new Set(opts.exclude ?? []);
  const names = databaseNames(path).filter((n) => !skip.has(n));
  const env = open({ path, readOnly: true, maxDbs: 64, compression: false });
  try {
    const out: StoreDump = new Map();
    for (const name of names) out.set(name, dumpDb(env, name));
    return out;
  } finally {
    env.close();
  }
}

export interface DumpDiffOptions {
  /** At most this many differing entries are spelt out per database (default 5). */
  perDb?: number;
}

/**
 * Differences between two dumps, one readable line each (empty when equal): databases present
 * on one side only, then per database the count of keys only in a, only in b and with different
 * values, with the first few of each spelt out.
 */
export function diffDumps(a: StoreDump, b: StoreDump, opts: DumpDiffOptions = {}): string[] {
  const perDb = opts.perDb ?? 5;
  const out: string[] = [];
  const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const da = a.get(name);
    const db = b.get(name);
    if (!da || !db) {
      out.push(`${name}: only in ${da ? 'a' : 'b'} (${(da ?? db)!.entries.length} entries)`);
      continue;
    }
    const ma = new Map(da.entries);
    const mb = new Map(db.entries);
    const onlyA = [...ma.keys()].filter((k) => !mb.has(k));
    const onlyB = [...mb.keys()].filter((k) => !ma.has(k));
    const changed = [...ma.keys()].filter((k) => mb.has(k) && mb.get(k) !== ma.get(k));
    if (!onlyA.length && !onlyB.length && !changed.length) continue;
    out.push(`${name}: ${onlyA.length} only in a, ${onlyB.length} only in b, ${changed.length} differ (of ${ma.size} / ${mb.size})`);
    for (const k of onlyA.slice(0, perDb)) out.push(`  ${name} ${clip(k)}: only in a = ${clip(ma.get(k)!)}`);
    for (const k of onlyB.slice(0, perDb)) out.push(`  ${name} ${clip(k)}: only in b = ${clip(mb.get(k)!)}`);
    for (const k of changed.slice(0, perDb)) out.push(`  ${name} ${clip(k)}:\n    a = ${clip(ma.get(k)!)}\n    b = ${clip(mb.get(k)!)}`);
  }
  return out;
}
