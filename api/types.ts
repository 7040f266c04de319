/** What `buildApp` needs from the rest of the process; everything but the store is optional. */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import type { Update } from '../engine/types.js';
import type { Store } from '../workers/store/index.js';
import type { DeadLetter, DeadLetterOrigin, PublishResult } from '../connectors/publisher/index.js';
import type { RegionLayout } from '../connectors/city/regions.js';
import type { KeyStore } from './auth/index.js';

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

/** The part of the running engine the API uses (workers/engine.ts). */
export interface EngineHandle {
  /** Subscribes to new and changed alerts; returns an unsubscribe function when supported. */
  onAlert(cb: (notice: AlertNotice) => void): (() => void) | void;
  /** Subscribes to per-department counts of each applied batch, when the engine offers it. */
  onBatch?(cb: (counts: readonly FeedCount[], at: number) => void): (() => void) | void;
  /** Whatever the engine reports; readiness reads `running` and `consumers` when present. */
  status(): unknown;
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
  /** Start the lease sweeper (default true). */
  sweeper?: boolean;
}
