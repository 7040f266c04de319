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
import { DEPARTMENT_CODES, KIND_CODES, KIND_SOURCE, isDepartment, isKind } from '../../engine/catalogue/departments.js';
import { REJECTION_CODES } from '../../engine/errors.js';
import type { PublishOutcome, PublisherStats } from './types.js';

/** Household registrations travel as updates of this source and kind (workers/batch-task.ts). */
const EXTRA_SOURCES = new Set(['registry']);
const EXTRA_KINDS = new Set(['household_registered']);
const EXTRA_KIND_SOURCE: Readonly<Record<string, string>> = { household_registered: 'registry' };

/** The label of anything outside the catalogue: client text never becomes a label value. */
export const UNKNOWN = 'unknown';

/** A department code, `registry`, or `unknown`: label values stay bounded whatever a client sends. */
export function sourceLabel(x: unknown): string {
  return typeof x === 'string' && (isDepartment(x) || EXTRA_SOURCES.has(x)) ? x : UNKNOWN;
}

/** A catalogue kind, `household_registered`, or `unknown`. */
export function kindLabel(x: unknown): string {
  return typeof x === 'string' && (isKind(x) || EXTRA_KINDS.has(x)) ? x : UNKNOWN;
}

/**
 * The source and kind labels of one update: the kind is kept only when it belongs to the source
 * (a kind sent under another department is counted as `unknown`), so the pairs are the
 * catalogue's (FLOW_PAIRS) and not its square.
 */
export function flowLabels(source: unknown, kind: unknown): { source: string; kind: string } {
  const s = sourceLabel(source);
  const k = kindLabel(kind);
  if (s === UNKNOWN) return { source: UNKNOWN, kind: UNKNOWN };
  return { source: s, kind: k !== UNKNOWN && ((KIND_SOURCE as Record<string, string>)[k] ?? EXTRA_KIND_SOURCE[k]) === s ? k : UNKNOWN };
}

/** Every source/kind pair `flowLabels` can answer. */
export const FLOW_PAIRS: readonly { source: string; kind: string }[] = [
  ...KIND_CODES.map((kind) => ({ source: KIND_SOURCE[kind] as string, kind: kind as string })),
  ...Object.entries(EXTRA_KIND_SOURCE).map(([kind, source]) => ({ source, kind })),
  ...[...DEPARTMENT_CODES, ...EXTRA_SOURCES].map((source) => ({ source, kind: UNKNOWN })),
  { source: UNKNOWN, kind: UNKNOWN },
];

/** Why an update is refused (engine and HTTP intake share the engine's codes); duplicates are counted as deduplications. */
export const REJECTED_CODES: readonly string[] = [...REJECTION_CODES.filter((c) => c !== 'LIFELINE_ERR_DUPLICATE_UPDATE'), UNKNOWN];
/** Why the publisher gave up on an update. */
export const PUBLISH_FAILURE_CODES: readonly string[] = ['LIFELINE_ERR_CONNECTOR_PUBLISH_FAILED', 'LIFELINE_ERR_CONNECTOR_PUBLISH_REJECTED', 'LIFELINE_ERR_CONNECTOR_PUBLISHER_CLOSED', UNKNOWN];
export const DEDUP_STAGES = ['intake', 'stream', 'engine'] as const;
export const DEAD_LETTER_ORIGINS: readonly string[] = ['intake', 'engine', 'http'];

/** A code of `allowed`, else `unknown`. */
export function codeLabel(x: unknown, allowed: readonly string[] = REJECTED_CODES): string {
  return typeof x === 'string' && allowed.includes(x) ? x : UNKNOWN;
}

/** A value of `allowed`, else `unknown`. */
export function oneOf(x: unknown, allowed: readonly string[]): string {
  return typeof x === 'string' && allowed.includes(x) ? x : UNKNOWN;
}

/**
 * The most series each labelled counter of the update flow can have: the test of label bounds
 * checks the exposition against these after sending it garbage.
 */
export const FLOW_LABEL_BOUNDS: Readonly<Record<string, number>> = {
  lifeline_updates_received_total: FLOW_PAIRS.length,
  lifeline_updates_processed_total: FLOW_PAIRS.length,
  lifeline_updates_rejected_total: FLOW_PAIRS.length * REJECTED_CODES.length,
  lifeline_updates_deduplicated_total: FLOW_PAIRS.length * DEDUP_STAGES.length,
  lifeline_updates_published_total: FLOW_PAIRS.length,
  lifeline_updates_publish_failures_total: FLOW_PAIRS.length * PUBLISH_FAILURE_CODES.length,
  lifeline_dead_letters_published_total: DEAD_LETTER_ORIGINS.length + 1,
};

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

/** Every known label set of a counter, at zero: `rate()` and `increase()` then see the first event too. */
function zeroes<L extends string>(c: Counter<L>, sets: Iterable<Partial<Record<L, string>>>): Counter<L> {
  for (const labels of sets) c.inc(labels, 0);
  return c;
}

const withEach = <T extends object>(sets: readonly T[], key: string, values: readonly string[]) => sets.flatMap((s) => values.map((v) => ({ ...s, [key]: v })));

const zeroed = new WeakMap<Registry, true>();

/** The four counters of the update flow in `registry`, created on first use (any layer may come first), every known label set at zero. */
export function updateFlowCounters(registry: Registry): UpdateFlowCounters {
  const c = flowCounters(registry);
  if (!zeroed.has(registry)) {
    zeroed.set(registry, true);
    zeroes(c.received, FLOW_PAIRS);
    zeroes(c.processed, FLOW_PAIRS);
    zeroes(c.rejected, withEach(FLOW_PAIRS, 'code', REJECTED_CODES));
    zeroes(c.deduplicated, withEach(FLOW_PAIRS, 'stage', DEDUP_STAGES));
  }
  return c;
}

function flowCounters(registry: Registry): UpdateFlowCounters {
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
const zeroedPublisher = new WeakMap<Registry, true>();

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
  if (!zeroedPublisher.has(registry)) {
    zeroedPublisher.set(registry, true);
    zeroes(published, FLOW_PAIRS);
    zeroes(failed, withEach(FLOW_PAIRS, 'code', PUBLISH_FAILURE_CODES));
    zeroes(deadLetters, DEAD_LETTER_ORIGINS.map((origin) => ({ origin })));
  }

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
        const labels = flowLabels(source, kind);
        let failures = 0;
        for (const [code, n] of t.failed ?? []) {
          failed.inc({ ...labels, code: codeLabel(code, PUBLISH_FAILURE_CODES) }, n);
          failures += n;
        }
        const received = t.published + t.duplicate + failures;
        if (received) flow.received.inc(labels, received);
        if (t.published) published.inc(labels, t.published);
        if (t.duplicate) flow.deduplicated.inc({ ...labels, stage: 'stream' }, t.duplicate);
      }
    }
    tallies.clear();
    for (const [origin, n] of letters) deadLetters.inc({ origin: oneOf(origin, DEAD_LETTER_ORIGINS) }, n);
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
