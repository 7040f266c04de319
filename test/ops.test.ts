/**
 * The operators' kit (ops/, docker-compose.yml) tried the way a platform engineer tries it:
 * compose mounts the dashboards where Grafana's provisioning reads them and the rules where
 * Prometheus's config loads them; promtool accepts the config, the rules (and runs their cases)
 * and a running node's /metrics; every labelled counter has series before the first event; and a
 * real Prometheus (Debian's package, started here on a free loopback port) scraping the whole
 * stack answers every expression of the Grafana dashboards with data and evaluates every rule
 * without error, with none of the infrastructure alerts firing on a healthy node.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household, Update } from '../engine/types.js';
import { startStack, type Stack } from './support/stack.js';
import { ensurePrometheus, promtool, startPrometheus, type PrometheusTools, type RunningPrometheus, type VectorSample } from './support/prometheus.js';
import { waitFor } from '../bench/harness/wait.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OPS = join(ROOT, 'ops');
const RULES = join(OPS, 'prometheus', 'rules.yml');

const readYaml = <T>(file: string): T => parseYaml(readFileSync(file, 'utf8')) as T;

interface Compose {
  services: Record<string, { volumes?: (string | { source: string; target: string })[] }>;
}

/** A service's bind mounts as host path (absolute) → container path. */
function mounts(compose: Compose, service: string): { host: string; container: string }[] {
  return (compose.services[service]?.volumes ?? []).flatMap((v) => {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target];
    // named volumes (no ./ or /) are not files of this repository
    if (!source || !target || !(source.startsWith('.') || isAbsolute(source))) return [];
    return [{ host: resolve(ROOT, source), container: posix.normalize(target) }];
  });
}

/** Where a container path lives on the host through `ms` (the deepest mount containing it), or null. */
function onHost(ms: { host: string; container: string }[], containerPath: string): string | null {
  const p = posix.normalize(containerPath);
  const m = ms.filter((x) => p === x.container || p.startsWith(`${x.container}/`)).sort((a, b) => b.container.length - a.container.length)[0];
  return m ? join(m.host, posix.relative(m.container, p)) : null;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating?: { list: { name: string; query?: string | { query: string } }[] };
}

/** The dashboard JSON files Grafana provisions from docker-compose's mounts. */
function provisionedDashboards(): { file: string; dashboard: Dashboard }[] {
  const compose = readYaml<Compose>(join(ROOT, 'docker-compose.yml'));
  const grafana = mounts(compose, 'grafana');
  const provisioning = onHost(grafana, '/etc/grafana/provisioning/dashboards');
  if (!provisioning) throw new Error('docker-compose.yml mounts nothing at /etc/grafana/provisioning/dashboards');
  const out: { file: string; dashboard: Dashboard }[] = [];
  for (const f of readdirSync(provisioning).filter((n) => /\.ya?ml$/.test(n))) {
    const providers = readYaml<{ providers: { name: string; options: { path: string } }[] }>(join(provisioning, f)).providers;
    for (const p of providers) {
      const folder = onHost(grafana, p.options.path);
      if (!folder || !existsSync(folder) || !statSync(folder).isDirectory()) throw new Error(`provider ${p.name} (${f}) reads ${p.options.path}, which docker-compose.yml does not mount from a folder of this repository`);
      for (const j of readdirSync(folder).filter((n) => n.endsWith('.json'))) out.push({ file: join(folder, j), dashboard: JSON.parse(readFileSync(join(folder, j), 'utf8')) as Dashboard });
    }
  }
  return out;
}

