/**
 * A careless or hostile client against every route with every role: generated bodies, headers,
 * query strings and path parameters (fast-check, seeded: LIFELINE_TEST_SEED replays a run).
 * Each request carries a unique marker string. Never a 5xx (a 503 naming a dependency this
 * test does not start is allowed), never a marker in /metrics, never a marker from another
 * request in what an analyst, an integration key or an anonymous caller gets back, never its own
 * marker in an analyst's or anonymous caller's successful answer (a 4xx may name the caller's own
 * bad field back to it), every 4xx in the one error shape with a field, /healthz alive
 * throughout, and the heap measured before and after.
 *
 * CI runs LIFELINE_FUZZ_RUNS requests (default 5,000); LIFELINE_FUZZ_FULL=1 runs 100,000. The
 * live alert stream is sent every request it refuses; the ones it would accept are left out (an
 * open stream never ends an inject).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty, testSeed } from '../../test/support/seed.js';
import { authOf, openFixture, TOKENS, type Caller, type Fixture } from './fixture.js';

const FULL = process.env['LIFELINE_FUZZ_FULL'] === '1';
const RUNS = FULL ? 100_000 : Number(process.env['LIFELINE_FUZZ_RUNS'] ?? 5_000);
const CALLERS: Caller[] = ['anonymous', 'integration', 'analyst', 'caseworker', 'otherCaseworker', 'admin'];
/** Roles that may see free text other callers wrote (notes, reasons): caseworkers and admins. */
const SEES_FREE_TEXT = new Set<Caller>(['caseworker', 'otherCaseworker', 'admin']);
const MARKER_RE = /MK[0-9a-f]{6}Z\d+Q/g;

interface Route {
  method: string;
  url: string;
  params: string[];
}

/** Every route of the OpenAPI document, plus the ones it leaves out. */
function routesOf(fx: Fixture): Route[] {
  const spec = fx.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const out: Route[] = [];
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const method of Object.keys(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      out.push({ method: method.toUpperCase(), url: path, params });
    }
  }
  for (const url of ['/metrics', '/healthz', '/readyz', '/docs/json', '/nothing/here']) if (!out.some((r) => r.url === url)) out.push({ method: 'GET', url, params: [] });
  return out;
}

