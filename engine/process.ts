/**
 * The whole engine step for one update: validate → household check → duplicate → dissolved →
 * apply facts → rescore the touched dimensions → alert triggers → bookkeeping.
 * Pure: the receive time comes from `ctx`, nothing reads a clock, nothing throws for bad input
 * (a Rejection comes back and the state is left as it was).
 *
 * Ordering (design note): per fact, not per department (engine/apply/order.ts). Events that add
 * up apply whatever their order; a fact that holds a value keeps the value of the latest
 * `occurredAt` (`factTimes`), and an older update of it is kept in the history only
 * (`superseded`). Replays are caught by id in `recentIds` (53-bit hashes of the last
 * RECENT_IDS_KEPT applied ids), behind JetStream's own duplicate window. A household whose last
 * member died is dissolved: updates dated after that are refused (bills for the deceased still
 * apply), its alerts stay for verification.
 *
 * What is stored (design note): the step keeps only numbers of the profile (`StoredProfile`,
 * the cache incremental rescoring needs). Indicator reasons and suggestions are pure functions of
 * the facts, so they are derived when someone looks: `profileOf` for a portrait, `suggestionsOf`
 * when an alert is opened or joined. Derived on demand or kept, the result is the same.
 */
import { POSTHUMOUS_KINDS, applyFacts } from './apply/index.js';
import { dissolvedOn } from './apply/household.js';
import { factKeyOf } from './apply/order.js';
import { dateOf } from './apply/year-sum.js';
import { evaluateTriggers } from './alerts/rules.js';
import type { AlertTrigger } from './alerts/types.js';
import { DEPARTMENT_CODES, KIND_CODES, KIND_SOURCE, type Department, type Dimension, type Kind } from './catalogue/departments.js';
import { reject, type Rejection } from './errors.js';
import type { Model } from './model.js';
import { rescore, scoreFull, type Scored } from './scoring/index.js';
import { suggest } from './suggestions.js';
import type { AppliedUpdateSummary, DimensionScore, Household, HouseholdState, Profile, RecentUpdate, StoredProfile, Suggestion, Update } from './types.js';
import { validateUpdate } from './validate.js';

/** Applied update ids remembered per household (as hashes) to reject replays. */
export const RECENT_IDS_KEPT = 32;
/** Applied update summaries kept per household for the portrait. */
export const RECENT_UPDATES_KEPT = 8;

export interface ProcessContext {
  /** When the message was received (epoch ms): stamps triggers and alerts. */
  receivedAt: number;
}

export interface ProcessOk {
  ok: true;
  state: HouseholdState;
  /** Dimensions the update touched (rescoring recomputes those of them whose facts changed). */
  touched: Dimension[];
  triggers: AlertTrigger[];
  /** The update holds a value older than the one on record: kept in the history, facts unchanged. */
  superseded: boolean;
}

export type ProcessResult = ProcessOk | Rejection;

const DEPARTMENT_INDEX = new Map<Department, number>(DEPARTMENT_CODES.map((d, i) => [d, i]));
const KIND_INDEX = new Map<Kind, number>(KIND_CODES.map((k, i) => [k, i]));
const NO_INDICATORS: DimensionScore['indicators'] = Object.freeze([]) as unknown as DimensionScore['indicators'];

/**
 * 53-bit hash of an update id (cyrb53): two 32-bit multiplicative lanes. With 32 ids kept, the
 * chance that a new id is mistaken for a replay is below 4·10⁻¹⁵ per update.
 */
