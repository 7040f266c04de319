/**
 * Prometheus counters of the update flow, shared by every layer of one process, and the
 * publisher's own figures.
 *
 * Each update is counted once where this process takes it in (`lifeline_updates_received_total`):
 * by the publisher when it settles (stored, recognised as a repeat, or given up on), or by the
 * HTTP intake when it refuses the update before publishing. Whatever reaches the stream ends as
 * processed, rejected or deduplicated in the engine, so (over all processes, once settled)
 * received = processed + rejected + deduplicated + publish failures.
 * Deduplication stages: `intake` (refused by the API: same id earlier in the batch, or already
 * applied), `stream` (the server's Nats-Msg-Id window), `engine` (an id the household already has).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { isDepartment, isKind } from '../../engine/catalogue/departments.js';
import type { PublishOutcome, PublisherStats } from './types.js';

/** Household registrations travel as updates of this source and kind (workers/batch-task.ts). */
const EXTRA_SOURCES = new Set(['registry']);
const EXTRA_KINDS = new Set(['household_registered']);

/** A department code, `registry`, or `unknown`: label values stay bounded whatever a client sends. */
export function sourceLabel(x: unknown): string {
  return typeof x === 'string' && (isDepartment(x) || EXTRA_SOURCES.has(x)) ? x : 'unknown';
}

/** A catalogue kind, `household_registered`, or `unknown`. */
export function kindLabel(x: unknown): string {
  return typeof x === 'string' && (isKind(x) || EXTRA_KINDS.has(x)) ? x : 'unknown';
}

/** A coded error name (`LIFELINE_ERR_…`) or `unknown`. */
export function codeLabel(x: unknown): string {
  return typeof x === 'string' && /^LIFELINE_ERR_[A-Z0-9_]{1,60}$/.test(x) ? x : 'unknown';
}

export type DedupStage = 'intake' | 'stream' | 'engine';

export interface UpdateFlowCounters {
  received: Counter<'source' | 'kind'>;
  processed: Counter<'source' | 'kind'>;
  rejected: Counter<'source' | 'kind' | 'code'>;
  deduplicated: Counter<'source' | 'kind' | 'stage'>;
}

/** Per registry: functions that move tallies kept on a hot path into the counters (run before any of them is read). */
const flushers = new WeakMap<Registry, Set<() => void>>();

function flushAll(registry: Registry): void {
  const set = flushers.get(registry);
  if (set) for (const f of set) f();
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const found = registry.getSingleMetric(name);
  if (found) return found as Counter<L>;
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      flushAll(registry);
    },
  });
}

/** The four counters of the update flow in `registry`, created on first use (any layer may come first). */
export function updateFlowCounters(registry: Registry): UpdateFlowCounters {
  return {
    received: counter(registry, 'lifeline_updates_received_total', 'Updates taken in by this process (publisher, HTTP intake), per department and kind; unit: updates.', ['source', 'kind']),
    processed: counter(registry, 'lifeline_updates_processed_total', 'Updates applied and committed to LMDB by the engine, per department and kind; unit: updates.', ['source', 'kind']),
    rejected: counter(
      registry,
      'lifeline_updates_rejected_total',
      'Updates refused (HTTP validation or engine) and kept as dead letters, per department, kind and error code; unit: updates.',
      ['source', 'kind', 'code'],
    ),
    deduplicated: counter(
      registry,
      'lifeline_updates_deduplicated_total',
      'Repeated updates dropped, per department, kind and stage (intake: refused by the API; stream: Nats-Msg-Id duplicate; engine: id already applied); unit: updates.',
      ['source', 'kind', 'stage'],
    ),
  };
}

/** What `publisherMetrics` needs of a Publisher. */
export interface ObservablePublisher {
  observe(listener: (o: PublishOutcome) => void): () => void;
  stats(): PublisherStats;
}

/** One department and kind's outcomes since the last scrape. */
interface Tally {
  published: number;
  duplicate: number;
  /** Per error code; null until one fails. */
  failed: Map<string, number> | null;
}

interface PublisherSet {
  publishers: Set<ObservablePublisher>;
  /** Retries already added to the counter, per publisher. */
  retriesSeen: WeakMap<ObservablePublisher, number>;
}

