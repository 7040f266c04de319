/**
 * A township desk for engine scenario tests: one household's updates through the whole engine
 * step, alerts kept the way the workers keep them (one open case per household and `caseOf`).
 */
import { upsertAlerts } from '../alerts/records.js';
import { caseOf, type Alert, type AlertCase, type AlertTrigger } from '../alerts/types.js';
import type { Department, Kind } from '../catalogue/departments.js';
import { DEFAULT_MODEL } from '../model.js';
import { initialState, processUpdate, suggestionsOf, type ProcessResult } from '../process.js';
import { CAUSES, type Cause, type Household, type HouseholdState, type Suggestion } from '../types.js';

export const model = DEFAULT_MODEL;
/** 10:00 China time on a date. */
export const at = (date: string): number => Date.parse(`${date}T10:00:00+08:00`);

export interface Step {
  id: string;
  source: Department;
  kind: Kind;
  personId?: string;
  date: string;
  payload: Record<string, unknown>;
}

export class Desk {
  state: HouseholdState;
  readonly open = new Map<AlertCase, Alert>();
  readonly log: AlertTrigger[][] = [];

  constructor(h: Household) {
    this.state = initialState(h, model);
  }

  /** One step as the engine runs it; the state and the queue move only when it is applied. */
  try(s: Step): ProcessResult {
    const receivedAt = at(s.date) + 60_000;
    const raw = { id: s.id, source: s.source, kind: s.kind, householdId: this.state.household.id, occurredAt: at(s.date), payload: s.payload, ...(s.personId ? { personId: s.personId } : {}) };
    const r = processUpdate(this.state, raw, model, { receivedAt });
    if (!r.ok) return r;
    this.state = r.state;
    for (const u of upsertAlerts(r.triggers, r.state, model, receivedAt, (t) => this.open.get(caseOf(t)))) this.open.set(caseOf(u.alert.type), u.alert);
    this.log.push(r.triggers);
    return r;
  }

  feed(...steps: Step[]): AlertTrigger[] {
    const all: AlertTrigger[] = [];
    for (const s of steps) {
      const r = this.try(s);
      if (!r.ok) throw new Error(`${s.id} rejected: ${r.code} ${r.message}`);
      all.push(...r.triggers);
    }
    return all;
  }

  /** Causes from the strongest down (ties in catalogue order). */
  leadingCauses(n: number): Cause[] {
    const c = this.state.profile.causes;
    return [...CAUSES].sort((a, b) => c[b] - c[a]).slice(0, n);
  }

  codes(kind?: Suggestion['kind']): string[] {
    // derived on demand, as a portrait read does
    return suggestionsOf(this.state, model).filter((s) => kind === undefined || s.kind === kind).map((s) => s.code);
  }
}
