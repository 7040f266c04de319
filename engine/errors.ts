/**
 * The base of every coded error in Lifeline. Each layer keeps its own `errors.ts` with its
 * codes (`LIFELINE_ERR_<LAYER>_<WHAT>`); all of them extend this class so callers can read
 * `code`, `cause` and whether a retry can help without knowing the layer.
 */
export class LifelineError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, opts: { cause?: unknown; retriable?: boolean; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LifelineError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details === undefined ? undefined : Object.freeze({ ...opts.details });
  }

  toJSON(): { code: string; message: string; retriable: boolean; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, retriable: this.retriable, ...(this.details ? { details: { ...this.details } } : {}) };
  }
}

/** Engine rejections are values, not throws: bad input never throws out of the engine. */
export const REJECTION_CODES = [
  'LIFELINE_ERR_UPDATE_SCHEMA', // envelope or payload failed its schema
  'LIFELINE_ERR_UNKNOWN_SOURCE',
  'LIFELINE_ERR_UNKNOWN_KIND',
  'LIFELINE_ERR_SOURCE_KIND_MISMATCH', // kind does not belong to the named department
  'LIFELINE_ERR_UNKNOWN_HOUSEHOLD',
  'LIFELINE_ERR_UNKNOWN_PERSON',
  'LIFELINE_ERR_STALE_UPDATE', // no longer raised (ordering is per fact); kept so stored dead letters still parse
  'LIFELINE_ERR_DUPLICATE_UPDATE', // this update id was already applied
  'LIFELINE_ERR_INCONSISTENT_UPDATE', // valid shape but contradicts state (e.g. birth of an existing person)
  'LIFELINE_ERR_HOUSEHOLD_DISSOLVED', // the household's last member died before the update's date
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface RejectionIssue {
  /** Dotted path of the offending field, e.g. `payload.amountCny`. */
  field: string;
  reason: string;
}

export interface Rejection {
  ok: false;
  code: RejectionCode;
  /** One line naming the field and reason of the first issue. */
  message: string;
  issues: RejectionIssue[];
}

export function reject(code: RejectionCode, issues: RejectionIssue[]): Rejection {
  const first = issues[0];
  const message = first ? `${first.field}: ${first.reason}` : code;
  return { ok: false, code, message, issues };
}
