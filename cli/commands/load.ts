import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { householdTotal, profileByName, readManifest } from '../../connectors/city/index.js';
import { initialLoad } from '../../workers/initial-load.js';
import { Progress } from '../../bench/harness/progress.js';
import type { Command } from '../command.js';

export const load: Command = {
  name: 'load',
  summary: 'Score and store a generated city in LMDB through the bulk path (the state streaming would give).',
  usage: 'load [--file households.ndjson]',
  help: `
  --file      the city's NDJSON (default: <city.dataDir>/households.ndjson)
  The LMDB folder is config lmdb.path (env LIFELINE_LMDB_PATH).`,
  flags: { file: { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const file = (values['file'] as string | undefined) ?? join(config.city.dataDir, 'households.ndjson');
    const report = await loadWithProgress(config, file);
    console.log(`${report.households.toLocaleString('en-US')} households (${report.persons.toLocaleString('en-US')} persons) loaded in ${report.seconds.toFixed(1)} s into ${config.lmdb.path}`);
    return 0;
  },
};

export async function loadWithProgress(config: ReturnType<typeof loadConfig>, file: string) {
  let total = householdTotal(profileByName(config.city.profile));
  try {
    total = readManifest(join(file, '..')).counts.households;
  } catch {
    // no manifest beside the file: the profile's size is the estimate
  }
  const bar = new Progress('loading', total);
  const report = await initialLoad(config, { file, onProgress: (n) => bar.update(n) });
  bar.done();
  return report;
}
