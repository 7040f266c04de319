import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { generateCity, profileByName, householdTotal, writeCity, type ProfileName } from '../../connectors/city/index.js';
import { Progress } from '../../bench/harness/progress.js';
import { numberFlag, type Command } from '../command.js';

export const generate: Command = {
  name: 'generate',
  summary: 'Generate a synthetic city (households and persons) as NDJSON, deterministic from a seed.',
  usage: 'generate [--profile hangzhou|yuanzhou|small] [--seed N] [--out DIR]',
  help: `
  --profile   city profile (default: config city.profile, hangzhou = 223k households, 400k persons)
  --seed      integer seed; the same seed gives byte-identical files (default: config city.seed)
  --out       output folder (default: config city.dataDir); writes households.ndjson and manifest.json`,
  flags: { profile: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } },
  async run({ values }) {
    const config = loadConfig();
    const profile = (values['profile'] as ProfileName | undefined) ?? config.city.profile;
    const seed = numberFlag(values, 'seed', config.city.seed);
    const out = (values['out'] as string | undefined) ?? config.city.dataDir;
    const manifest = await generateWithProgress(profile, seed, out);
    console.log(`${manifest.counts.households.toLocaleString('en-US')} households, ${manifest.counts.persons.toLocaleString('en-US')} persons → ${join(out, manifest.file)}`);
    return 0;
  },
};

export async function generateWithProgress(profile: ProfileName, seed: number, out: string) {
  const total = householdTotal(profileByName(profile));
  const bar = new Progress(`generating ${profile}`, total);
  const manifest = await writeCity(profile, seed, out, { onProgress: (n: number) => bar.update(n) });
  bar.done();
  return manifest;
}

export { generateCity };
