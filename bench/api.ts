/**
 * API throughput against a static Fastify route serving a pre-serialised body of the same size,
 * same process, same machine, same load generator. Measured: the queue listing, the household
 * portrait (audited read), /metrics (autocannon, 20 connections), and claim+release cycles
 * (16 concurrent clients, each claim followed by a release with its lease token).
 * Full mode: the whole hangzhou city (223k households, 400k persons) loaded, alerts raised for
 * ALERTED households through the real pipeline (JetStream → engine workers → LMDB), and medical
 * claims streaming at STREAM_RATE updates/s through the engine while the API is measured.
 * Quick mode: 2,000 households, same shape.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/index.js';
import { generateCity } from '../connectors/city/generator.js';
import { layoutByName } from '../connectors/city/regions.js';
import { openPublisher } from '../connectors/publisher/index.js';
import type { Update } from '../engine/types.js';
import { examplePayload } from '../engine/catalogue/examples.js';
import { initialLoad } from '../workers/initial-load.js';
import { startEngine } from '../workers/engine.js';
import { counts, openStore } from '../workers/store/index.js';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { buildApp } from '../api/app.js';
import { hashToken } from '../api/auth/index.js';
import { fmt, isQuick, writeResult } from './harness/results.js';

const quick = isQuick();
const HOUSEHOLDS = quick ? 2000 : Number.POSITIVE_INFINITY;
/** Households given a major-disease alert before the measurement (the queues' content). */
const ALERTED = quick ? 2000 : 20_000;
/** Department updates per second flowing through the engine during the measurement. */
const STREAM_RATE = quick ? 100 : 300;
const DURATION = quick ? 3 : 10;
const CONNECTIONS = 20;
const CLAIMERS = 16;
const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

interface Measured {
  rps: number;
  p99: number;
  bytes: number;
}

async function cannon(url: string, headers: Record<string, string>): Promise<Measured> {
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p99: r.latency.p99, bytes: r.throughput.average / Math.max(1, r.requests.average) };
}

