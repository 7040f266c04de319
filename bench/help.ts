/**
 * The help loop (issue 15): matching an alert to the alliance registry, and the referral queues,
 * each held against a raw limit measured in the same run.
 *
 * 1. Matching, pure: `matchProjects` for MATCH_ALERTS households of the generated Hangzhou city
 *    (their regions and suggestions, those with at least one service suggestion, sampled evenly
 *    over the whole city) against the whole Hangzhou registry (2,605 projects at 3,428 sites).
 *    Raw limit: one plain scan of the registry (every project, a filter by service), timed
 *    interleaved with the matches, alert by alert. Goal: p99 < 10 ms.
 * 2. The real stack (JetStream, the engine's workers, LMDB, the API in this process): the
 *    registry seeded into the stream (project.create commands), STACK_HOUSEHOLDS of the same
 *    households loaded and alerted (major disease), then a year of service orders (~ORDERS: a
 *    year's referrals in Hangzhou) — dispatches and the sites' steps (accept, start, complete,
 *    decline) at their times, each a help command in the stream decided by the project's
 *    partition — planned in time order against a local mirror of the projects' places (the
 *    engine's pure capacity functions: every dispatch goes to the best match with a place left),
 *    and checked against the help view afterwards (status and revision of every referral).
 *    Then the engine's own alerts are matched against the view's registry (places taken).
 *    Measured with autocannon while the API bench's kind of load runs beside it (the township
 *    alert queue at a steady rate and medical claims streaming through the engine):
 *    GET /v1/alerts/:id/matches over many alerts, GET /v1/referrals?site= (a site key) and
 *    ?township= (a caseworker), each against a static Fastify route in the same process serving a
 *    pre-serialised body of the same size under the same load.
 * Quick mode: fewer alerts, households and orders, 3 s windows.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Registry as PromRegistry } from 'prom-client';
import { generateCity } from '../connectors/city/generator.js';
import { layoutByName } from '../connectors/city/regions.js';
import { generateRegistry } from '../connectors/city/resources.js';
import { openPublisher } from '../connectors/publisher/index.js';
import type { Alert } from '../engine/alerts/types.js';
import { examplePayload } from '../engine/catalogue/examples.js';
import { givePlaceBack, placesLeft, takePlace } from '../engine/help/capacity.js';
import { indexProjects, matchProjects } from '../engine/help/matching.js';
import { serviceReferralId, type ReferralRequest } from '../engine/help/referrals.js';
import type { Project, Recipient, ReferralStatus } from '../engine/help/types.js';
import { DEFAULT_MODEL } from '../engine/model.js';
import { profileOf } from '../engine/process.js';
import type { Household, Region, Suggestion, Update } from '../engine/types.js';
import type { HelpCommand } from '../workers/commands/index.js';
import { publishHelpCommands, seedRegistry } from '../workers/help-seed.js';
import { xorshift } from '../workers/sim/updates.js';
import { initialLoad } from '../workers/initial-load.js';
import { startEngine } from '../workers/engine.js';
import { counts, openStore } from '../workers/store/index.js';
import { buildApp } from '../api/app.js';
import { hashToken } from '../api/auth/index.js';
import { maskName } from '../api/privacy/mask.js';
import { mainThreadCpuUs } from './harness/thread-cpu.js';
import { fmt, isQuick, quantile, readResults, RESULTS_DIR, writeResult, type Figure } from './harness/results.js';
import { NATS_URL, benchConfig } from './harness/streams.js';
import { runPart, teardown } from './harness/teardown.js';

const quick = isQuick();
const SEED = 20231017;
/** Alerts matched in the pure part (each timed once after a warm-up pass). */
const MATCH_ALERTS = quick ? 5_000 : 20_000;
/** Households loaded into the stack, every one alerted. */
const STACK_HOUSEHOLDS = quick ? 2_000 : 20_000;
/**
 * Service orders dispatched over the simulated year: ~14,000 needs matched a year in Hangzhou
 * (domain notes), so a year's referrals are 15,000–20,000; quick mode a tenth of that.
 */
const ORDERS = quick ? 2_000 : 18_000;
/** At most this many of an alert's service needs are tried (its first ones). */
const ORDERS_PER_ALERT = 4;
/** Department updates per second through the engine while the API is measured (as bench/api.ts). */
const STREAM_RATE = quick ? 100 : 300;
/** The township alert queue, requested at this steady rate beside each measurement. */
const QUEUE_RATE = quick ? 50 : 100;
const DURATION = quick ? 3 : 10;
const CONNECTIONS = 20;
const DAY = 86_400_000;

