/**
 * API keys: `lifeline_<random>` tokens handed out once; only their sha256 is kept, in the
 * configuration (`api.keys`) or in the JetStream KV bucket `stream.keysBucket`, which every API
 * node watches (a revocation on one node is refused by all within the watch latency).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import type { NatsConnection, QueuedIterator } from '@nats-io/transport-node';
import { KvFollower, openKvBucket } from '../../connectors/nats/index.js';
import { KvWatchInclude, type KV, type KvEntry, type KvWatchEntry } from '@nats-io/kv';
import type { Config } from '../../config/index.js';
import type { AuditLog } from '../../connectors/audit/index.js';
import { ApiError, validation } from '../errors.js';
import { KEY_ID_PREFIX, KEYS_DB_NAME, KEYS_KV_TIMEOUT_MS, KEYS_REWATCH_MS, TOKEN_PREFIX, TOKEN_RANDOM_BYTES } from './options.js';
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

/** Keys in the LMDB environment: for tests and tools without NATS; a deployment uses KvKeyStore. */
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

/** Decodes a KV value; a malformed one is dropped (a key that cannot be read authenticates nothing). */
function recordOf(e: KvEntry): ApiKeyRecord | null {
  try {
    const r = e.json<ApiKeyRecord>();
    return r && typeof r.id === 'string' && r.sha256 === e.key && (ROLES as readonly string[]).includes(r.role) ? r : null;
  } catch {
    return null;
  }
}

/**
 * Issued keys in a JetStream KV bucket (sha256 → record). `get` stays synchronous: it reads a
 * local copy kept current by a watch, so a key revoked on any node is refused here as soon as
 * the watch delivers the change (milliseconds on one server; a few seconds across a cluster).
 */
export class KvKeyStore implements KeyStore {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; revision: number }>();

  /** The highest revision the watch (or the initial read) delivered. */
  private lastRevision = 0;
  private readonly follower: KvFollower;

  private constructor(
    private readonly kv: KV,
    onWarning: (err: Error) => void,
  ) {
    // a watch that ends, or is left silent by a lost server, would hide revocations made on other nodes: watch again, reload everything
    this.follower = new KvFollower(kv, {
      name: 'the API keys',
      open: () => this.load(),
      onEntry: (e) => this.applyEntry(e),
      revision: () => this.lastRevision,
      rewatchMs: KEYS_REWATCH_MS,
      onWarning,
    });
  }

  /** Opens (creating when absent) the bucket, loads every key and starts watching. */
  static async open(nc: NatsConnection, opts: { bucket: string; replicas: number; timeoutMs?: number; onWarning?: (err: Error) => void }): Promise<KvKeyStore> {
    const timeout = opts.timeoutMs ?? KEYS_KV_TIMEOUT_MS;
    let kv: KV;
    try {
      kv = await openKvBucket(nc, { bucket: opts.bucket, replicas: opts.replicas, timeoutMs: timeout });
    } catch (cause) {
      throw ApiError.of('LIFELINE_ERR_API_UNAVAILABLE', `cannot open the API key bucket ${opts.bucket}: ${(cause as Error).message}`, { cause });
    }
    const store = new KvKeyStore(kv, opts.onWarning ?? (() => undefined));
    await store.follower.start();
    return store;
  }

  get(sha256: string): ApiKeyRecord | undefined {
    return this.cache.get(sha256)?.record ?? undefined;
  }

  async put(record: ApiKeyRecord): Promise<void> {
    const revision = await this.kv.put(record.sha256, JSON.stringify(record));
    this.apply(record.sha256, record, revision); // our own change counts at once, before the watch echoes it
  }

  list(): ApiKeyRecord[] {
    return [...this.cache.values()].flatMap((e) => (e.record ? [e.record] : []));
  }

  /** Stops watching; `get` answers from the last copy. */
  close(): void {
    this.follower.stop();
  }

  /** Watch first, then read every key: a change between the two is seen by the watch, and revisions order both. */
  private async load(): Promise<QueuedIterator<KvWatchEntry>> {
    // everything up to here is read below; later changes come through the watch (deletes leave no key to read)
    const base = (await this.kv.status()).streamInfo.state.last_seq;
    const w = await this.kv.watch({ include: KvWatchInclude.UpdatesOnly });
    try {
      for await (const k of await this.kv.keys()) {
        const e = await this.kv.get(k);
        if (e) this.applyEntry(e);
      }
    } catch (err) {
      w.stop();
      throw err;
    }
    if (base > this.lastRevision) this.lastRevision = base;
    return w;
  }

  private applyEntry(e: KvEntry): void {
    this.apply(e.key, e.operation === 'PUT' ? recordOf(e) : null, e.revision);
  }

  private apply(sha: string, record: ApiKeyRecord | null, revision: number): void {
    if (revision > this.lastRevision) this.lastRevision = revision;
    const cur = this.cache.get(sha);
    if (cur && cur.revision >= revision) return;
    this.cache.set(sha, { record, revision });
  }
}

