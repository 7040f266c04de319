/**
 * Test support: a cluster of nats-server processes with JetStream on loopback ports, each with its
 * own config file and store folder under one temp folder, so tests can show R3 streams and buckets
 * surviving a server loss. Every server's output is kept and printed when a start fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { waitFor, waitForExit } from './wait.js';
import { freePorts } from './ports.js';

export const NATS_SERVER_BIN = process.env['LIFELINE_NATS_SERVER'] ?? 'nats-server';

export interface ClusterOptions {
  /** Number of servers (default 3). */
  servers?: number;
  /** Deadline of the whole start, and of each restart (ms, default 30,000). */
  timeoutMs?: number;
  /** JetStream file store limit of each server (bytes, default 2 GiB): every stream reserves its max_bytes. */
  maxFileStore?: number;
}

export interface ClusterServer {
  name: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  url: string;
  monitorUrl: string;
  configFile: string;
  storeDir: string;
}

export interface NatsCluster {
  /** Client URL of each server, in server order. */
  readonly urls: string[];
  /** All client URLs comma-joined (the form of `nats.url` / NATS_URL). */
  readonly url: string;
  readonly servers: readonly ClusterServer[];
  /** The folder holding every config file and store folder (removed by stop()). */
  readonly dir: string;
  /** Index of the server named `name` (JetStream reports leaders and replicas by server name). */
  indexOf(name: string): number;
  running(i: number): boolean;
  /** pid of server i while it runs. */
  pid(i: number): number | undefined;
  /** pid of every server process started so far (restarts included), for leak checks. */
  spawnedPids(): number[];
  /** Everything server i wrote (all of its runs), for failure messages. */
  output(i: number): string;
  /** Stops server i (SIGTERM, SIGKILL after the deadline; `hard` SIGKILLs at once) and waits until it exited. */
  stopServer(i: number, opts?: { hard?: boolean }): Promise<void>;
  /** Starts server i again on the same ports, config and store folder; resolves once it is routed to every running server and reports healthy. */
  startServer(i: number): Promise<void>;
  /** Kills every server, removes the folder (also after failures) and throws if a process is left. */
  stop(): Promise<void>;
}

function configText(s: ClusterServer, peers: ClusterServer[], clusterName: string, maxFileStore: number): string {
  const q = JSON.stringify;
  return [
    `server_name: ${q(s.name)}`,
    `listen: ${q(`127.0.0.1:${s.clientPort}`)}`,
    `http: ${q(`127.0.0.1:${s.monitorPort}`)}`,
    'jetstream {',
    `  store_dir: ${q(s.storeDir)}`,
    `  max_memory_store: ${256 * 1024 ** 2}`,
    `  max_file_store: ${maxFileStore}`,
    '}',
    'cluster {',
    `  name: ${q(clusterName)}`,
    `  listen: ${q(`127.0.0.1:${s.clusterPort}`)}`,
    `  routes: [${peers.map((p) => q(`nats-route://127.0.0.1:${p.clusterPort}`)).join(', ')}]`,
    '}',
    '',
  ].join('\n');
}

async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not listening yet, or stopped
  }
}

