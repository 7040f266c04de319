/** The machine a figure was measured on: every results file records it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchEnv {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  natsServer: string;
  packages: Record<string, string>;
  gitCommit: string;
  at: string;
}

function quiet(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return 'unknown';
  }
}

/** The installed version: the nearest node_modules above this file (compiled or not), as Node resolves it. */
function pkgVersion(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      return (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      if (dirname(dir) === dir) return 'unknown';
    }
  }
}

let cached: BenchEnv | undefined;

export function benchEnv(): BenchEnv {
  cached ??= {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    natsServer: quiet('nats-server', ['--version']).replace(/^nats-server:\s*/, ''),
    packages: Object.fromEntries(
      ['@nats-io/jetstream', '@nats-io/transport-node', 'lmdb', 'piscina', 'fastify', 'prom-client', 'zod', 'autocannon'].map((p) => [p, pkgVersion(p)]),
    ),
    gitCommit: quiet('git', ['rev-parse', '--short', 'HEAD']),
    at: new Date().toISOString(),
  };
  return cached;
}