const id = `help${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-help-'));
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const r3 = (n: number): number => Math.round(n * 1000) / 1000;


/** A min-heap of timed events (the sites' steps waiting for their time). */
class Heap<T extends { at: number; seq: number }> {
  private a: T[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  private less(i: number, j: number): boolean {
    const x = this.a[i]!;
    const y = this.a[j]!;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }
  push(v: T): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!this.less(i, up)) break;
      [a[i], a[up]] = [a[up]!, a[i]!];
      i = up;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

interface Sample {
  household: Household;
  region: Region;
  suggestions: Suggestion[];
}

/** Households of the whole generated Hangzhou city with at least one service suggestion, `want` of them evenly spread. */
function sampleCity(want: number): { samples: Sample[]; households: number; withService: number; servicesPerAlert: number } {
  // every household is generated (the generator streams), every `step`-th is scored
  const total = 223_000;
  const step = Math.max(1, Math.floor((total * 0.85) / want));
  const samples: Sample[] = [];
  let n = 0;
  let scored = 0;
  let withService = 0;
  let services = 0;
  for (const h of generateCity('hangzhou', SEED)) {
    if (n++ % step !== 0 || samples.length >= want) continue;
    scored++;
    const suggestions = profileOf(h, DEFAULT_MODEL).suggestions;
    const s = suggestions.filter((x) => x.kind === 'service').length;
    if (s === 0) continue;
    withService++;
    services += s;
    samples.push({ household: h, region: h.region, suggestions });
  }
  return { samples, households: n, withService: withService / Math.max(1, scored), servicesPerAlert: services / Math.max(1, samples.length) };
}

/** Part 1: matchProjects against one plain scan of the registry, interleaved alert by alert. */
function measureMatching(samples: readonly Sample[], projects: readonly Project[], at: number): Record<string, Figure> & { _p99: Figure; _scanP50: Figure } {
  const index = indexProjects(projects);
  let sink = 0;
  // the raw limit: look at every project of the registry once (what any matcher must beat without an index)
  const scan = (code: string): number => {
    let k = 0;
    for (const p of projects) if ((p.services as string[]).includes(code)) k++;
    return k;
  };
  const firstService = samples.map((s) => s.suggestions.find((x) => x.kind === 'service')!.code);
  // warm-up: both paths compiled and the caches warm before anything is timed
  for (let i = 0; i < Math.min(samples.length, 3000); i++) {
    sink += matchProjects(samples[i]!.region, samples[i]!.suggestions, index, { at }).length;
    sink += scan(firstService[i]!);
  }
  const match: number[] = new Array(samples.length);
  const raw: number[] = new Array(samples.length);
  let matched = 0;
  let unmet = 0;
  let proposals = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const a = performance.now();
    const m = matchProjects(s.region, s.suggestions, index, { at });
    const b = performance.now();
    sink += scan(firstService[i]!);
    const c = performance.now();
    match[i] = (b - a) * 1000;
    raw[i] = (c - b) * 1000;
    for (const x of m) {
      matched++;
      proposals += x.matches.length;
      if (x.unmet) unmet++;
    }
  }
  if (sink === -1) say('');
  match.sort((x, y) => x - y);
  raw.sort((x, y) => x - y);
  const mean = match.reduce((x, y) => x + y, 0) / match.length;
  const p50 = quantile(match, 0.5);
  const p99 = quantile(match, 0.99);
  const scanP50 = quantile(raw, 0.5);
  const t1 = performance.now();
  const rebuilt = indexProjects(projects);
  const indexMs = performance.now() - t1;
  if (rebuilt.byService.size === 0) say('empty index');
  return {
    _p99: { value: r3(p99 / 1000), unit: 'ms' },
    _scanP50: { value: r3(scanP50), unit: 'µs' },
    match_p50: { value: r3(p50), unit: 'µs' },
    match_p99_us: { value: r3(p99), unit: 'µs' },
    match_mean: { value: r3(mean), unit: 'µs' },
    match_max: { value: r3(match[match.length - 1]!), unit: 'µs' },
    scan_p50: { value: r3(scanP50), unit: 'µs (one plain scan of the registry)' },
    scan_p99: { value: r3(quantile(raw, 0.99)), unit: 'µs' },
    match_p50_vs_scan: { value: r3(p50 / scanP50), unit: '× one scan' },
    match_p99_vs_scan_p99: { value: r3(p99 / quantile(raw, 0.99)), unit: '× one scan' },
    matches_per_second: { value: Math.round(1e6 / mean), unit: 'alerts/s (one thread, 1 / mean)' },
    match_alerts: { value: samples.length, unit: 'alerts' },
    match_services_per_alert: { value: r3(matched / samples.length), unit: 'services' },
    match_proposals_per_service: { value: r3(proposals / Math.max(1, matched)), unit: 'projects' },
    match_unmet_share: { value: r3(unmet / Math.max(1, matched)), unit: 'of services' },
    index_build: { value: r3(indexMs), unit: 'ms (indexProjects, whole registry)' },
  };
}

/** matchProjects over `alerts` (one warm-up pass, then each timed once): µs. */
function timeMatches(alerts: readonly { region: Region; suggestions: readonly Suggestion[] }[], index: ReturnType<typeof indexProjects>, at: number): { p50: number; p99: number; max: number; services: number } {
  let services = 0;
  for (const a of alerts) services += matchProjects(a.region, a.suggestions, index, { at }).length;
  const lat = alerts.map((a) => {
    const t0 = performance.now();
    matchProjects(a.region, a.suggestions, index, { at });
    return (performance.now() - t0) * 1000;
  });
  lat.sort((x, y) => x - y);
  return { p50: r3(quantile(lat, 0.5)), p99: r3(quantile(lat, 0.99)), max: r3(lat[lat.length - 1] ?? 0), services: services / Math.max(1, alerts.length) };
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  /**
   * CPU time of the main thread per request (the API, the load generator and the load beside it;
   * not the engine's worker threads): unlike req/s it holds still when other processes take the cores.
   */
  cpuUs: number;
}

/** autocannon on `paths` (cycled, one per request) for DURATION seconds. */
async function cannon(base: string, paths: readonly string[], hdrs: Record<string, string>): Promise<Measured> {
  let i = 0;
  const c0 = mainThreadCpuUs();
  const r = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: hdrs,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${base}${paths[0]}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpuUs: Math.round((mainThreadCpuUs() - c0) / Math.max(1, r.requests.total)) };
}

interface Step {
  at: number;
  seq: number;
  referralId: string;
  projectId: string;
  request: ReferralRequest;
}

interface MirrorReferral {
  projectId: string;
  placeMonth: string | null;
  holdsPlace: boolean;
  status: ReferralStatus;
  revision: number;
}

/**
 * A year of service orders for the stack's alerts, decided in time order against a mirror of the
 * projects' places (the engine's own pure functions): dispatches to the best match with a place
 * left, and the sites' steps at their times. Returns the commands in publishing order and the
 * referrals as the engine should end up holding them.
 */
function planYear(alerts: readonly Alert[], projects: readonly Project[], householdOf: (id: string) => Household | undefined, start: number, end: number, tries: number): { commands: HelpCommand[]; expected: Map<string, MirrorReferral>; unmet: number } {
  const mirror = new Map<string, Project>();
  for (const p of projects) mirror.set(p.id, { ...p, usage: { month: '', taken: 0, active: 0 }, orders: 0, retiredAt: null });
  const index = indexProjects(mirror.values());
  const rand = xorshift(SEED); // the simulated year is the same in every run
  /** The help commands in the order they are published (the mirror's order). */
  const commands: HelpCommand[] = [];
  const expected = new Map<string, MirrorReferral>();
  const pending = new Heap<Step>();
  let seq = 0;
  let unmet = 0;
  const base = (at: number, rid: string, target: string) => ({ v: 1 as const, key: `bench-site|${rid}|${target}`, actor: 'bench-site', role: 'site', at, requestId: rid });
  const applyStep = (s: Step): void => {
    const r = expected.get(s.referralId)!;
    const to: ReferralStatus = s.request.action === 'accept' ? 'accepted' : s.request.action === 'start' ? 'in_service' : s.request.action === 'complete' ? 'completed' : 'declined';
    if ((to === 'declined' || to === 'completed') && r.holdsPlace) {
      const p = mirror.get(r.projectId)!;
      Object.assign(p, givePlaceBack(p, r, to === 'declined'));
      r.holdsPlace = false;
    }
    r.status = to;
    r.revision++;
    commands.push({ ...base(s.at, `st${s.seq}`, s.referralId), op: 'referral.step', referralId: s.referralId, request: s.request });
  };
  const flushUntil = (t: number): void => {
    while (pending.size > 0 && pending.peek()!.at <= t) applyStep(pending.pop()!);
  };
  // the needs (alert, service) met over the year, in random order; `tries` of them are tried
  const jobs: { alert: Alert; service: Suggestion }[] = [];
  for (const a of alerts) for (const sv of a.snapshot.suggestions.filter((x) => x.kind === 'service').slice(0, ORDERS_PER_ALERT)) jobs.push({ alert: a, service: sv });
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
  }
  jobs.length = Math.min(jobs.length, tries);
  for (const [i, { alert: a, service }] of jobs.entries()) {
    const at = Math.round(start + ((end - start) * i) / jobs.length);
    flushUntil(at);
    const m = matchProjects(a.region, [service], index, { at, perService: 5 })[0];
    const pick = m?.matches.find((x) => x.placesLeft > 0);
    if (!pick) {
      unmet++;
      continue;
    }
    const p = mirror.get(pick.projectId)!;
    if (placesLeft(p, at) <= 0) throw new Error('mirror: a match with a place left has none');
    const { project: after, placeMonth } = takePlace(p, at);
    Object.assign(p, after);
    const referralId = serviceReferralId(p.id, p.orders);
    expected.set(referralId, { projectId: p.id, placeMonth, holdsPlace: true, status: 'dispatched', revision: 1 });
    const hh = householdOf(a.householdId);
    const recipient: Recipient = { name: hh?.persons[0] ? maskName(hh.persons[0].name) : '*', communityId: a.region.communityId, lat: a.region.lat, lon: a.region.lon, members: hh?.persons.length ?? 1 };
    commands.push({ ...base(at, `o${i}`, a.id), actor: 'bench-cw', role: 'caseworker', key: `bench-cw|o${i}|${a.id}`, op: 'order.dispatch', projectId: p.id, service: service.code, alertId: a.id, householdId: a.householdId, region: a.region, recipient, note: '', rematchOf: null });
    // what the site does with it: most are delivered, a few declined, some still under way at the end
    const u = rand();
    const push = (dt: number, request: ReferralRequest): number => {
      const t = Math.round(at + dt);
      pending.push({ at: t, seq: seq++, referralId, projectId: p.id, request });
      return t;
    };
    if (u < 0.08) push((1 + rand() * 2) * DAY, { action: 'decline', reason: rand() < 0.6 ? 'full' : 'not_suitable', note: '' });
    else if (u < 0.97) {
      const accepted = (0.2 + rand()) * DAY;
      push(accepted, { action: 'accept' });
      const started = accepted + (1 + rand() * 4) * DAY;
      push(started, { action: 'start' });
      const done = started + (7 + rand() * 80) * DAY;
      push(done, { action: 'complete', followUpAt: Math.round(at + done) + 30 * DAY, note: '' });
    }
  }
  flushUntil(end);
  return { commands, expected, unmet };
}

async function main(): Promise<void> {
  const t00 = performance.now();
  const layout = layoutByName('hangzhou');
  const now = Date.now();
  const yearAgo = now - 366 * DAY;
  // the registry as the stream will hold it: active from before the simulated year
  const reg = generateRegistry(layout, SEED, { now: yearAgo - 2 * DAY });

  // ---- part 1: matching, pure, in this thread, before anything else runs here
  const sampled = sampleCity(Math.max(MATCH_ALERTS, STACK_HOUSEHOLDS));
  say(`sampled ${sampled.samples.length} households with a service need out of ${sampled.households} (${fmt(sampled.withService * 100)} % have one) in ${fmt((performance.now() - t00) / 1000)} s`);
  const pure = measureMatching(sampled.samples.slice(0, MATCH_ALERTS), reg.projects, now);
  say(`matchProjects p50 ${fmt(pure['match_p50']!.value)} µs, p99 ${fmt(pure['match_p99_us']!.value)} µs; one registry scan p50 ${fmt(pure['scan_p50']!.value)} µs`);

  // ---- part 2: the real stack
  const cityDir = join(dir, 'city');
  mkdirSync(cityDir, { recursive: true });
  // spread over the whole sample (the generator goes district by district)
  const stride = sampled.samples.length / STACK_HOUSEHOLDS;
  const stackSamples = Array.from({ length: Math.min(STACK_HOUSEHOLDS, sampled.samples.length) }, (_, i) => sampled.samples[Math.floor(i * stride)]!);
  const householdById = new Map(stackSamples.map((s) => [s.household.id, s.household]));
  const fd = openSync(join(cityDir, 'households.ndjson'), 'w');
  for (const s of stackSamples) writeSync(fd, JSON.stringify(s.household) + '\n');
  closeSync(fd);
  const townships = [...new Set(stackSamples.map((s) => s.region.townshipId))];
  const admin = 'lifeline_' + randomBytes(24).toString('base64url');
  const cw = 'lifeline_' + randomBytes(24).toString('base64url');
  const site = 'lifeline_' + randomBytes(24).toString('base64url');
  const config = benchConfig(id, 4, {
    'lmdb.path': join(dir, 'lmdb'),
    'city.dataDir': cityDir,
    'city.profile': 'hangzhou',
    'city.seed': SEED,
    'api.rateLimitPerMin': 100_000_000,
    'api.keys': [
      { id: 'bench-admin', sha256: hashToken(admin), role: 'admin', townships: [] },
      { id: 'bench-cw', sha256: hashToken(cw), role: 'caseworker', townships },
      // a site key scoped to every alliance site: the listing filters by the site asked for
      { id: 'bench-site', sha256: hashToken(site), role: 'site', townships: reg.sites.map((s) => s.id) },
    ],
  });
  const nc = await connect({ servers: NATS_URL, noAsyncTraces: true, name: 'bench-help' });
  const jsm = await jetstreamManager(nc);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const store = openStore({ path: config.lmdb.path });
    closers.push(() => store.close());
    const loaded = await initialLoad(config, { threads: quick ? 1 : 2 });
    say(`loaded ${loaded.households} households in ${loaded.seconds.toFixed(1)} s`);
    const registry = new PromRegistry();
    const engine = await startEngine(config, { registry, store });
    closers.push(() => engine.stop());
    const { publisher } = await openPublisher(nc, config);
    closers.push(() => publisher.close());
    const app = await buildApp(config, { store, engine, nats: nc, registry, layout, dashboard: false, sweeper: false });
    closers.push(() => app.close());
    const view = app.lifeline.help!.view;

    // the registry through the stream, as `lifeline start` seeds it
    let t = performance.now();
    const seeded = await seedRegistry(nc, config, { layout, seed: SEED, now: yearAgo - 2 * DAY });
    const seedUntil = Date.now() + 120_000;
    while (view.projects.size < seeded.projects) {
      if (Date.now() > seedUntil) throw new Error(`the help view holds ${view.projects.size} of ${seeded.projects} seeded projects after 120 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seedSeconds = (performance.now() - t) / 1000;
    say(`registry seeded: ${seeded.projects} projects at ${seeded.sites} sites in ${seedSeconds.toFixed(1)} s`);

    // every household alerted (a major disease), through the pipeline
    await publisher.publishMany(
      stackSamples.map((s, i) => ({
        id: `bench-dx-${i}`,
        source: 'health',
        kind: 'major_disease_diagnosed',
        householdId: s.household.id,
        personId: s.household.persons[0]!.id,
        occurredAt: now,
        payload: { disease: '胃恶性肿瘤', icd10: 'C16.9', diagnosedAt: '2026-08-02' },
      })),
    );
    const alertUntil = Date.now() + 120_000;
    while (counts(store, { now: Date.now() }).active < stackSamples.length * 0.9 && Date.now() < alertUntil) await new Promise((r) => setTimeout(r, 200));
    store.env.resetReadTxn();
    const alerts: Alert[] = [];
    for (const { value } of store.alerts.getRange()) if (value.status !== 'closed' && value.snapshot.suggestions.some((s) => s.kind === 'service')) alerts.push(value);
    alerts.sort((a, b) => (a.id < b.id ? -1 : 1));
    say(`alerts open with a service need: ${alerts.length}`);

    // a year of orders and the sites' steps, as help commands in the stream
    // as many needs tried as it takes for about ORDERS orders to find a place (pure: planned twice)
    const householdOf = (h: string): Household | undefined => householdById.get(h);
    const probe = planYear(alerts, reg.projects, householdOf, yearAgo, now - 60_000, ORDERS * 2);
    const plan = planYear(alerts, reg.projects, householdOf, yearAgo, now - 60_000, Math.round((ORDERS * 2 * ORDERS) / Math.max(1, probe.expected.size)));
    const orders = plan.expected.size;
    // every outcome the engine publishes (core NATS) during the year: refusals by code
    const outcomes = new Map<string, number>();
    const refusals: string[] = [];
    const outSub = nc.subscribe(`${config.stream.subjectPrefix}.cmdout.*`, {
      callback: (err, msg) => {
        if (err) return;
        const o = (JSON.parse(new TextDecoder().decode(msg.data)) as { outcome: { ok: boolean; code?: string; message?: string } }).outcome;
        const k = o.ok ? 'ok' : (o.code ?? 'refused');
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
        if (!o.ok && refusals.length < 5) refusals.push(`${k}: ${o.message ?? ''}`);
      },
    });
    closers.push(async () => outSub.unsubscribe());
    t = performance.now();
    await publishHelpCommands(nc, config, plan.commands);
    const publishSeconds = (performance.now() - t) / 1000;
    const caughtUp = (): number => {
      let k = 0;
      for (const [rid, e] of plan.expected) if (view.referrals.get(rid)?.revision === e.revision) k++;
      return k;
    };
    const yearUntil = Date.now() + (quick ? 60_000 : 300_000);
    let done = 0;
    while ((done = caughtUp()) < orders && Date.now() < yearUntil) await new Promise((r) => setTimeout(r, 250));
    const applySeconds = (performance.now() - t) / 1000;
    // the engine's decisions against the mirror's: same status and revision for every order
    let mismatched = 0;
    const examples: string[] = [];
    for (const [rid, e] of plan.expected) {
      const got = view.referrals.get(rid);
      if (got?.status !== e.status || got.revision !== e.revision) {
        mismatched++;
        if (examples.length < 3) examples.push(`${rid}: expected ${e.status} r${e.revision}, view ${got ? `${got.status} r${got.revision}` : 'missing'}`);
      }
    }
    say(`outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}${refusals.length ? `; e.g. ${refusals.join(' | ')}` : ''}`);
    const extra = [...view.referrals.keys()].filter((k) => !plan.expected.has(k)).length;
    say(`${plan.commands.length} help commands (${orders} orders) published in ${publishSeconds.toFixed(1)} s, in the help view after ${applySeconds.toFixed(1)} s; ${done} of ${orders} as planned${mismatched ? `; ${mismatched} differ: ${examples.join('; ')}` : ''}`);
    const byStatus = new Map<string, number>();
    for (const r of view.referrals.values()) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);

    // the engine's own alerts (after their major disease) against the registry as the help view
    // holds it after the year (places taken), timed in this process before any HTTP load
    const live = timeMatches(alerts.map((a) => ({ region: a.region, suggestions: a.snapshot.suggestions })), view.projectIndex(), Date.now());
    say(`matchProjects, the engine's alerts vs the view's registry: p50 ${fmt(live.p50)} µs, p99 ${fmt(live.p99)} µs, ${fmt(live.services)} services per alert`);

    // ---- the API under load
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const bySite = new Map<string, number>();
    const byTownship = new Map<string, number>();
    for (const r of view.referrals.values()) {
      if (r.siteId) bySite.set(r.siteId, (bySite.get(r.siteId) ?? 0) + 1);
      byTownship.set(r.townshipId, (byTownship.get(r.townshipId) ?? 0) + 1);
    }
    const busiest = (m: Map<string, number>): [string, number] => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    const [siteId, siteCount] = busiest(bySite);
    const [townshipId, townshipCount] = busiest(byTownship);
    const cwAuth = { authorization: `Bearer ${cw}` };
    const siteAuth = { authorization: `Bearer ${site}` };
    const matchPaths = alerts.map((a) => `/v1/alerts/${encodeURIComponent(a.id)}/matches`);
    const sitePath = `/v1/referrals?site=${encodeURIComponent(siteId)}`;
    const townshipPath = `/v1/referrals?township=${encodeURIComponent(townshipId)}`;
    // bodies for the static routes: the same size as ours (a matches body of the mean size)
    const sizes: { body: string; len: number }[] = [];
    for (const p of matchPaths.slice(0, 200)) {
      const r = await app.inject({ method: 'GET', url: p, headers: cwAuth });
      if (r.statusCode !== 200) throw new Error(`${p} answered ${r.statusCode}: ${r.body}`);
      sizes.push({ body: r.body, len: r.body.length });
    }
    const meanLen = sizes.reduce((x, y) => x + y.len, 0) / sizes.length;
    const matchBody = sizes.sort((a, b) => Math.abs(a.len - meanLen) - Math.abs(b.len - meanLen))[0]!.body;
    const siteBody = (await app.inject({ method: 'GET', url: sitePath, headers: siteAuth })).body;
    const townshipBody = (await app.inject({ method: 'GET', url: townshipPath, headers: cwAuth })).body;
    const siteTotal = (JSON.parse(siteBody) as { total: number }).total;
    const townshipTotal = (JSON.parse(townshipBody) as { total: number }).total;
    const stat = Fastify();
    closers.push(() => stat.close());
    stat.get('/v1/alerts/:id/matches', async (_req, reply) => reply.type('application/json').send(matchBody));
    stat.get('/v1/referrals', async (req, reply) => reply.type('application/json').send((req.query as { site?: string }).site ? siteBody : townshipBody));
    const sbase = await stat.listen({ host: '127.0.0.1', port: 0 });

    // the API bench's kind of load beside every measurement: medical claims through the engine,
    // and the busiest township's alert queue at a steady rate
    const ids = stackSamples.map((s) => s.household.id);
    const persons = stackSamples.map((s) => s.household.persons[0]!.id);
    let claimSeq = 0;
    let streamed = 0;
    const streaming = setInterval(() => {
      const batch: Update[] = [];
      for (let i = 0; i < STREAM_RATE / 10; i++) {
        const k = (claimSeq * 7919) % ids.length;
        batch.push({
          id: `bench-claim-${claimSeq++}`,
          source: 'medical_insurance',
          kind: 'medical_claim',
          householdId: ids[k]!,
          personId: persons[k]!,
          occurredAt: Date.now(),
          payload: { ...(examplePayload('medical_claim') as Record<string, unknown>), claimId: `BC${claimSeq}` },
        });
      }
      streamed += batch.length;
      void publisher.publishMany(batch).catch((e: unknown) => say(`streaming: ${(e as Error).message}`));
    }, 100);
    closers.push(async () => clearInterval(streaming));
    const queueTownship = busiest(new Map(townships.map((tw) => [tw, stackSamples.filter((s) => s.region.townshipId === tw).length])))[0];
    let background: autocannon.Result | undefined;
    let backgroundErr: Error | undefined;
    const bg = autocannon(
      { url: `${base}/v1/townships/${queueTownship}/alerts?limit=20`, headers: cwAuth, connections: 4, overallRate: QUEUE_RATE, duration: 24 * 3600 },
      (err, res) => {
        if (err) backgroundErr = err;
        background = res;
      },
    );
    closers.push(async () => bg.stop());
    await new Promise((r) => setTimeout(r, 1000));

    const figures: Record<string, Figure> = {};
    const ratios: Record<string, number> = {};
    const endpoints: [string, string[], Record<string, string>, number][] = [
      ['matches_http', matchPaths, cwAuth, matchBody.length],
      ['referrals_site', [sitePath], siteAuth, siteBody.length],
      ['referrals_township', [townshipPath], cwAuth, townshipBody.length],
    ];
    const http: Record<string, Figure> = {};
    for (const [k, paths, h, len] of endpoints) {
      const s = await cannon(sbase, paths, h);
      const o = await cannon(base, paths, h);
      http[`${k}_rps`] = { value: Math.round(o.rps), unit: 'req/s' };
      http[`${k}_p50`] = { value: o.p50, unit: 'ms' };
      http[`${k}_p99`] = { value: o.p99, unit: 'ms' };
      http[`${k}_static_rps`] = { value: Math.round(s.rps), unit: 'req/s' };
      http[`${k}_static_p99`] = { value: s.p99, unit: 'ms' };
      http[`${k}_ratio`] = { value: r3(o.rps / s.rps), unit: '× static' };
      http[`${k}_cpu_per_req`] = { value: o.cpuUs, unit: 'µs' };
      http[`${k}_static_cpu_per_req`] = { value: s.cpuUs, unit: 'µs' };
      http[`${k}_cpu_ratio`] = { value: r3(s.cpuUs / Math.max(1, o.cpuUs)), unit: '× static' };
      http[`${k}_body`] = { value: len, unit: 'B' };
      ratios[k] = o.rps / s.rps;
      say(`${k}: ours ${fmt(o.rps)} req/s p99 ${o.p99} ms, static ${fmt(s.rps)} req/s p99 ${s.p99} ms`);
    }
    bg.stop();
    const bgUntil = Date.now() + 10_000;
    while (!background && !backgroundErr && Date.now() < bgUntil) await new Promise((r) => setTimeout(r, 50));
    clearInterval(streaming);
    if (backgroundErr) throw backgroundErr;

    // ---- results: the headline first (markdownTable shows the first figure)
    figures['match_p99'] = { value: pure._p99.value, unit: 'ms (matchProjects, one alert vs 2,605 projects)' };
    for (const [k, v] of Object.entries(pure)) if (!k.startsWith('_')) figures[k] = v;
    figures['match_live_p50'] = { value: live.p50, unit: "µs (the engine's alerts vs the help view's registry after the year)" };
    figures['match_live_p99'] = { value: live.p99, unit: 'µs' };
    figures['match_live_max'] = { value: live.max, unit: 'µs' };
    figures['match_live_services_per_alert'] = { value: r3(live.services), unit: 'services' };
    Object.assign(figures, http);
    figures['referrals_in_view'] = { value: view.referrals.size, unit: 'referrals' };
    for (const [st, c] of [...byStatus.entries()].sort()) figures[`referrals_${st}`] = { value: c, unit: 'referrals' };
    figures['referrals_site_matching'] = { value: siteTotal, unit: `referrals (site ${siteId}, ${siteCount} in all)` };
    figures['referrals_township_matching'] = { value: townshipTotal, unit: `referrals (township ${townshipId}, ${townshipCount} in all)` };
    figures['orders_planned'] = { value: orders, unit: 'orders' };
    figures['orders_unmet_in_plan'] = { value: plan.unmet, unit: 'needs (no place within reach)' };
    figures['help_commands'] = { value: plan.commands.length, unit: 'commands' };
    figures['help_commands_per_second'] = { value: Math.round(plan.commands.length / applySeconds), unit: 'commands/s (publish → in the help view)' };
    figures['referrals_not_as_planned'] = { value: mismatched, unit: 'referrals (status or revision differs from the mirror, or missing)' };
    figures['referrals_unplanned'] = { value: extra, unit: 'referrals' };
    figures['registry_seed_seconds'] = { value: r3(seedSeconds), unit: 's' };
    figures['registry_projects'] = { value: seeded.projects, unit: 'projects' };
    figures['registry_sites'] = { value: seeded.sites, unit: 'sites' };
    figures['households_loaded'] = { value: loaded.households, unit: 'households' };
    figures['alerts_with_service_need'] = { value: alerts.length, unit: 'alerts' };
    figures['queue_background_rps'] = { value: Math.round(background?.requests.average ?? 0), unit: `req/s (township alert queue, offered ${QUEUE_RATE}/s)` };
    figures['queue_background_p99'] = { value: background?.latency.p99 ?? 0, unit: 'ms' };
    figures['updates_streamed_during_measurement'] = { value: streamed, unit: 'updates' };
    if ((background?.non2xx ?? 0) > 0) throw new Error(`the background queue load got ${background!.non2xx} non-2xx answers`);

    // the one goal the issue sets: matching p99 < 10 ms; the listings are held against their raw limit
    // (a static route of the same body) and reported beside the alert queue's own ratio (part api)
    const apiQueueRatio = readResults(RESULTS_DIR, quick).find((r) => r.part === 'api')?.ratio ?? null;
    const matchRatio = 10 / Math.max(pure._p99.value, live.p99 / 1000, 0.001);
    const listing = `referral queue listing under load: ?site= ${fmt(ratios['referrals_site']!)}× and ?township= ${fmt(ratios['referrals_township']!)}× of a static route serving the same body (p99 ${fmt(http['referrals_site_p99']!.value)} / ${fmt(http['referrals_township_p99']!.value)} ms vs the static route's ${fmt(http['referrals_site_static_p99']!.value)} / ${fmt(http['referrals_township_static_p99']!.value)} ms); GET matches ${fmt(ratios['matches_http'] ?? http['matches_http_ratio']!.value)}×; for comparison the township alert queue reaches ${apiQueueRatio === null ? '(part api not measured yet)' : `${fmt(apiQueueRatio)}×`} of its static route in part api's last run; issue 11's ≥ 0.5× list goal: ${['referrals_site', 'referrals_township'].map((k) => `${k} ${ratios[k]! >= 0.5 ? 'met' : 'missed'}`).join(', ')}`;
    writeResult({
      part: 'help',
      figures,
      limit: { name: `one plain scan of the registry (2,605 projects, filter by service), p50 — a match costs ${fmt(pure['match_p50_vs_scan']!.value)} scans; ratio = the 10 ms goal / p99`, value: pure._scanP50.value, unit: 'µs' },
      ratio: r3(matchRatio),
      goal: 1,
      notes: [
        `headline ratio = 10 ms / matchProjects p99 (the worse of the generated city's alerts and the engine's own after the year): issue 15's goal p99 < 10 ms`,
        listing,
        `matching: ${MATCH_ALERTS} households of the generated Hangzhou city (seed ${SEED}) with at least one service suggestion (${fmt(sampled.withService * 100)} % of households have one), sampled evenly over the city, their profileOf suggestions; one call each, timed interleaved with one plain scan of the registry (the raw limit); match_p50_vs_scan = how many plain scans one indexed match costs`,
        `stack: ${loaded.households} of those households loaded and alerted (major disease), the registry seeded through the stream, then ${plan.commands.length} help commands (${orders} service orders over a simulated year and the sites' accept/start/complete/decline steps at their times) published as commands and decided by the engine; ${done} of ${orders} referrals ended exactly as a mirror of the projects' places planned them${mismatched ? ` (${mismatched} differ, e.g. ${examples.join('; ')})` : ''}; no policy referrals (they need verified alerts)`,
        `HTTP: autocannon ${CONNECTIONS} connections × ${DURATION} s per endpoint, static route first then ours, load generator in the same process; beside it the busiest township's alert queue at ${QUEUE_RATE} req/s and ${STREAM_RATE} medical claims/s through the engine; matches cycle over ${matchPaths.length} alerts (caseworker key); ?site= with a site key for the busiest site, ?township= with a caseworker key for the busiest township, first page (50)`,
        '*_cpu_ratio = static main-thread CPU per request / ours (API, load generator and the load beside it; not the engine workers): closer to the req/s ratio with the cores to ourselves; req/s of back-to-back windows swings with what else runs on the machine',
        'the machine is shared: ratios hold better than absolute figures',
      ],
    });
  } finally {
    await teardown({ closers, jsm, nc, streamTag: id, dir, say });
  }
}

runPart(main, dir);
