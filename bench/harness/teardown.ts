/**
 * The end of a bench part that runs the real stack: close what it opened (last first), delete
 * its streams from the shared server, remove its folder. A failed close is reported, not fatal.
 */
import { rmSync } from 'node:fs';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { deleteStreams } from './streams.js';

export async function teardown(opts: {
  closers: (() => Promise<unknown>)[];
  jsm: JetStreamManager;
  nc: NatsConnection;
  /** Every stream whose name contains this was made by the part. */
  streamTag: string;
  dir: string;
  say: (line: string) => void;
}): Promise<void> {
  for (const close of opts.closers.reverse()) await close().catch((e: unknown) => opts.say(`cleanup: ${(e as Error).message}`));
  await deleteStreams(opts.jsm, opts.streamTag);
  await opts.nc.close();
  rmSync(opts.dir, { recursive: true, force: true });
}

/** Runs a part's main; on failure prints the stack, removes its folder and exits 1. */
export function runPart(main: () => Promise<void>, dir: string): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });
}
