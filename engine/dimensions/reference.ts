/**
 * The reference point of a scoring run, taken from the model (never a clock): the year, the
 * month-day for ages, and the epoch ms from which incidents and deaths count as recent.
 * Parsed once per model object; scorers call `refOf` at every run, so it must stay cheap.
 */
import type { Model } from '../model.js';
import type { YearSum } from '../types.js';

const DAY_MS = 86_400_000;

export interface Ref {
  year: number;
  /** month * 100 + day */
  md: number;
  ms: number;
  /** Epoch ms from which an event is recent (ms − recentDays). */
  recentFromMs: number;
  /** ISO date from which a dated fact is recent (same instant as recentFromMs). */
  recentFromIso: string;
}

let lastModel: Model | null = null;
let lastRef: Ref | null = null;

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;

export function refOf(model: Model): Ref {
  if (model === lastModel && lastRef !== null) return lastRef;
  const d = model.referenceDate;
  const year = digit(d, 0) * 1000 + digit(d, 1) * 100 + digit(d, 2) * 10 + digit(d, 3);
  const month = digit(d, 5) * 10 + digit(d, 6);
  const day = digit(d, 8) * 10 + digit(d, 9);
  const ms = Date.UTC(year, month - 1, day);
  const recentFromMs = ms - model.thresholds.recentDays * DAY_MS;
  lastRef = { year, md: month * 100 + day, ms, recentFromMs, recentFromIso: isoDay(recentFromMs) };
  lastModel = model;
  return lastRef;
}

/** Age in whole years at the reference date, from an ISO `YYYY-MM-DD` birth date (no allocation). */
export function ageAt(birthDate: string, ref: Ref): number {
  const y = digit(birthDate, 0) * 1000 + digit(birthDate, 1) * 100 + digit(birthDate, 2) * 10 + digit(birthDate, 3);
  const md = (digit(birthDate, 5) * 10 + digit(birthDate, 6)) * 100 + digit(birthDate, 8) * 10 + digit(birthDate, 9);
  return ref.year - y - (ref.md < md ? 1 : 0);
}

/** `YYYY-MM-DD` of an epoch-ms instant (UTC), without allocating a Date (civil-from-days). */
export function isoDay(ms: number): string {
  const z = Math.floor(ms / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** A yearly accumulator's amount if it belongs to the reference year or the year before, else 0. */
export function recentAmount(s: YearSum, ref: Ref): number {
  return s.year >= ref.year - 1 ? s.amount : 0;
}

/** Whole months between an ISO date and the reference date (negative if after it; no allocation). */
export function monthsSince(iso: string, ref: Ref): number {
  const y = digit(iso, 0) * 1000 + digit(iso, 1) * 100 + digit(iso, 2) * 10 + digit(iso, 3);
  const m = digit(iso, 5) * 10 + digit(iso, 6);
  const d = digit(iso, 8) * 10 + digit(iso, 9);
  const refMonth = Math.floor(ref.md / 100);
  return (ref.year - y) * 12 + (refMonth - m) - (ref.md % 100 < d ? 1 : 0);
}

/** Whole years between an ISO date and the reference date (negative if after it). */
export function yearsSince(iso: string, ref: Ref): number {
  return ageAt(iso, ref);
}
