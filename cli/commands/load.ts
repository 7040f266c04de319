import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { householdTotal, profileByName, readManifest } from '../../connectors/city/index.js';
import { initialLoad } from '../../workers/initial-load.js';
import { connectNats } from '../../connectors/nats/index.js';
import { openPublisher } from '../../connectors/publisher/index.js';
import { clearStore, setCityMarker } from '../../workers/recovery.js';
import { openSnapshotBucket, snapshotInfo, takeSnapshots } from '../../workers/snapshots/index.js';
import { openStore, storeOptions } from '../../workers/store/index.js';
import { Progress } from '../../bench/harness/progress.js';
import type { Command } from '../command.js';

export const load: Command = {
  name: 'load',
  summary: 'Score and store a generated city in LMDB through the bulk path (the state streaming would give).',
  usage: 'load [--file households.ndjson] [--force]',
  help: `
  --file      the city's NDJSON (default: <city.dataDir>/households.ndjson)
  --force     load even though JetStream already holds the city's snapshots (replaces the truth:
              every caseworker action and update since is dropped from the rebuilt view)
  The LMDB folder (config lmdb.path) is cleared first; snapshot 0 of every partition is then written
  to JetStream, so the load is the city's truth from then on.`,
  flags: { file: { type: 'string' }, force: { type: 'boolean' } },
  async run({ values }) {
    const config = loadConfig();
    const file = (values['file'] as string | undefined) ?? join(config.city.dataDir, 'households.ndjson');
    const nc = await connectNats(config.nats);
    try {
      const { streams, publisher } = await openPublisher(nc, config);
      await publisher.close();
      const bucket = await openSnapshotBucket(nc, { streamName: config.stream.name, replicas: config.stream.replicas });
      if (!values['force'] && (await snapshotInfo(bucket, 0))) {
        console.error(`JetStream already holds the city (snapshots of ${config.stream.name}): a load would replace it; start the node instead, or pass --force`);
        return 2;
      }
      const store = openStore(storeOptions(config));
      try {
        await clearStore(store);
        const report = await loadWithProgress(config, file);
        await setCityMarker(store, { via: 'load', households: report.households, at: Date.now() });
        const partitions = Array.from({ length: streams.partitions }, (_, i) => i);
        await takeSnapshots(store, bucket, { partitions, partitionCount: streams.partitions });
        console.log(`${report.households.toLocaleString('en-US')} households (${report.persons.toLocaleString('en-US')} persons) loaded in ${report.seconds.toFixed(1)} s into ${config.lmdb.path}; snapshot 0 of ${partitions.length} partitions written`);
      } finally {
        await store.close();
      }
      return 0;
    } finally {
      await nc.drain().catch(() => undefined);
    }
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