const OUTPUT_KEEP = 256 * 1024;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `servers` nats-servers routed to each other with JetStream; resolves once the cluster takes an R-n stream. */
export async function startCluster(opts: ClusterOptions = {}): Promise<NatsCluster> {
  const n = opts.servers ?? 3;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxFileStore = opts.maxFileStore ?? 2 * 1024 ** 3;
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-nats-cluster-'));
  const clusterName = `lifeline_${process.pid}`;
  const children: (ChildProcess | undefined)[] = Array.from({ length: n }, () => undefined);
  const outputs: string[] = Array.from({ length: n }, () => '');
  const everPids = new Set<number>();
  // a test worker that dies without stop() must not leave servers behind
  const killAllSync = (): void => {
    for (const c of children) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAllSync);

  let servers: ClusterServer[] = [];
  const spawnServer = (i: number): void => {
    const s = servers[i]!;
    const child = spawn(NATS_SERVER_BIN, ['-c', s.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      outputs[i] = (outputs[i] + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', (err) => keep(Buffer.from(`\n[harness] spawn ${NATS_SERVER_BIN} failed: ${err.message}\n`)));
    child.on('exit', (code, signal) => keep(Buffer.from(`\n[harness] ${s.name} exited (${code ?? signal})\n`)));
    if (child.pid !== undefined) everPids.add(child.pid);
    children[i] = child;
  };
  const running = (i: number): boolean => {
    const c = children[i];
    return !!c && c.pid !== undefined && c.exitCode === null && c.signalCode === null;
  };
  const describeAll = (): string => servers.map((s, i) => `----- ${s.name} (${running(i) ? 'running' : 'not running'}) -----\n${outputs[i]!.slice(-8_000)}`).join('\n');
  const failStart = (what: string, err: unknown): Error => {
    const e = new Error(`nats cluster: ${what}: ${(err as Error)?.message ?? String(err)}\n${describeAll()}`, { cause: err });
    console.error(e.message);
    return e;
  };

  /** Server i is routed to every other running server, sees a meta leader and answers /healthz. */
  const settled = async (i: number): Promise<boolean> => {
    if (!running(i)) throw new Error(`${servers[i]!.name} exited during start`);
    const others = servers.filter((_, j) => j !== i && running(j)).length;
    const routez = await getJson(`${servers[i]!.monitorUrl}/routez`);
    if (!routez || Number(routez['num_routes']) < others) return false;
    const jsz = await getJson(`${servers[i]!.monitorUrl}/jsz`);
    const meta = jsz?.['meta_cluster'] as { leader?: string } | undefined;
    if (!meta?.leader) return false;
    const health = await getJson(`${servers[i]!.monitorUrl}/healthz`);
    return health?.['status'] === 'ok';
  };

  const stopServer = async (i: number, o: { hard?: boolean } = {}): Promise<void> => {
    const c = children[i];
    if (!c || !running(i)) return;
    c.kill(o.hard ? 'SIGKILL' : 'SIGTERM');
    try {
      await waitForExit(c, 10_000);
    } catch {
      c.kill('SIGKILL'); // a graceful JetStream shutdown that hangs must not hold the test
      await waitForExit(c, 10_000);
    }
  };

  const stop = async (): Promise<void> => {
    try {
      await Promise.all(servers.map((_, i) => stopServer(i, { hard: true }).catch(() => undefined)));
    } finally {
      process.removeListener('exit', killAllSync);
      rmSync(dir, { recursive: true, force: true });
    }
    const left = [...everPids].filter(alive);
    if (left.length > 0) throw new Error(`nats cluster: server processes still running after stop: ${left.join(', ')}`);
  };

  try {
    const ports = await freePorts(3 * n);
    servers = Array.from({ length: n }, (_, i) => {
      const name = `s${i + 1}`;
      const [clientPort, clusterPort, monitorPort] = [ports[3 * i]!, ports[3 * i + 1]!, ports[3 * i + 2]!];
      const storeDir = join(dir, name, 'jetstream');
      mkdirSync(storeDir, { recursive: true });
      return {
        name,
        clientPort,
        clusterPort,
        monitorPort,
        url: `nats://127.0.0.1:${clientPort}`,
        monitorUrl: `http://127.0.0.1:${monitorPort}`,
        configFile: join(dir, name, 'nats-server.conf'),
        storeDir,
      };
    });
    for (const s of servers) writeFileSync(s.configFile, configText(s, servers.filter((p) => p !== s), clusterName, maxFileStore));
    for (let i = 0; i < n; i++) spawnServer(i);
    const deadline = Date.now() + timeoutMs;
    await waitFor('every server routed, with a JetStream meta leader and healthy', async () => (await Promise.all(servers.map((_, i) => settled(i)))).every(Boolean), {
      timeoutMs,
      everyMs: 100,
    });
    // the meta leader may be elected before it knows every peer: an R-n stream proves it does
    const nc = await connect({ servers: servers.map((s) => s.url), noAsyncTraces: true, timeout: 5_000 });
    try {
      const jsm = await jetstreamManager(nc, { timeout: 5_000 });
      const probe = `HARNESS_PROBE_${process.pid}`;
      let last: unknown;
      await waitFor(
        `an R${n} probe stream`,
        async () => {
          try {
            await jsm.streams.add({ name: probe, subjects: [`harness.probe.${process.pid}`], storage: StorageType.Memory, num_replicas: n });
            return true;
          } catch (err) {
            last = err;
            return false;
          }
        },
        { timeoutMs: Math.max(1_000, deadline - Date.now()), everyMs: 200, detail: () => String((last as Error)?.message ?? last) },
      );
      await jsm.streams.delete(probe);
    } finally {
      await nc.close();
    }
  } catch (err) {
    const e = failStart('start failed', err);
    await stop().catch(() => undefined);
    throw e;
  }

  return {
    urls: servers.map((s) => s.url),
    url: servers.map((s) => s.url).join(','),
    servers,
    dir,
    indexOf(name) {
      const i = servers.findIndex((s) => s.name === name);
      if (i < 0) throw new Error(`nats cluster: no server named ${name}`);
      return i;
    },
    running,
    pid: (i) => (running(i) ? children[i]!.pid : undefined),
    spawnedPids: () => [...everPids],
    output: (i) => outputs[i] ?? '',
    stopServer,
    async startServer(i) {
      if (running(i)) return;
      spawnServer(i);
      try {
        await waitFor(`${servers[i]!.name} routed again and healthy`, () => settled(i), { timeoutMs, everyMs: 100 });
      } catch (err) {
        throw failStart(`restart of ${servers[i]!.name} failed`, err);
      }
    },
    stop,
  };
}
