/**
 * The `cluster` profile of docker-compose.yml: 3 nats-servers routed to each other with JetStream
 * and 3 Lifeline nodes (`start --scale-out`, R3) joining them. Docker is not installed here, so the
 * file is parsed and checked for what `docker compose` would need, every LIFELINE_* variable must
 * be a real setting, and the three nats-server command lines are run on loopback (hosts and ports
 * rewritten) to show they form a JetStream cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// yaml comes with @fastify/swagger (a dependency); a parser is the only way to read the file as compose does
import { parse } from 'yaml';
import { envName, leafPaths } from '../config/index.js';
import { freePorts } from '../bench/harness/ports.js';
import { killHard, waitFor } from '../bench/harness/wait.js';

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8')) as Compose;
const NATS = ['nats-1', 'nats-2', 'nats-3'];
const NODES = ['lifeline-1', 'lifeline-2', 'lifeline-3'];

/** The value following `flag` in a command line. */
function flag(cmd: readonly string[], name: string): string | undefined {
  const i = cmd.indexOf(name);
  return i >= 0 ? cmd[i + 1] : undefined;
}

const hostPort = (mapping: string): string => mapping.split(':')[0]!;

describe('docker-compose.yml, cluster profile', () => {
  it('describes 3 routed nats-servers with JetStream, each on its own volume', () => {
    const names = new Set<string>();
    const clusterNames = new Set<string>();
    for (const name of NATS) {
      const s = compose.services[name];
      expect(s, name).toBeDefined();
      expect(s!.profiles).toContain('cluster');
      const cmd = s!.command!;
      expect(cmd).toContain('-js');
      names.add(flag(cmd, '--name')!);
      clusterNames.add(flag(cmd, '--cluster_name')!);
      expect(flag(cmd, '--cluster')).toBe('nats://0.0.0.0:6222');
      const routes = flag(cmd, '--routes')!.split(',').sort();
      expect(routes).toEqual(NATS.filter((n) => n !== name).map((n) => `nats://${n}:6222`));
      const [volume, mount] = s!.volumes![0]!.split(':');
      expect(mount).toBe(flag(cmd, '-sd'));
      expect(Object.keys(compose.volumes)).toContain(volume);
    }
    // clustered JetStream needs a unique server name per server and one cluster name
    expect([...names].sort()).toEqual(NATS);
    expect(clusterNames.size).toBe(1);
  });

  it('describes 3 Lifeline nodes joining the cluster with --scale-out and 3 replicas', () => {
    const settings = new Set(leafPaths().map((p) => envName(p)));
    const volumes = new Set<string>();
    let feeding = 0;
    for (const name of NODES) {
      const s = compose.services[name];
      expect(s, name).toBeDefined();
      expect(s!.profiles).toContain('cluster');
      expect(s!.command!.slice(0, 2)).toEqual(['start', '--scale-out']);
      if (!s!.command!.includes('--no-feeds')) feeding++;
      const env = s!.environment!;
      expect(env['NATS_URL']!.split(',').sort()).toEqual(NATS.map((n) => `nats://${n}:4222`));
      expect(env['LIFELINE_STREAM_REPLICAS']).toBe('3');
      for (const key of Object.keys(env)) if (key.startsWith('LIFELINE_')) expect(settings.has(key), `${name}: ${key} is a setting`).toBe(true);
      expect([...(s!.depends_on ?? [])].sort()).toEqual(NATS);
      volumes.add(s!.volumes![0]!.split(':')[0]!);
    }
    expect(volumes.size).toBe(3);
    // one set of simulated feeds for the whole city
    expect(feeding).toBe(1);
    const published = Object.values(compose.services).flatMap((s) => (s.ports ?? []).map(hostPort));
    expect(new Set(published).size).toBe(published.length);
  });

  it("forms a JetStream cluster from the three servers' command lines (run on loopback)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-compose-nats-'));
    const children: ChildProcess[] = [];
    const output: string[] = NATS.map(() => '');
    try {
      const free = await freePorts(NATS.length * 3);
      const ports = NATS.map((_, i) => ({ client: free[3 * i]!, route: free[3 * i + 1]!, monitor: free[3 * i + 2]! }));
      const routeOf = new Map(NATS.map((n, i) => [`nats://${n}:6222`, `nats://127.0.0.1:${ports[i]!.route}`]));
      NATS.forEach((name, i) => {
        const args = [...compose.services[name]!.command!];
        const set = (f: string, v: string): void => {
          args[args.indexOf(f) + 1] = v;
        };
        set('-sd', join(dir, name));
        set('-m', String(ports[i]!.monitor));
        set('--cluster', `nats://127.0.0.1:${ports[i]!.route}`);
        set('--routes', flag(args, '--routes')!.split(',').map((r) => routeOf.get(r)!).join(','));
        const child = spawn('nats-server', [...args, '-a', '127.0.0.1', '-p', String(ports[i]!.client)], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.on('data', (b: Buffer) => (output[i] += b.toString()));
        child.stderr!.on('data', (b: Buffer) => (output[i] += b.toString()));
        children.push(child);
      });
      const meta = async (i: number): Promise<{ leader?: string; cluster_size?: number } | undefined> => {
        const res = await fetch(`http://127.0.0.1:${ports[i]!.monitor}/jsz`).catch(() => undefined);
        return res?.ok ? (((await res.json()) as { meta_cluster?: { leader?: string; cluster_size?: number } }).meta_cluster ?? undefined) : undefined;
      };
      await waitFor(
        'every server to see a JetStream meta leader of a 3-server cluster',
        async () => (await Promise.all(NATS.map((_, i) => meta(i)))).every((m) => !!m?.leader && m.cluster_size === 3),
        { timeoutMs: 20_000, everyMs: 200, detail: () => output.map((o, i) => `----- ${NATS[i]} -----\n${o.slice(-3_000)}`).join('\n') },
      );
    } finally {
      await Promise.all(children.map((c) => killHard(c)));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
