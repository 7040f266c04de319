/** API keys, roles and the authenticated caller. */

export const ROLES = ['integration', 'caseworker', 'analyst', 'admin', 'site'] as const;
export type Role = (typeof ROLES)[number];

/** What is stored of a key: never the token itself, only its sha256. */
export interface ApiKeyRecord {
  /** Public key id, shown in audit entries and alert history. */
  id: string;
  /** sha256 hex of the full token. */
  sha256: string;
  role: Role;
  /** Townships a caseworker may work in; for a `site` key the alliance sites whose orders it works (site ids); empty for other roles. */
  townships: string[];
  /** Epoch ms; 0 for keys from configuration. */
  createdAt: number;
  /** Epoch ms; a revoked key authenticates nothing. */
  revokedAt: number | null;
}

/** The caller of one request. */
export interface Principal {
  keyId: string;
  role: Role;
  /** null = every township (admin, analyst); otherwise the caseworker's scope. */
  townships: ReadonlySet<string> | null;
  /** A `site` key's alliance sites (their orders only); null for every other role. */
  sites?: ReadonlySet<string> | null;
}