const attached = new WeakMap<Registry, PublisherSet>();

/**
 * Registers the publisher's figures in `registry` and counts each settled message through its
 * `observe` hook (one call per message, nothing else on the hot path). Idempotent per registry
 * and publisher; returns a function that detaches the publisher.
 */
export function publisherMetrics(publisher: ObservablePublisher, registry: Registry): () => void {
  let set = attached.get(registry);
  if (!set) {
    const s: PublisherSet = { publishers: new Set(), retriesSeen: new WeakMap() };
    attached.set(registry, (set = s));
    new Gauge({
      name: 'lifeline_publisher_in_flight_messages',
      help: 'Messages awaiting their PubAck from JetStream now; unit: messages.',
      registers: [registry],
      collect() {
        let n = 0;
        for (const p of s.publishers) n += p.stats().inFlight;
        this.set(n);
      },
    });
    new Counter({
      name: 'lifeline_publisher_retries_total',
      help: 'Publish attempts repeated after a transient failure (timeout, no responders, disconnect); unit: attempts.',
      registers: [registry],
      collect() {
        for (const p of s.publishers) {
          const now = p.stats().retries;
          const seen = s.retriesSeen.get(p) ?? 0;
          if (now > seen) this.inc(now - seen);
          s.retriesSeen.set(p, now);
        }
      },
    });
  }
  if (set.publishers.has(publisher)) return () => undefined;
  set.publishers.add(publisher);
  const flow = updateFlowCounters(registry);
  const published = counter(registry, 'lifeline_updates_published_total', 'Updates newly stored in the update stream by this process, per department and kind; unit: updates.', ['source', 'kind']);
  const failed = counter(
    registry,
    'lifeline_updates_publish_failures_total',
    'Updates the publisher gave up on (retries exhausted or refused by the server), per department, kind and error code; unit: updates.',
    ['source', 'kind', 'code'],
  );
  const deadLetters = counter(registry, 'lifeline_dead_letters_published_total', 'Dead letters published to the dead-letter stream, per origin (intake, engine, http); unit: messages.', ['origin']);

  // prom-client's inc costs ~1 µs (label checks, hashing): each message only bumps a tally here, moved into the counters at scrape time
  const tallies = new Map<string, Map<string, Tally>>();
  const letters = new Map<string, number>();
  const remove = publisher.observe((o) => {
    if (o.source === 'dead_letter') {
      if (o.ok && !o.result.duplicate) letters.set(o.kind, (letters.get(o.kind) ?? 0) + 1);
      return;
    }
    let byKind = tallies.get(o.source);
    if (!byKind) tallies.set(o.source, (byKind = new Map()));
    let t = byKind.get(o.kind);
    if (!t) byKind.set(o.kind, (t = { published: 0, duplicate: 0, failed: null }));
    if (!o.ok) {
      t.failed ??= new Map();
      t.failed.set(o.error.code, (t.failed.get(o.error.code) ?? 0) + 1);
    } else if (o.result.duplicate) t.duplicate++;
    else t.published++;
  });
  const flush = (): void => {
    for (const [source, byKind] of tallies) {
      for (const [kind, t] of byKind) {
        const labels = { source: sourceLabel(source), kind: kindLabel(kind) };
        let failures = 0;
        for (const [code, n] of t.failed ?? []) {
          failed.inc({ ...labels, code: codeLabel(code) }, n);
          failures += n;
        }
        const received = t.published + t.duplicate + failures;
        if (received) flow.received.inc(labels, received);
        if (t.published) published.inc(labels, t.published);
        if (t.duplicate) flow.deduplicated.inc({ ...labels, stage: 'stream' }, t.duplicate);
      }
    }
    tallies.clear();
    for (const [origin, n] of letters) deadLetters.inc({ origin }, n);
    letters.clear();
  };
  let registryFlushers = flushers.get(registry);
  if (!registryFlushers) flushers.set(registry, (registryFlushers = new Set()));
  registryFlushers.add(flush);
  const s = set;
  const fs = registryFlushers;
  return () => {
    remove();
    flush();
    fs.delete(flush);
    s.publishers.delete(publisher);
  };
}
