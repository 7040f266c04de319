/** What `buildApp` needs from the rest of the process; everything but the store is optional. */
import type { HelpView } from './help/view.js';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import type { Update } from '../engine/types.js';
import type { Store } from '../workers/store/index.js';
import type { DeadLetter, DeadLetterOrigin, PublishResult } from '../connectors/publisher/index.js';
import type { RegionLayout } from '../connectors/city/regions.js';
import type { KeyStore } from './auth/index.js';
import type { AuditLog } from '../connectors/audit/index.js';
import type { CommandClient } from './alerts/commands.js';
import type { ClusterServing } from './cluster/index.js';

/** The part of the Publisher the API uses (connectors/publisher). */
export interface UpdatePublisher {
  publish(update: Update): Promise<PublishResult>;
  publishDeadLetter(origin: DeadLetterOrigin, body: DeadLetter, msgId?: string): Promise<PublishResult>;
}

/** An alert the engine opened or changed (workers' AlertEvent; only the id is required). */
export interface AlertNotice {
  id: string;
  townshipId?: string;
}

/** Per-department counts of one engine batch: [source, kind, processed, rejected]. */
export type FeedCount = readonly [string, string, number, number];

/** The part of the running engine the API uses (workers/engine.ts `Engine`). */
export interface EngineHandle {
  /** New and changed alerts after each commit; returns an unsubscribe function. */
  onAlert(cb: (notices: readonly AlertNotice[]) => void): () => void;
  /** Every committed batch; its per-department counts feed the feed health. */
  onBatch?(cb: (result: { counts: readonly FeedCount[] }) => void): () => void;
  /** Readiness reads `partitions[].state` (each owned partition's consumer). */
  status(): { partitions: readonly { partition: number; state: string; caughtUp?: boolean }[] };
}

export interface AppDeps {
  store: Store;
  publisher?: UpdatePublisher | null;
  engine?: EngineHandle | null;
  nats?: NatsConnection | null;
  /** Prometheus registry shared with the engine (a new one when absent). */
  registry?: Registry;
  /** Issued API keys (LMDB); configured keys work without it. */
  keyStore?: KeyStore | null;
  /** Region geometry for the maps (connectors/city/regions.ts); maps answer 503 without it. */
  layout?: RegionLayout | null;
  /** Clock (tests move it to expire leases). */
  now?: () => number;
  /** Serve the dashboard at / (default true); API-only processes and benches turn it off. */
  dashboard?: boolean;
  /** Start the lease sweeper (default true). */
  sweeper?: boolean;
  /** The audit stream (default: opened on `nats` when given, stream.auditName); null = none, portrait reads then answer 503. */
  audit?: AuditLog | null;
  /** Keep feed health in the stream.feedsBucket KV so it survives a restart (default true when `nats` is given). */
  persistFeeds?: boolean;
  /** The help view (default: opened on `nats` when given; null = help routes answer 503). */
  help?: HelpView | null;
  /** Publishes caseworker actions as commands (default: one on `nats` when given; none = actions answer 503). */
  commands?: CommandClient | null;
  /**
   * One node of several (`--scale-out`): alerts are read from the city view, households and their
   * aggregates from each partition's owner, and this node answers for the partitions it owns.
   * Absent: this process's store holds the whole city.
   */
  cluster?: ClusterServing | null;
}
