import { LifelineError } from '../../engine/errors.js';

export const CHANGELOG_ERROR_CODES = [
  'LIFELINE_ERR_CHANGELOG_OPTIONS', // an option is out of range or missing
  'LIFELINE_ERR_CHANGELOG_BUCKET', // the state bucket cannot be created or opened
  'LIFELINE_ERR_CHANGELOG_PUBLISH', // a flush could not publish (the outbox keeps the entries)
  'LIFELINE_ERR_CHANGELOG_RESTORE', // a partition could not be restored from the changelog
  'LIFELINE_ERR_CHANGELOG_CORRUPT', // a changelog value or key does not decode
] as const;
export type ChangelogErrorCode = (typeof CHANGELOG_ERROR_CODES)[number];

/** Changelog failures; `retriable` says whether trying again (e.g. once NATS is back) can help. */
export class ChangelogError extends LifelineError {
  constructor(code: ChangelogErrorCode, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, opts);
    this.name = 'ChangelogError';
  }
}
