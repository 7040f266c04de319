/**
 * A whole Lifeline node (`lifeline start --no-feeds`: engine + API in one process) as a child
 * process, for tests that kill it: spawned with a config file, ready when /readyz answers 200,
 * killed with SIGKILL or stopped with SIGTERM. Output is kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { readCity, writeCity } from '../../connectors/city/index.js';
import type { Household } from '../../engine/types.js';
import { consumerName } from '../../workers/options.js';
import { killHard, waitFor, waitForExit } from './wait.js';
import { freePorts } from './ports.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'lifeline.js');

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed (stdout and stderr), newest last. */
  output(): string;
}

export function spawnNode(configFile: string, port: number, extraArgs: string[] = [], env: Record<string, string> = {}): NodeProcess {
  const child = spawn(process.execPath, [CLI, 'start', '--no-feeds', '--port', String(port), ...extraArgs], {
    env: { ...process.env, LIFELINE_CONFIG: configFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, url: `http://127.0.0.1:${port}`, output: () => out };
}

/** Waits until the node answers /readyz with 200 (every owned partition consuming). */
export async function waitReady(node: NodeProcess, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `node ${node.url} ready`,
    async () => {
      if (node.child.exitCode !== null || node.child.signalCode !== null) throw new Error(`node exited (${node.child.exitCode ?? node.child.signalCode}) before it was ready:\n${node.output().slice(-3000)}`);
      try {
        const r = await fetch(`${node.url}/readyz`);
        return r.status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs, everyMs: 50, detail: () => node.output().slice(-2000) },
  );
}

/** SIGTERM and wait for a clean exit (code 0), SIGKILL past the deadline. */
export async function stopNode(node: NodeProcess, timeoutMs = 30_000): Promise<number | string> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return node.child.exitCode ?? node.child.signalCode!;
  node.child.kill('SIGTERM');
  try {
    return await waitForExit(node.child, timeoutMs);
  } catch (err) {
    await killHard(node.child);
    throw err;
  }
}

/** Writes the configuration's city (profile and seed) where a node looks for it, and returns its households. */
export async function writeTestCity(config: Readonly<Config>): Promise<Household[]> {
  await writeCity(config.city.profile, config.city.seed, config.city.dataDir);
  const households: Household[] = [];
  for await (const h of readCity(config.city.dataDir)) households.push(h);
  return households;
}

/** Waits until every partition's consumer has nothing pending and nothing unacknowledged. */
export async function waitDrained(nc: NatsConnection, config: Readonly<Config>, timeoutMs = 60_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await waitFor(
    'every partition consumer drained',
    async () => {
      for (let p = 0; p < config.stream.partitions; p++) {
        const ci = await jsm.consumers.info(config.stream.name, consumerName(config.stream.name, p)).catch(() => null);
        if (!ci || ci.num_pending > 0 || ci.num_ack_pending > 0) return false;
      }
      return true;
    },
    { timeoutMs, everyMs: 100 },
  );
}

export { killHard };

/** Partitions a node serves as current (running and caught up), from its readiness report. */
export async function ownedPartitions(url: string): Promise<Set<number>> {
  const r = (await (await fetch(`${url}/readyz`)).json()) as { checks: { engine: { partitions?: { partition: number; state: string; caughtUp: boolean }[] } } };
  return new Set((r.checks.engine.partitions ?? []).filter((p) => p.state === 'running' && p.caughtUp).map((p) => p.partition));
}

/** Starts `n` scale-out nodes (`start --scale-out`, one config file, LMDB folder and port each) one after the other (the first loads the city and writes snapshot 0); each is added to `into` as it is spawned, for cleanup. */
export async function spawnNodes(config: Readonly<Config>, dir: string, n: number, into: NodeProcess[], readyTimeoutMs = 120_000): Promise<NodeProcess[]> {
  const ports = await freePorts(n);
  const out: NodeProcess[] = [];
  for (let i = 0; i < n; i++) {
    const name = `node-${i}`;
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...config, lmdb: { ...config.lmdb, path: join(dir, `lmdb-${name}`) }, engine: { ...config.engine, nodeId: name } }));
    const node = spawnNode(file, ports[i]!, ['--scale-out']);
    into.push(node);
    out.push(node);
    await waitReady(node, readyTimeoutMs);
  }
  return out;
}
