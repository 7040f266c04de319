/** What every route shares: configuration, dependencies and the services built on them. */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { authenticate, can, requireCapability, type Capability, type KeyResolver, type Principal } from './auth/index.js';
import type { AlertService } from './alerts/service.js';
import type { AggregateSource } from './aggregates.js';
import type { FeedHealth, FeedTracker } from './feeds.js';
import type { ApiMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import type { AlertJsonCache, PortraitJsonCache } from './views/cache.js';
import type { AppDeps } from './types.js';
import type { AuditLog } from '../connectors/audit/index.js';
import type { Store } from '../workers/store/index.js';
import type { ClusterServing } from './cluster/index.js';
import type { HelpService } from './help/service.js';
import type { HelpStatsSource } from './help/stats.js';
import type { Site } from '../engine/help/types.js';

export interface ApiContext {
  config: Readonly<Config>;
  deps: AppDeps;
  now: () => number;
  keys: KeyResolver;
  limiter: RateLimiter;
  metrics: ApiMetrics;
  alerts: AlertService;
  aggregates: AggregateSource;
  feeds: FeedTracker;
  /** Serialised alert views and portraits, kept while the stored record is unchanged. */
  views: { alerts: AlertJsonCache; portraits: PortraitJsonCache };
  /** The engine reports every applied and rejected update: HTTP intake then counts only what it refuses itself. */
  feedsFromEngine: boolean;
  /** The append-only audit stream; null when this process has none (audited reads then answer 503). */
  audit: AuditLog | null;
  /** Where alerts, queues and their counts are read: the city view on a node of several, else the engine's store. */
  alertStore: Store;
  /** Names and ID numbers of a household's persons (masking alert texts), wherever the household is kept. */
  personsOf(householdId: string): readonly { name: string; idNumber: string; alive?: boolean }[];
  /** Feed health as answered by /v1/feeds: this process's counters, or on a node of several every node's together (from the feed bucket, ≤ 5 s behind). */
  feedHealth(): FeedHealth[];
  /** The help loop (registry, matching, referrals); null without a NATS connection. */
  help: HelpService | null;
  helpStats: HelpStatsSource | null;
  /** An alliance site by id (the registry's sites), for projects created over the API. */
  helpSites(id: string): Site | undefined;
  /** Cross-node reads when this is one node of several; null when this process holds the whole city. */
  cluster: ClusterServing | null;
}

/** Authenticates, rate-limits per key, and checks the capability (any one of several): 401, 429 or 403 otherwise. */
export function guard(ctx: ApiContext, req: FastifyRequest, cap: Capability | readonly Capability[]): Principal {
  const p = authenticate(req, ctx.keys);
  ctx.limiter.take(p.keyId);
  const caps = typeof cap === 'string' ? [cap] : cap;
  // the 403 names the first: the one the route is mainly for
  if (!caps.some((c) => can(p.role, c))) requireCapability(p, caps[0]!);
  return p;
}
