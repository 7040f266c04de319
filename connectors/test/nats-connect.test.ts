import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer } from '../../cli/with-nats.js';
import { ConnectorError } from '../errors.js';
import { connectNats, natsOptions, type NatsConfig } from '../nats/connect.js';
import { NATS_URL } from '../../test/support/nats.js';

const base: NatsConfig = { url: NATS_URL, name: 'lifeline-test', noAsyncTraces: true };
let dir: string;
let server: ChildProcess | undefined;
let authUrl = '';

function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => done(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitTcp(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((done) => {
      const s = new Socket();
      s.once('error', () => done(false));
      s.connect(port, '127.0.0.1', () => {
        s.destroy();
        done(true);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('auth server did not start');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-nats-'));
  // a second, real server that demands a user and password
  const port = await freePort();
  server = spawn(findNatsServer()!, ['-a', '127.0.0.1', '-p', String(port), '--user', 'dept', '--pass', 's3cret'], { stdio: 'ignore' });
  authUrl = `nats://127.0.0.1:${port}`;
  await waitTcp(port);
});
afterAll(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('connectNats', () => {
  it('connects with the configured name and fast publish settings', async () => {
    const nc = await connectNats(base);
    expect(nc.info?.server_name).toBeTruthy();
    expect(natsOptions(base)).toMatchObject({ name: 'lifeline-test', noAsyncTraces: true, servers: [NATS_URL] });
    await nc.close();
  });

  it('authenticates with user and password', async () => {
    const nc = await connectNats({ ...base, url: authUrl, user: 'dept', pass: 's3cret' });
    await nc.flush();
    await nc.close();
  });

  it('reports refused credentials as a coded, non-retriable error', async () => {
    const err = await connectNats({ ...base, url: authUrl, user: 'dept', pass: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_NATS_CONNECT');
    expect((err as ConnectorError).retriable).toBe(false);
  });

  it('reports an unreachable server as a coded, retriable error naming the URL', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const err = await connectNats({ ...base, url }).catch((e: unknown) => e);
    expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_NATS_CONNECT');
    expect((err as ConnectorError).retriable).toBe(true);
    expect((err as ConnectorError).message).toContain(url);
  });

  it('names the field of a credentials file it cannot read', () => {
    const missing = join(dir, 'nope.creds');
    expect(() => natsOptions({ ...base, credsFile: missing })).toThrow(/nats\.credsFile/);
    try {
      natsOptions({ ...base, tls: { caFile: join(dir, 'ca.pem') } });
      expect.unreachable();
    } catch (e) {
      expect((e as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_NATS_CREDENTIALS');
      expect((e as ConnectorError).message).toContain('nats.tls.caFile');
    }
  });

  it('authenticates with an nkey seed file against a server that knows only the public key', async () => {
    const user = createUser();
    const seedFile = join(dir, 'user.nk');
    writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()) + '\n');
    const conf = join(dir, 'nkey.conf');
    const port = await freePort();
    writeFileSync(conf, `listen: 127.0.0.1:${port}\nauthorization { users = [ { nkey: ${user.getPublicKey()} } ] }\n`);
    const nk = spawn(findNatsServer()!, ['-c', conf], { stdio: 'ignore' });
    try {
      await waitTcp(port);
      const nc = await connectNats({ ...base, url: `nats://127.0.0.1:${port}`, nkeySeedFile: seedFile });
      await nc.flush();
      await nc.close();
      const other = join(dir, 'other.nk');
      writeFileSync(other, new TextDecoder().decode(createUser().getSeed()));
      const err = await connectNats({ ...base, url: `nats://127.0.0.1:${port}`, nkeySeedFile: other }).catch((e: unknown) => e);
      expect((err as ConnectorError).code).toBe('LIFELINE_ERR_CONNECTOR_NATS_CONNECT');
    } finally {
      nk.kill('SIGTERM');
    }
  });
});
