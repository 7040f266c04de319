/**
 * A piscina task that runs the engine's validation and scoring on made-up updates, in memory and
 * without any I/O, so the first real batches after a start do not pay for compiling that code
 * (measured: the first ~1000 updates of a fresh thread cost several times what warm ones do).
 * Every kind is validated once (each payload schema compiles on first use), then the usual mix.
 */
import { workerData } from 'node:worker_threads';
import { generateCity } from '../connectors/city/generator.js';
import { KIND_CODES, KIND_SOURCE } from '../engine/catalogue/departments.js';
import { examplePayload } from '../engine/catalogue/examples.js';
import { personRole } from '../engine/catalogue/payloads.js';
import type { HouseholdState, Update } from '../engine/types.js';
import { simHousehold, simulateUpdates } from './sim/updates.js';
import { applyStep, freshState, validateUpdate } from './step.js';
import type { WarmTask, WorkerSetup } from './types.js';

const setup = workerData as WorkerSetup;
const HOUSEHOLDS = 64;
/** receivedAt of every made-up update: inside the model's reference year. */
const AT = Date.UTC(2026, 9, 15);

let states: Map<string, HouseholdState> | undefined;
let source: Iterator<Update> | undefined;

function* updates(): Generator<Update> {
  const households = [...generateCity('small', 20231017, { limit: HOUSEHOLDS })];
  states = new Map(households.map((h) => [h.id, freshState(h, setup.model)]));
  const h = households[0]!;
  const person = h.persons.find((p) => p.alive) ?? h.persons[0]!;
  let i = 0;
  for (const kind of KIND_CODES) {
    const u: Update = { id: `warm-k${i++}`, source: KIND_SOURCE[kind], kind, householdId: h.id, occurredAt: AT, payload: examplePayload(kind) };
    if (personRole(kind) === 'existing') u.personId = person.id;
    yield u;
  }
  yield* simulateUpdates(households.map(simHousehold), Number.MAX_SAFE_INTEGER, { alertEvery: 20, idPrefix: 'warm' });
}

/** Validates and applies the next `task.updates` made-up updates; returns how many were applied. */
export default function warm(task: WarmTask): number {
  source ??= updates();
  let applied = 0;
  for (let n = 0; n < task.updates; n++) {
    const u = source.next().value as Update;
    // the raw bytes go through the same JSON.parse and validation as a real message
    const v = validateUpdate(JSON.parse(JSON.stringify(u)));
    if (!v.ok) continue;
    const state = states!.get(v.update.householdId);
    if (!state) continue;
    const r = applyStep(state, v.update, setup.model, AT);
    if (!r.ok) continue;
    states!.set(v.update.householdId, r.state);
    applied++;
  }
  return applied;
}
