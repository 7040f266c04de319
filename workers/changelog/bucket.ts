/**
 * The state bucket: history 1, so the server keeps only the latest value per key — compaction
 * per household, like a Kafka Streams changelog topic.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { ChangelogError } from './errors.js';
import { stateBucketName, type ChangelogOptions } from './options.js';

export async function openStateBucket(nc: NatsConnection, o: Pick<ChangelogOptions, 'streamName' | 'replicas' | 'requestTimeoutMs'>): Promise<KV> {
  const name = stateBucketName(o.streamName);
  try {
    const js = jetstream(nc, { timeout: o.requestTimeoutMs });
    return await new Kvm(js).create(name, { history: 1, replicas: o.replicas, timeout: o.requestTimeoutMs });
  } catch (cause) {
    throw new ChangelogError('LIFELINE_ERR_CHANGELOG_BUCKET', `cannot open state bucket ${name}: ${(cause as Error).message}`, { cause, retriable: true });
  }
}
