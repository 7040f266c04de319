import { loadConfig } from '../../config/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import { openPublisher } from '../../connectors/publisher/index.js';
import { runIntake } from '../../connectors/intake/intake.js';
import type { Command } from '../command.js';

export const intake: Command = {
  name: 'intake',
  summary: 'Publish department drop files (NDJSON or CSV); invalid rows go to dead letters; resumable after a crash.',
  usage: 'intake FILE... [--format csv|ndjson] [--restart]',
  help: `
  FILE        one file per department batch; progress is kept in FILE.progress, bad rows in FILE.dead.ndjson
  --format    csv or ndjson (default: from the extension)
  --restart   ignore saved progress and start at the first row (default: resume)`,
  flags: { format: { type: 'string' }, restart: { type: 'boolean' } },
  async run({ values, positionals }) {
    if (positionals.length === 0) throw new Error('intake: name at least one FILE');
    const config = loadConfig();
    const nc = await connectNats(config.nats);
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const { publisher } = await openPublisher(nc, config);
      let failed = 0;
      for (const file of positionals) {
        const s = await runIntake(file, publisher, {
          ...(values['format'] ? { format: values['format'] as 'csv' | 'ndjson' } : {}),
          restart: values['restart'] === true,
          signal: ac.signal,
        });
        console.log(`${file}: ${s.records} rows, ${s.published} published, ${s.duplicates} duplicates, ${s.dead} dead letters${s.done ? '' : ' (stopped; run again to resume)'}`);
        if (s.dead > 0) console.log(`  dead letters: ${s.deadPath}`);
        if (!s.done) failed++;
      }
      await publisher.flush();
      return failed ? 1 : 0;
    } finally {
      await nc.drain();
    }
  },
};
