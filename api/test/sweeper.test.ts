/**
 * The lease sweeper on its own timer: a claim whose lease runs out goes back to the open queue
 * without anyone calling sweep(), over HTTP against the whole stack (engine running, real timers).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../test/support/stack.js';
import { waitFor } from '../../bench/harness/wait.js';

interface AlertView {
  id: string;
  type: string;
  status: string;
  lease: { token: string; until?: number } | null;
  history: { from: string; to: string; by: string }[];
}

describe('lease sweeper (real timers)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ sweeper: true });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('an expired one-second lease returns the alert to the open queue by itself', async () => {
    const township = stack.busiestTownship();
    const caseworker = (await stack.issueKey('caseworker', [township])).token;
    const h = stack.households.find((x) => x.region.townshipId === township && x.persons.some((p) => p.alive))!;
    const person = h.persons.find((p) => p.alive)!;
    const pushed = await call('POST', '/v1/updates', stack.keys.integration, {
      id: 'sweeper-1',
      source: 'health',
      kind: 'major_disease_diagnosed',
      householdId: h.id,
      personId: person.id,
      occurredAt: Date.now(),
      payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
    });
    expect(pushed.status, JSON.stringify(pushed.json)).toBeLessThan(300);

    let alertId = '';
    await waitFor(
      `an open major_disease alert for ${h.id}`,
      async () => {
        const r = await call('GET', `/v1/households/${h.id}`, caseworker);
        alertId = ((r.json['alerts'] ?? []) as AlertView[]).find((a) => a.type === 'major_disease' && a.status === 'open')?.id ?? '';
        return alertId !== '';
      },
      { timeoutMs: 30_000, everyMs: 100 },
    );

    const claimed = await call('POST', `/v1/alerts/${encodeURIComponent(alertId)}/claim`, caseworker, { requestId: 'sweeper-claim-1', leaseSec: 1 });
    expect(claimed.status, JSON.stringify(claimed.json)).toBe(200);
    expect((claimed.json['alert'] as AlertView).status).toBe('claimed');

    // nobody calls sweep(): the API's timer has to notice the lapsed lease
    let back: AlertView | undefined;
    await waitFor(
      `alert ${alertId} back to open after its 1 s lease`,
      async () => {
        const r = await call('GET', `/v1/alerts/${encodeURIComponent(alertId)}`, caseworker);
        back = r.json as unknown as AlertView;
        return back.status === 'open';
      },
      { timeoutMs: 30_000, everyMs: 200, detail: () => `last seen ${back?.status}` },
    );
    expect(back!.lease).toBeNull();
    expect(back!.history.at(-1)).toMatchObject({ from: 'claimed', to: 'open', by: 'system' });
    const queue = await call('GET', `/v1/townships/${township}/alerts?status=open&limit=500`, caseworker);
    expect((queue.json['items'] as { id: string }[]).map((a) => a.id)).toContain(alertId);
  }, 120_000);
});
