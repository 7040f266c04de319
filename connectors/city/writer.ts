/**
 * Writes a generated city as NDJSON (`households.ndjson`, one household per line) plus
 * `manifest.json` (counts, seed, profile, sha256 of the data file). Nothing time-dependent goes
 * in either file, so the same profile and seed give byte-identical output.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Household } from '../../engine/types.js';
import { ConnectorError } from '../errors.js';
import { generateCity, type CityCounters, type GenerateOptions } from './generator.js';
import type { CityProfile, ProfileName } from './profiles.js';

export const HOUSEHOLDS_FILE = 'households.ndjson';
export const MANIFEST_FILE = 'manifest.json';
/** Bump when the generator's output changes for the same seed. */
export const GENERATOR_VERSION = 1;

export interface CityManifest {
  format: 'lifeline-city';
  generatorVersion: number;
  profile: ProfileName;
  seed: number;
  referenceDate: string;
  file: string;
  bytes: number;
  sha256: string;
  counts: CityCounters;
}

const CHUNK = 1 << 20;

/** Generates the city into `dir` (created if missing); resolves with the manifest written. */
export async function writeCity(
  profile: CityProfile | ProfileName,
  seed: number,
  dir: string,
  opts: GenerateOptions & { onProgress?: (households: number) => void } = {},
): Promise<CityManifest> {
  const gen = generateCity(profile, seed, opts);
  const dataPath = join(dir, HOUSEHOLDS_FILE);
  const tmp = `${dataPath}.partial`;
  const hash = createHash('sha256');
  let bytes = 0;
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w');
  } catch (cause) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_CITY_WRITE', `dir: cannot write the city into ${dir}`, { cause });
  }
  try {
    let parts: string[] = [];
    let pending = 0;
    const flush = () => {
      const buf = Buffer.from(parts.join(''), 'utf8');
      hash.update(buf);
      writeSync(fd, buf);
      bytes += buf.length;
      parts = [];
      pending = 0;
    };
    let n = 0;
    for (const h of gen) {
      const line = JSON.stringify(h) + '\n';
      parts.push(line);
      pending += line.length;
      if (pending >= CHUNK) flush();
      // yield now and then so a caller's timers and sockets keep running
      if (++n % 5000 === 0) {
        opts.onProgress?.(n);
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    flush();
  } catch (cause) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_CITY_WRITE', `dir: writing ${dataPath} failed`, { cause });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, dataPath);
  const manifest: CityManifest = {
    format: 'lifeline-city',
    generatorVersion: GENERATOR_VERSION,
    profile: gen.profile.name,
    seed,
    referenceDate: gen.profile.referenceDate,
    file: HOUSEHOLDS_FILE,
    bytes,
    sha256: hash.digest('hex'),
    counts: gen.counters,
  };
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export function readManifest(dir: string): CityManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch (cause) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_CITY_READ', `dir: no readable ${MANIFEST_FILE} in ${dir}`, { cause });
  }
  const m = raw as Partial<CityManifest>;
  if (m.format !== 'lifeline-city' || typeof m.sha256 !== 'string' || typeof m.seed !== 'number') {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_CITY_READ', `${MANIFEST_FILE}: not a lifeline city manifest (format/seed/sha256)`);
  }
  return m as CityManifest;
}

/** Streams the households of a written city back, line by line (bounded memory). */
export async function* readCity(dir: string): AsyncGenerator<Household> {
  const { createReadStream } = await import('node:fs');
  const { createInterface } = await import('node:readline');
  const path = join(dir, HOUSEHOLDS_FILE);
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let row = 0;
  try {
    for await (const line of rl) {
      row++;
      if (line.length === 0) continue;
      try {
        yield JSON.parse(line) as Household;
      } catch (cause) {
        throw new ConnectorError('LIFELINE_ERR_CONNECTOR_CITY_READ', `${path}:${row}: not valid JSON`, { cause, details: { row } });
      }
    }
  } finally {
    rl.close();
  }
}
