import { LifelineError } from '../../engine/errors.js';

export const LEASE_ERROR_CODES = [
  'LIFELINE_ERR_LEASE_OPTIONS', // a lease option is out of range or missing
  'LIFELINE_ERR_LEASE_BUCKET', // the lease bucket cannot be created or opened
  'LIFELINE_ERR_LEASE_STATE', // start() twice, or use after stop()
] as const;
export type LeaseErrorCode = (typeof LEASE_ERROR_CODES)[number];

/** Partition lease failures; `retriable` says whether trying again (e.g. once NATS is back) can help. */
export class LeaseError extends LifelineError {
  constructor(code: LeaseErrorCode, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, opts);
    this.name = 'LeaseError';
  }
}
