import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, leafPaths, loadConfig } from '../index.js';

function issuesOf(env: Record<string, string>, file?: string) {
  try {
    loadConfig({ env, file });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('configuration', () => {
  it('loads defaults and freezes the result', () => {
    const c = loadConfig({ env: {} });
    expect(c.nats.url).toBe('nats://127.0.0.1:4222');
    expect(c.model.tiers).toEqual({ tier2From: 60, tier3From: 90 });
    expect(Object.isFrozen(c.api)).toBe(true);
    expect(() => {
      (c.api as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads LIFELINE_<SECTION>_<KEY> variables and NATS_URL', () => {
    const c = loadConfig({ env: { LIFELINE_API_PORT: '9090', NATS_URL: 'nats://10.0.0.1:4222', LIFELINE_LMDB_NO_SYNC: 'false' } });
    expect(c.api.port).toBe(9090);
    expect(c.nats.url).toBe('nats://10.0.0.1:4222');
    expect(c.lmdb.noSync).toBe(false);
  });

  it('gives every leaf key an environment variable name', () => {
    const names = leafPaths().map((p) => envName(p));
    expect(names).toContain('LIFELINE_API_RATE_LIMIT_PER_MIN');
    expect(names).toContain('LIFELINE_MODEL_TIERS_TIER2_FROM');
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads a JSON file, with env winning over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ api: { port: 7000, batchMax: 50 } }));
    const c = loadConfig({ env: { LIFELINE_API_PORT: '7001' }, file });
    expect(c.api.port).toBe(7001);
    expect(c.api.batchMax).toBe(50);
  });

  it('reports every bad value together, naming key, value, origin and expectation', () => {
    const issues = issuesOf({ LIFELINE_API_PORT: 'abc', LIFELINE_STREAM_PARTITIONS: '0' });
    expect(issues.map((i) => i.key).sort()).toEqual(['api.port', 'stream.partitions']);
    const port = issues.find((i) => i.key === 'api.port')!;
    expect(port.value).toBe('abc');
    expect(port.origin).toBe('LIFELINE_API_PORT');
    expect(port.expected).toMatch(/number/);
  });

  it('the error message lists each key on its own line', () => {
    try {
      loadConfig({ env: { LIFELINE_API_PORT: '70000' } });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toMatch(/api\.port = 70000 \(from LIFELINE_API_PORT\): expected/);
      expect((err as ConfigError).code).toBe('LIFELINE_ERR_CONFIG_INVALID');
    }
  });

  it('rejects an unreadable or non-object file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(issuesOf({}, bad)[0]!.key).toBe('(file)');
    const arr = join(dir, 'arr.json');
    writeFileSync(arr, '[1,2]');
    expect(issuesOf({}, arr)[0]!.expected).toBe('a JSON object');
    expect(issuesOf({}, join(dir, 'missing.json'))[0]!.expected).toMatch(/readable JSON file/);
  });

  it('rejects unknown keys in a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ api: { prot: 1 } }));
    const issues = issuesOf({}, file);
    expect(issues[0]!.expected).toMatch(/prot/);
  });

  // one case per rule of the schema's sections
  const rules: [string, Record<string, string>, string][] = [
    ['nats.url non-empty', { LIFELINE_NATS_URL: '""' }, 'nats.url'],
    ['nats.user needs a password', { LIFELINE_NATS_USER: 'svc' }, 'nats.pass'],
    ['nats.noAsyncTraces boolean', { LIFELINE_NATS_NO_ASYNC_TRACES: 'maybe' }, 'nats.noAsyncTraces'],
    ['stream.name characters', { LIFELINE_STREAM_NAME: 'bad name' }, 'stream.name'],
    ['stream.subjectPrefix tokens', { LIFELINE_STREAM_SUBJECT_PREFIX: 'a..b' }, 'stream.subjectPrefix'],
    ['stream.partitions ≥ 1', { LIFELINE_STREAM_PARTITIONS: '0' }, 'stream.partitions'],
    ['stream.partitions ≤ 1024', { LIFELINE_STREAM_PARTITIONS: '5000' }, 'stream.partitions'],
    ['stream.partitions integer', { LIFELINE_STREAM_PARTITIONS: '2.5' }, 'stream.partitions'],
    ['stream.maxAgeHours positive', { LIFELINE_STREAM_MAX_AGE_HOURS: '-1' }, 'stream.maxAgeHours'],
    ['stream.maxBytes positive', { LIFELINE_STREAM_MAX_BYTES: '0' }, 'stream.maxBytes'],
    ['stream.duplicateWindowSec positive', { LIFELINE_STREAM_DUPLICATE_WINDOW_SEC: '0' }, 'stream.duplicateWindowSec'],
    ['stream.replicas ≤ 5', { LIFELINE_STREAM_REPLICAS: '7' }, 'stream.replicas'],
    ['lmdb.path non-empty', { LIFELINE_LMDB_PATH: '""' }, 'lmdb.path'],
    ['lmdb.mapSizeGiB positive', { LIFELINE_LMDB_MAP_SIZE_GIB: '0' }, 'lmdb.mapSizeGib'],
    ['engine.threads ≥ 1', { LIFELINE_ENGINE_THREADS: '0' }, 'engine.threads'],
    ['engine.batchMax ≤ 10000', { LIFELINE_ENGINE_BATCH_MAX: '20000' }, 'engine.batchMax'],
    ['engine.ackWaitSec positive', { LIFELINE_ENGINE_ACK_WAIT_SEC: '0' }, 'engine.ackWaitSec'],
    ['engine.maxDeliver ≥ 1', { LIFELINE_ENGINE_MAX_DELIVER: '0' }, 'engine.maxDeliver'],
    ['engine.maxAckPending ≥ 1', { LIFELINE_ENGINE_MAX_ACK_PENDING: '0' }, 'engine.maxAckPending'],
    ['engine.leaseTtlSec positive', { LIFELINE_ENGINE_LEASE_TTL_SEC: '0' }, 'engine.leaseTtlSec'],
    ['api.port range', { LIFELINE_API_PORT: '70000' }, 'api.port'],
    ['api.bodyLimitBytes positive', { LIFELINE_API_BODY_LIMIT_BYTES: '0' }, 'api.bodyLimitBytes'],
    ['api.batchMax positive', { LIFELINE_API_BATCH_MAX: '0' }, 'api.batchMax'],
    ['api.rateLimitPerMin positive', { LIFELINE_API_RATE_LIMIT_PER_MIN: '0' }, 'api.rateLimitPerMin'],
    ['api.kAnonymity ≥ 1', { LIFELINE_API_K_ANONYMITY: '0' }, 'api.kAnonymity'],
    ['api.keys hashes', { LIFELINE_API_KEYS: '[{"id":"k","sha256":"nothex","role":"admin"}]' }, 'api.keys.0.sha256'],
    ['api.keys roles', { LIFELINE_API_KEYS: `[{"id":"k","sha256":"${'a'.repeat(64)}","role":"boss"}]` }, 'api.keys.0.role'],
    ['city.profile known', { LIFELINE_CITY_PROFILE: 'paris' }, 'city.profile'],
    ['city.liveRatePerSec ≥ 0', { LIFELINE_CITY_LIVE_RATE_PER_SEC: '-5' }, 'city.liveRatePerSec'],
    ['feeds.staleAfterSec positive', { LIFELINE_FEEDS_STALE_AFTER_SEC: '0' }, 'feeds.staleAfterSec'],
    ['model.referenceDate format', { LIFELINE_MODEL_REFERENCE_DATE: '01/11/2026' }, 'model.referenceDate'],
    ['model tier bands ordered', { LIFELINE_MODEL_TIERS_TIER2_FROM: '95' }, 'model.tiers.tier3From'],
    ['model deadlines positive', { LIFELINE_MODEL_DEADLINES_URGENT_DAYS: '0' }, 'model.deadlines.urgentDays'],
  ];
  it('rule: model dimension maxima add up to 100', () => {
    try {
      loadConfig({ env: {}, overrides: { 'model.dimensionMax': { source: 50, structure: 15, health: 20, property: 15, expenditure: 15, employment: 15, other: 10 } } });
      expect.unreachable();
    } catch (err) {
      const issue = (err as ConfigError).issues.find((i) => i.key.startsWith('model.dimensionMax'));
      expect(issue?.expected).toMatch(/100/);
    }
  });

  it.each(rules)('rule: %s', (_name, env, key) => {
    const issues = issuesOf(env);
    expect(issues.map((i) => i.key)).toContain(key);
  });
});
