/**
 * Every error the API answers has one JSON shape:
 *   { "error": { "code": "LIFELINE_ERR_…", "message": "…", "field"?: "…", "details"?: {…} } }
 * Codes are stable (clients branch on them); messages are for people.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LifelineError } from '../engine/errors.js';
import { LIFECYCLE_ERROR_CODES, type LifecycleFailure } from '../engine/alerts/lifecycle.js';

/** API codes and their HTTP status. */
export const API_ERRORS = {
  LIFELINE_ERR_API_VALIDATION: 400, // a field is missing, unknown, or has the wrong type or range
  LIFELINE_ERR_API_MALFORMED_JSON: 400, // the body is not JSON
  LIFELINE_ERR_API_UNAUTHENTICATED: 401, // no API key, or an unknown one
  LIFELINE_ERR_API_FORBIDDEN: 403, // the key's role or townships do not cover this
  LIFELINE_ERR_API_NOT_FOUND: 404,
  LIFELINE_ERR_API_CONFLICT: 409,
  LIFELINE_ERR_API_BODY_TOO_LARGE: 413,
  LIFELINE_ERR_API_BATCH_TOO_LARGE: 413, // more updates than api.batchMax in one request
  LIFELINE_ERR_API_UNSUPPORTED_MEDIA_TYPE: 415,
  LIFELINE_ERR_API_RATE_LIMITED: 429,
  LIFELINE_ERR_API_INTERNAL: 500,
  LIFELINE_ERR_API_UNAVAILABLE: 503, // a dependency (NATS, LMDB, engine) is not ready
  LIFELINE_ERR_API_PARTITION_UNAVAILABLE: 503, // no node owns (and has caught up on) a partition the answer needs: a takeover in progress
  LIFELINE_ERR_API_COMMAND_TIMEOUT: 504, // an action was accepted by the stream but its outcome did not arrive in time: retry with the same requestId
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

/** JSON schema of the error body, for the OpenAPI document. */
export const ERROR_BODY_SCHEMA = {
  $id: 'LifelineError',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', pattern: '^LIFELINE_ERR_' },
        message: { type: 'string' },
        field: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

export class ApiError extends LifelineError {
  readonly status: number;
  readonly field: string | undefined;
  constructor(code: string, status: number, message: string, opts: { field?: string; cause?: unknown; details?: Record<string, unknown>; retriable?: boolean } = {}) {
    super(code, message, { cause: opts.cause, retriable: opts.retriable ?? (status === 429 || status === 503), details: opts.details });
    this.name = 'ApiError';
    this.status = status;
    this.field = opts.field;
  }

  static of(code: ApiErrorCode, message: string, opts: { field?: string; cause?: unknown; details?: Record<string, unknown> } = {}): ApiError {
    return new ApiError(code, API_ERRORS[code], message, opts);
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(this.details !== undefined ? { details: { ...this.details } } : {}),
      },
    };
  }
}

export const validation = (field: string, reason: string, details?: Record<string, unknown>): ApiError =>
  ApiError.of('LIFELINE_ERR_API_VALIDATION', `${field}: ${reason}`, details === undefined ? { field } : { field, details });
export const forbidden = (message: string): ApiError => ApiError.of('LIFELINE_ERR_API_FORBIDDEN', message);
export const notFound = (what: string): ApiError => ApiError.of('LIFELINE_ERR_API_NOT_FOUND', `${what} not found`);
export const unavailable = (message: string, cause?: unknown): ApiError => ApiError.of('LIFELINE_ERR_API_UNAVAILABLE', message, { cause });

const LIFECYCLE_CODES: ReadonlySet<string> = new Set(LIFECYCLE_ERROR_CODES);