describe('fuzzing every route with every role', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await openFixture({ n: 60 });
  }, 60_000);
  afterAll(async () => {
    await fx?.close();
  });

  it(`${RUNS} generated requests: no 5xx, no marker where the caller may not see it, /healthz alive, heap bounded`, { tags: ['property'], timeout: 1_800_000 }, async () => {
    const seed = testSeed();
    const tag = (seed >>> 0).toString(16).padStart(8, '0').slice(0, 6);
    console.log(`fuzz: seed ${seed} (replay: LIFELINE_TEST_SEED=${seed} npx vitest run api/test/fuzz.test.ts), ${RUNS} requests`);
    const routes = routesOf(fx);
    expect(routes.length).toBeGreaterThan(15);
    const known = { township: fx.township, other: fx.otherTownship, household: fx.households[0]!.id, alert: fx.alerts[0]?.id ?? 'none' };
    let counter = 0;
    const marker = () => `MK${tag}Z${++counter}Q`;

    // building blocks: catalogue-ish values, hostile strings, and the request's marker
    const text = fc.oneof(
      fc.constantFrom('', ' ', 'null', '0', '-1', '1e309', 'true', '../../etc/passwd', '%00', '\u0000', '😀', '张三', 'a'.repeat(300), '__proto__', 'constructor', known.township, known.household, known.alert, 'open', 'urgent', 'health', 'medical_claim'),
      fc.string({ maxLength: 40 }),
      fc.constant('@MARKER@'),
    );
    const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof({ maxDepth: 3 }, scalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(text, fc.constantFrom('requestId', 'max', 'leaseSec', 'leaseToken', 'outcome', 'note', 'referrals', 'id', 'source', 'kind', 'householdId', 'personId', 'occurredAt', 'payload')), tie('v'), { maxKeys: 6 })),
    })).v;
    const body = fc.oneof(
      value,
      fc.record({ requestId: text, max: fc.oneof(fc.integer({ min: -2, max: 60 }), text), leaseSec: fc.oneof(fc.integer({ min: -5, max: 100_000 }), text), waitSec: fc.constantFrom(0, '0', -1) }, { requiredKeys: [] }),
      fc.record({ requestId: text, leaseToken: text, outcome: fc.constantFrom('confirmed', 'not_confirmed', 'unreachable', '@MARKER@'), note: text }, { requiredKeys: [] }),
      fc.array(fc.record({ id: text, source: fc.oneof(text, fc.constantFrom('health', 'civil_affairs')), kind: text, householdId: fc.oneof(text, fc.constant(known.household)), occurredAt: fc.oneof(fc.integer(), text), payload: value }, { requiredKeys: [] }), { maxLength: 5 }),
    );
    const request = fc.record({
      route: fc.constantFrom(...routes),
      caller: fc.constantFrom(...CALLERS),
      params: fc.array(fc.oneof(text, fc.constantFrom(known.township, known.other, known.household, known.alert)), { minLength: 4, maxLength: 4 }),
      query: fc.dictionary(fc.oneof(fc.constantFrom('township', 'district', 'status', 'level', 'type', 'overdue', 'limit', 'cursor', 'period', 'region', 'at', 'actor', 'from', 'to', 'waitSec'), text), fc.oneof(text, fc.integer().map(String), fc.array(text, { minLength: 2, maxLength: 2 })), { maxKeys: 4 }),
      body: fc.option(body, { freq: 3 }),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml', undefined),
      authorization: fc.option(fc.oneof(fc.constantFrom('Bearer', 'Bearer ', `Basic ${TOKENS.admin}`, `bearer ${TOKENS.admin}`), text.map((t) => `Bearer ${t}`)), { freq: 8 }),
      header: fc.option(fc.tuple(fc.constantFrom('x-request-id', 'accept', 'last-event-id', 'x-forwarded-for', 'accept-encoding'), text), { freq: 2 }),
    });

    const leaks: string[] = [];
    const errors: string[] = [];
    const unavailable = new Map<string, number>();
    const fill = (s: string, m: string) => s.split('@MARKER@').join(m);
    const deep = (v: unknown, m: string): unknown =>
      typeof v === 'string' ? fill(v, m) : Array.isArray(v) ? v.map((x) => deep(x, m)) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k, m), deep(x, m)])) : v;
    const checkMetrics = async () => {
      const r = await fx.app.inject({ method: 'GET', url: '/metrics' });
      const found = r.body.match(MARKER_RE);
      if (found) leaks.push(`/metrics shows ${found.slice(0, 3).join(', ')}`);
      const h = await fx.app.inject({ method: 'GET', url: '/healthz' });
      if (h.statusCode !== 200) errors.push(`/healthz answered ${h.statusCode}`);
    };

    // measured after a full collection, so the figure is what is kept, not what is garbage yet
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed / 2 ** 20;
    };
    const before = heap();
    const WARM = Math.min(2_000, Math.floor(RUNS / 2));
    let warm = before;
    let n = 0;
    await assertProperty(
      fc.asyncProperty(request, async (q) => {
        const m = marker();
        const params = q.params.map((p) => fill(p, m));
        let url = q.route.url;
        q.route.params.forEach((name, i) => (url = url.replace(`{${name}}`, encodeURIComponent(params[i] ?? 'x'))));
        const qs = Object.entries(q.query)
          .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(fill(k, m))}=${encodeURIComponent(fill(x, m))}`))
          .join('&');
        const headers: Record<string, string> = { ...authOf(q.caller) };
        if (q.authorization !== null) headers['authorization'] = fill(q.authorization, m);
        if (q.header !== null) headers[q.header[0]] = fill(q.header[1], m);
        const payload = q.body === null || q.route.method === 'GET' ? undefined : JSON.stringify(deep(q.body, m)) ?? 'null';
        if (payload !== undefined && q.contentType) headers['content-type'] = q.contentType;
        // who the server took the caller for: the role of the token the header carries (`bearer` and `Basic` spellings included), else nobody
        const sent = headers['authorization'] ?? '';
        const effective: Caller = (Object.keys(TOKENS) as (keyof typeof TOKENS)[]).find((c) => sent.includes(TOKENS[c])) ?? 'anonymous';
        // a live stream the caller may open never ends: those are left out, every refused one is sent
        if (url.endsWith('/stream') && (effective === 'admin' || ((effective === 'caseworker' || effective === 'otherCaseworker') && (params[0] === known.township || params[0] === known.other)))) return;
        const r = await fx.app.inject({ method: q.route.method as 'GET', url: qs ? `${url}?${qs}` : url, headers, ...(payload !== undefined ? { payload } : {}) });
        const where = `${q.route.method} ${q.route.url} as ${q.caller} → ${r.statusCode}`;
        if (r.statusCode >= 500) {
          const code = (() => {
            try {
              return (r.json() as { error?: { code?: string } }).error?.code;
            } catch {
              return undefined;
            }
          })();
          if (code === 'LIFELINE_ERR_API_UNAVAILABLE' || (q.route.url === '/readyz' && r.statusCode === 503)) unavailable.set(q.route.url, (unavailable.get(q.route.url) ?? 0) + 1);
          else errors.push(`${where}: ${r.body.slice(0, 300)}`);
        }
        if (r.statusCode >= 400 && r.statusCode < 500) {
          const e = (r.json() as { error?: { code?: string; field?: string } }).error;
          if (!e?.code?.startsWith('LIFELINE_ERR_') || typeof e.field !== 'string') errors.push(`${where}: 4xx without the error shape or a field: ${r.body.slice(0, 200)}`);
        }
        const seen = r.body.match(MARKER_RE) ?? [];
        const foreign = seen.filter((x) => x !== m);
        if (q.route.url === '/metrics' && seen.length) leaks.push(`${where}: ${seen[0]}`);
        else if (!SEES_FREE_TEXT.has(effective) && foreign.length) leaks.push(`${where}: another request's ${foreign[0]}`);
        // a 4xx may name the caller's own bad field back to it (that is no disclosure); an answer never carries it
        else if ((effective === 'analyst' || effective === 'anonymous') && seen.length && r.statusCode < 400) leaks.push(`${where}: echoes its own ${seen[0]}`);
        if (++n % 2_000 === 0) await checkMetrics();
        // warm: every route has compiled its schemas and the caches and the analysts' release exist
        if (n === WARM) warm = heap();
        // keep going to collect findings; stop once there are enough to act on
        return errors.length + leaks.length < 20;
      }),
      { numRuns: RUNS, endOnFailure: true },
    ).catch((err: unknown) => {
      console.log(`fuzz findings:\n${[...errors, ...leaks].join('\n')}`);
      throw err;
    });
    await checkMetrics();
    const after = heap();
    console.log(
      `fuzz: ${n} requests; heap after a full GC: ${before.toFixed(1)} MiB before, ${warm.toFixed(1)} MiB after ${WARM} (warm), ${after.toFixed(1)} MiB after all (+${(after - warm).toFixed(1)} MiB since warm); answered 503 for missing dependencies: ${JSON.stringify(Object.fromEntries(unavailable))}`,
    );
    expect(errors.slice(0, 5)).toEqual([]);
    expect(leaks.slice(0, 5)).toEqual([]);
    // bounded: the label sets, feed rows and caches do not grow with the number of requests
    expect(after - warm).toBeLessThan(32);
  });
});
