/**
 * The streams of a bench run: each run gets its own stream names and subject prefix on the
 * shared server, and deletes them when done (the server outlives the run).
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { loadConfig, type Config } from '../../config/index.js';

export const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

/** The validated config of a run tagged `id`, on its own streams; `overrides` as for loadConfig. */
export function benchConfig(id: string, partitions: number, overrides: Record<string, unknown> = {}): Readonly<Config> {
  return loadConfig({
    env: { NATS_URL },
    overrides: {
      'stream.name': `BENCH_${id}_UPD`,
      'stream.deadLetterName': `BENCH_${id}_DLQ`,
      'stream.auditName': `BENCH_${id}_AUDIT`,
      'stream.keysBucket': `BENCH_${id}_KEYS`,
      'stream.feedsBucket': `BENCH_${id}_FEEDS`,
      'stream.alertsBucket': `BENCH_${id}_ALERTS`,
      'stream.helpBucket': `BENCH_${id}_HELP`,
      'stream.subjectPrefix': `bench.${id}`,
      'stream.partitions': partitions,
      ...overrides,
    },
  });
}

/** Deletes every stream whose name contains `tag` (all a run made); a failed delete is left to the next run's cleanup. */
export async function deleteStreams(jsm: JetStreamManager, tag: string): Promise<void> {
  for await (const s of jsm.streams.list()) if (s.config.name.includes(tag)) await jsm.streams.delete(s.config.name).catch(() => undefined);
}