export function idHash(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Whether an update with this id is among the household's recently applied ones. */
export function wasApplied(state: HouseholdState, id: string): boolean {
  return state.recentIds.includes(idHash(id));
}

/** The department's watermark: the latest occurredAt applied from it, undefined if none yet. */
export function watermarkOf(state: HouseholdState, source: Department): number | undefined {
  const m = state.watermarks[DEPARTMENT_INDEX.get(source) ?? -1];
  return m === undefined || m === 0 ? undefined : m;
}

/** The stored (numeric) part of a scored profile. */
export function storedOf(s: Scored): StoredProfile {
  const d = s.dimensions;
  return {
    modelVersion: s.modelVersion,
    score: s.score,
    tier: s.tier,
    dimensions: {
      source: d.source.score,
      structure: d.structure.score,
      health: d.health.score,
      property: d.property.score,
      expenditure: d.expenditure.score,
      employment: d.employment.score,
      other: d.other.score,
    },
    causes: s.causes,
    needTypes: s.needTypes,
  };
}

/** A stored profile as the scoring cache `rescore` and the alert rules read (no indicators). */
export function scoredOf(p: StoredProfile, model: Model): Scored {
  const d = p.dimensions;
  const m = model.dimensionMax;
  const dim = (dimension: Dimension, score: number): DimensionScore => ({ dimension, score, max: m[dimension], indicators: NO_INDICATORS });
  return {
    modelVersion: p.modelVersion,
    score: p.score,
    tier: p.tier,
    dimensions: {
      source: dim('source', d.source),
      structure: dim('structure', d.structure),
      health: dim('health', d.health),
      property: dim('property', d.property),
      expenditure: dim('expenditure', d.expenditure),
      employment: dim('employment', d.employment),
      other: dim('other', d.other),
    },
    causes: p.causes,
    needTypes: p.needTypes,
  };
}

/** Full profile of a household from scratch: indicators with reasons and suggestions (portraits). */
export function profileOf(h: Household, model: Model): Profile {
  const scored = scoreFull(h, model);
  return { ...scored, suggestions: suggest(h, scored, model) };
}

/** The household's suggestions from its stored scores (what an alert carries). */
export function suggestionsOf(state: HouseholdState, model: Model): Suggestion[] {
  return suggest(state.household, scoredOf(state.profile, model), model);
}

/** The recent updates as the portrait lists them, newest first. */
export function recentUpdates(state: HouseholdState): AppliedUpdateSummary[] {
  const persons = state.household.persons;
  return state.recent.map(([k, occurredAt, score, person]) => {
    const kind = KIND_CODES[k] as Kind;
    const personId = typeof person === 'number' ? (persons[person]?.id ?? null) : person;
    return { source: KIND_SOURCE[kind], kind, personId, occurredAt, score };
  });
}

/** A household's first state: fully scored, nothing applied yet. */
export function initialState(h: Household, model: Model): HouseholdState {
  return { household: h, profile: storedOf(scoreFull(h, model)), watermarks: [], recentIds: [], recent: [], factTimes: [], version: 0 };
}

/**
 * Why the engine will refuse `update` whatever else arrives before it, or null: a replay of an
 * applied id, a dissolved household, a fact about a member dated after their death (bills
 * excepted), a second death. For an intake (the HTTP API) to answer "rejected" truthfully
 * instead of "pending": reasons that depend on updates still in flight (an unknown person who
 * may be a pending birth) are not final and are left to the engine.
 */
export function finalRefusal(state: HouseholdState, update: Update): Rejection | null {
  if (update.householdId !== state.household.id) return null;
  if (wasApplied(state, update.id)) return reject('LIFELINE_ERR_DUPLICATE_UPDATE', [{ field: 'id', reason: `update '${update.id}' was already applied` }]);
  const h = state.household;
  const gone = dissolvedOn(h);
  if (gone !== null && dateOf(update.occurredAt) > gone && !POSTHUMOUS_KINDS.has(update.kind)) {
    return reject('LIFELINE_ERR_HOUSEHOLD_DISSOLVED', [{ field: 'householdId', reason: `household ${h.id} is dissolved: its last member died on ${gone}` }]);
  }
  const person = update.personId === undefined ? undefined : h.persons.find((p) => p.id === update.personId);
  if (person !== undefined && !person.alive && !POSTHUMOUS_KINDS.has(update.kind)) {
    const after = person.deathDate === null || dateOf(update.occurredAt) > person.deathDate;
    if (after || update.kind === 'death_registered') {
      return reject('LIFELINE_ERR_INCONSISTENT_UPDATE', [{ field: 'personId', reason: `'${person.id}' is registered dead since ${person.deathDate ?? 'an unknown date'}` }]);
    }
  }
  return null;
}

/** Validates `raw`, then runs the step. */
export function processUpdate(state: HouseholdState, raw: unknown, model: Model, ctx: ProcessContext): ProcessResult {
  const v = validateUpdate(raw);
  if (!v.ok) return v;
  return processValidated(state, v.update, model, ctx);
}

/** The step for an update that already passed `validateUpdate`. */
export function processValidated(state: HouseholdState, update: Update, model: Model, ctx: ProcessContext): ProcessResult {
  const h = state.household;
  if (update.householdId !== h.id) {
    return reject('LIFELINE_ERR_UNKNOWN_HOUSEHOLD', [{ field: 'householdId', reason: `update is for '${update.householdId}', state holds '${h.id}'` }]);
  }
  const hash = idHash(update.id);
  if (state.recentIds.includes(hash)) {
    return reject('LIFELINE_ERR_DUPLICATE_UPDATE', [{ field: 'id', reason: `update '${update.id}' was already applied` }]);
  }
  const gone = dissolvedOn(h);
  if (gone !== null && dateOf(update.occurredAt) > gone && !POSTHUMOUS_KINDS.has(update.kind)) {
    return reject('LIFELINE_ERR_HOUSEHOLD_DISSOLVED', [
      { field: 'householdId', reason: `household ${h.id} is dissolved: its last member died on ${gone}; updates dated after that are not applied` },
    ]);
  }
  const dept = DEPARTMENT_INDEX.get(update.source)!;
  const mark = state.watermarks[dept] ?? 0;
  const fact = factKeyOf(update);
  const last = fact === null ? 0 : factTime(state, fact.key);
  const latest = update.occurredAt >= last;
  const base = {
    watermarks: withWatermark(state.watermarks, dept, Math.max(mark, update.occurredAt)),
    recentIds: pushBounded(state.recentIds, hash, RECENT_IDS_KEPT),
    factTimes: fact === null || !latest ? (state.factTimes ?? []) : withFactTime(state.factTimes ?? [], fact.key, update.occurredAt),
    version: state.version + 1,
  };
  if (!latest && fact !== null && fact.order === 'value') {
    // a late older value: in the history, not in the facts
    const next: HouseholdState = {
      household: h,
      profile: state.profile,
      ...base,
      recent: withRecent(state.recent, [KIND_INDEX.get(update.kind)!, update.occurredAt, state.profile.score, personRef(h, update.personId)]),
    };
    return { ok: true, state: next, touched: [], triggers: [], superseded: true };
  }

  const applied = applyFacts(h, update, { latest });
  if (!applied.ok) return applied;

  const before = scoredOf(state.profile, model);
  const scored = rescore(applied.household, before, applied.touched, model, applied.affected);
  const triggers = evaluateTriggers(before, scored, applied.household, update, applied.events, model, ctx.receivedAt);

  const next: HouseholdState = {
    household: applied.household,
    profile: storedOf(scored),
    ...base,
    recent: withRecent(state.recent, [KIND_INDEX.get(update.kind)!, update.occurredAt, scored.score, personRef(applied.household, update.personId)]),
  };
  return { ok: true, state: next, touched: [...applied.touched], triggers, superseded: false };
}

/** The latest occurredAt applied of a fact that holds a value (0: none). */
export function factTime(state: HouseholdState, key: string): number {
  const list = state.factTimes;
  if (list === undefined) return 0;
  for (const [k, at] of list) if (k === key) return at;
  return 0;
}

function withFactTime(list: readonly [string, number][], key: string, at: number): [string, number][] {
  const out = list.filter(([k]) => k !== key);
  out.push([key, at]);
  return out;
}

function withWatermark(marks: readonly number[], dept: number, at: number): number[] {
  const n = DEPARTMENT_CODES.length;
  let out: number[];
  if (marks.length === n) out = marks.slice();
  else {
    // a state's first update (stored states start with no watermarks)
    out = new Array<number>(n).fill(0);
    for (let i = 0; i < marks.length && i < n; i++) out[i] = marks[i] ?? 0;
  }
  out[dept] = at;
  return out;
}

/** `list` plus `x` at the end, dropping the oldest beyond `max`. */
function pushBounded(list: readonly number[], x: number, max: number): number[] {
  const from = list.length >= max ? list.length - max + 1 : 0;
  const out = list.slice(from);
  out.push(x);
  return out;
}

function withRecent(list: readonly RecentUpdate[], entry: RecentUpdate): RecentUpdate[] {
  const n = Math.min(list.length + 1, RECENT_UPDATES_KEPT);
  const out = new Array<RecentUpdate>(n);
  out[0] = entry;
  for (let i = 1; i < n; i++) out[i] = list[i - 1]!;
  return out;
}

function personRef(h: Household, personId: string | undefined): number | string | null {
  if (personId === undefined) return null;
  const i = h.persons.findIndex((p) => p.id === personId);
  return i >= 0 ? i : personId;
}
