/**
 * Reads between the nodes of a multi-node deployment (the pattern of Kafka Streams' interactive
 * queries): a request on `<prefix>.serve.<partition>.<kind>` is answered by the node that owns the
 * partition's lease and runs its consumer, from its LMDB; every other node stays silent. The
 * reply carries an HTTP-like status in the `Lifeline-Status` header: 200 with the answer, 404/403
 * with an error body, 503 while the owner is still catching up on the stream after a takeover.
 */
import type { Role } from '../auth/index.js';

export type ServeKind = 'portrait' | 'aggregates' | 'points' | 'intake';

export const STATUS_HEADER = 'Lifeline-Status';
export const TOWNSHIP_HEADER = 'Lifeline-Township';

export function serveSubject(prefix: string, partition: number | '*', kind: ServeKind | '*'): string {
  return `${prefix}.serve.${partition}.${kind}`;
}

/** Who asks, as the asking node authenticated them (the owner applies the same scope and view). */
export interface WirePrincipal {
  keyId: string;
  role: Role;
  townships: string[] | null;
}

export interface PortraitRequest {
  id: string;
  principal: WirePrincipal;
  /** The asking node's clock (overdue flags as it would show them). */
  now: number;
}

export interface PointsRequest {
  township: string;
}

/** What the intake of `POST /v1/updates` must know of a household before it publishes an update. */
export interface IntakeRequest {
  updates: unknown[];
}

export interface IntakeAnswer {
  /** Per update: whether the household exists here, and the refusal the engine would certainly give (null: none). */
  results: { exists: boolean; refusal: { code: string; message: string; issues: { field: string; reason: string }[] } | null }[];
}
