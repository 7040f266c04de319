/**
 * Request and response schemas, written once in zod and handed to Fastify (validation,
 * serialisation, OpenAPI) as JSON Schema through `z.toJSONSchema`. Request objects are strict:
 * an unknown field is a 400 naming it.
 */
import { z } from 'zod';
import { UpdateEnvelopeSchema } from '../engine/catalogue/payloads.js';
import { ALERT_LEVELS, ALERT_STATUSES, ALERT_TYPES, VERIFICATION_OUTCOMES } from '../engine/alerts/types.js';
import { DIMENSIONS } from '../engine/catalogue/departments.js';
import { CAUSES, NEED_TYPES } from '../engine/types.js';
import { MAX_NOTE_CHARS, MAX_REFERRALS } from '../engine/alerts/lifecycle.js';
import { DEFAULT_LEASE_SEC, DEFAULT_PAGE, MAX_CLAIM, MAX_CLAIM_WAIT_SEC, MAX_PAGE } from './options.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema (draft-07, what Fastify's ajv speaks) of a zod schema, as a request (input) or response (output). */
export function toSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-07', io, unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

const requestId = z.string().min(1).max(128).describe('Idempotency key: repeating it returns the first result');
const leaseToken = z.string().min(16).max(128).describe('Token returned by the claim');
const leaseSec = z.number().int().min(1).max(86_400);

export const ClaimBody = z.strictObject({
  requestId,
  max: z.number().int().min(1).max(MAX_CLAIM).default(1).describe('Most alerts to take'),
  leaseSec: leaseSec.default(DEFAULT_LEASE_SEC).describe('Lease length in seconds'),
  waitSec: z.number().min(0).max(MAX_CLAIM_WAIT_SEC).default(0).describe('Long-poll: wait up to this long for an alert when the queue is empty'),
});
export const ExtendBody = z.strictObject({ requestId, leaseToken, leaseSec });
export const ReleaseBody = z.strictObject({ requestId, leaseToken });
export const VerifyBody = z.strictObject({
  requestId,
  leaseToken,
  outcome: z.enum(VERIFICATION_OUTCOMES),
  note: z.string().max(MAX_NOTE_CHARS).default(''),
});
export const DisposeBody = z.strictObject({
  requestId,
  leaseToken,
  referrals: z
    .array(z.strictObject({ kind: z.enum(['policy', 'service']), code: z.string().min(1).max(64) }))
    .max(MAX_REFERRALS)
    .describe('Policy or service codes of the assistance catalogues; empty for none'),
  note: z.string().max(MAX_NOTE_CHARS).default(''),
});
export const CloseBody = z.strictObject({ requestId, leaseToken });

const statusList = z
  .string()
  .regex(new RegExp(`^(${ALERT_STATUSES.join('|')})(,(${ALERT_STATUSES.join('|')}))*$`))
  .describe('One status or a comma-separated list (default: every status but closed)');

export const AlertListQuery = z.strictObject({
  status: statusList.optional(),
  level: z.enum(ALERT_LEVELS).optional(),
  type: z.enum(ALERT_TYPES).optional(),
  overdue: z.boolean().optional().describe('Only alerts past their verification deadline'),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
});

export const AuditQuery = z.strictObject({
  actor: z.string().min(1).max(128).optional(),
  action: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(256).optional(),
  from: z.number().int().min(0).optional().describe('Epoch ms, inclusive'),
  to: z.number().int().min(0).optional().describe('Epoch ms, exclusive'),
  cursor: z.string().min(1).max(512).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
});

export const SummaryQuery = z.strictObject({
  period: z.enum(['month', 'quarter']).default('month'),
  region: z.string().min(1).max(32).optional().describe('District, township or community id'),
  at: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional().describe('A day inside the period (default: today)'),
});

export const StatsQuery = z.strictObject({ township: z.string().min(1).max(32).optional() });
export const MapQuery = z.strictObject({ district: z.string().min(1).max(32).optional(), township: z.string().min(1).max(32).optional() });
export const HouseholdMapQuery = z.strictObject({ township: z.string().min(1).max(32) });

export const IdParams = z.strictObject({ id: z.string().min(1).max(256) });

/** One update, or an array of them: items are validated one by one in the handler so a bad one never sinks the rest. */
export const UpdatesBody = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]);

// ---- responses

export const UpdateItemResult = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  status: z.enum(['pending', 'applied', 'duplicate', 'rejected', 'failed']),
  code: z.string().optional(),
  field: z.string().optional(),
  reason: z.string().optional(),
  partition: z.number().int().optional(),
  seq: z.number().int().optional(),
});
export const UpdatesResponse = z.object({
  pending: z.number().int(),
  applied: z.number().int(),
  duplicate: z.number().int(),
  rejected: z.number().int(),
  failed: z.number().int(),
  results: z.array(UpdateItemResult),
});

const dimensionScores = z.object(Object.fromEntries(DIMENSIONS.map((d) => [d, z.looseObject({ score: z.number(), max: z.number() })])) as unknown as Record<(typeof DIMENSIONS)[number], z.ZodType>);
const causeScores = z.object(Object.fromEntries(CAUSES.map((c) => [c, z.number()])) as Record<(typeof CAUSES)[number], z.ZodNumber>);

export const AlertView = z.looseObject({
  id: z.string(),
  householdId: z.string(),
  region: z.looseObject({ districtId: z.string(), townshipId: z.string(), communityId: z.string() }),
  type: z.enum(ALERT_TYPES),
  level: z.enum(ALERT_LEVELS),
  status: z.enum(ALERT_STATUSES),
  createdAt: z.number(),
  dueAt: z.number(),
  updatedAt: z.number(),
  overdue: z.boolean(),
  triggers: z.array(z.looseObject({ type: z.enum(ALERT_TYPES), reason: z.string(), updateId: z.string(), at: z.number() })),
  snapshot: z.looseObject({
    score: z.number(),
    tier: z.number().int(),
    dimensions: dimensionScores,
    causes: causeScores,
    needTypes: z.array(z.enum(NEED_TYPES)),
    suggestions: z.array(z.looseObject({ kind: z.enum(['policy', 'service']), code: z.string(), category: z.string(), reason: z.string() })),
  }),
  lease: z.looseObject({ holder: z.string(), expiresAt: z.number(), token: z.string().optional().describe('Only shown to the holder') }).nullable(),
  verification: z.looseObject({ outcome: z.enum(VERIFICATION_OUTCOMES), note: z.string(), by: z.string(), at: z.number() }).nullable(),
  disposition: z.looseObject({ referrals: z.array(z.looseObject({ kind: z.string(), code: z.string() })), note: z.string(), by: z.string(), at: z.number() }).nullable(),
  closedAt: z.number().nullable(),
  history: z.array(z.looseObject({ from: z.string().nullable(), to: z.string(), by: z.string(), at: z.number(), requestId: z.string().nullable() })),
});

export const AlertPageView = z.object({ items: z.array(AlertView), nextCursor: z.string().nullable(), overdue: z.number().int() });
export const TransitionView = z.object({ alert: AlertView, entry: z.looseObject({}), replayed: z.boolean() });
export const ClaimView = z.object({ claimed: z.array(AlertView), waitedMs: z.number() });

export { UpdateEnvelopeSchema };
