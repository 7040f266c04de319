/**
 * with-nats is exercised as a real process: it is transpiled alone (it imports only node built-ins
 * and @nats-io) into node_modules/.cache so module resolution matches the compiled build.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_URL, uniqueId } from '../../test/support/nats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'node_modules', '.cache', 'lifeline-test', uniqueId('withnats'));
const script = join(dir, 'with-nats.mjs');
const child = join(dir, 'child.mjs');

const CHILD = `
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
console.log('NATS_URL=' + process.env.NATS_URL);
const nc = await connect({ servers: process.env.NATS_URL });
const info = await (await jetstreamManager(nc)).getAccountInfo();
console.log('JETSTREAM=' + (typeof info.limits === 'object'));
await nc.close();
process.exit(Number(process.argv[2] ?? 0));
`;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('error', fail);
    p.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

function deadPort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 1;
      s.close(() => done(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = new Socket();
    s.once('error', () => done(false));
    s.connect(port, '127.0.0.1', () => {
      s.destroy();
      done(true);
    });
  });
}

beforeAll(() => {
  mkdirSync(dir, { recursive: true });
  const src = readFileSync(join(root, 'cli', 'with-nats.ts'), 'utf8');
  const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  writeFileSync(script, out.outputText);
  writeFileSync(child, CHILD);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('with-nats', () => {
  it('starts a JetStream server when NATS_URL is dead, hands its URL to the child, stops it afterwards and exits with the child code', async () => {
    const port = await deadPort();
    const dead = `nats://127.0.0.1:${port}`;
    const r = await run(['--', process.execPath, child, '7'], { ...process.env, NATS_URL: dead });
    expect(r.code, r.stderr).toBe(7);
    const url = /NATS_URL=(\S+)/.exec(r.stdout)?.[1];
    expect(url).toBeDefined();
    expect(url).not.toBe(dead);
    expect(r.stdout).toContain('JETSTREAM=true');
    const started = Number(new URL(url!).port);
    expect(await answers(started)).toBe(false); // the server it started is gone
  });

  it('leaves a working NATS_URL unchanged', async () => {
    const r = await run(['--', process.execPath, child, '0'], { ...process.env, NATS_URL });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`NATS_URL=${NATS_URL}`);
    expect(r.stderr).not.toContain('starting a local nats-server');
  });

  it('forwards SIGTERM to the child, then stops the server it started', async () => {
    const port = await deadPort();
    const sleeper = join(dir, 'sleeper.mjs');
    writeFileSync(sleeper, `process.on('SIGTERM', () => { console.log('GOT_SIGTERM'); process.exit(42); });
      console.log('NATS_URL=' + process.env.NATS_URL);
      setInterval(() => {}, 1000);`);
    const p = spawn(process.execPath, [script, '--', process.execPath, sleeper], { env: { ...process.env, NATS_URL: `nats://127.0.0.1:${port}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('NATS_URL=')) p.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((done) => p.once('exit', (c) => done(c)));
    expect(stdout).toContain('GOT_SIGTERM');
    expect(code).toBe(42);
    const url = /NATS_URL=(\S+)/.exec(stdout)![1]!;
    expect(await answers(Number(new URL(url).port))).toBe(false);
  });

  it('refuses to run without a command', async () => {
    const r = await run([], { ...process.env, NATS_URL });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage');
  });
});
