import type { Department, Kind } from '../../engine/types.js';
import type { RejectionIssue } from '../../engine/errors.js';
import type { ConnectorError } from '../errors.js';

/** Where a dead letter comes from; its subject is `<prefix>.dlq.<origin>`. */
export type DeadLetterOrigin = 'intake' | 'engine' | 'http';

/** The JSON body of a dead-letter message (see docs/architecture.md, wire format). */
export interface DeadLetter {
  origin: DeadLetterOrigin;
  /** One line: which field and why. */
  reason: string;
  code: string;
  issues: RejectionIssue[];
  /** Intake only: the input file and its 1-based data row (header excluded). */
  file?: string;
  row?: number;
  /** The offending input as received (parsed object, or the raw line when it did not parse). */
  raw: unknown;
}

/** A message the server stored (or recognised as a repeat inside its duplicate window). */
export interface PublishResult {
  /** `Nats-Msg-Id` sent: `<source>:<id>` for updates. */
  msgId: string;
  subject: string;
  /** Partition of an update; -1 for dead letters. */
  partition: number;
  stream: string;
  seq: number;
  /** True when the server had already stored this msgId: nothing new was stored. */
  duplicate: boolean;
  /** How many retries this message needed. */
  retries: number;
}

export type PublishOutcome =
  | { ok: true; source: Department | 'dead_letter'; kind: Kind | string; result: PublishResult }
  | { ok: false; source: Department | 'dead_letter'; kind: Kind | string; msgId: string; subject: string; error: ConnectorError };

export interface PublisherStats {
  /** Messages newly stored by the server. */
  published: number;
  /** Dead letters newly stored (not counted in `published` or `byKind`). */
  deadLetters: number;
  /** Acknowledged as duplicates (already stored within the duplicate window). */
  duplicates: number;
  /** Retry attempts after transient failures. */
  retries: number;
  /** Messages given up on (retries exhausted or refused by the server). */
  failures: number;
  /** Awaiting their PubAck now. */
  inFlight: number;
  /** Newly stored updates per department and kind. */
  byKind: Record<string, Record<string, number>>;
}