/** Claim+release cycles per second with CLAIMERS concurrent clients for DURATION seconds. */
async function claimCycles(base: string, township: string, headers: Record<string, string>, staticMode: boolean): Promise<Measured> {
  let cycles = 0;
  const lat: number[] = [];
  const until = Date.now() + DURATION * 1000;
  const h = { ...headers, 'content-type': 'application/json' };
  await Promise.all(
    Array.from({ length: CLAIMERS }, async (_, w) => {
      let i = 0;
      while (Date.now() < until) {
        const t0 = performance.now();
        const c = await fetch(`${base}/v1/townships/${township}/alerts/claim`, { method: 'POST', headers: h, body: JSON.stringify({ requestId: `b${w}-${i++}`, max: 1, leaseSec: 60 }) });
        const body = (await c.json()) as { claimed: { id: string; lease: { token: string } }[] };
        const a = body.claimed[0];
        if (!a) continue;
        const rel = await fetch(`${base}/v1/alerts/${staticMode ? 'x' : encodeURIComponent(a.id)}/release`, { method: 'POST', headers: h, body: JSON.stringify({ requestId: `r${w}-${i}`, leaseToken: a.lease.token }) });
        if (rel.status !== 200) throw new Error(`release answered ${rel.status}: ${await rel.text()}`);
        await rel.arrayBuffer();
        lat.push(performance.now() - t0);
        cycles++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { rps: cycles / DURATION, p99: lat[Math.floor(lat.length * 0.99)] ?? 0, bytes: 0 };
}

async function main(): Promise<void> {
  const id = `api${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-api-'));
  const admin = 'lifeline_' + randomBytes(24).toString('base64url');
  const cw = 'lifeline_' + randomBytes(24).toString('base64url');
  const households = quick ? [...generateCity('small', 5, { limit: HOUSEHOLDS })] : [...generateCity('hangzhou', 20231017)];
  const townships = [...new Set(households.map((h) => h.region.townshipId))];
  const config = loadConfig({
    env: { NATS_URL },
    overrides: {
      'stream.name': `BENCH_${id}_UPD`,
      'stream.deadLetterName': `BENCH_${id}_DLQ`,
      'stream.subjectPrefix': `bench.${id}`,
      'stream.partitions': 4,
      'lmdb.path': join(dir, 'lmdb'),
      'city.dataDir': join(dir, 'city'),
      'city.profile': quick ? 'small' : 'hangzhou',
      'api.rateLimitPerMin': 100_000_000,
      'api.keys': [
        { id: 'bench-admin', sha256: hashToken(admin), role: 'admin', townships: [] },
        { id: 'bench-cw', sha256: hashToken(cw), role: 'caseworker', townships },
      ],
    },
  });
  mkdirSync(config.city.dataDir, { recursive: true });
  // line by line: the whole city joined into one string would pass V8's string length limit
  const fd = openSync(join(config.city.dataDir, 'households.ndjson'), 'w');
  for (const h of households) writeSync(fd, JSON.stringify(h) + '\n');
  closeSync(fd);
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true, name: 'bench-api' });
  const store = openStore({ path: config.lmdb.path });
  const registry = new Registry();
  const stat = Fastify();
  let engine: Awaited<ReturnType<typeof startEngine>> | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    const loaded = await initialLoad(config, { threads: quick ? 1 : 2 });
    process.stderr.write(`loaded ${loaded.households} households in ${loaded.seconds.toFixed(1)} s\n`);
    engine = await startEngine(config, { registry, store });
    const { publisher } = await openPublisher(nc, config);
    const now = Date.now();
    const updates: Update[] = households.slice(0, ALERTED).map((h, i) => ({
      id: `bench-${i}`,
      source: 'health',
      kind: 'major_disease_diagnosed',
      householdId: h.id,
      personId: h.persons[0]!.id,
      occurredAt: now,
      payload: { disease: '胃恶性肿瘤', icd10: 'C16.9', diagnosedAt: '2026-08-02' },
    }));
    await publisher.publishMany(updates);
    const until = Date.now() + 120_000;
    while (counts(store, { now: Date.now() }).active < updates.length * 0.9 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const active = counts(store, { now: Date.now() }).active;
    process.stderr.write(`alerts active: ${active}\n`);

    app = await buildApp(config, { store, engine, nats: nc, registry, layout: layoutByName('hangzhou'), dashboard: false, sweeper: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const byT = new Map<string, number>();
    for (const h of households) byT.set(h.region.townshipId, (byT.get(h.region.townshipId) ?? 0) + 1);
    const township = [...byT.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const hh = households.find((h) => h.region.townshipId === township)!;
    const auth = { authorization: `Bearer ${cw}` };
    const paths = {
      queue: `/v1/townships/${township}/alerts?limit=20`,
      portrait: `/v1/households/${hh.id}`,
      metrics: '/metrics',
    };
    // the baseline serves bodies of the same size, pre-serialised
    const bodies: Record<string, string> = {};
    for (const [k, p] of Object.entries(paths)) bodies[k] = (await app.inject({ method: 'GET', url: p, headers: k === 'metrics' ? {} : auth })).body;
    const claimBody = (await app.inject({ method: 'POST', url: `/v1/townships/${township}/alerts/claim`, headers: auth, payload: { requestId: 'probe', max: 1, leaseSec: 60 } })).body;
    const probe = JSON.parse(claimBody) as { claimed: { id: string; lease: { token: string } }[] };
    const releaseBody = (await app.inject({ method: 'POST', url: `/v1/alerts/${encodeURIComponent(probe.claimed[0]!.id)}/release`, headers: auth, payload: { requestId: 'probe-r', leaseToken: probe.claimed[0]!.lease.token } })).body;
    for (const [k, p] of Object.entries(paths)) stat.get(p.split('?')[0]!, async (_req, reply) => reply.type('application/json').send(bodies[k]));
    stat.post(`/v1/townships/${township}/alerts/claim`, async (_req, reply) => reply.type('application/json').send(claimBody));
    stat.post('/v1/alerts/x/release', async (_req, reply) => reply.type('application/json').send(releaseBody));
    const sbase = await stat.listen({ host: '127.0.0.1', port: 0 });

    // a steady stream of medical claims through the engine while the API is under load
    let claimSeq = 0;
    let streamed = 0;
    const streaming = setInterval(() => {
      const batch: Update[] = [];
      for (let i = 0; i < STREAM_RATE / 10; i++) {
        const h = households[(claimSeq * 7919) % households.length]!;
        const person = h.persons[0]!;
        batch.push({
          id: `bench-claim-${claimSeq++}`,
          source: 'medical_insurance',
          kind: 'medical_claim',
          householdId: h.id,
          personId: person.id,
          occurredAt: Date.now(),
          payload: { ...(examplePayload('medical_claim') as Record<string, unknown>), claimId: `BC${claimSeq}` },
        });
      }
      streamed += batch.length;
      void publisher.publishMany(batch);
    }, 100);
    const figures: Record<string, { value: number; unit: string }> = {};
    const ratios: Record<string, number> = {};
    for (const [k, p] of Object.entries(paths)) {
      const h = k === 'metrics' ? {} : auth;
      const s = await cannon(sbase + p, h);
      const o = await cannon(base + p, h);
      figures[`${k}_rps`] = { value: Math.round(o.rps), unit: 'req/s' };
      figures[`${k}_p99`] = { value: o.p99, unit: 'ms' };
      figures[`${k}_static_rps`] = { value: Math.round(s.rps), unit: 'req/s' };
      figures[`${k}_body`] = { value: bodies[k]!.length, unit: 'B' };
      ratios[k] = o.rps / s.rps;
      process.stderr.write(`${k}: ours ${fmt(o.rps)} req/s, static ${fmt(s.rps)} req/s\n`);
    }
    const sc = await claimCycles(sbase, township, auth, true);
    const oc = await claimCycles(base, township, auth, false);
    figures['claim_release_cycles'] = { value: Math.round(oc.rps), unit: 'cycles/s' };
    figures['claim_release_p99'] = { value: Math.round(oc.p99 * 100) / 100, unit: 'ms' };
    figures['claim_release_static_cycles'] = { value: Math.round(sc.rps), unit: 'cycles/s' };
    figures['alerts_active'] = { value: active, unit: 'alerts' };
    clearInterval(streaming);
    await publisher.close();
    figures['households_loaded'] = { value: loaded.households, unit: 'households' };
    figures['updates_streamed_during_measurement'] = { value: streamed, unit: 'updates' };
    ratios['claim'] = oc.rps / sc.rps;
    for (const [k, r] of Object.entries(ratios)) figures[`${k}_ratio`] = { value: Math.round(r * 1000) / 1000, unit: '× static' };
    // the issue's goals: list and portrait ≥ 0.5× static, claim+ack ≥ 0.25×, p99 < 20 ms each;
    // the headline is the worst of them as measured/goal, so ≥ 1 means every goal is met
    const parts = {
      queue: ratios['queue']! / 0.5,
      portrait: ratios['portrait']! / 0.5,
      claim: ratios['claim']! / 0.25,
      queue_p99: 20 / Math.max(figures['queue_p99']!.value, 0.001),
      portrait_p99: 20 / Math.max(figures['portrait_p99']!.value, 0.001),
      metrics_p99: 20 / Math.max(figures['metrics_p99']!.value, 0.001),
      claim_p99: 20 / Math.max(figures['claim_release_p99']!.value, 0.001),
    };
    const worst = Object.entries(parts).sort((a, b) => a[1] - b[1])[0]!;
    writeResult({
      part: 'api',
      figures,
      limit: { name: 'static Fastify route, same body size (queue listing)', value: figures['queue_static_rps']!.value, unit: 'req/s' },
      ratio: Math.round(worst[1] * 1000) / 1000,
      goal: 1,
      notes: [
        `headline = worst of the goals as measured/goal (list, portrait ≥ 0.5× static; claim+release ≥ 0.25×; p99 < 20 ms): ${worst[0]}; all: ${Object.entries(parts).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`,
        `${fmt(streamed)} medical claims streamed through the engine at ${STREAM_RATE}/s during the measurement`,
        `autocannon ${CONNECTIONS} connections × ${DURATION} s per endpoint; claim+release with ${CLAIMERS} fetch clients; load generator in the same process on the same 2 cores`,
        'portrait reads write one audit row each (async LMDB put); claims and releases are one synchronous LMDB transaction each (alert, indexes, audit row)',
        `${loaded.households} households loaded (${quick ? 'small city' : 'the whole hangzhou city'}), ${ALERTED} alerted, engine in the same process`,
      ],
    });
  } finally {
    await app?.close();
    await stat.close();
    await engine?.stop();
    await store.close();
    const jsm = await jetstreamManager(nc);
    for (const s of [config.stream.name, config.stream.deadLetterName]) await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
