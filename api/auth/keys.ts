/**
 * API keys: `lifeline_<random>` tokens handed out once; only their sha256 is kept, in the
 * configuration (`api.keys`) or in the LMDB database `api_keys`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import type { Config } from '../../config/index.js';
import { validation } from '../errors.js';
import { KEY_ID_PREFIX, KEYS_DB_NAME, TOKEN_PREFIX, TOKEN_RANDOM_BYTES } from './options.js';
import { ROLES, type ApiKeyRecord, type Principal, type Role } from './types.js';
import { scopeOf } from './roles.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_RANDOM_BYTES).toString('base64url');
}

/** A key is well-formed when it has the prefix and enough random characters; anything else is rejected before hashing. */
export function looksLikeToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX) && s.length >= TOKEN_PREFIX.length + 16 && s.length <= 256;
}

export interface IssuedKey {
  /** Shown once to whoever asked; never stored. */
  token: string;
  record: ApiKeyRecord;
}

/** Where issued keys live; `get` takes the sha256 of the token. */
export interface KeyStore {
  get(sha256: string): ApiKeyRecord | undefined;
  put(record: ApiKeyRecord): Promise<void>;
  list(): ApiKeyRecord[];
}

export class LmdbKeyStore implements KeyStore {
  readonly db: Database<ApiKeyRecord, string>;
  constructor(env: RootDatabase) {
    this.db = env.openDB<ApiKeyRecord, string>({ name: KEYS_DB_NAME });
  }
  get(sha256: string): ApiKeyRecord | undefined {
    return this.db.get(sha256);
  }
  async put(record: ApiKeyRecord): Promise<void> {
    await this.db.put(record.sha256, record);
  }
  list(): ApiKeyRecord[] {
    return [...this.db.getRange()].map((e) => e.value);
  }
}

/**
 * Makes a new key for a role (and, for caseworkers, the townships it covers) and saves its hash
 * in `store` when given. The token in the answer is the only copy.
 */
export async function issueKey(role: Role, townships: readonly string[], opts: { store?: KeyStore; now?: number; id?: string } = {}): Promise<IssuedKey> {
  if (!(ROLES as readonly string[]).includes(role)) throw validation('role', `must be one of ${ROLES.join(', ')}`);
  if (role === 'caseworker' && townships.length === 0) throw validation('townships', 'a caseworker key needs at least one township');
  if (role !== 'caseworker' && townships.length > 0) throw validation('townships', `only caseworker keys are scoped to townships, not ${role}`);
  if (townships.some((t) => t.trim() === '')) throw validation('townships', 'township ids must be non-empty');
  const token = generateToken();
  const record: ApiKeyRecord = {
    id: opts.id ?? KEY_ID_PREFIX + randomBytes(8).toString('hex'),
    sha256: hashToken(token),
    role,
    townships: [...new Set(townships)],
    createdAt: opts.now ?? Date.now(),
    revokedAt: null,
  };
  if (opts.store) await opts.store.put(record);
  return { token, record };
}

/** Marks an issued key revoked; answers false when the id is unknown. */
export async function revokeKey(store: KeyStore, keyId: string, now = Date.now()): Promise<boolean> {
  const rec = store.list().find((r) => r.id === keyId);
  if (!rec) return false;
  await store.put({ ...rec, revokedAt: now });
  return true;
}

/** Township scopes kept per distinct (role, townships) list: one Set, not one per request (lists, 1000). */
const SCOPE_CACHE = 1000;

/** Resolves tokens to callers: configured keys first, then the LMDB store. */
export class KeyResolver {
  /** Configured keys never change (the configuration is frozen): their callers are made once. */
  private readonly configured = new Map<string, Principal | null>();
  private readonly scopes = new Map<string, ReadonlySet<string> | null>();
  constructor(
    keys: Config['api']['keys'],
    private readonly store: KeyStore | null,
  ) {
    for (const k of keys) this.configured.set(k.sha256, this.principalOf({ ...k, townships: [...k.townships], createdAt: 0, revokedAt: null }));
  }

  /** The caller for a token, or null when the token is unknown or revoked. */
  resolve(token: string): Principal | null {
    if (!looksLikeToken(token)) return null;
    const sha = hashToken(token);
    const conf = this.configured.get(sha);
    if (conf !== undefined) return conf;
    // issued keys are read on every request, so a revocation counts from the next one
    const rec = this.store?.get(sha);
    return rec ? this.principalOf(rec) : null;
  }

  private principalOf(rec: ApiKeyRecord): Principal | null {
    if (rec.revokedAt !== null) return null;
    const key = `${rec.role}\u0000${rec.townships.join('\u0000')}`;
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      if (this.scopes.size >= SCOPE_CACHE) this.scopes.clear();
      this.scopes.set(key, (scope = scopeOf(rec.role, rec.townships)));
    }
    return { keyId: rec.id, role: rec.role, townships: scope };
  }
}
