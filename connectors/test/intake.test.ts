import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../errors.js';
import { runIntake } from '../intake/index.js';
import { openPublisher } from '../publisher/index.js';
import type { DeadLetter } from '../publisher/types.js';
import { testConnection, testEnv, type TestEnv } from '../../test/support/nats.js';
import { validUpdate, writeCsvDrop, writeNdjsonDrop } from './intake-fixtures.js';
import { readStream } from './stream-helpers.js';

let nc: NatsConnection;
let dir: string;
const envs: TestEnv[] = [];
const env = (): TestEnv => {
  const e = testEnv();
  envs.push(e);
  return e;
};
beforeAll(async () => {
  nc = await testConnection();
  dir = mkdtempSync(join(tmpdir(), 'lifeline-intake-'));
});
afterEach(async () => {
  for (const e of envs.splice(0)) await e.cleanup();
});
afterAll(async () => {
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
});

const deadLines = (path: string): DeadLetter[] =>
  existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetter) : [];

describe('file intake', () => {
  it('publishes valid NDJSON rows once and dead-letters bad ones with line, code and reason (file and subject)', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const drop = writeNdjsonDrop(join(dir, 'mi-1.ndjson'), 600, 37, 'nd1');
    const s = await runIntake(drop.path, publisher);
    expect(s).toMatchObject({ done: true, published: drop.valid.length, dead: drop.bad.length, records: 600, duplicates: 0 });

    const stored = await readStream(nc, config.stream.name);
    expect(stored.map((m) => m.msgId).sort()).toEqual(drop.valid.map((u) => `${u.source}:${u.id}`).sort());
    expect(stored.map((m) => m.body)).toEqual(drop.valid); // in file order, as validated envelopes

    const dead = deadLines(`${drop.path}.dead.ndjson`);
    expect(dead.map((d) => d.row)).toEqual(drop.bad.map((b) => b.line));
    for (const [i, d] of dead.entries()) {
      expect(d.file).toBe(drop.path);
      expect(d.code).toMatch(/^LIFELINE_ERR_/);
      expect(JSON.stringify(d.issues) + d.reason).toContain(drop.bad[i]!.expect);
    }
    const dlq = await readStream(nc, config.stream.deadLetterName);
    expect(dlq.map((m) => (m.body as DeadLetter).row)).toEqual(drop.bad.map((b) => b.line));
  });

  it('does nothing on a second run of a finished file', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const drop = writeNdjsonDrop(join(dir, 'mi-2.ndjson'), 100, 10, 'nd2');
    await runIntake(drop.path, publisher);
    const again = await runIntake(drop.path, publisher);
    expect(again.done).toBe(true);
    expect(again.resumedAt).toBeUndefined();
    expect(publisher.stats().published).toBe(drop.valid.length);
    expect(publisher.stats().deadLetters).toBe(drop.bad.length);
    expect(deadLines(`${drop.path}.dead.ndjson`)).toHaveLength(drop.bad.length);
  });

  it('stops on abort, saves its place, and a second run finishes with every row stored once and no dead letter twice', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const drop = writeNdjsonDrop(join(dir, 'mi-3.ndjson'), 2000, 25, 'nd3');
    const abort = new AbortController();
    const first = await runIntake(drop.path, publisher, {
      checkpointEvery: 100,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.records >= 500) abort.abort();
      },
    });
    expect(first.done).toBe(false);
    expect(first.records).toBeGreaterThanOrEqual(500);
    expect(first.records).toBeLessThan(2000);
    const second = await runIntake(drop.path, publisher);
    expect(second.done).toBe(true);
    expect(second.resumedAt!.offset).toBeGreaterThan(0);
    const stored = await readStream(nc, config.stream.name);
    expect(stored).toHaveLength(drop.valid.length);
    expect(new Set(stored.map((m) => m.msgId)).size).toBe(drop.valid.length);
    expect(deadLines(`${drop.path}.dead.ndjson`).map((d) => d.row)).toEqual(drop.bad.map((b) => b.line));
  });

  it('reads CSV with payload.<field> columns typed by the payload schema, quoted cells and nested fields', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const updates = [
      ...Array.from({ length: 60 }, (_, i) => validUpdate('medical_insurance', i, 'csv')),
      ...Array.from({ length: 6 }, (_, i) => validUpdate('health', i, 'csvh')), // birth_certificate_issued has payload.newborn.*
      ...Array.from({ length: 6 }, (_, i) => validUpdate('community', i, 'csvc')), // arrays (observed, hardships) and literal unions
    ];
    updates[5]!.payload = { ...updates[5]!.payload, claimId: 'YB,"quoted",\nclaim' };
    const drop = writeCsvDrop(join(dir, 'mixed.csv'), updates, [
      { at: 10, cells: (cols) => cols.map((c) => (c === 'id' ? 'broken' : '')).join(',') + ',extra', expect: 'columns' },
      {
        at: 20,
        cells: (cols) => cols.map((c) => ({ id: 'bad-amount', source: 'medical_insurance', kind: 'medical_assistance_granted', householdId: 'H1', personId: 'P1', occurredAt: '1790000000000', 'payload.grantId': 'G1', 'payload.amountCny': 'lots', 'payload.grantedAt': '2026-01-01' } as Record<string, string>)[c] ?? '').join(','),
        expect: 'payload.amountCny',
      },
    ]);
    const s = await runIntake(drop.path, publisher);
    expect(s).toMatchObject({ done: true, published: updates.length, dead: 2 });
    const stored = await readStream(nc, config.stream.name);
    expect(stored.map((m) => m.body)).toEqual(updates);
    const dead = deadLines(`${drop.path}.dead.ndjson`);
    expect(dead.map((d) => d.row)).toEqual(drop.bad.map((b) => b.line));
    expect(dead[1]!.issues.map((x) => x.field)).toContain('payload.amountCny');
  });

  it('takes in the CSV example of the README', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const readme = readFileSync(new URL('../intake/README.md', import.meta.url), 'utf8');
    const example = /```csv\n([\s\S]*?)```/.exec(readme)![1]!;
    const path = join(dir, 'readme.csv');
    writeFileSync(path, example);
    const s = await runIntake(path, publisher);
    expect(s).toMatchObject({ done: true, published: 1, dead: 0 });
    const [m] = await readStream(nc, config.stream.name);
    expect(m!.body).toMatchObject({ id: 'YB-1', kind: 'medical_claim', payload: { totalCny: 48650.4, inpatient: true } });
  });

  it('rejects a CSV header with an unknown column, naming it', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const path = join(dir, 'bad-header.csv');
    writeFileSync(path, 'id,source,kind,householdId,occurredAt,amount\n1,health,x,H1,1,2\n');
    const err = await runIntake(path, publisher).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_INTAKE_CSV');
    expect((err as ConnectorError).message).toContain("'amount'");
  });

  it('refuses to resume when the file changed since its progress was recorded', async () => {
    const { config } = env();
    const { publisher } = await openPublisher(nc, config);
    const drop = writeNdjsonDrop(join(dir, 'mi-4.ndjson'), 50, 0, 'nd4');
    await runIntake(drop.path, publisher);
    appendFileSync(drop.path, JSON.stringify(validUpdate('medical_insurance', 999, 'nd4')) + '\n');
    const err = await runIntake(drop.path, publisher).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_INTAKE_PROGRESS');
  });
});
