/**
 * What each role may do. integration pushes updates only; caseworker works the queues and
 * reads the households of its townships; analyst reads aggregates only (never a name or an ID
 * number); admin does everything, including the audit log.
 */
import { forbidden } from '../errors.js';
import type { Principal, Role } from './types.js';

export const CAPABILITIES = [
  'updates:write',
  'alerts:read',
  'alerts:work',
  'households:read',
  'stats:read',
  'map:read',
  'map:households',
  'feeds:read',
  'audit:read',
  'keys:issue',
  'help:read',
  'help:refer',
  'help:manage',
  'orders:work',
  'referrals:decide',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

const ROLE_CAPABILITIES: Readonly<Record<Role, ReadonlySet<Capability>>> = {
  integration: new Set<Capability>(['updates:write', 'referrals:decide']),
  caseworker: new Set<Capability>(['alerts:read', 'alerts:work', 'households:read', 'stats:read', 'map:read', 'map:households', 'help:read', 'help:refer']),
  analyst: new Set<Capability>(['stats:read', 'map:read', 'feeds:read', 'help:read']),
  admin: new Set<Capability>(CAPABILITIES),
  // an alliance site: its own orders, with the least personal data that delivers the service
  site: new Set<Capability>(['orders:work']),
};

export function can(role: Role, cap: Capability): boolean {
  return ROLE_CAPABILITIES[role].has(cap);
}

/** Roles that may see personal data at all (masked or not): names, ID numbers, household points. */
export function hasPersonalDataAccess(role: Role): boolean {
  return role === 'caseworker' || role === 'admin';
}

/** Throws 403 unless the caller's role has the capability. */
export function requireCapability(p: Principal, cap: Capability): void {
  if (!can(p.role, cap)) throw forbidden(`role ${p.role} may not ${cap.replace(':', ' ')}`);
}

export function coversTownship(p: Principal, townshipId: string): boolean {
  return p.townships === null || p.townships.has(townshipId);
}

/** Throws 403 (naming no data) unless the township is in the caller's scope. */
export function requireTownship(p: Principal, townshipId: string): void {
  if (!coversTownship(p, townshipId)) throw forbidden('township is outside this key\'s scope');
}

/** The townships a role is scoped to: caseworkers to their list, everyone else to all. */
export function scopeOf(role: Role, townships: readonly string[]): ReadonlySet<string> | null {
  return role === 'caseworker' || role === 'site' ? new Set(townships) : null;
}
