/**
 * Help-loop commands (`{"help": HelpCommand}` on `<prefix>.upd.<p>.command`): projects of the
 * alliance registry, service orders and policy referrals. Routed like every command to the
 * partition of their home key — the project for projects and orders (one writer decides a
 * project's capacity), the household for policy referrals — with the same idempotency key,
 * outcome and look-up as caseworker actions.
 */
import { z } from 'zod';
import { POLICY_CODES, SERVICE_CODES } from '../../engine/catalogue/assistance.js';
import { CAPACITY_UNITS, DECLINE_REASONS, SITE_LEVELS, type Project, type Recipient } from '../../engine/help/types.js';
import type { ReferralRequest } from '../../engine/help/referrals.js';
import { referralHomeKey } from '../../engine/help/referrals.js';
import type { Region } from '../../engine/types.js';

export const PROJECT_ID = /^P[A-Za-z0-9_-]{1,63}$/;

interface HelpBase {
  v: 1;
  /** Idempotency key `<actor>|<requestId>|<target>`: also the outcome's key. */
  key: string;
  actor: string;
  role: string | null;
  /** When the API accepted it (epoch ms): the engine never reads a clock. */
  at: number;
  requestId: string | null;
}

export type ProjectChanges = Partial<Pick<Project, 'name' | 'eligibility' | 'activeTo'>> & { places?: number; unit?: Project['capacity']['unit'] };

export type HelpCommand = HelpBase &
  (
    | { op: 'project.create'; project: Project }
    | { op: 'project.update'; projectId: string; changes: ProjectChanges }
    | { op: 'project.retire'; projectId: string }
    | { op: 'order.dispatch'; projectId: string; service: string; alertId: string; householdId: string; region: Region; recipient: Recipient; note: string; rematchOf: string | null }
    | { op: 'policy.submit'; alertId: string; householdId: string; policy: string; note: string }
    | { op: 'referral.step'; referralId: string; request: ReferralRequest }
  );

/** The key a command is routed by: its partition is `partitionOf(routeKey)`. */
export function helpRouteKey(c: HelpCommand): string | null {
  switch (c.op) {
    case 'project.create':
      return c.project.id;
    case 'project.update':
    case 'project.retire':
    case 'order.dispatch':
      return c.projectId;
    case 'policy.submit':
      return c.householdId;
    case 'referral.step':
      return referralHomeKey(c.referralId);
  }
}

const text = (n: number) => z.string().max(n);
const id = z.string().min(1).max(256);
const RegionSchema = z.strictObject({ districtId: id, townshipId: id, communityId: id, lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
const SiteSchema = z.strictObject({
  id,
  name: z.string().min(1).max(200),
  level: z.enum(SITE_LEVELS),
  districtId: id,
  townshipId: id.nullable(),
  communityId: id.nullable(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export const ProjectSchema = z.strictObject({
  id: z.string().regex(PROJECT_ID),
  name: z.string().min(1).max(200),
  services: z.array(z.enum(SERVICE_CODES)).min(1).max(8),
  site: SiteSchema,
  cityWide: z.boolean(),
  capacity: z.strictObject({ unit: z.enum(CAPACITY_UNITS), places: z.number().int().min(0).max(100_000) }),
  eligibility: text(2000),
  activeFrom: z.number().int().nonnegative(),
  activeTo: z.number().int().nonnegative().nullable(),
  retiredAt: z.number().int().nonnegative().nullable(),
  usage: z.strictObject({ month: text(7), taken: z.number().int().nonnegative(), active: z.number().int().nonnegative() }),
  orders: z.number().int().nonnegative(),
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  revision: z.number().int().positive(),
});
const RecipientSchema = z.strictObject({ name: text(64), communityId: id, lat: z.number(), lon: z.number(), members: z.number().int().nonnegative() });
const StepSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('accept') }),
  z.strictObject({ action: z.literal('decline'), reason: z.enum(DECLINE_REASONS), note: text(4000) }),
  z.strictObject({ action: z.literal('start') }),
  z.strictObject({ action: z.literal('complete'), followUpAt: z.number().int().nonnegative(), note: text(4000) }),
  z.strictObject({ action: z.literal('approve'), note: text(4000) }),
  z.strictObject({ action: z.literal('reject'), reason: z.string().min(1).max(64), note: text(4000) }),
]);
const base = {
  v: z.literal(1),
  key: z.string().min(1).max(512),
  actor: z.string().min(1).max(128),
  role: z.string().max(32).nullable(),
  at: z.number().int().nonnegative(),
  requestId: z.string().min(1).max(256).nullable(),
};
export const HelpCommandSchema = z.discriminatedUnion('op', [
  z.strictObject({ ...base, op: z.literal('project.create'), project: ProjectSchema }),
  z.strictObject({
    ...base,
    op: z.literal('project.update'),
    projectId: z.string().regex(PROJECT_ID),
    changes: z.strictObject({
      name: z.string().min(1).max(200).optional(),
      eligibility: text(2000).optional(),
      activeTo: z.number().int().nonnegative().nullable().optional(),
      places: z.number().int().min(0).max(100_000).optional(),
      unit: z.enum(CAPACITY_UNITS).optional(),
    }),
  }),
  z.strictObject({ ...base, op: z.literal('project.retire'), projectId: z.string().regex(PROJECT_ID) }),
  z.strictObject({
    ...base,
    op: z.literal('order.dispatch'),
    projectId: z.string().regex(PROJECT_ID),
    service: z.enum(SERVICE_CODES),
    alertId: id,
    householdId: id,
    region: RegionSchema,
    recipient: RecipientSchema,
    note: text(4000),
    rematchOf: id.nullable(),
  }),
  z.strictObject({ ...base, op: z.literal('policy.submit'), alertId: id, householdId: id, policy: z.enum(POLICY_CODES), note: text(4000) }),
  z.strictObject({ ...base, op: z.literal('referral.step'), referralId: id, request: StepSchema }),
]);

export function parseHelpCommand(x: unknown): { ok: true; command: HelpCommand } | { ok: false; field: string; reason: string } {
  const r = HelpCommandSchema.safeParse(x);
  if (r.success) return { ok: true, command: r.data as HelpCommand };
  const issue = r.error.issues[0];
  return { ok: false, field: ['help', ...(issue?.path ?? [])].join('.'), reason: issue?.message ?? 'invalid help command' };
}
