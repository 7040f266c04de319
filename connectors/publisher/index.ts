/**
 * Public API of the publisher: routing (partition, subject), stream setup and the Publisher.
 * `openPublisher` is the usual entry: it ensures both streams, then publishes with the partition
 * count recorded with the stream.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import type { PublisherOptions } from './options.js';
import { Publisher } from './publisher.js';
import { ensureStreams, type EnsuredStreams } from './stream.js';

export { Publisher, type PublisherTarget } from './publisher.js';
export { PUBLISHER_DEFAULTS, type PublisherOptions } from './options.js';
export { deadLetterSubject, fnv1a32, partitionFilter, partitionOf, subjectFor } from './partition.js';
export { ensureStreams, recordedPartitions, streamPartitions, PARTITIONS_METADATA_KEY, type EnsuredStreams, type StreamSettings } from './stream.js';
export type { DeadLetter, DeadLetterOrigin, PublishOutcome, PublishResult, PublisherStats } from './types.js';

export async function openPublisher(
  nc: NatsConnection,
  cfg: Pick<Config, 'stream'>,
  options: PublisherOptions = {},
): Promise<{ publisher: Publisher; streams: EnsuredStreams }> {
  const streams = await ensureStreams(await jetstreamManager(nc), cfg.stream);
  const publisher = new Publisher(jetstream(nc), { subjectPrefix: cfg.stream.subjectPrefix, partitions: streams.partitions }, options);
  return { publisher, streams };
}
