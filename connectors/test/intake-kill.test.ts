/**
 * The intake killed for real: a child process takes a drop file in, is SIGKILLed after it reports
 * progress, and is started again. Every valid row must be in the stream exactly once and every
 * bad row in the dead letters (file and subject) exactly once, with its line and reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../publisher/types.js';
import type { Progress } from '../intake/progress.js';
import { NATS_URL, testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { buildForChild } from './intake-build.js';
import { writeCsvDrop, writeNdjsonDrop, validUpdate } from './intake-fixtures.js';
import { readStream } from './stream-helpers.js';

let nc: NatsConnection;
let dir: string;
let build: ReturnType<typeof buildForChild>;
const envs: TestEnv[] = [];

beforeAll(async () => {
  nc = await testConnection();
  dir = mkdtempSync(join(tmpdir(), 'lifeline-kill-'));
  build = buildForChild('connectors/intake/main.ts');
});
afterAll(async () => {
  for (const e of envs) await e.cleanup();
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
  build.dispose();
});

function childEnv(e: TestEnv): NodeJS.ProcessEnv {
  const s = e.config.stream;
  return {
    ...process.env,
    NATS_URL,
    LIFELINE_STREAM_NAME: s.name,
    LIFELINE_STREAM_DEAD_LETTER_NAME: s.deadLetterName,
    LIFELINE_STREAM_SUBJECT_PREFIX: s.subjectPrefix,
    LIFELINE_STREAM_PARTITIONS: String(s.partitions),
  };
}

function start(file: string, env: NodeJS.ProcessEnv): { child: ChildProcess; lines: string[]; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [build.script, '--checkpoint-every', '100', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      done(code);
    }),
  );
  return { child, lines, exit };
}

async function killAfterProgress(file: string, env: NodeJS.ProcessEnv, minRecords: number): Promise<number> {
  const run = start(file, env);
  const killedAt = await new Promise<number>((done, fail) => {
    const timer = setInterval(() => {
      const p = run.lines.map((l) => JSON.parse(l) as { event: string; records?: number }).find((x) => x.event === 'progress' && (x.records ?? 0) >= minRecords);
      if (p) {
        run.child.kill('SIGKILL');
        clearInterval(timer);
        done(p.records!);
      }
    }, 1);
    void run.exit.then(() => {
      clearInterval(timer);
      fail(new Error(`intake exited before it could be killed: ${run.lines.join('\n')}`));
    });
  });
  await run.exit.catch(() => undefined);
  expect(run.child.signalCode).toBe('SIGKILL');
  return killedAt;
}

const deadFile = (path: string): DeadLetter[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetter);

// child processes on two shared cores: generous time, no timing assertions
describe('intake killed with SIGKILL and restarted', { timeout: 180_000 }, () => {
  it('NDJSON: every valid row stored once, every bad row dead-lettered once with its line and reason', async () => {
    const e = testEnv();
    envs.push(e);
    const drop = writeNdjsonDrop(join(dir, 'kill.ndjson'), 3000, 41, 'k1');
    const env = childEnv(e);
    await killAfterProgress(drop.path, env, 300);
    const saved = JSON.parse(readFileSync(`${drop.path}.progress`, 'utf8')) as Progress;
    expect(saved.done).toBe(false); // really killed mid-file
    expect(saved.records).toBeLessThan(3000);

    const again = start(drop.path, env);
    expect(await again.exit).toBe(0);
    const summary = again.lines.map((l) => JSON.parse(l) as { event: string; done?: boolean; resumedAt?: { offset: number } }).find((x) => x.event === 'file')!;
    expect(summary.done).toBe(true);
    expect(summary.resumedAt!.offset).toBeGreaterThan(0);

    const stored = await readStream(nc, e.config.stream.name);
    const ids = stored.map((m) => m.msgId);
    expect(stored).toHaveLength(drop.valid.length);
    expect(new Set(ids).size).toBe(drop.valid.length);
    expect(new Set(ids)).toEqual(new Set(drop.valid.map((u) => `${u.source}:${u.id}`)));

    const dead = deadFile(`${drop.path}.dead.ndjson`);
    expect(dead.map((d) => d.row)).toEqual(drop.bad.map((b) => b.line));
    dead.forEach((d, i) => expect(JSON.stringify(d.issues) + d.reason).toContain(drop.bad[i]!.expect));
    const dlq = await readStream(nc, e.config.stream.deadLetterName);
    expect(dlq.map((m) => (m.body as DeadLetter).row).sort((a, b) => a! - b!)).toEqual(drop.bad.map((b) => b.line));
  });

  it('CSV: killed twice, still every valid row once', async () => {
    const e = testEnv();
    envs.push(e);
    const updates = Array.from({ length: 2500 }, (_, i) => validUpdate('human_resources', i, 'k2'));
    const drop = writeCsvDrop(join(dir, 'kill.csv'), updates, [
      { at: 900, cells: (cols) => cols.map((c) => (c === 'id' ? '"abc"def' : 'z')).join(','), expect: 'unexpected character' },
    ]);
    const env = childEnv(e);
    const first = await killAfterProgress(drop.path, env, 200);
    await killAfterProgress(drop.path, env, first + 300);
    const again = start(drop.path, env);
    expect(await again.exit).toBe(0);
    const stored = await readStream(nc, e.config.stream.name);
    expect(stored).toHaveLength(updates.length);
    expect(new Set(stored.map((m) => m.msgId)).size).toBe(updates.length);
    const dead = deadFile(`${drop.path}.dead.ndjson`);
    expect(dead.map((d) => d.row)).toEqual(drop.bad.map((b) => b.line));
  });
});
