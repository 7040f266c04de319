/**
 * An enrolled household's new car raises an eligibility review and stays pending (no better
 * score); a caseworker's verification over HTTP — a command on the household's partition — is
 * applied by the engine to the household's facts: confirmed, the car counts and the score moves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household } from '../engine/types.js';
import { startStack, type Stack } from './support/stack.js';
import { waitFor } from '../bench/harness/wait.js';

describe('an eligibility review verified through the stream', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ listen: false });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the asset pending until the verification, then counts it', async () => {
    const { app, store } = stack;
    const enrolled = stack.households.find((h: Household) => h.finances.assistanceMonthly > 0 && h.vehicles.length === 0 && h.persons.some((p) => p.alive))!;
    expect(enrolled).toBeDefined();
    const cw = (await stack.issueKey('caseworker', [enrolled.region.townshipId])).token;
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const score = () => {
      store.env.resetReadTxn();
      return store.households.get(enrolled.id)!;
    };
    const before = score().profile.score;
    const car = {
      id: 'rv-car-1',
      source: 'public_security',
      kind: 'vehicle_registered',
      householdId: enrolled.id,
      occurredAt: Date.UTC(2026, 9, 20),
      payload: { plate: '浙A9R7V1', vehicleKind: 'car', valueCny: 180_000, registeredAt: '2026-10-20' },
    };
    const pushed = await app.inject({ method: 'POST', url: '/v1/updates', headers: auth(stack.keys.integration), payload: car });
    expect(pushed.statusCode, pushed.body).toBeLessThan(300);
    let reviewId = '';
    await waitFor(
      'the eligibility review in the queue',
      async () => {
        const q = await app.inject({ method: 'GET', url: `/v1/townships/${enrolled.region.townshipId}/alerts?type=eligibility_review&limit=500`, headers: auth(cw) });
        reviewId = (q.json().items as { id: string; householdId: string }[]).find((a) => a.householdId === enrolled.id)?.id ?? '';
        return reviewId !== '';
      },
      { timeoutMs: 30_000, everyMs: 50 },
    );
    expect(score().household.vehicles[0]?.reviewPending).toBe('rv-car-1');
    expect(score().profile.score).toBe(before);

    const id = encodeURIComponent(reviewId);
    const claimed = await app.inject({ method: 'POST', url: `/v1/alerts/${id}/claim`, headers: auth(cw), payload: { requestId: 'rv-claim', leaseSec: 600 } });
    expect(claimed.statusCode).toBe(200);
    const token = claimed.json().alert.lease.token as string;
    const verified = await app.inject({ method: 'POST', url: `/v1/alerts/${id}/verify`, headers: auth(cw), payload: { requestId: 'rv-verify', leaseToken: token, outcome: 'confirmed', note: 'car seen' } });
    expect(verified.statusCode).toBe(200);
    // the engine committed the verification and the household's facts in one transaction before answering
    const after = score();
    expect(after.household.vehicles[0]?.reviewPending).toBeUndefined();
    expect(after.household.vehicles[0]?.plate).toBe('浙A9R7V1');
    expect(after.profile.score).not.toBe(before);
  }, 120_000);
});
