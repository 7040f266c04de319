/** Reducer shapes: one pure function per kind, typed by its payload. */
import type { Department, DEPARTMENTS, Kind } from '../catalogue/departments.js';
import type { NEW_PERSON_KINDS, PayloadOf, PERSON_KINDS } from '../catalogue/payloads.js';
import type { Rejection } from '../errors.js';
import type { Household, Person, Update } from '../types.js';
import type { FactEvent } from './events.js';

export type PersonKind = (typeof PERSON_KINDS)[number];
export type NewPersonKind = (typeof NEW_PERSON_KINDS)[number];

/** A validated update of one kind. */
export type KindUpdate<K extends Kind> = Omit<Update, 'kind' | 'payload'> & { kind: K; payload: PayloadOf<K> };

/** What a reducer returns: the new household (copy-on-write) and the notable changes. */
export interface Step {
  household: Household;
  events: FactEvent[];
}
export type Outcome = Step | Rejection;

export interface Context {
  /** Calendar year of `occurredAt` in China time: the year accumulators take it in. */
  year: number;
  /** The update is the latest of the value it carries (engine/apply/order.ts): an event applies its value part only then. */
  latest: boolean;
}

export interface PersonContext extends Context {
  person: Person;
  /** Index of `person` in `household.persons`. */
  index: number;
}

export type HouseholdReducer<K extends Kind> = (h: Household, u: KindUpdate<K>, ctx: Context) => Outcome;
export type PersonReducer<K extends Kind> = (h: Household, u: KindUpdate<K>, ctx: PersonContext) => Outcome;
export type Reducer<K extends Kind> = K extends PersonKind ? PersonReducer<K> : HouseholdReducer<K>;

/** The reducers of one department, one per kind it reports. */
export type DepartmentReducers<D extends Department> = { [K in (typeof DEPARTMENTS)[D]['kinds'][number]]: Reducer<K> };
