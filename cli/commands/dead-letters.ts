import { loadConfig } from '../../config/index.js';
import { connectNats } from '../../connectors/nats/index.js';
import { openPublisher } from '../../connectors/publisher/index.js';
import { openStore, storeOptions } from '../../workers/store/index.js';
import { listDeadLetters, replayDeadLetters } from '../../workers/dead-letters.js';
import { numberFlag, type Command } from '../command.js';

export const deadLetters: Command = {
  name: 'dead-letters',
  summary: 'List the engine\'s dead letters (rejected or crashing updates), or replay them through the publisher.',
  usage: 'dead-letters list [--partition N] [--limit N] | dead-letters replay [--partition N] [--code CODE] [--again]',
  help: `
  list        partition, stream sequence, code and reason of each dead letter (JSON lines)
  replay      republish matching letters (after the upstream fix); each is marked replayed, never deleted
  --partition only this partition
  --code      only letters with this rejection code (e.g. LIFELINE_ERR_UNKNOWN_PERSON)
  --limit     most letters to list or replay (default 1000)
  --again     also replay letters replayed before (default: skip them)`,
  flags: { partition: { type: 'string' }, code: { type: 'string' }, limit: { type: 'string' }, again: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action] = positionals;
    const config = loadConfig();
    const store = openStore(storeOptions(config));
    const partition = values['partition'] === undefined ? undefined : numberFlag(values, 'partition', 0);
    const limit = numberFlag(values, 'limit', 1000);
    try {
      if (action === 'list') {
        const letters = listDeadLetters(store, { ...(partition === undefined ? {} : { partition }), limit });
        for (const l of letters) if (!values['code'] || l.code === values['code']) console.log(JSON.stringify(l));
        console.error(`${letters.length} dead letter(s)`);
        return 0;
      }
      if (action === 'replay') {
        const nc = await connectNats(config.nats);
        try {
          const { publisher } = await openPublisher(nc, config);
          const out = await replayDeadLetters(store, publisher, nc, config.stream.subjectPrefix, {
            ...(partition === undefined ? {} : { partition }),
            ...(values['code'] ? { code: values['code'] as string } : {}),
            again: values['again'] === true,
            limit,
          });
          await publisher.flush();
          const by = (o: string) => out.filter((x) => x.outcome === o).length;
          console.log(`replayed ${by('published')}, skipped ${by('skipped')} (already replayed), unreadable ${by('unreadable')}`);
          return 0;
        } finally {
          await nc.drain();
        }
      }
      throw new Error(`expected list or replay, got ${JSON.stringify(action ?? '')}`);
    } finally {
      await store.close();
    }
  },
};
