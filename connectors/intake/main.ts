/**
 * `node dist/connectors/intake/main.js [--format csv|ndjson] [--checkpoint-every N] [--restart]
 *  [--no-dead-letter-subject] <file>…`: takes drop files in with the loaded configuration
 * (LIFELINE_CONFIG, LIFELINE_* and NATS_URL). Prints one JSON line per checkpoint and per file;
 * SIGINT/SIGTERM stop after in-flight rows settle and progress is saved (run again to resume).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/index.js';
import { LifelineError } from '../../engine/errors.js';
import { connectNats } from '../nats/connect.js';
import { openPublisher } from '../publisher/index.js';
import { runIntake } from './intake.js';
import type { IntakeOptions } from './options.js';
import type { DropFormat } from './reader.js';

function parseArgs(argv: string[]): { files: string[]; opts: IntakeOptions } {
  const files: string[] = [];
  const opts: IntakeOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--format') opts.format = argv[++i] as DropFormat;
    else if (a === '--checkpoint-every') opts.checkpointEvery = Number(argv[++i]);
    else if (a === '--restart') opts.restart = true;
    else if (a === '--no-dead-letter-subject') opts.deadLetterSubject = false;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else files.push(a);
  }
  if (opts.format !== undefined && opts.format !== 'csv' && opts.format !== 'ndjson') throw new Error(`--format must be csv or ndjson`);
  if (opts.checkpointEvery !== undefined && !(Number.isInteger(opts.checkpointEvery) && opts.checkpointEvery > 0)) throw new Error('--checkpoint-every must be a positive integer');
  return { files, opts };
}

export async function main(argv: string[]): Promise<number> {
  const { files, opts } = parseArgs(argv);
  if (files.length === 0) {
    process.stderr.write('usage: intake [--format csv|ndjson] [--checkpoint-every N] [--restart] [--no-dead-letter-subject] <file>…\n');
    return 2;
  }
  const config = loadConfig();
  const nc = await connectNats(config.nats);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let allDone = true;
  try {
    const { publisher } = await openPublisher(nc, config);
    for (const file of files) {
      const s = await runIntake(file, publisher, {
        ...opts,
        signal: abort.signal,
        onProgress: (p) => process.stdout.write(JSON.stringify({ event: 'progress', file, offset: p.offset, line: p.line, records: p.records, published: p.published, duplicates: p.duplicates, dead: p.dead }) + '\n'),
      });
      process.stdout.write(JSON.stringify({ event: 'file', ...s }) + '\n');
      allDone &&= s.done;
      if (abort.signal.aborted) break;
    }
    await publisher.close();
  } finally {
    await nc.drain().catch(() => undefined);
  }
  return allDone ? 0 : 3;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const e = err as Error;
      process.stderr.write(err instanceof LifelineError ? `${err.code}: ${err.message}\n` : `${e.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