/** A refused alert transition: bad input is 400, everything else (stale lease, wrong state) 409. */
export function fromLifecycle(f: LifecycleFailure): ApiError {
  const status = f.code === 'LIFELINE_ERR_ALERT_BAD_INPUT' ? 400 : 409;
  return new ApiError(f.code, status, f.field ? `${f.field}: ${f.message}` : f.message, f.field ? { field: f.field } : {});
}

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/updates/0/kind` + missingProperty → `updates.0.kind`. */
export function fieldOfIssue(issue: AjvIssue): string {
  const parts = (issue.instancePath ?? '').split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = issue.params?.['missingProperty'] ?? issue.params?.['additionalProperty'];
  if (typeof extra === 'string') parts.push(extra);
  return parts.join('.');
}

function reasonOfIssue(issue: AjvIssue): string {
  if (issue.keyword === 'additionalProperties') return 'unknown field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum' && Array.isArray(issue.params?.['allowedValues'])) return `must be one of ${(issue.params['allowedValues'] as unknown[]).join(', ')}`;
  return issue.message ?? 'is invalid';
}

/** Maps anything thrown in a route (or by Fastify itself) to the one error shape; `bodyLimit` names the limit a 413 hit. */
export function toApiError(err: unknown, bodyLimit?: number): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof LifelineError && LIFECYCLE_CODES.has(err.code)) return new ApiError(err.code, 409, err.message, { cause: err });
  const fe = err as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const issue = fe.validation[0]!;
    const field = fieldOfIssue(issue) || (fe.validationContext ?? 'body');
    return validation(field, reasonOfIssue(issue), { location: fe.validationContext ?? 'body' });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return ApiError.of('LIFELINE_ERR_API_MALFORMED_JSON', 'body is empty but content-type is application/json', { field: 'body' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return ApiError.of('LIFELINE_ERR_API_MALFORMED_JSON', 'body is not valid JSON', { field: 'body' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge(bodyLimit, err);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return ApiError.of('LIFELINE_ERR_API_UNSUPPORTED_MEDIA_TYPE', fe.message ?? 'unsupported content-type', { field: 'content-type' });
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 404) return ApiError.of('LIFELINE_ERR_API_NOT_FOUND', fe.message ?? 'not found');
  if (status === 413) return tooLarge(bodyLimit, err);
  if (status === 415) return ApiError.of('LIFELINE_ERR_API_UNSUPPORTED_MEDIA_TYPE', fe.message ?? 'unsupported media type');
  if (status >= 400 && status < 500) return new ApiError('LIFELINE_ERR_API_VALIDATION', status, fe.message ?? 'bad request', { cause: err });
  return new ApiError('LIFELINE_ERR_API_INTERNAL', 500, 'internal error', { cause: err });
}

function tooLarge(limit: number | undefined, cause: unknown): ApiError {
  const what = limit === undefined ? 'api.bodyLimitBytes' : `api.bodyLimitBytes (${limit} bytes)`;
  return ApiError.of('LIFELINE_ERR_API_BODY_TOO_LARGE', `body: larger than ${what}`, { field: 'body', cause, details: limit === undefined ? {} : { limitBytes: limit } });
}

/** The field a 4xx is about when the thrower named none: every client error names one. */
function defaultField(e: ApiError, req: FastifyRequest): string {
  switch (e.status) {
    case 401:
    case 403:
    case 429:
      return 'authorization';
    case 413:
      return 'body';
    case 415:
      return 'content-type';
  }
  const params = req.params;
  if (params !== null && typeof params === 'object' && 'id' in params) return 'id';
  return e.status === 404 ? 'url' : 'body';
}

/** Fastify error handler: one shape, server errors logged with their cause, client errors not. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  let e = toApiError(err, req.routeOptions?.bodyLimit);
  if (e.status < 500 && e.field === undefined) e = new ApiError(e.code, e.status, e.message, { field: defaultField(e, req), cause: e.cause, details: e.details === undefined ? undefined : { ...e.details } });
  if (e.status >= 500) req.log.error({ err, code: e.code }, 'request failed');
  if (e.status === 429 && typeof e.details?.['retryAfterSec'] === 'number') reply.header('retry-after', String(e.details['retryAfterSec']));
  void reply.code(e.status).type('application/json; charset=utf-8').send(e.body());
}

/** Errors Fastify's router raises before any route runs (a malformed or too long path): the one shape too. */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const reason = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the path is not a valid URL';
  void reply.code(400).type('application/json; charset=utf-8').send(ApiError.of('LIFELINE_ERR_API_VALIDATION', `url: ${reason}`, { field: 'url' }).body());
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  // the path is the client's text: named as a field, never echoed back
  void reply.code(404).send(ApiError.of('LIFELINE_ERR_API_NOT_FOUND', `no route for this method and path`, { field: 'url' }).body());
}
