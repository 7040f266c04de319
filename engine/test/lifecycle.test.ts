import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { MAX_ALERT_HISTORY, type Alert } from '../alerts/types.js';
import { isOverdue, leaseExpired, revisionOf, transition, type LifecycleContext, type LifecycleRequest } from '../alerts/lifecycle.js';

const T0 = Date.UTC(2026, 10, 2, 8);

function makeAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'h1:3:major_disease',
    householdId: 'h1',
    region: { districtId: '330106', townshipId: '330106001', communityId: '330106001001', lat: 30.27, lon: 120.13 },
    type: 'major_disease',
    level: 'urgent',
    status: 'open',
    createdAt: T0,
    dueAt: T0 + 3 * 86_400_000,
    updatedAt: T0,
    triggers: [],
    snapshot: {
      score: 52,
      tier: 1,
      dimensions: {
        source: { score: 5, max: 10 },
        structure: { score: 10, max: 15 },
        health: { score: 5, max: 20 },
        property: { score: 10, max: 15 },
        expenditure: { score: 8, max: 15 },
        employment: { score: 8, max: 15 },
        other: { score: 6, max: 10 },
      },
      causes: { illness: 3, disability: 0, education: 0, housing: 0, disaster: 0, employment: 1, skills: 0, labour: 0, other: 0 },
      needTypes: ['expenditure'],
      suggestions: [],
    },
    lease: null,
    verification: null,
    disposition: null,
    closedAt: null,
    history: [{ from: null, to: 'open', by: 'engine', at: T0, requestId: null }],
    ...over,
  };
}

const ctx = (actor: string, requestId: string | null, now = T0 + 1000): LifecycleContext => ({ actor, requestId, now });
const TOKEN = 'tok-aaaaaaaaaaaaaaaa';
const OTHER = 'tok-bbbbbbbbbbbbbbbb';

function ok(r: ReturnType<typeof transition>) {
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r;
}

