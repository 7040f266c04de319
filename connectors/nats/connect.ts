/**
 * One way to open a NATS connection from configuration: user/pass, token, .creds file, nkey seed
 * file and TLS files, with `noAsyncTraces` (it roughly doubles windowed publish throughput).
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import type { Config } from '../../config/index.js';
import { ConnectorError } from '../errors.js';

export type NatsConfig = Config['nats'];

function readSecret(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_NATS_CREDENTIALS', `nats.${what}: cannot read ${path} (${(err as Error).message})`, {
      cause: err,
      details: { field: `nats.${what}`, path },
    });
  }
}

/** Translates the config section into client options (exported for inspection in tests and tools). */
export function natsOptions(cfg: NatsConfig, extra: Partial<ConnectionOptions> = {}): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: cfg.url.split(',').map((s) => s.trim()).filter(Boolean),
    name: cfg.name,
    noAsyncTraces: cfg.noAsyncTraces,
  };
  if (cfg.user) {
    opts.user = cfg.user;
    opts.pass = cfg.pass;
  }
  if (cfg.token) opts.token = cfg.token;
  if (cfg.credsFile) opts.authenticator = credsAuthenticator(readSecret(cfg.credsFile, 'credsFile'));
  else if (cfg.nkeySeedFile) {
    const seed = new TextEncoder().encode(new TextDecoder().decode(readSecret(cfg.nkeySeedFile, 'nkeySeedFile')).trim());
    opts.authenticator = nkeyAuthenticator(seed);
  }
  if (cfg.tls) {
    for (const k of ['caFile', 'certFile', 'keyFile'] as const) {
      const p = cfg.tls[k];
      if (p) readSecret(p, `tls.${k}`); // fail early with the field name instead of inside the TLS handshake
    }
    opts.tls = { ...cfg.tls };
  }
  return { ...opts, ...extra };
}

/** Connects or throws LIFELINE_ERR_CONNECTOR_NATS_CONNECT (retriable unless authentication was refused). */
export async function connectNats(cfg: NatsConfig, extra: Partial<ConnectionOptions> = {}): Promise<NatsConnection> {
  const opts = natsOptions(cfg, extra);
  try {
    return await connect(opts);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const auth = /auth|permission/i.test(msg) || (err as Error).name === 'AuthorizationError';
    throw new ConnectorError('LIFELINE_ERR_CONNECTOR_NATS_CONNECT', `cannot connect to NATS at ${cfg.url}: ${msg}`, {
      cause: err,
      retriable: !auth,
      details: { url: cfg.url, name: cfg.name },
    });
  }
}
