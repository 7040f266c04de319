/**
 * What a careless or hostile client can do to /metrics and the feed health: its text never
 * becomes a label or a feed row (anything outside the catalogues is `unknown`), every labelled
 * counter stays within its stated bound, every known label set exists at zero from the start,
 * the event-loop lag is not reset by a scrape, and /metrics can require a token or move to a
 * listener of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { FLOW_LABEL_BOUNDS, FLOW_PAIRS, publisherMetrics, type ObservablePublisher } from '../../connectors/publisher/metrics.js';
import type { PublishOutcome } from '../../connectors/publisher/types.js';
import { engineMetrics } from '../../workers/metrics.js';
import type { BatchResult } from '../../workers/types.js';
import { apiLabelBounds, createApiMetrics } from '../metrics.js';
import { authOf, openFixture, type Fixture } from './fixture.js';

/** Series per metric name of one exposition (bucket, sum and count lines of a histogram counted under its name once per label set). */
function seriesByMetric(text: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? /.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? '').replace(/,?le="[^"]*"/, '');
    const name = m[1]!.replace(/_(bucket|sum|count)$/, '');
    let s = out.get(name);
    if (!s) out.set(name, (s = new Set()));
    s.add(labels);
  }
  return out;
}

const MARKER = 'ZHANG_SAN_330102199001011234_1';

describe('metric labels and feed rows from client input', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await openFixture({ n: 40 });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  const scrape = async () => (await fx.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('counters of refusals exist at zero before the first event, for every catalogue pair', async () => {
    const text = await scrape();
    expect(text).toMatch(/^lifeline_updates_rejected_total\{source="health",kind="major_disease_diagnosed",code="LIFELINE_ERR_UPDATE_SCHEMA"\} 0$/m);
    expect(text).toMatch(/^lifeline_updates_rejected_total\{source="unknown",kind="unknown",code="LIFELINE_ERR_UNKNOWN_SOURCE"\} 0$/m);
    expect(text).toMatch(/^lifeline_updates_deduplicated_total\{source="health",kind="major_disease_diagnosed",stage="intake"\} 0$/m);
    expect(text).toMatch(/^lifeline_http_updates_total\{result="rejected"\} 0$/m);
    expect(text).toMatch(/^lifeline_alert_transitions_total\{action="claim",result="ok"\} 0$/m);
    const series = seriesByMetric(text);
    expect(series.get('lifeline_updates_received_total')?.size).toBe(FLOW_PAIRS.length);
  });

  it('a made-up source, kind or id never reaches /metrics or /v1/feeds; it is counted as unknown', async () => {
    const bodies = [
      { id: MARKER, source: MARKER, kind: 'medical_claim', householdId: MARKER, occurredAt: 1, payload: {} },
      { id: 'x1', source: 'health', kind: MARKER, householdId: 'h', occurredAt: 1, payload: {} },
      // a real kind under another department: kept as unknown, not as a new pair
      { id: 'x2', source: 'health', kind: 'medical_claim', householdId: 'h', occurredAt: 1, payload: { note: MARKER } },
      ...Array.from({ length: 50 }, (_, i) => ({ id: `y${i}`, source: `${MARKER}_${i}`, kind: `${MARKER}_${i}`, householdId: 'h', occurredAt: 1, payload: {} })),
    ];
    const r = await fx.app.inject({ method: 'POST', url: '/v1/updates', headers: authOf('integration'), payload: bodies });
    expect(r.statusCode).toBe(202);
    expect(r.json().rejected).toBe(bodies.length);
    const text = await scrape();
    expect(text).not.toContain('ZHANG_SAN');
    expect(text).toMatch(/^lifeline_updates_rejected_total\{source="unknown",kind="unknown",code="LIFELINE_ERR_UNKNOWN_SOURCE"\} 51$/m);
    expect(text).toMatch(/^lifeline_feed_rejection_ratio\{source="unknown"\} 1$/m);
    const feeds = await fx.app.inject({ method: 'GET', url: '/v1/feeds', headers: authOf('analyst') });
    expect(feeds.body).not.toContain('ZHANG_SAN');
    const rows = feeds.json().feeds as { source: string; stale: boolean }[];
    expect(rows.filter((f) => f.source === 'unknown')).toEqual([expect.objectContaining({ source: 'unknown', stale: false })]);
    expect(rows.length).toBe(18);
  });

  it('every labelled counter stays within its stated bound, with the engine and a publisher in the same registry', async () => {
    const registry = new Registry();
    const api = createApiMetrics(registry);
    const engine = engineMetrics(registry);
    let listener: ((o: PublishOutcome) => void) | null = null;
    const pub: ObservablePublisher = {
      observe(l) {
        listener = l;
        return () => (listener = null);
      },
      stats: () => ({ published: 0, deadLetters: 0, duplicates: 0, retries: 0, inFlight: 0 }) as ReturnType<ObservablePublisher['stats']>,
    };
    const detach = publisherMetrics(pub, registry);
    try {
      // garbage everywhere a label is taken from: sources, kinds, codes, levels, actions, origins, partitions
      for (let i = 0; i < 300; i++) {
        const junk = `${MARKER}_${i}`;
        api.intake({ source: junk, kind: junk }, { status: i % 2 ? 'rejected' : 'duplicate', code: `LIFELINE_ERR_${i}` });
        api.alertTransitions.inc({ action: junk, result: junk });
        api.auditWrites.inc({ action: junk });
        engine.deadLettered(junk as 'engine', 1);
        engine.batchFailed(10_000 + i);
        engine.setPending(i % 4, i);
        const r = {
          partition: 5000 + i,
          checkpoint: i,
          messages: 1,
          skipped: 0,
          applied: 0,
          rejected: 1,
          households: 0,
          counts: [[junk, junk, 1, 1]],
          rejectedByCode: [],
          rejectedBy: [[junk, 'medical_claim', junk, 1]],
          alertsCreated: { urgent: 0, general: 0 },
          alertsJoined: 0,
          alerts: [{ created: false, level: junk, at: 0 }],
          commands: [],
          outboxRows: 0,
          cacheHits: 0,
          cacheMisses: 0,
          timings: { waitMs: 0, scoreMs: 0, commitMs: 0, totalMs: 0 },
          lmdbBytes: 0,
        } as unknown as BatchResult;
        engine.record(r, [0], 1);
        listener!({ ok: false, source: junk as 'health', kind: junk, msgId: junk, subject: junk, error: Object.assign(new Error(junk), { code: junk }) as never });
        listener!({ ok: true, source: 'dead_letter', kind: junk, result: { duplicate: false } as never });
      }
      const text = await registry.metrics();
      expect(text).not.toContain('ZHANG_SAN');
      const series = seriesByMetric(text);
      const bounds: Record<string, number> = { ...FLOW_LABEL_BOUNDS, ...apiLabelBounds(0), lifeline_engine_batch_failures_total: 1025, lifeline_engine_checkpoint_sequence: 1025, lifeline_consumer_pending: 1025 };
      for (const [name, bound] of Object.entries(bounds)) {
        if (name === 'lifeline_http_requests_total') continue;
        expect(series.get(name)?.size ?? 0, name).toBeLessThanOrEqual(bound);
      }
      // a label set seen with junk is the `unknown` one, not a new series
      expect(series.get('lifeline_engine_dead_letters_total')!.size).toBe(3);
      expect(series.get('lifeline_engine_batch_failures_total')!.size).toBe(5);
      expect(series.get('lifeline_alert_transitions_total')!.has('{action="unknown",result="unknown"}')).toBe(true);
    } finally {
      detach();
    }
  });

  it('the event-loop lag is the same for a second scraper: a scrape does not restart its window', async () => {
    const registry = new Registry();
    createApiMetrics(registry);
    const tick = () => new Promise((r) => setTimeout(r, 30));
    // the monitor's timer runs a few rounds, then the loop is blocked for 150 ms: it records one long delay
    await tick();
    const until = Date.now() + 150;
    while (Date.now() < until) {
      /* busy */
    }
    await tick();
    const lag = async () => Number(/^lifeline_event_loop_lag_seconds (\S+)$/m.exec(await registry.metrics())![1]);
    const first = await lag();
    const second = await lag();
    expect(first).toBeGreaterThan(0.1);
    expect(second).toBeGreaterThan(0.1);
  });
});

