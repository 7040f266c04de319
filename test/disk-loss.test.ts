/**
 * Disk loss: the LMDB folder of a running node is deleted and the node killed; the restarted node
 * rebuilds its view from JetStream alone (partition snapshots + the update stream) and serves the
 * same households, alerts with their full transition history, dead letters (with their replay
 * marks) and command outcomes; the audit log, in its own stream, is untouched.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../config/index.js';
import { openPublisher } from '../connectors/publisher/index.js';
import type { Update } from '../engine/types.js';
import { simHousehold, simulateUpdates } from '../workers/sim/updates.js';
import { diffDumps, dumpStore } from './support/lmdb-dump.js';
import { killHard, spawnNode, stopNode, waitDrained, waitReady, writeTestCity, type NodeProcess } from '../bench/harness/lifeline-process.js';
import { freePort } from '../bench/harness/ports.js';
import { testConnection, testEnv, type TestEnv } from './support/nats.js';
import { waitFor } from '../bench/harness/wait.js';

const run = promisify(execFile);
const sha = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');
const NOT_COMPARED = ['meta', 'outbox_rows', 'api_keys', 'audit'];

describe('disk loss', () => {
  let env: TestEnv;
  let nc: NatsConnection;
  const nodes: NodeProcess[] = [];
  beforeAll(async () => {
    env = testEnv({ 'lmdb.snapshotIntervalSec': 1 });
    nc = await testConnection();
  });
  afterAll(async () => {
    for (const n of nodes) await killHard(n.child).catch(() => undefined);
    await nc?.close();
    await env?.cleanup();
  });

  it('a deleted LMDB folder comes back from JetStream with every alert, transition, dead letter and audit row', async () => {
    const base = env.config;
    const households = await writeTestCity(base);
    const township = households[0]!.region.townshipId;
    const cw = 'lifeline_diskloss_caseworker_0000000000';
    const admin = 'lifeline_diskloss_admin_000000000000000';
    const config: Config = {
      ...base,
      api: {
        ...base.api,
        keys: [
          { id: 'cw-1', sha256: sha(cw), role: 'caseworker', townships: [township] },
          { id: 'admin-1', sha256: sha(admin), role: 'admin', townships: [] },
        ],
      },
    };
    const file = join(base.city.dataDir, '..', 'node.json');
    writeFileSync(file, JSON.stringify(config));
    const port = await freePort();
    const start = async (): Promise<NodeProcess> => {
      const n = spawnNode(file, port);
      nodes.push(n);
      await waitReady(n, 90_000);
      return n;
    };
    const post = async (n: NodeProcess, path: string, body: unknown) => {
      const r = await fetch(`${n.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${cw}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const drained = () => waitDrained(nc, config);

    let node = await start();
    const { publisher } = await openPublisher(nc, config);
    try {
      const sims = households.filter((h) => h.region.townshipId === township).map(simHousehold);
      const updates: Update[] = [...simulateUpdates(sims, 300, { seed: 5, alertEvery: 5, idPrefix: 'dl' })];
      // two updates for households that do not exist: dead letters
      updates.push({ ...updates[0]!, id: 'ghost-1', householdId: 'ghost-household-1' }, { ...updates[1]!, id: 'ghost-2', householdId: 'ghost-household-2' });
      await publisher.publishMany(updates);
    } finally {
      await publisher.close();
    }
    await drained();

    // a caseworker works two alerts: one to the end, one verified and left claimed
    const claimed = await post(node, `/v1/townships/${township}/alerts/claim`, { requestId: 'dl-claim', max: 2, leaseSec: 3600 });
    const two = claimed.json['claimed'] as { id: string; lease: { token: string } }[];
    expect(two.length).toBe(2);
    for (const [i, a] of two.entries()) {
      const id = encodeURIComponent(a.id);
      expect((await post(node, `/v1/alerts/${id}/verify`, { requestId: `dl-v${i}`, leaseToken: a.lease.token, outcome: 'confirmed', note: 'visited' })).status).toBe(200);
      if (i === 0) {
        expect((await post(node, `/v1/alerts/${id}/dispose`, { requestId: 'dl-d0', leaseToken: a.lease.token, referrals: [{ kind: 'service', code: 'home_care' }], note: '' })).status).toBe(200);
        expect((await post(node, `/v1/alerts/${id}/close`, { requestId: 'dl-c0', leaseToken: a.lease.token })).status).toBe(200);
      }
    }
    // the dead letters are replayed once (they fail again: the households still do not exist)
    const cli = await run(process.execPath, [join(process.cwd(), 'dist', 'cli', 'lifeline.js'), 'dead-letters', 'replay', '--code', 'LIFELINE_ERR_UNKNOWN_HOUSEHOLD'], { env: { ...process.env, LIFELINE_CONFIG: file } });
    expect(cli.stdout).toContain('replayed 2');
    await drained();
    // a snapshot interval passes so the rebuild starts from a later snapshot, not only snapshot 0
    await new Promise((r) => setTimeout(r, 2500));
    await drained();

    const auditOf = async (n: NodeProcess) => {
      const rows: { action: string; target: string; requestId: string | null }[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 100; page++) {
        const r = await fetch(`${n.url}/v1/audit?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${admin}` } });
        expect(r.status).toBe(200);
        const body = (await r.json()) as { items: typeof rows; nextCursor: string | null };
        rows.push(...body.items);
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      return rows.filter((r) => r.action.startsWith('alert.') || r.action === 'dead_letter.replay').map((r) => `${r.action} ${r.target} ${r.requestId}`);
    };
    await waitFor('audit rows published', async () => (await auditOf(node)).length >= 8, { timeoutMs: 30_000, everyMs: 100 });
    const auditBefore = await auditOf(node);
    const before = dumpStore(config.lmdb.path, { exclude: NOT_COMPARED });
    // the republished bodies are dropped by the stream's duplicate window (same update ids): two letters, both marked
    const letters = (before.get('dead_letters')?.entries ?? []).map(([, v]) => JSON.parse(v) as { replayedAt: number | null });
    expect(letters).toHaveLength(2);
    for (const l of letters) expect(l.replayedAt).not.toBeNull();
    // the engine's dead letters also left through its outbox to the dead-letter stream, once each
    const jsm = await jetstreamManager(nc);
    const dlq = await jsm.streams.info(config.stream.deadLetterName, { subjects_filter: `${config.stream.subjectPrefix}.dlq.engine` });
    expect(dlq.state.subjects?.[`${config.stream.subjectPrefix}.dlq.engine`]).toBe(2);

    // the disk goes: folder deleted under the running node, then the node dies
    rmSync(config.lmdb.path, { recursive: true, force: true });
    await killHard(node.child);
    node = await start();
    await drained();
    expect(await stopNode(node)).toBe(0);
    const after = dumpStore(config.lmdb.path, { exclude: NOT_COMPARED });
    expect(after.get('alerts')?.entries.length).toBeGreaterThan(2);
    expect(diffDumps(before, after)).toEqual([]);
    node = await start();
    expect(await auditOf(node)).toEqual(auditBefore);
    // two claims, two verifications, one disposal, one closing; two replay marks
    expect(auditBefore.filter((r) => r.startsWith('alert.'))).toHaveLength(6);
    expect(auditBefore.filter((r) => r.startsWith('dead_letter.replay'))).toHaveLength(2);
    await stopNode(node);
  }, 300_000);
});
