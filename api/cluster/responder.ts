/**
 * The owner's side of cross-node reads: answers `<prefix>.serve.<p>.<kind>` for the partitions
 * this process owns and runs, from its own LMDB (a portrait rendered for the asker's role and
 * scope, a partition's household aggregates or a township's points, the intake's checks); stays
 * silent for the others, so an answer always comes from the partition's current owner. A
 * partition whose consumer has not yet applied what the stream held when it started (a takeover
 * replaying after its snapshot) answers 503: it must not be served as if it were current.
 */
import { headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Update } from '../../engine/types.js';
import { finalRefusal } from '../../engine/process.js';
import { partitionOf } from '../../connectors/publisher/partition.js';
import type { Store } from '../../workers/store/index.js';
import { aggregatesToWire, aggregateStore, type Aggregates } from '../aggregates.js';
import type { Principal } from '../auth/index.js';
import { ApiError, forbidden, notFound } from '../errors.js';
import { privacyViewOf } from '../privacy/mask.js';
import { requireTownship } from '../auth/index.js';
import type { PortraitJsonCache } from '../views/cache.js';
import { STATUS_HEADER, TOWNSHIP_HEADER, serveSubject, type IntakeAnswer, type IntakeRequest, type PointsRequest, type PortraitRequest, type ServeKind } from './protocol.js';

/** How a partition stands on this node. */
export type Ownership = 'current' | 'catching_up' | null;

export interface PartitionServerDeps {
  nc: NatsConnection;
  prefix: string;
  /** This node's LMDB (the engine's store: the partitions it owns). */
  store: Store;
  portraits: PortraitJsonCache;
  partitionCount: number;
  owns(p: number): Ownership;
  now(): number;
  /** Aggregates of this node's partitions are rebuilt when older than this (ms, default 1,000). */
  aggregateMaxAgeMs?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class PartitionServer {
  private readonly sub: Subscription;
  private built: { at: number; parts: Map<number, Aggregates> } | null = null;
  private building: Promise<Map<number, Aggregates>> | null = null;
  /** Requests answered, by kind (metrics, tests). */
  readonly answered: Record<ServeKind, number> = { portrait: 0, aggregates: 0, points: 0, intake: 0 };

  constructor(private readonly d: PartitionServerDeps) {
    this.sub = d.nc.subscribe(serveSubject(d.prefix, '*', '*'), {
      callback: (err, msg) => {
        if (err) return;
        void this.handle(msg).catch((e: unknown) => reply(msg, 500, ApiError.of('LIFELINE_ERR_API_INTERNAL', (e as Error).message).body()));
      },
    });
  }

  stop(): void {
    this.sub.unsubscribe();
  }

  private async handle(msg: Msg): Promise<void> {
    const parts = msg.subject.split('.');
    const kind = parts[parts.length - 1] as ServeKind;
    const p = Number(parts[parts.length - 2]);
    if (!Number.isInteger(p)) return;
    const own = this.d.owns(p);
    if (own === null) return; // not ours: the owner answers
    if (own === 'catching_up') {
      reply(msg, 503, ApiError.of('LIFELINE_ERR_API_PARTITION_UNAVAILABLE', `partition ${p} is catching up on the stream after a takeover`, { details: { partitions: [p], retryAfterSec: 1 } }).body());
      return;
    }
    // the engine's worker committed after this thread's read snapshot may have been taken
    this.d.store.env.resetReadTxn();
    const body = JSON.parse(dec.decode(msg.data)) as unknown;
    switch (kind) {
      case 'portrait':
        return this.portrait(msg, p, body as PortraitRequest);
      case 'aggregates': {
        const agg = (await this.aggregates()).get(p);
        this.answered.aggregates++;
        reply(msg, 200, agg ? aggregatesToWire(agg) : null);
        return;
      }
      case 'points': {
        const t = (body as PointsRequest).township;
        const agg = (await this.aggregates()).get(p);
        this.answered.points++;
        reply(msg, 200, { builtAt: agg?.builtAt ?? this.d.now(), points: agg?.pointsByTownship.get(t) ?? [] });
        return;
      }
      case 'intake':
        return this.intake(msg, body as IntakeRequest);
      default:
        reply(msg, 400, ApiError.of('LIFELINE_ERR_API_VALIDATION', `unknown read ${String(kind).slice(0, 32)}`).body());
    }
  }

  private portrait(msg: Msg, p: number, r: PortraitRequest): void {
    const principal: Principal = { keyId: r.principal.keyId, role: r.principal.role, townships: r.principal.townships === null ? null : new Set(r.principal.townships) };
    const view = privacyViewOf(principal.role);
    try {
      if (!view) throw forbidden(`role ${principal.role} has no access to personal data`);
      if (partitionOf(r.id, this.d.partitionCount) !== p) throw notFound('household');
      const got = this.d.portraits.json(r.id, principal, view, r.now, (township) => requireTownship(principal, township));
      if (!got) throw notFound('household');
      this.answered.portrait++;
      const h = headers();
      h.set(STATUS_HEADER, '200');
      h.set(TOWNSHIP_HEADER, got.townshipId);
      msg.respond(got.body, { headers: h });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      reply(msg, err.status, err.body());
    }
  }

  private intake(msg: Msg, r: IntakeRequest): void {
    const out: IntakeAnswer = { results: [] };
    for (const raw of r.updates) {
      const u = raw as Update;
      const state = this.d.store.households.get(u.householdId);
      const refusal = state ? finalRefusal(state, u) : null;
      out.results.push({ exists: state !== undefined, refusal: refusal ? { code: refusal.code, message: refusal.message, issues: refusal.issues } : null });
    }
    this.answered.intake++;
    reply(msg, 200, out);
  }

  /** This node's partitions' aggregates, one scan shared by the requests of a round. */
  private aggregates(): Promise<Map<number, Aggregates>> {
    const b = this.built;
    if (b && this.d.now() - b.at < (this.d.aggregateMaxAgeMs ?? 1000)) return Promise.resolve(b.parts);
    this.building ??= (async () => {
      const at = this.d.now();
      const n = this.d.partitionCount;
      const parts = await aggregateStore(this.d.store, at, (id) => partitionOf(id, n));
      this.built = { at, parts };
      return parts;
    })().finally(() => {
      this.building = null;
    });
    return this.building;
  }
}

function reply(msg: Msg, status: number, body: unknown): void {
  const h = headers();
  h.set(STATUS_HEADER, String(status));
  msg.respond(enc.encode(JSON.stringify(body)), { headers: h });
}
