/** Writes of help-loop records inside a write transaction, keeping the open-policy index in step. */
import type { Referral } from '../../engine/help/types.js';
import type { Store } from './open.js';

export function writeReferralInTxn(store: Store, r: Referral): void {
  store.referrals.putSync(r.id, r);
  if (r.kind !== 'policy') return;
  const k: [string, string] = [r.householdId, r.code];
  if (r.status === 'submitted') store.openPolicyReferrals.putSync(k, r.id);
  else if (store.openPolicyReferrals.get(k) === r.id) store.openPolicyReferrals.removeSync(k);
}

export function removeReferralInTxn(store: Store, r: Referral): void {
  store.referrals.removeSync(r.id);
  if (r.kind === 'policy' && store.openPolicyReferrals.get([r.householdId, r.code]) === r.id) store.openPolicyReferrals.removeSync([r.householdId, r.code]);
}
