/**
 * The piscina task of the initial load: one chunk of `households.ndjson` lines → initialState of
 * each → async puts into LMDB (this thread encodes; lmdb's write thread commits). Households are
 * written with the same database and encoder as the streaming path, so the stored states match.
 */
import { workerData } from 'node:worker_threads';
import type { Household } from '../engine/types.js';
import { freshState } from './step.js';
import { openStore, type Store } from './store/index.js';
import type { WorkerSetup } from './types.js';

export interface LoadChunk {
  file: string;
  /** 1-based line number of the chunk's first line. */
  firstLine: number;
  text: string;
}

export interface LoadChunkResult {
  households: number;
  persons: number;
  /** The first bad line (nothing of the chunk is written then); errors do not survive the thread boundary as classes. */
  bad?: { line: number; reason: string };
}

const setup = workerData as WorkerSetup;
let store: Store | undefined;

function isHousehold(x: unknown): x is Household {
  const h = x as Household;
  return typeof h === 'object' && h !== null && typeof h.id === 'string' && h.id.length > 0 && Array.isArray(h.persons) && typeof h.region?.townshipId === 'string';
}

export default async function loadChunk(chunk: LoadChunk): Promise<LoadChunkResult> {
  store ??= openStore(setup.store);
  const lines = chunk.text.split('\n');
  let last: Promise<boolean> | undefined;
  let households = 0;
  let persons = 0;
  const parsed: Household[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let h: unknown;
    try {
      h = JSON.parse(line);
    } catch (err) {
      return { households: 0, persons: 0, bad: { line: chunk.firstLine + i, reason: `not JSON (${(err as Error).message})` } };
    }
    if (!isHousehold(h)) return { households: 0, persons: 0, bad: { line: chunk.firstLine + i, reason: 'not a household (needs id, persons[], region.townshipId)' } };
    parsed.push(h);
  }
  for (const h of parsed) {
    last = store.households.put(h.id, freshState(h, setup.model));
    households++;
    persons += h.persons.length;
  }
  if (last) await last;
  return { households, persons };
}
