/**
 * An API over a small city in real LMDB, without the engine: households loaded as the initial
 * load writes them, alerts of every status written the way the engine and caseworkers leave them,
 * and a publisher that keeps what it is given in memory. One API key per role. Used by the tests
 * that only need the HTTP surface (strict bodies, privacy of aggregates, labels, fuzzing).
 */
import { Registry } from 'prom-client';
import { testEnv, type TestEnv } from '../../test/support/nats.js';
import { generateCity } from '../../connectors/city/generator.js';
import { layoutByName } from '../../connectors/city/regions.js';
import type { DeadLetter, DeadLetterOrigin, PublishResult } from '../../connectors/publisher/index.js';
import { openAlert } from '../../engine/alerts/records.js';
import type { Alert, AlertTrigger } from '../../engine/alerts/types.js';
import { initialState } from '../../engine/process.js';
import type { Household, Update } from '../../engine/types.js';
import { openStore, writeAlertInTxn, type Store } from '../../workers/store/index.js';
import { buildApp, type LifelineApp } from '../app.js';
import { hashToken } from '../auth/index.js';
import type { UpdatePublisher } from '../types.js';

export const tok = (c: string): string => 'lifeline_' + c.repeat(32);
export const TOKENS = { admin: tok('a'), integration: tok('i'), analyst: tok('n'), caseworker: tok('c'), otherCaseworker: tok('d') } as const;
export type Caller = keyof typeof TOKENS | 'anonymous';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The fixture's clock: a fixed instant, so periods and deadlines do not depend on the day the test runs. */
export const FIXTURE_NOW = Date.UTC(2026, 5, 20, 4, 0, 0);

/** Keeps what the API publishes; never fails. */
export class MemoryPublisher implements UpdatePublisher {
  /** The first 1,000 updates published (the fuzz suite publishes many more: only the count grows). */
  readonly updates: Update[] = [];
  readonly deadLetters: DeadLetter[] = [];
  published = 0;
  private seq = 0;
  publish(update: Update): Promise<PublishResult> {
    this.published++;
    if (this.updates.length < 1000) this.updates.push(update);
    return Promise.resolve({ msgId: 'm', subject: 's', stream: 'S', partition: 0, seq: ++this.seq, duplicate: false });
  }
  publishDeadLetter(_origin: DeadLetterOrigin, body: DeadLetter): Promise<PublishResult> {
    // only the count matters to the tests: the body may hold a marker string by design (the department's own input)
    if (this.deadLetters.length < 1000) this.deadLetters.push(body);
    return Promise.resolve({ msgId: 'm', subject: 's', stream: 'S', partition: 0, seq: ++this.seq, duplicate: false });
  }
}

export interface Fixture {
  env: TestEnv;
  store: Store;
  app: LifelineApp;
  registry: Registry;
  publisher: MemoryPublisher;
  households: Household[];
  alerts: Alert[];
  township: string;
  otherTownship: string;
  close(): Promise<void>;
}

/** A deterministic pseudo-random sequence (mulberry32), so the fixture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ['major_disease', 'medical_expense', 'accident', 'disaster', 'unemployment'] as const;

/**
 * `n` households of the small city; about half of them get an alert in some state of its life
 * cycle, spread over this month and the last, so every aggregate has small cells.
 */
export async function openFixture(opts: { n?: number; k?: number; seed?: number; config?: Record<string, unknown> } = {}): Promise<Fixture> {
  const n = opts.n ?? 160;
  const households = [...generateCity('small', opts.seed ?? 5, { limit: n })];
  const byTownship = new Map<string, Household[]>();
  for (const h of households) byTownship.set(h.region.townshipId, [...(byTownship.get(h.region.townshipId) ?? []), h]);
  const ranked = [...byTownship.entries()].sort((a, b) => b[1].length - a[1].length);
  const township = ranked[0]![0];
  const otherTownship = ranked[1]![0];
  const env = testEnv({
    'api.kAnonymity': opts.k ?? 5,
    'api.keys': [
      { id: 'admin-1', sha256: hashToken(TOKENS.admin), role: 'admin', townships: [] },
      { id: 'intake-1', sha256: hashToken(TOKENS.integration), role: 'integration', townships: [] },
      { id: 'analyst-1', sha256: hashToken(TOKENS.analyst), role: 'analyst', townships: [] },
      { id: 'cw-1', sha256: hashToken(TOKENS.caseworker), role: 'caseworker', townships: [township] },
      { id: 'cw-2', sha256: hashToken(TOKENS.otherCaseworker), role: 'caseworker', townships: [otherTownship] },
    ],
    ...opts.config,
  });
  let store: Store | null = null;
  let app: LifelineApp | null = null;
  try {
    store = openStore({ path: env.config.lmdb.path });
    const model = env.config.model;
    const random = rng(opts.seed ?? 5);
    const alerts: Alert[] = [];
    const s = store;
    await s.env.transaction(() => {
      for (const [i, h] of households.entries()) {
        const state = initialState(h, model);
        s.households.putSync(h.id, state);
        if (random() < 0.5) continue;
        const p = h.persons[0]!;
        const type = TYPES[Math.floor(random() * TYPES.length)]!;
        const level = random() < 0.4 ? 'urgent' : 'general';
        const at = FIXTURE_NOW - Math.floor(random() * 45 * DAY);
        const trigger = {
          type,
          level,
          severe: level === 'urgent',
          reason: `${p.name} (${p.idNumber}) reported`,
          updateId: `u-${h.id}-${i}`,
          kind: 'medical_claim',
          source: 'medical_insurance',
          personId: p.id,
          at,
        } as AlertTrigger;
        let a = openAlert(trigger, state, model, at);
        const stage = random();
        if (stage > 0.3) {
          const vAt = at + Math.floor(random() * 72 * HOUR);
          a = { ...a, status: 'verified', verification: { outcome: random() < 0.7 ? 'confirmed' : 'not_confirmed', note: `visited ${p.name}`, by: 'cw-1', at: vAt } as Alert['verification'], updatedAt: vAt };
          if (stage > 0.55) {
            const dAt = vAt + HOUR;
            const referrals = random() < 0.6 ? [{ kind: 'policy', code: random() < 0.5 ? 'dibao' : 'temporary_assistance' }] : [];
            a = { ...a, status: 'disposed', disposition: { referrals, note: '', by: 'cw-1', at: dAt } as unknown as Alert['disposition'], updatedAt: dAt };
            if (stage > 0.8) a = { ...a, status: 'closed', closedAt: dAt + HOUR, updatedAt: dAt + HOUR };
          }
        }
        writeAlertInTxn(s, null, a);
        alerts.push(a);
      }
    });
    const registry = new Registry();
    const publisher = new MemoryPublisher();
    app = await buildApp(env.config, { store, publisher, registry, layout: layoutByName('hangzhou'), now: () => FIXTURE_NOW, sweeper: false, dashboard: false });
    const a = app;
    return {
      env,
      store,
      app,
      registry,
      publisher,
      households,
      alerts,
      township,
      otherTownship,
      async close() {
        try {
          await a.close();
        } finally {
          try {
            await s.close();
          } finally {
            await env.cleanup();
          }
        }
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await env.cleanup();
    throw err;
  }
}

/** Headers of one caller. */
export function authOf(caller: Caller): Record<string, string> {
  return caller === 'anonymous' ? {} : { authorization: `Bearer ${TOKENS[caller]}` };
}