describe('/metrics behind a token, or on a listener of its own', () => {
  it('with metrics.token a scrape without the token is a 401 naming authorization; with it, the figures', async () => {
    const token = 'prometheus-scrape-token-0123456789';
    const fx = await openFixture({ n: 10, config: { 'metrics.token': token } });
    try {
      const none = await fx.app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.json().error.field).toBe('authorization');
      const wrong = await fx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-token-at-all-xxx' } });
      expect(wrong.statusCode).toBe(401);
      const ok = await fx.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('lifeline_http_requests_total');
    } finally {
      await fx.close();
    }
  });

  it('with metrics.port the API port answers 404 for /metrics and the metrics port serves them', async () => {
    const fx = await openFixture({ n: 10, config: { 'metrics.port': 0, 'metrics.host': '127.0.0.1' } });
    try {
      await fx.app.listen({ port: 0, host: '127.0.0.1' });
      const apiPort = (fx.app.server.address() as { port: number }).port;
      const onApi = await fetch(`http://127.0.0.1:${apiPort}/metrics`);
      expect(onApi.status).toBe(404);
      const addr = fx.app.metricsListener.address();
      expect(addr).toBeTruthy();
      const onOwn = await fetch(`http://127.0.0.1:${addr!.port}/metrics`);
      expect(onOwn.status).toBe(200);
      expect(await onOwn.text()).toContain('lifeline_http_requests_total');
      expect((await fetch(`http://127.0.0.1:${addr!.port}/v1/stats`)).status).toBe(404);
    } finally {
      await fx.close();
    }
  });
});
