/**
 * Validation of a raw update: envelope by hand (hot path: tens of thousands per second), then
 * the kind's strict zod payload schema. Returns a value, never throws, whatever `raw` is.
 */
import type { z } from 'zod';
import { DEPARTMENTS, KIND_SOURCE, isDepartment, isKind } from './catalogue/departments.js';
import { KIND_PAYLOADS, personRole } from './catalogue/payloads.js';
import { reject, type Rejection, type RejectionIssue } from './errors.js';
import type { Update } from './types.js';

export type ValidateResult = { ok: true; update: Update } | Rejection;

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['id', 'source', 'kind', 'householdId', 'personId', 'occurredAt', 'payload']);
const MAX_ID = 128;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  return typeof x;
}

function checkId(field: string, x: unknown, issues: RejectionIssue[]): void {
  if (typeof x !== 'string') issues.push({ field, reason: x === undefined ? 'required' : `expected a string, got ${describe(x)}` });
  else if (x.length === 0) issues.push({ field, reason: 'must not be empty' });
  else if (x.length > MAX_ID) issues.push({ field, reason: `longer than ${MAX_ID} characters` });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function payloadIssues(error: z.ZodError, issues: RejectionIssue[]): void {
  for (const issue of error.issues) {
    const path = issue.path.length === 0 ? 'payload' : `payload.${issue.path.join('.')}`;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ field: `${path}.${key}`, reason: 'unknown field' });
    } else {
      issues.push({ field: path, reason: issue.message });
    }
  }
}

function validateInner(raw: unknown): ValidateResult {
  if (!isRecord(raw)) return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'update', reason: `expected an object, got ${describe(raw)}` }]);

  const source = raw['source'];
  if (typeof source !== 'string') {
    return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'source', reason: source === undefined ? 'required' : `expected a string, got ${describe(source)}` }]);
  }
  if (!isDepartment(source)) return reject('LIFELINE_ERR_UNKNOWN_SOURCE', [{ field: 'source', reason: `unknown department '${source.slice(0, 64)}'` }]);

  const kind = raw['kind'];
  if (typeof kind !== 'string') {
    return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'kind', reason: kind === undefined ? 'required' : `expected a string, got ${describe(kind)}` }]);
  }
  if (!isKind(kind)) return reject('LIFELINE_ERR_UNKNOWN_KIND', [{ field: 'kind', reason: `unknown kind '${kind.slice(0, 64)}'` }]);
  const owner = KIND_SOURCE[kind];
  if (owner !== source) {
    return reject('LIFELINE_ERR_SOURCE_KIND_MISMATCH', [
      { field: 'kind', reason: `'${kind}' is reported by ${DEPARTMENTS[owner].label} (${owner}), not ${source}` },
    ]);
  }

  const issues: RejectionIssue[] = [];
  for (const key of Object.keys(raw)) if (!ENVELOPE_KEYS.has(key)) issues.push({ field: key, reason: 'unknown field' });

  const id = raw['id'];
  const householdId = raw['householdId'];
  const personId = raw['personId'];
  const occurredAt = raw['occurredAt'];
  checkId('id', id, issues);
  checkId('householdId', householdId, issues);

  const role = personRole(kind);
  if (role === 'none') {
    if (personId !== undefined) issues.push({ field: 'personId', reason: `not used by '${kind}' (a household-level kind)` });
  } else if (personId === undefined) {
    issues.push({ field: 'personId', reason: role === 'new' ? `required: the id of the member '${kind}' creates` : `required by '${kind}'` });
  } else {
    checkId('personId', personId, issues);
  }

  if (typeof occurredAt !== 'number' || !Number.isSafeInteger(occurredAt) || occurredAt < 0) {
    issues.push({ field: 'occurredAt', reason: occurredAt === undefined ? 'required' : 'expected epoch milliseconds (a non-negative safe integer)' });
  }

  const payload = raw['payload'];
  let parsed: Record<string, unknown> | undefined;
  if (!isRecord(payload)) {
    issues.push({ field: 'payload', reason: payload === undefined ? 'required' : `expected an object, got ${describe(payload)}` });
  } else {
    const r = KIND_PAYLOADS[kind].safeParse(payload);
    if (r.success) parsed = r.data as Record<string, unknown>;
    else payloadIssues(r.error, issues);
  }

  if (issues.length > 0 || parsed === undefined) return reject('LIFELINE_ERR_UPDATE_SCHEMA', issues);

  // a fresh object: nothing of `raw` (extra keys, prototypes) survives into the update
  const update: Update = {
    id: id as string,
    source,
    kind,
    householdId: householdId as string,
    occurredAt: occurredAt as number,
    payload: parsed,
  };
  if (personId !== undefined) update.personId = personId as string;
  return { ok: true, update };
}

/** Validate an update envelope and its kind's payload; never throws. */
export function validateUpdate(raw: unknown): ValidateResult {
  try {
    return validateInner(raw);
  } catch (err) {
    // hostile input (throwing getters, proxies, exotic objects) is a schema error like any other
    let reason = 'unreadable';
    try {
      if (err instanceof Error) reason = String(err.message).slice(0, 200);
    } catch {
      // even the error is hostile: keep the generic reason
    }
    return reject('LIFELINE_ERR_UPDATE_SCHEMA', [{ field: 'update', reason: `could not be read: ${reason}` }]);
  }
}