/** Every query of a dashboard: panel targets (rows nest panels) and template variables. */
function expressions(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const walk = (ps: Panel[]): void => {
    for (const p of ps) {
      for (const t of p.targets ?? []) if (t.expr) out.push({ where: `panel "${p.title ?? '?'}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    // label_values(<series>, <label>) asks Prometheus for the series
    const m = q ? /^label_values\((.+),\s*\w+\)$/.exec(q) : null;
    if (m) out.push({ where: `variable $${v.name}`, expr: m[1]! });
  }
  return out;
}

/** Grafana's substitutions: `$instance` → its "All" value; `$__rate_interval` → 2m, which spans this whole test (1 s scrapes). */
const asGrafanaSends = (expr: string): string => expr.replace(/\$__rate_interval/g, '2m').replace(/\$instance\b/g, '.*');

describe('docker-compose.yml and the provisioning files', () => {
  it('mounts the dashboards at the folder Grafana’s provisioning reads, and that folder holds the dashboard JSON', () => {
    const found = provisionedDashboards();
    expect(found.map((f) => f.file)).toContain(join(OPS, 'grafana', 'dashboards', 'lifeline.json'));
    for (const { file, dashboard } of found) {
      expect(expressions(dashboard).length, file).toBeGreaterThan(20);
    }
  });

  it('points the dashboards at the provisioned datasource', () => {
    const compose = readYaml<Compose>(join(ROOT, 'docker-compose.yml'));
    const datasources = onHost(mounts(compose, 'grafana'), '/etc/grafana/provisioning/datasources');
    expect(datasources).not.toBeNull();
    const uids = new Set(
      readdirSync(datasources!)
        .filter((n) => /\.ya?ml$/.test(n))
        .flatMap((f) => readYaml<{ datasources: { uid: string }[] }>(join(datasources!, f)).datasources.map((d) => d.uid)),
    );
    for (const { file } of provisionedDashboards()) {
      const used = new Set([...readFileSync(file, 'utf8').matchAll(/"uid":\s*"([^"]+)"/g)].map((m) => m[1]!).filter((u) => u.includes('prometheus')));
      expect([...used].filter((u) => !uids.has(u)), file).toEqual([]);
    }
  });

  it('mounts Prometheus’s config and every rule file it loads', () => {
    const compose = readYaml<Compose>(join(ROOT, 'docker-compose.yml'));
    const prom = mounts(compose, 'prometheus');
    const config = onHost(prom, '/etc/prometheus/prometheus.yml');
    expect(config).toBe(join(OPS, 'prometheus', 'prometheus.yml'));
    const rules = readYaml<{ rule_files?: string[] }>(config!).rule_files ?? [];
    expect(rules).not.toEqual([]);
    for (const r of rules) {
      const inContainer = posix.isAbsolute(r) ? r : posix.join('/etc/prometheus', r);
      const host = onHost(prom, inContainer);
      expect(host, `${r} is not mounted`).not.toBeNull();
      expect(existsSync(host!), `${host} is missing`).toBe(true);
    }
    expect(onHost(prom, '/etc/prometheus/rules.yml')).toBe(RULES);
  });
});

const ensured = ensurePrometheus();
const tools: PrometheusTools | null = 'tools' in ensured ? ensured.tools : null;
if (!tools) process.stderr.write(`\n[ops.test] SKIPPED the promtool and Prometheus checks: ${'why' in ensured ? ensured.why : ''}\n\n`);

describe.skipIf(!tools)('promtool and a real Prometheus against a running node', () => {
  const tool = tools!;
  let stack: Stack | undefined;
  let prom: RunningPrometheus | undefined;
  let firstScrape = '';

  const scrapeText = async (): Promise<string> => {
    const r = await fetch(`${stack!.url}/metrics`);
    expect(r.status).toBe(200);
    return r.text();
  };
  /** Lifeline series in an exposition: name → sample lines. */
  const series = (text: string): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const m = /^(lifeline_\w+?)(?:\{|\s)/.exec(line);
      if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), line]);
    }
    return out;
  };
  const post = (path: string, body: unknown) =>
    fetch(`${stack!.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${stack!.keys.admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const disease = (h: Household, id: string): Update =>
    ({
      id,
      source: 'health',
      kind: 'major_disease_diagnosed',
      householdId: h.id,
      personId: h.persons[0]!.id,
      occurredAt: Date.now(),
      payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
    }) as Update;
  const vector = async (expr: string): Promise<VectorSample[]> => {
    const a = await prom!.query(expr);
    if (a.status !== 'success') throw new Error(`${expr}: ${a.errorType}: ${a.error}`);
    return a.data!.result as VectorSample[];
  };

  beforeAll(async () => {
    stack = await startStack();
    // before any update, claim or failure
    firstScrape = await scrapeText();
  }, 60_000);

  afterAll(async () => {
    try {
      await prom?.stop();
    } finally {
      await stack?.stop();
    }
  }, 30_000);

  it('has a series for every labelled counter before the first event (rejections, duplicates, publish failures, dead letters, batch failures)', async () => {
    const at = series(firstScrape);
    for (const name of ['lifeline_updates_rejected_total', 'lifeline_updates_deduplicated_total', 'lifeline_updates_publish_failures_total', 'lifeline_dead_letters_published_total', 'lifeline_engine_dead_letters_total']) {
      expect(at.get(name)?.length ?? 0, name).toBeGreaterThan(0);
      expect(at.get(name)!.every((l) => / 0$/.test(l)), `${name} starts at zero`).toBe(true);
    }
    // batch failures: one series per partition the node consumes
    expect(at.get('lifeline_engine_batch_failures_total')?.length, 'lifeline_engine_batch_failures_total').toBe(stack!.engine.partitionCount);
    expect(at.get('lifeline_engine_batch_failures_total')!.every((l) => / 0$/.test(l))).toBe(true);
    // the HTTP counters by route appear with a route's first request: the first scrape made one
    const text = await scrapeText();
    // every Lifeline counter has series
    const declared = [...text.matchAll(/^# TYPE (lifeline_\w+) counter$/gm)].map((m) => m[1]!);
    const now = series(text);
    expect(declared.filter((n) => !now.has(n))).toEqual([]);
  });

  it('passes promtool check config, check rules, the rules’ cases and check metrics on a running node', async () => {
    const config = promtool(tool, ['check', 'config', join(OPS, 'prometheus', 'prometheus.yml')]);
    expect(config.status, config.output).toBe(0);
    const rules = promtool(tool, ['check', 'rules', RULES]);
    expect(rules.status, rules.output).toBe(0);
    const cases = promtool(tool, ['test', 'rules', join(OPS, 'prometheus', 'rules.test.yml')]);
    expect(cases.status, cases.output).toBe(0);
    const metrics = promtool(tool, ['check', 'metrics'], await scrapeText());
    const findings = metrics.output.split('\n').filter((l) => l.trim() !== '');
    // prom-client's default metrics name three gauges *_total; every Node.js dashboard knows them by these names
    const known = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'].map((n) => `${n} non-counter metrics should not have "_total" suffix`));
    expect(findings.filter((f) => !known.has(f)), metrics.output).toEqual([]);
    expect(metrics.status === 0 || findings.length > 0, `promtool exited ${metrics.status}: ${metrics.output}`).toBe(true);
  });

  it('answers every dashboard expression with data through a real Prometheus scraping the node, and evaluates every rule', async () => {
    prom = await startPrometheus(tool, { targets: [new URL(stack!.url!).host], ruleFiles: [RULES] });
    const generated = promtool(tool, ['check', 'config', prom.configFile]);
    expect(generated.status, generated.output).toBe(0);
    await waitFor('Prometheus to scrape the node', async () => (await vector('up{job="lifeline"} == 1')).length === 1, { timeoutMs: 15_000, everyMs: 200, detail: () => prom!.log() });

    // observations for every histogram and counter the dashboard reads: alerts (event → alert), a rejection, HTTP requests
    const hs = stack!.households.slice(0, 4);
    const sent = await post('/v1/updates', [...hs.map((h, i) => disease(h, `ops-${i}`)), { ...disease(hs[0]!, 'ops-bad'), householdId: 'nobody-here' }]);
    expect(sent.status).toBe(202);
    await waitFor(
      'Prometheus to see the alerts, commits and the rejection',
      async () =>
        (await vector('sum(lifeline_alerts_created_total) > 0 and sum(lifeline_processing_seconds_count) > 0 and sum(lifeline_updates_rejected_total) > 0 and sum(lifeline_event_to_alert_seconds_count) > 0'))
          .length === 1,
      { timeoutMs: 30_000, everyMs: 250 },
    );

    const dashboards = provisionedDashboards();
    const answers: { where: string; expr: string; verdict: string }[] = [];
    for (const { file, dashboard } of dashboards) {
      for (const { where, expr } of expressions(dashboard)) {
        const sentExpr = asGrafanaSends(expr);
        const result = await vector(sentExpr);
        const finite = result.filter((s) => Number.isFinite(Number(s.value[1])));
        // a NaN quantile is a histogram without observations in the window: not data
        answers.push({ where: `${file.slice(ROOT.length + 1)} ${where}`, expr: sentExpr, verdict: finite.length ? 'data' : result.length ? 'only NaN (no observations)' : 'empty' });
      }
    }
    expect(answers.length).toBeGreaterThan(30);
    expect(answers.filter((a) => a.verdict !== 'data')).toEqual([]);

    // every rule evaluated at least once, without error
    type Rule = { name: string; type: string; health: string; lastError?: string; state?: string };
    const rulesNow = async () => (await prom!.get<{ data: { groups: { name: string; rules: Rule[] }[] } }>('/api/v1/rules')).data.groups.flatMap((g) => g.rules);
    await waitFor('every rule evaluated', async () => (await rulesNow()).every((r) => r.health !== 'unknown'), { timeoutMs: 10_000, everyMs: 250 });
    const rules = await rulesNow();
    const declared = readYaml<{ groups: { rules: { record?: string; alert?: string }[] }[] }>(RULES).groups.flatMap((g) => g.rules.map((r) => r.record ?? r.alert));
    expect(rules.map((r) => r.name).sort()).toEqual([...declared].sort());
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
    // a healthy node: its engine runs, owns every partition, is connected, and the stream's replicas are current
    const quiet = ['LifelineTargetDown', 'LifelineTargetsAbsent', 'LifelineEngineStopped', 'LifelinePartitionsUnowned', 'LifelineNodeBelowFairShare', 'LifelineNatsDisconnected', 'LifelineStreamReplicaLost', 'LifelineStreamQuorumLost'];
    expect(rules.filter((r) => quiet.includes(r.name) && r.state !== 'inactive').map((r) => `${r.name} ${r.state}`)).toEqual([]);
    // the figures behind those alerts, as Prometheus holds them
    expect(Number((await vector('lifeline_engine_partitions_owned'))[0]?.value[1])).toBe(stack!.engine.partitionCount);
    expect(Number((await vector('lifeline_nats_connected'))[0]?.value[1])).toBe(1);
    expect(Number((await vector('lifeline_stream_replicas_current'))[0]?.value[1])).toBe(stack!.config.stream.replicas);
  });
});
