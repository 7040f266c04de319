/**
 * Test support: Debian's Prometheus (`prometheus`, `promtool`) for tests of the operators' kit.
 * `ensurePrometheus()` finds the binaries or, as root, installs the package with apt-get (like
 * cli/with-nats.ts does for nats-server); `startPrometheus()` runs a server on a free loopback port
 * with a temporary config and data folder, both removed by `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitFor, waitForExit } from '../../bench/harness/wait.js';
import { freePort } from '../../bench/harness/ports.js';

/** How long the server may take to report ready (ms): it replays an empty WAL, so this is generous. */
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface PrometheusTools {
  prometheus: string;
  promtool: string;
}

function onPath(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function found(): PrometheusTools | null {
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  return prometheus && promtool ? { prometheus, promtool } : null;
}

/** The binaries, installed from Debian's package when missing and running as root; else why not. */
export function ensurePrometheus(log: (line: string) => void = (l) => void process.stderr.write(`[prometheus] ${l}\n`)): { tools: PrometheusTools } | { why: string } {
  const have = found();
  if (have) return { tools: have };
  if (process.getuid?.() !== 0) return { why: 'prometheus/promtool not found and not root: install Debian\'s package with `sudo apt-get install prometheus`' };
  const apt = (args: string[]): boolean => {
    log(`running: apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 300_000 });
    return !r.error && r.status === 0;
  };
  const install = ['install', '-y', '--no-install-recommends', 'prometheus'];
  // the package lists may be current already: update only when the install fails
  if (!apt(install) && apt(['update'])) apt(install);
  const after = found();
  return after ? { tools: after } : { why: 'prometheus/promtool not found and `apt-get install prometheus` failed (no network or no package list?)' };
}

export interface PromtoolResult {
  status: number | null;
  output: string;
}

/** Runs promtool with `args` (and `input` on stdin); output is stdout and stderr together. */
export function promtool(tools: PrometheusTools, args: readonly string[], input?: string): PromtoolResult {
  const r = spawnSync(tools.promtool, args, { input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** One sample of an instant vector as the HTTP API answers it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface QueryAnswer {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: VectorSample[] | [number, string] };
}

export interface RunningPrometheus {
  url: string;
  /** The generated config file (for `promtool check config`). */
  configFile: string;
  /** An instant query through the HTTP API. */
  query(expr: string): Promise<QueryAnswer>;
  /** GET of an API path (e.g. `/api/v1/rules`), parsed. */
  get<T>(path: string): Promise<T>;
  /** What the server wrote to stderr so far (its log), for failure messages. */
  log(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the config and data folder; safe to call twice. */
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** `host:port` targets of the job `lifeline`, scraped every second. */
  targets: readonly string[];
  /** Absolute paths of rule files, evaluated every second. */
  ruleFiles?: readonly string[];
}

/** Starts Prometheus on a free loopback port scraping `targets` every second; resolves once it is ready. */
export async function startPrometheus(tools: PrometheusTools, opts: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  // JSON is YAML: no serialiser needed
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: [{ job_name: 'lifeline', metrics_path: '/metrics', static_configs: [{ targets: opts.targets }] }],
  };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  let child: ChildProcess | undefined;
  let stderr = '';
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await waitForExit(child, STOP_TIMEOUT_MS).catch(async () => {
          child!.kill('SIGKILL');
          await waitForExit(child!, STOP_TIMEOUT_MS);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      tools.prometheus,
      [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=1h'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    const proc = child;
    await waitFor(
      'Prometheus to report ready',
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}: ${stderr}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { timeoutMs: READY_TIMEOUT_MS, everyMs: 100, detail: () => stderr.slice(-2000) },
    );
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
    return {
      url,
      configFile,
      query: (expr) => get<QueryAnswer>(`/api/v1/query?query=${encodeURIComponent(expr)}`),
      get,
      log: () => stderr,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
