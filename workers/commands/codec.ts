/** Parsing of command bodies (`{"command": AlertCommand}`) in the worker: strict, never throws. */
import { z } from 'zod';
import { LIFECYCLE_ACTIONS, type LifecycleRequest } from '../../engine/alerts/lifecycle.js';
import { VERIFICATION_OUTCOMES } from '../../engine/alerts/types.js';
import type { AlertCommand } from './types.js';

const Referral = z.strictObject({ kind: z.enum(['policy', 'service']), code: z.string().min(1).max(64) });

export const AlertCommandSchema = z.strictObject({
  v: z.literal(1),
  key: z.string().min(1).max(512),
  alertId: z.string().min(1).max(256),
  householdId: z.string().min(1).max(128),
  action: z.enum(LIFECYCLE_ACTIONS),
  actor: z.string().min(1).max(128),
  role: z.string().max(32).nullable(),
  at: z.number().int().nonnegative(),
  requestId: z.string().min(1).max(256).nullable(),
  token: z.string().min(1).max(128).optional(),
  leaseMs: z.number().int().positive().optional(),
  outcome: z.enum(VERIFICATION_OUTCOMES).optional(),
  note: z.string().max(4000).optional(),
  referrals: z.array(Referral).max(64).optional(),
});

export type ParsedCommand = { ok: true; command: AlertCommand } | { ok: false; field: string; reason: string };

export function parseCommand(x: unknown): ParsedCommand {
  const r = AlertCommandSchema.safeParse(x);
  if (r.success) return { ok: true, command: r.data as AlertCommand };
  const issue = r.error.issues[0];
  return { ok: false, field: ['command', ...(issue?.path ?? [])].join('.'), reason: issue?.message ?? 'invalid command' };
}

/** The life-cycle request a command asks for; null when a field the action needs is missing. */
export function requestOf(c: AlertCommand): LifecycleRequest | { missing: string } {
  const token = c.token;
  switch (c.action) {
    case 'claim':
      return token !== undefined && c.leaseMs !== undefined ? { action: 'claim', token, leaseMs: c.leaseMs } : { missing: token === undefined ? 'token' : 'leaseMs' };
    case 'extend':
      return token !== undefined && c.leaseMs !== undefined ? { action: 'extend', token, leaseMs: c.leaseMs } : { missing: token === undefined ? 'token' : 'leaseMs' };
    case 'release':
      return token !== undefined ? { action: 'release', token } : { missing: 'token' };
    case 'verify':
      return token !== undefined && c.outcome !== undefined ? { action: 'verify', token, outcome: c.outcome, note: c.note ?? '' } : { missing: token === undefined ? 'token' : 'outcome' };
    case 'dispose':
      return token !== undefined && c.referrals !== undefined ? { action: 'dispose', token, referrals: c.referrals, note: c.note ?? '' } : { missing: token === undefined ? 'token' : 'referrals' };
    case 'close':
      return token !== undefined ? { action: 'close', token } : { missing: 'token' };
    case 'expire':
      return { action: 'expire' };
  }
}
