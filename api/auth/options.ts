/** Key format: `lifeline_` followed by this many random bytes in base64url (24 bytes → 32 characters). */
export const TOKEN_PREFIX = 'lifeline_';
export const TOKEN_RANDOM_BYTES = 24;
/** Public key ids: `key_` + 8 random bytes in hex. */
export const KEY_ID_PREFIX = 'key_';
/** Name of the LMDB database holding issued keys in tests and tools without NATS (sha256 → ApiKeyRecord). */
export const KEYS_DB_NAME = 'api_keys';
/** Headers read for the key, in order: `authorization: Bearer <token>`, then `x-api-key`. */
export const KEY_HEADER = 'x-api-key';
/** Upper bound of one request to the key bucket (ms, 10 s). */
export const KEYS_KV_TIMEOUT_MS = 10_000;
/** Pause before resuming a key watch that ended unexpectedly (ms, 1 s). */
export const KEYS_REWATCH_MS = 1000;
