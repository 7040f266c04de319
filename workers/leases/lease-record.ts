/**
 * The value stored under a lease or heartbeat key. The 2.9 server has no per-key TTL, so expiry
 * travels in the value and every node compares it with its own clock (clocks must agree to well
 * under ttl/2).
 */
export interface LeaseRecord {
  owner: string;
  /** Epoch ms after which anyone may take the lease. */
  expiresAt: number;
}

export interface HeartbeatRecord {
  nodeId: string;
  expiresAt: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeRecord(r: LeaseRecord | HeartbeatRecord): Uint8Array {
  return enc.encode(JSON.stringify(r));
}

/** A value that does not parse is treated as expired: it can be taken by compare-and-set. */
export function decodeLease(bytes: Uint8Array): LeaseRecord {
  try {
    const v = JSON.parse(dec.decode(bytes)) as Partial<LeaseRecord>;
    if (typeof v.owner === 'string' && typeof v.expiresAt === 'number') return { owner: v.owner, expiresAt: v.expiresAt };
  } catch {
    // fall through
  }
  return { owner: '', expiresAt: 0 };
}

export function decodeHeartbeat(bytes: Uint8Array): HeartbeatRecord {
  try {
    const v = JSON.parse(dec.decode(bytes)) as Partial<HeartbeatRecord>;
    if (typeof v.nodeId === 'string' && typeof v.expiresAt === 'number') return { nodeId: v.nodeId, expiresAt: v.expiresAt };
  } catch {
    // fall through
  }
  return { nodeId: '', expiresAt: 0 };
}

export const leaseKey = (partition: number): string => `p.${partition}`;
export const heartbeatKey = (nodeKey: string): string => `n.${nodeKey}`;
