/** Authentication and authorisation of API calls. */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { KEY_HEADER } from './options.js';
import type { KeyResolver } from './keys.js';
import type { Principal } from './types.js';

export * from './types.js';
export * from './roles.js';
export { KeyResolver, KvKeyStore, LmdbKeyStore, issueKey, revokeKey, hashToken, generateToken, type IssuedKey, type KeyAuditContext, type KeyStore } from './keys.js';
export { TOKEN_PREFIX, KEYS_DB_NAME } from './options.js';

/** The token of a request: `authorization: Bearer <token>` or the `x-api-key` header. */
export function tokenOf(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1]! : null;
  }
  const k = req.headers[KEY_HEADER];
  return typeof k === 'string' && k.length > 0 ? k : null;
}

/** The caller of a request, or 401. */
export function authenticate(req: FastifyRequest, keys: KeyResolver): Principal {
  const token = tokenOf(req);
  if (token === null) throw ApiError.of('LIFELINE_ERR_API_UNAUTHENTICATED', 'missing API key: send authorization: Bearer lifeline_…', { field: 'authorization' });
  const p = keys.resolve(token);
  if (p === null) throw ApiError.of('LIFELINE_ERR_API_UNAUTHENTICATED', 'unknown or revoked API key', { field: 'authorization' });
  return p;
}