describe('alert life cycle', () => {
  it('keeps the opening entry and the latest transitions of a long-lived alert, and counts every transition', () => {
    let a = makeAlert();
    // a caseworker tool that claims and keeps extending its lease for days
    a = ok(transition(a, { action: 'claim', leaseMs: 600_000, token: TOKEN }, ctx('cw1', 'claim-1'))).alert;
    for (let i = 0; i < 300; i++) a = ok(transition(a, { action: 'extend', token: TOKEN, leaseMs: 600_000 }, ctx('cw1', `ext-${i}`, T0 + 2000 + i * 300_000))).alert;
    expect(a.history).toHaveLength(MAX_ALERT_HISTORY);
    expect(a.history[0]).toEqual({ from: null, to: 'open', by: 'engine', at: T0, requestId: null });
    expect(a.history.at(-1)?.requestId).toBe('ext-299');
    expect(a.history[1]?.requestId).toBe(`ext-${300 - (MAX_ALERT_HISTORY - 1)}`);
    expect(revisionOf(a)).toBe(302);
    // a retry of a recent request is still answered from the history
    const retry = ok(transition(a, { action: 'extend', token: TOKEN, leaseMs: 600_000 }, ctx('cw1', 'ext-299', T0 + 10_000_000)));
    expect(retry.replayed).toBe(true);
    expect(revisionOf(retry.alert)).toBe(302);
    // a record written before revisions existed counts its history
    expect(revisionOf(makeAlert())).toBe(1);
  });

  it('walks open → claimed → verified → disposed → closed, one history entry per step', () => {
    let a = makeAlert();
    a = ok(transition(a, { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'r1'))).alert;
    expect(a.status).toBe('claimed');
    expect(a.lease).toEqual({ token: TOKEN, holder: 'cw1', expiresAt: T0 + 1000 + 60_000 });
    a = ok(transition(a, { action: 'verify', token: TOKEN, outcome: 'confirmed', note: 'home visit' }, ctx('cw1', 'r2', T0 + 2000))).alert;
    expect(a.verification).toEqual({ outcome: 'confirmed', note: 'home visit', by: 'cw1', at: T0 + 2000 });
    a = ok(
      transition(
        a,
        { action: 'dispose', token: TOKEN, referrals: [{ kind: 'policy', code: 'medical_assistance' }, { kind: 'service', code: 'home_care' }], note: '' },
        ctx('cw1', 'r3', T0 + 3000),
      ),
    ).alert;
    expect(a.disposition?.referrals).toHaveLength(2);
    const closed = ok(transition(a, { action: 'close', token: TOKEN }, ctx('cw1', 'r4', T0 + 4000)));
    expect(closed.alert.status).toBe('closed');
    expect(closed.alert.closedAt).toBe(T0 + 4000);
    expect(closed.alert.lease).toBeNull();
    expect(closed.alert.history.map((h) => `${h.from}>${h.to}`)).toEqual(['null>open', 'open>claimed', 'claimed>verified', 'verified>disposed', 'disposed>closed']);
    expect(closed.entry).toEqual({ from: 'disposed', to: 'closed', by: 'cw1', at: T0 + 4000, requestId: 'r4' });
  });

  it('rejects a stale or foreign lease token with a conflict', () => {
    const a = ok(transition(makeAlert(), { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'r1'))).alert;
    const r = transition(a, { action: 'verify', token: OTHER, outcome: 'confirmed', note: '' }, ctx('cw2', 'r2'));
    expect(r).toMatchObject({ ok: false, code: 'LIFELINE_ERR_ALERT_LEASE_CONFLICT', field: 'leaseToken' });
    // after release and a new claim, the first token is stale
    const released = ok(transition(a, { action: 'release', token: TOKEN }, ctx('cw1', 'r3'))).alert;
    expect(released.status).toBe('open');
    const reclaimed = ok(transition(released, { action: 'claim', leaseMs: 60_000, token: OTHER }, ctx('cw2', 'r4'))).alert;
    expect(transition(reclaimed, { action: 'release', token: TOKEN }, ctx('cw1', 'r5'))).toMatchObject({ ok: false, code: 'LIFELINE_ERR_ALERT_LEASE_CONFLICT' });
  });

  it('refuses a claim while another lease is live, allows it after the lease expired and was swept', () => {
    const a = ok(transition(makeAlert(), { action: 'claim', leaseMs: 5_000, token: TOKEN }, ctx('cw1', 'r1', T0))).alert;
    expect(transition(a, { action: 'claim', leaseMs: 5_000, token: OTHER }, ctx('cw2', 'r2', T0 + 1000))).toMatchObject({
      ok: false,
      code: 'LIFELINE_ERR_ALERT_ALREADY_CLAIMED',
    });
    expect(leaseExpired(a, T0 + 4_999)).toBe(false);
    expect(leaseExpired(a, T0 + 5_000)).toBe(true);
    expect(transition(a, { action: 'verify', token: TOKEN, outcome: 'unreachable', note: '' }, ctx('cw1', 'r3', T0 + 6000))).toMatchObject({
      ok: false,
      code: 'LIFELINE_ERR_ALERT_LEASE_EXPIRED',
    });
    const swept = ok(transition(a, { action: 'expire' }, ctx('system', null, T0 + 6000)));
    expect(swept.alert.status).toBe('open');
    expect(swept.alert.lease).toBeNull();
    expect(swept.entry.requestId).toBeNull();
    expect(ok(transition(swept.alert, { action: 'claim', leaseMs: 5_000, token: OTHER }, ctx('cw2', 'r4', T0 + 7000))).alert.lease?.holder).toBe('cw2');
  });

  it('expire refuses an alert whose lease is still live', () => {
    const a = ok(transition(makeAlert(), { action: 'claim', leaseMs: 5_000, token: TOKEN }, ctx('cw1', 'r1', T0))).alert;
    expect(transition(a, { action: 'expire' }, ctx('system', null, T0 + 10))).toMatchObject({ ok: false, code: 'LIFELINE_ERR_ALERT_INVALID_TRANSITION' });
  });

  it('extends a lease without moving the status; never shortens it', () => {
    const a = ok(transition(makeAlert(), { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'r1', T0))).alert;
    const ext = ok(transition(a, { action: 'extend', token: TOKEN, leaseMs: 120_000 }, ctx('cw1', 'r2', T0 + 10_000)));
    expect(ext.alert.status).toBe('claimed');
    expect(ext.alert.lease?.expiresAt).toBe(T0 + 130_000);
    expect(ext.entry.from).toBe('claimed');
    expect(ext.entry.to).toBe('claimed');
    const shorter = ok(transition(ext.alert, { action: 'extend', token: TOKEN, leaseMs: 1_000 }, ctx('cw1', 'r3', T0 + 20_000)));
    expect(shorter.alert.lease?.expiresAt).toBe(T0 + 130_000);
  });

  it('answers a repeated request id with the same result and no second transition', () => {
    const a = makeAlert();
    const first = ok(transition(a, { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'req-1')));
    const again = ok(transition(first.alert, { action: 'claim', leaseMs: 60_000, token: OTHER }, ctx('cw1', 'req-1', T0 + 5000)));
    expect(again.replayed).toBe(true);
    expect(again.alert).toBe(first.alert);
    expect(again.entry).toEqual(first.entry);
    expect(again.alert.lease?.token).toBe(TOKEN);
    // the same id for another action, or by another actor, is refused
    expect(transition(first.alert, { action: 'release', token: TOKEN }, ctx('cw1', 'req-1'))).toMatchObject({ ok: false, code: 'LIFELINE_ERR_ALERT_REQUEST_REUSED' });
    expect(transition(first.alert, { action: 'claim', leaseMs: 60_000, token: OTHER }, ctx('cw2', 'req-1'))).toMatchObject({
      ok: false,
      code: 'LIFELINE_ERR_ALERT_REQUEST_REUSED',
    });
  });

  it('refuses out-of-order steps and unknown referral codes, naming the field', () => {
    const open = makeAlert();
    // a token presented for an alert back in the queue is stale
    expect(transition(open, { action: 'verify', token: TOKEN, outcome: 'confirmed', note: '' }, ctx('cw1', 'r1'))).toMatchObject({
      ok: false,
      code: 'LIFELINE_ERR_ALERT_LEASE_CONFLICT',
      field: 'leaseToken',
    });
    const claimed = ok(transition(open, { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'r1'))).alert;
    expect(transition(claimed, { action: 'close', token: TOKEN }, ctx('cw1', 'r2'))).toMatchObject({ ok: false, code: 'LIFELINE_ERR_ALERT_INVALID_TRANSITION' });
    const verified = ok(transition(claimed, { action: 'verify', token: TOKEN, outcome: 'not_confirmed', note: '' }, ctx('cw1', 'r3'))).alert;
    expect(transition(verified, { action: 'dispose', token: TOKEN, referrals: [{ kind: 'policy', code: 'home_care' }], note: '' }, ctx('cw1', 'r4'))).toMatchObject({
      ok: false,
      code: 'LIFELINE_ERR_ALERT_BAD_INPUT',
      field: 'referrals.0.code',
    });
    expect(transition(claimed, { action: 'extend', token: TOKEN, leaseMs: 10 }, ctx('cw1', 'r5'))).toMatchObject({ ok: false, field: 'leaseSec' });
    // disposing with no referrals is allowed ("or none")
    expect(ok(transition(verified, { action: 'dispose', token: TOKEN, referrals: [], note: 'no need' }, ctx('cw1', 'r6'))).alert.status).toBe('disposed');
  });

  it('flags overdue until verified', () => {
    const a = makeAlert();
    expect(isOverdue(a, a.dueAt - 1)).toBe(false);
    expect(isOverdue(a, a.dueAt + 1)).toBe(true);
    const claimed = ok(transition(a, { action: 'claim', leaseMs: 60_000, token: TOKEN }, ctx('cw1', 'r1'))).alert;
    const verified = ok(transition(claimed, { action: 'verify', token: TOKEN, outcome: 'confirmed', note: '' }, ctx('cw1', 'r2'))).alert;
    expect(isOverdue(verified, a.dueAt + 1)).toBe(false);
  });

  it('never mutates its input and never throws, whatever the sequence of requests', { tags: ['property'] }, () => {
    const reqArb: fc.Arbitrary<LifecycleRequest> = fc.oneof(
      fc.record({ action: fc.constant('claim' as const), leaseMs: fc.integer({ min: 0, max: 100_000 }), token: fc.constantFrom(TOKEN, OTHER) }),
      fc.record({ action: fc.constant('extend' as const), leaseMs: fc.integer({ min: 0, max: 100_000 }), token: fc.constantFrom(TOKEN, OTHER) }),
      fc.record({ action: fc.constant('release' as const), token: fc.constantFrom(TOKEN, OTHER) }),
      fc.record({ action: fc.constant('verify' as const), token: fc.constantFrom(TOKEN, OTHER), outcome: fc.constantFrom('confirmed' as const, 'unreachable' as const), note: fc.string() }),
      fc.record({ action: fc.constant('dispose' as const), token: fc.constantFrom(TOKEN, OTHER), referrals: fc.constant([]), note: fc.string() }),
      fc.record({ action: fc.constant('close' as const), token: fc.constantFrom(TOKEN, OTHER) }),
      fc.constant({ action: 'expire' as const }),
    );
    assertProperty(
      fc.property(fc.array(fc.tuple(reqArb, fc.constantFrom('cw1', 'cw2'), fc.integer({ min: 0, max: 5_000 }), fc.option(fc.constantFrom('a', 'b', 'c', 'd'))), { maxLength: 30 }), (steps) => {
        let a = makeAlert();
        let now = T0;
        for (const [req, actor, dt, rid] of steps) {
          now += dt;
          const snapshot = JSON.stringify(a);
          const r = transition(a, req, { actor, now, requestId: rid });
          expect(JSON.stringify(a)).toBe(snapshot);
          if (r.ok) {
            if (!r.replayed) expect(r.alert.history.length).toBe(a.history.length + 1);
            // a lease exists exactly in the leased states
            expect(r.alert.lease !== null).toBe(['claimed', 'verified', 'disposed'].includes(r.alert.status));
            a = r.alert;
          }
        }
      }),
    );
  });
});
