#!/usr/bin/env node
/** `lifeline <command> [--help]`: the operator's command line. */
import { ConfigError } from '../config/index.js';
import { helpText, parse, type Command } from './command.js';
import { bench } from './commands/bench.js';
import { deadLetters } from './commands/dead-letters.js';
import { feed } from './commands/feed.js';
import { generate } from './commands/generate.js';
import { intake } from './commands/intake.js';
import { keys } from './commands/keys.js';
import { load } from './commands/load.js';
import { start } from './commands/start.js';

export const COMMANDS: readonly Command[] = [start, generate, load, feed, intake, deadLetters, keys, bench];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: lifeline <command> [options]   (lifeline <command> --help for its options)\n\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`lifeline: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  let args;
  try {
    args = parse(cmd, rest);
  } catch (err) {
    process.stderr.write(`lifeline ${cmd.name}: ${(err as Error).message}\n\n${helpText(cmd)}`);
    return 2;
  }
  if (args.values['help']) {
    process.stdout.write(helpText(cmd));
    return 0;
  }
  try {
    return await cmd.run(args);
  } catch (err) {
    if (err instanceof ConfigError) process.stderr.write(`lifeline: ${err.message}\n`);
    else process.stderr.write(`lifeline ${cmd.name}: ${(err as Error).message}\n`);
    if (process.env['LIFELINE_DEBUG']) console.error(err);
    return 1;
  }
}

/** Resolves once everything written to `stream` so far has been handed to the OS (or the reader is gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.write('', () => resolve());
  });
}

/** Exits with `code` once stdout and stderr drained: a piped stdout is asynchronous and process.exit() drops what it still buffers. */
export async function exitWhenDrained(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/lifeline.js') || process.argv[1]?.endsWith('/lifeline')) {
  // a reader that stops early (`| head`) is not an error of ours
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => exitWhenDrained(code),
    (err: unknown) => {
      console.error(err);
      return exitWhenDrained(1);
    },
  );
}
