/**
 * `/metrics` as the platform engineers asked for it, over the whole stack (real NATS, worker
 * pool, LMDB, Fastify listening): updates pushed over HTTP — good ones, a bad one, repeats at
 * each stage — show up under the conventional names with the right labels, the update counters
 * balance, latency histograms have sub-millisecond buckets, and the scrape-time gauges equal what
 * the API itself reports.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import type { Household, Update } from '../../engine/types.js';
import { startStack, type Stack } from '../../test/support/stack.js';

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text → name → samples (the exposition format prom-client writes). */
function parse(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    if (m[2]) for (const kv of m[2].slice(1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[kv[1]!] = kv[2]!;
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

const sum = (m: Map<string, Sample[]>, name: string, pred: (l: Record<string, string>) => boolean = () => true): number =>
  (m.get(name) ?? []).filter((s) => pred(s.labels)).reduce((n, s) => n + s.value, 0);

describe('Prometheus metrics over the whole stack', () => {
  let stack: Stack;
  let skew = 0;
  let base: Map<string, Sample[]>;
  const scrapeText = async (): Promise<string> => {
    const r = await fetch(`${stack.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    return r.text();
  };
  const scrape = async () => parse(await scrapeText());
  /** Change of a counter since the test began. */
  const delta = (m: Map<string, Sample[]>, name: string, pred?: (l: Record<string, string>) => boolean) => sum(m, name, pred) - sum(base, name, pred);
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const r = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.keys.admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const disease = (h: Household, id: string, personId = h.persons[0]!.id): Update =>
    ({
      id,
      source: 'health',
      kind: 'major_disease_diagnosed',
      householdId: h.id,
      personId,
      occurredAt: Date.now(),
      payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
    }) as Update;

  beforeAll(async () => {
    stack = await startStack({ now: () => Date.now() + skew, sweeper: false });
    base = await scrape();
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('counts every update once where it was taken in and once where it ended, per department and kind, and the counts balance', async () => {
    const hs = stack.households.slice(0, 6);
    const good = hs.slice(0, 5).map((h, i) => disease(h, `m-good-${i}`));
    const alertsBefore = (await call('GET', '/v1/stats')).body as { alerts: { byLevel: Record<string, number> } };

    // five good, a kind no department has, an unknown household, and a repeat inside the batch
    const first = await call('POST', '/v1/updates', [
      ...good,
      { ...disease(hs[5]!, 'm-bad-kind'), kind: 'alien_landing' },
      { ...disease(hs[5]!, 'm-no-household'), householdId: 'nobody-here' },
      good[0],
    ]);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ pending: 5, rejected: 2, duplicate: 1 });
    // valid for the API, refused by the engine: that person is not a member
    const stranger = await call('POST', '/v1/updates', disease(hs[5]!, 'm-stranger', `${hs[5]!.id}-nobody`));
    expect(stranger.body).toMatchObject({ pending: 1 });

    await expect.poll(async () => delta(await scrape(), 'lifeline_updates_processed_total'), { timeout: 30_000 }).toBe(5);
    await expect.poll(async () => delta(await scrape(), 'lifeline_updates_rejected_total', (l) => l['code'] === 'LIFELINE_ERR_UNKNOWN_PERSON'), { timeout: 30_000 }).toBe(1);

    // repeats at each stage: the API knows it is applied; the server's Nats-Msg-Id window; the engine (another msg id)
    const applied = await call('POST', '/v1/updates', good[1]);
    expect(applied.body).toMatchObject({ applied: 1, duplicate: 0 });
    const again = await stack.publisher.publish(good[2]!);
    expect(again.duplicate).toBe(true);
    const { subject } = stack.publisher.route(good[3]!);
    await jetstream(stack.nc).publish(subject, JSON.stringify(good[3]), { msgID: 'replayed-by-hand:m-good-3' });
    await expect.poll(async () => delta(await scrape(), 'lifeline_updates_deduplicated_total', (l) => l['stage'] === 'engine'), { timeout: 30_000 }).toBe(1);

    const m = await scrape();
    const health = (l: Record<string, string>) => l['source'] === 'health';
    // received here: 8 + 1 over HTTP, 1 repeat over HTTP, 1 through the publisher directly
    expect(delta(m, 'lifeline_updates_received_total')).toBe(11);
    expect(delta(m, 'lifeline_updates_received_total', (l) => health(l) && l['kind'] === 'major_disease_diagnosed')).toBe(10);
    expect(delta(m, 'lifeline_updates_received_total', (l) => health(l) && l['kind'] === 'unknown')).toBe(1);
    expect(delta(m, 'lifeline_updates_processed_total', (l) => health(l) && l['kind'] === 'major_disease_diagnosed')).toBe(5);
    expect(delta(m, 'lifeline_updates_rejected_total', (l) => l['code'] === 'LIFELINE_ERR_UNKNOWN_KIND' && health(l) && l['kind'] === 'unknown')).toBe(1);
    expect(delta(m, 'lifeline_updates_rejected_total', (l) => l['code'] === 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD' && health(l))).toBe(1);
    expect(delta(m, 'lifeline_updates_rejected_total')).toBe(3);
    expect(delta(m, 'lifeline_updates_deduplicated_total', (l) => l['stage'] === 'intake' && health(l))).toBe(2);
    expect(delta(m, 'lifeline_updates_deduplicated_total', (l) => l['stage'] === 'stream' && health(l))).toBe(1);
    expect(delta(m, 'lifeline_updates_published_total')).toBe(6);
    expect(delta(m, 'lifeline_updates_publish_failures_total')).toBe(0);
    // the balance: what came in (plus the one written to the stream by hand) ended processed, rejected or deduplicated
    const ended = delta(m, 'lifeline_updates_processed_total') + delta(m, 'lifeline_updates_rejected_total') + delta(m, 'lifeline_updates_deduplicated_total');
    expect(ended).toBe(delta(m, 'lifeline_updates_received_total') + 1);
    expect(delta(m, 'lifeline_http_updates_total')).toBe(10);

    // alerts created per level: as many as the API's alert counts grew by
    const alertsAfter = (await call('GET', '/v1/stats')).body as { alerts: { byLevel: Record<string, number> } };
    for (const level of ['urgent', 'general']) {
      expect(delta(m, 'lifeline_alerts_created_total', (l) => l['level'] === level), level).toBe(alertsAfter.alerts.byLevel[level]! - alertsBefore.alerts.byLevel[level]!);
    }
    expect(delta(m, 'lifeline_alerts_created_total')).toBeGreaterThan(0);
  });

  it('latency histograms have sub-millisecond buckets and one observation per committed update or alert', async () => {
    const m = await scrape();
    for (const name of ['lifeline_processing_seconds', 'lifeline_event_to_alert_seconds', 'lifeline_http_request_duration_seconds']) {
      const les = new Set((m.get(`${name}_bucket`) ?? []).map((s) => s.labels['le']));
      expect(les, name).toContain('0.0001');
      expect(les, name).toContain('0.0005');
      expect(les, name).toContain('+Inf');
    }
    // seven messages reached the engine: five good, the stranger, the replay
    expect(delta(m, 'lifeline_processing_seconds_count')).toBe(7);
    expect(sum(m, 'lifeline_processing_seconds_bucket', (l) => l['le'] === '+Inf')).toBe(sum(m, 'lifeline_processing_seconds_count'));
    expect(sum(m, 'lifeline_processing_seconds_sum')).toBeGreaterThan(0);
    expect(delta(m, 'lifeline_event_to_alert_seconds_count', (l) => l['outcome'] === 'created')).toBe(delta(m, 'lifeline_alerts_created_total'));
    expect(sum(m, 'lifeline_http_request_duration_seconds_count', (l) => l['route'] === '/v1/updates' && l['method'] === 'POST' && l['status_code'] === '202')).toBe(3);
    // route templates, never raw paths
    expect([...(m.get('lifeline_http_request_duration_seconds_count') ?? [])].every((s) => !/\/alerts\/[^:]/.test(s.labels['route'] ?? ''))).toBe(true);
  });

  it('pending per partition, worker utilisation, LMDB size, event-loop lag and the default process metrics', async () => {
    // pending is read from the server every 5 s
    await expect.poll(async () => (await scrape()).get('lifeline_consumer_pending')?.length ?? 0, { timeout: 15_000 }).toBe(stack.engine.partitionCount);
    await expect.poll(async () => sum(await scrape(), 'lifeline_consumer_pending'), { timeout: 15_000 }).toBe(0);
    const m = await scrape();
    expect(new Set(m.get('lifeline_consumer_pending')!.map((s) => s.labels['partition']))).toEqual(new Set(Array.from({ length: stack.engine.partitionCount }, (_, i) => String(i))));
    const util = sum(m, 'lifeline_worker_pool_utilisation');
    expect(util).toBeGreaterThan(0);
    expect(util).toBeLessThanOrEqual(1);
    expect(sum(m, 'lifeline_worker_threads')).toBe(stack.config.engine.threads);
    expect(sum(m, 'lifeline_worker_busy_seconds_total')).toBeGreaterThan(0);
    expect(sum(m, 'lifeline_lmdb_size_bytes')).toBeGreaterThan(1_000_000);
    expect(m.get('lifeline_event_loop_lag_seconds')?.[0]?.value).toBeGreaterThanOrEqual(0);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(m.has(name), name).toBe(true);
  });

  it('queue depth by status and level and the overdue count equal the API’s own counts', async () => {
    type Stats = { alerts: { byStatus: Record<string, Record<string, number>>; overdue: number } };
    const check = async () => {
      const m = await scrape();
      const stats = (await call('GET', '/v1/stats')).body as Stats;
      for (const status of ['open', 'claimed', 'verified', 'disposed']) {
        for (const level of ['urgent', 'general']) {
          expect(sum(m, 'lifeline_alert_queue_depth', (l) => l['status'] === status && l['level'] === level), `${status}/${level}`).toBe(stats.alerts.byStatus[status]![level]);
        }
      }
      expect(m.get('lifeline_alert_queue_depth')!.some((s) => s.labels['status'] === 'closed')).toBe(false);
      expect(sum(m, 'lifeline_alerts_overdue')).toBe(stats.alerts.overdue);
      return { m, stats };
    };
    const now = await check();
    expect(sum(now.m, 'lifeline_alert_queue_depth', (l) => l['status'] === 'open')).toBeGreaterThan(0);
    // past every verification deadline: the open ones are overdue, and the metric says so
    skew = 90 * 86_400_000;
    const later = await check();
    expect(later.stats.alerts.overdue).toBeGreaterThan(0);
    expect(new Set(later.m.get('lifeline_alerts_overdue')!.map((s) => s.labels['level']))).toEqual(new Set(['urgent', 'general']));
  });

  it('feed health per department: last update, rate, rejection ratio, and the stale flag once silent past feeds.staleAfterSec', async () => {
    skew = 0;
    let m = await scrape();
    const one = (name: string, source: string) => m.get(name)?.find((s) => s.labels['source'] === source)?.value;
    expect(one('lifeline_feed_last_update_timestamp_seconds', 'health')).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(one('lifeline_feed_updates_per_second', 'health')).toBeGreaterThan(0);
    expect(one('lifeline_feed_rejection_ratio', 'health')).toBeGreaterThan(0);
    expect(one('lifeline_feed_rejection_ratio', 'health')).toBeLessThan(1);
    expect(one('lifeline_feed_stale', 'health')).toBe(0);
    // a department that never sent has no last update and no ratio, and a rate of 0
    const silent = (m.get('lifeline_feed_stale') ?? []).map((s) => s.labels['source']!).find((s) => one('lifeline_feed_last_update_timestamp_seconds', s) === undefined)!;
    expect(silent).toBeDefined();
    expect(one('lifeline_feed_updates_per_second', silent)).toBe(0);
    expect(one('lifeline_feed_rejection_ratio', silent)).toBeUndefined();
    expect(m.get('lifeline_feed_stale')!.length).toBe(17);
    skew = (stack.config.feeds.staleAfterSec + 60) * 1000;
    m = await scrape();
    expect(one('lifeline_feed_stale', 'health')).toBe(1);
    expect(one('lifeline_feed_stale', silent)).toBe(1);
    skew = 0;
  });

  it('the Grafana dashboard asks only for series that /metrics serves', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana/dashboards/lifeline.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const served = new Set((await scrape()).keys());
    const asked = new Set<string>();
    for (const p of dashboard.panels) for (const t of p.targets ?? []) for (const n of t.expr.match(/\b(?:lifeline|process|nodejs)_\w+/g) ?? []) asked.add(n);
    expect(asked.size).toBeGreaterThan(15);
    expect([...asked].filter((n) => !served.has(n))).toEqual([]);
  });

  it('states the unit of every Lifeline metric in its help text', async () => {
    const text = await scrapeText();
    const helps = text.split('\n').filter((l) => l.startsWith('# HELP lifeline_'));
    expect(helps.length).toBeGreaterThan(30);
    for (const h of helps) expect(h, h).toMatch(/unit: /);
  });
});
