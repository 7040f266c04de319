/** Options of the Publisher; every field is optional. */
import type { PublishOutcome } from './types.js';

export interface PublisherOptions {
  /** Messages awaiting their PubAck at once; callers wait when it is full (messages, default 1000). */
  window?: number;
  /**
   * Further attempts after a transient failure (timeout, 503 no responders, disconnect) (count,
   * default 10: with the backoff below ~13 s, longer than a stream's leader election after a
   * server of a 3-server cluster dies, measured at 4–11 s).
   */
  retries?: number;
  /** Delay before the first retry, doubled each time (ms, default 100). */
  backoffMs?: number;
  /** Upper bound of one retry delay (ms, default 2000). */
  backoffMaxMs?: number;
  /** Time to wait for one PubAck before counting the attempt as timed out (ms, default 5000). */
  ackTimeoutMs?: number;
  /** Called once per message with its final outcome (after retries); must not throw or block. */
  onResult?: (outcome: PublishOutcome) => void;
}

export const PUBLISHER_DEFAULTS = {
  window: 1000,
  retries: 10,
  backoffMs: 100,
  backoffMaxMs: 2000,
  ackTimeoutMs: 5000,
} as const satisfies Required<Omit<PublisherOptions, 'onResult'>>;
