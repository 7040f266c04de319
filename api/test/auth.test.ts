import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'lmdb';
import { KeyResolver, LmdbKeyStore, hashToken, issueKey, revokeKey, can, coversTownship, requireTownship, requireCapability } from '../auth/index.js';
import { ApiError } from '../errors.js';
import { RateLimiter } from '../rate-limit.js';

const dir = mkdtempSync(join(tmpdir(), 'lifeline-auth-'));
const env = open({ path: join(dir, 'lmdb'), maxDbs: 4 });
afterAll(async () => {
  await env.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('API keys', () => {
  it('issues lifeline_ tokens and keeps only their sha256 at rest', async () => {
    const store = new LmdbKeyStore(env);
    const { token, record } = await issueKey('caseworker', ['330106001'], { store });
    expect(token).toMatch(/^lifeline_[A-Za-z0-9_-]{32}$/);
    expect(record.sha256).toBe(hashToken(token));
    const stored = JSON.stringify(store.list());
    expect(stored).toContain(record.sha256);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.slice('lifeline_'.length));
  });

  it('resolves tokens from configuration and from LMDB; rejects unknown and revoked ones', async () => {
    const store = new LmdbKeyStore(env);
    const cfgToken = 'lifeline_' + 'c'.repeat(32);
    const resolver = new KeyResolver([{ id: 'cfg-admin', sha256: hashToken(cfgToken), role: 'admin', townships: [] }], store);
    expect(resolver.resolve(cfgToken)).toEqual({ keyId: 'cfg-admin', role: 'admin', townships: null });
    const issued = await issueKey('caseworker', ['t1', 't2'], { store });
    const p = resolver.resolve(issued.token);
    expect(p?.role).toBe('caseworker');
    expect([...(p?.townships ?? [])]).toEqual(['t1', 't2']);
    expect(resolver.resolve('lifeline_' + 'x'.repeat(32))).toBeNull();
    expect(resolver.resolve('not-a-token')).toBeNull();
    expect(await revokeKey(store, issued.record.id)).toBe(true);
    expect(resolver.resolve(issued.token)).toBeNull();
  });

  it('refuses caseworker keys without townships and scoped keys of other roles, naming the field', async () => {
    await expect(issueKey('caseworker', [])).rejects.toMatchObject({ code: 'LIFELINE_ERR_API_VALIDATION', field: 'townships' });
    await expect(issueKey('analyst', ['t1'])).rejects.toMatchObject({ field: 'townships' });
  });
});

describe('roles', () => {
  it('integration only pushes updates; analyst reads aggregates only; admin reads the audit log', () => {
    expect(can('integration', 'updates:write')).toBe(true);
    expect(can('integration', 'alerts:read')).toBe(false);
    expect(can('analyst', 'stats:read')).toBe(true);
    expect(can('analyst', 'households:read')).toBe(false);
    expect(can('analyst', 'map:households')).toBe(false);
    expect(can('caseworker', 'audit:read')).toBe(false);
    expect(can('admin', 'audit:read')).toBe(true);
  });

  it('scopes a caseworker to its townships with a 403 that names no data', () => {
    const cw = { keyId: 'k', role: 'caseworker' as const, townships: new Set(['t1']) };
    expect(coversTownship(cw, 't1')).toBe(true);
    expect(coversTownship(cw, 't2')).toBe(false);
    try {
      requireTownship(cw, 't2');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).status).toBe(403);
      expect((e as ApiError).message).not.toContain('t2');
    }
    expect(() => requireCapability({ keyId: 'a', role: 'analyst', townships: null }, 'households:read')).toThrow(/may not/);
  });
});

describe('rate limit', () => {
  it('lets a key burst a minute of allowance, then answers 429 with a retry delay, and refills over time', () => {
    let now = 0;
    const rl = new RateLimiter(60, () => now);
    for (let i = 0; i < 60; i++) rl.take('k1');
    let err: unknown;
    try {
      rl.take('k1');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ status: 429, code: 'LIFELINE_ERR_API_RATE_LIMITED', details: { retryAfterSec: 1 } });
    rl.take('k2'); // other keys unaffected
    now += 1000;
    expect(() => rl.take('k1')).not.toThrow();
  });
});