/** Who changed a key, for its audit row. */
export interface KeyAuditContext {
  log: AuditLog;
  /** Key id of whoever asked, or 'system' (e.g. `lifeline start`, the keys CLI). */
  actor: string;
  role: string | null;
  requestId?: string | null;
}

/** A site key reads no township's alerts or households. */
const NO_TOWNSHIPS: ReadonlySet<string> = new Set();

/** What an audit row shows of a key: never its hash. */
const publicKey = (r: ApiKeyRecord): Omit<ApiKeyRecord, 'sha256'> => ({ id: r.id, role: r.role, townships: r.townships, createdAt: r.createdAt, revokedAt: r.revokedAt });

/**
 * Makes a new key for a role (and, for caseworkers, the townships it covers) and saves its hash
 * in `store` when given. The token in the answer is the only copy.
 */
export async function issueKey(
  role: Role,
  townships: readonly string[],
  opts: { store?: KeyStore; now?: number; id?: string; audit?: KeyAuditContext } = {},
): Promise<IssuedKey> {
  if (!(ROLES as readonly string[]).includes(role)) throw validation('role', `must be one of ${ROLES.join(', ')}`);
  if (role === 'caseworker' && townships.length === 0) throw validation('townships', 'a caseworker key needs at least one township');
  if (role === 'site' && (townships.length === 0 || townships.some((s) => !s.startsWith('S')))) throw validation('townships', 'a site key needs the ids of its alliance sites (S…)');
  if (role !== 'caseworker' && role !== 'site' && townships.length > 0) throw validation('townships', `only caseworker and site keys are scoped, not ${role}`);
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
  // the row goes first: a change is never without its row (a failed put leaves a row for a key nobody holds)
  if (opts.audit) await auditKey(opts.audit, 'key.issue', record, null, record);
  if (opts.store) await opts.store.put(record);
  return { token, record };
}

/** Marks an issued key revoked; answers false when the id is unknown. */
export async function revokeKey(store: KeyStore, keyId: string, now = Date.now(), audit?: KeyAuditContext): Promise<boolean> {
  const rec = store.list().find((r) => r.id === keyId);
  if (!rec) return false;
  const after = { ...rec, revokedAt: now };
  if (audit) await auditKey(audit, 'key.revoke', rec, rec, after);
  await store.put(after);
  return true;
}

async function auditKey(a: KeyAuditContext, action: 'key.issue' | 'key.revoke', rec: ApiKeyRecord, before: ApiKeyRecord | null, after: ApiKeyRecord): Promise<void> {
  const at = action === 'key.issue' ? after.createdAt : (after.revokedAt ?? Date.now());
  await a.log.append(
    {
      at,
      actor: a.actor,
      role: a.role,
      township: null,
      action,
      target: rec.id,
      requestId: a.requestId ?? null,
      before: before ? publicKey(before) : null,
      after: publicKey(after),
    },
    `${action}:${rec.id}:${at}`,
  );
}

/** Township scopes kept per distinct (role, townships) list: one Set, not one per request (lists, 1000). */
const SCOPE_CACHE = 1000;

/** Resolves tokens to callers: configured keys first, then the key store. */
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
    if (rec.role === 'site') return { keyId: rec.id, role: rec.role, townships: NO_TOWNSHIPS, sites: scope };
    return { keyId: rec.id, role: rec.role, townships: scope };
  }
}
