/**
 * An alert as one caller may see it: the lease token only for its holder; ID numbers masked in
 * every text; names masked too when the caller's view hides them.
 */
import type { Alert } from '../../engine/alerts/types.js';
import { isOverdue } from '../../engine/alerts/lifecycle.js';
import type { Person } from '../../engine/types.js';
import type { Principal } from '../auth/index.js';
import { privacyViewOf, scrubText, type PrivacyView } from '../privacy/mask.js';

export type AlertViewOf = Omit<Alert, 'lease'> & { overdue: boolean; lease: { holder: string; expiresAt: number; token?: string } | null };

/** Every string in a plain-data value passed through `f`. */
export function mapStrings<T>(v: T, f: (s: string) => string): T {
  if (typeof v === 'string') return f(v) as T;
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = mapStrings(x, f);
    return out as T;
  }
  return v;
}

export function alertView(a: Alert, p: Principal, now: number, persons: readonly Pick<Person, 'name' | 'idNumber'>[] = []): AlertViewOf {
  const view: PrivacyView = privacyViewOf(p.role) ?? { fullNames: false };
  const lease = a.lease === null ? null : a.lease.holder === p.keyId ? { ...a.lease } : { holder: a.lease.holder, expiresAt: a.lease.expiresAt };
  const scrubbed = mapStrings({ triggers: a.triggers, snapshot: a.snapshot, verification: a.verification, disposition: a.disposition }, (s) => scrubText(s, persons, view));
  return { ...a, ...scrubbed, lease, overdue: isOverdue(a, now) };
}
