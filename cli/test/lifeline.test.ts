import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NATS_URL, testEnv } from '../../test/support/nats.js';

// the CLI is tested as users run it: the compiled bin in a child process
const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'lifeline.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('lifeline CLI', () => {
  it('is built (npm test builds before running)', () => {
    expect(existsSync(bin)).toBe(true);
  });

  it('lists every command', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['start', 'generate', 'load', 'feed', 'intake', 'dead-letters', 'keys', 'bench']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it.each(['start', 'generate', 'load', 'feed', 'intake', 'dead-letters', 'keys', 'bench'])('%s --help prints its usage and options', (cmd) => {
    const r = run([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: lifeline ${cmd}`));
    expect(r.stdout).toMatch(/--\w+|\b[A-Z]+\b/);
  });

  it('an unknown command or option exits 2 naming it', () => {
    const a = run(['frobnicate']);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/unknown command 'frobnicate'/);
    const b = run(['generate', '--colour', 'red']);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--colour/);
  });

  it('a bad configuration value stops the command naming key, value and expectation', () => {
    const r = run(['keys', 'list'], { LIFELINE_API_PORT: 'eighty' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/api\.port = "eighty" \(from LIFELINE_API_PORT\): expected/);
  });

  it('generate writes a deterministic city with a manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-cli-'));
    dirs.push(dir);
    const a = run(['generate', '--profile', 'small', '--seed', '7', '--out', join(dir, 'a')]);
    const b = run(['generate', '--profile', 'small', '--seed', '7', '--out', join(dir, 'b')]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(a.stdout).toMatch(/households, [\d,]+ persons/);
    const ma = JSON.parse(readFileSync(join(dir, 'a', 'manifest.json'), 'utf8')) as { sha256: string; counts: { households: number } };
    const mb = JSON.parse(readFileSync(join(dir, 'b', 'manifest.json'), 'utf8')) as { sha256: string };
    expect(ma.sha256).toBe(mb.sha256);
    expect(ma.counts.households).toBeGreaterThan(1000);
  });

  it('keys issue prints a token once and list shows only its record (keys live in JetStream KV)', async (t) => {
    const nats = testEnv();
    t.onTestFinished(() => nats.cleanup());
    const c = nats.config.stream;
    const env = { NATS_URL, LIFELINE_STREAM_KEYS_BUCKET: c.keysBucket, LIFELINE_STREAM_AUDIT_NAME: c.auditName, LIFELINE_STREAM_SUBJECT_PREFIX: c.subjectPrefix };
    const issued = run(['keys', 'issue', '--role', 'caseworker', '--township', '330106001'], env);
    expect(issued.status, issued.stderr).toBe(0);
    const token = issued.stdout.trim();
    expect(token).toMatch(/^lifeline_/);
    const list = run(['keys', 'list'], env);
    expect(list.stdout).toMatch(/caseworker\s+330106001/);
    expect(list.stdout).not.toContain(token);
    expect(run(['keys', 'issue', '--role', 'caseworker'], env).stderr).toMatch(/township/);
    const id = /^(key_[0-9a-f]+)/m.exec(list.stdout)![1]!;
    expect(run(['keys', 'revoke', id], env).stdout).toMatch(`revoked ${id}`);
    expect(run(['keys', 'list'], env).stdout).toMatch(/revoked \d{4}-/);
  });
});
