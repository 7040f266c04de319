/**
 * A project's places: counted per calendar month (Asia/Shanghai) or as cases at once. Pure: the
 * time comes from the command that takes or gives back a place, so a replay decides the same.
 */
import type { Project, Referral } from './types.js';

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

/** `YYYY-MM` of an instant in Asia/Shanghai (no daylight saving there). */
export function monthOf(at: number): string {
  return new Date(at + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/** `YYYY-Qn` of an instant in Asia/Shanghai. */
export function quarterOf(at: number): string {
  const m = monthOf(at);
  return `${m.slice(0, 4)}-Q${Math.floor((Number(m.slice(5, 7)) - 1) / 3) + 1}`;
}

/** Whether the project takes orders at `at`: not retired, inside its active period. */
export function isActive(p: Project, at: number): boolean {
  return p.retiredAt === null && p.activeFrom <= at && (p.activeTo === null || at < p.activeTo);
}

/** Places taken in the unit the project counts (this month's, or cases at once). */
export function placesTaken(p: Project, at: number): number {
  return p.capacity.unit === 'concurrent' ? p.usage.active : p.usage.month === monthOf(at) ? p.usage.taken : 0;
}

/** Places still free at `at` (never negative, even after capacity was lowered below the taken places). */
export function placesLeft(p: Project, at: number): number {
  return isActive(p, at) ? Math.max(0, p.capacity.places - placesTaken(p, at)) : 0;
}

/** The project after an order took a place at `at` (the caller checked placesLeft > 0). */
export function takePlace(p: Project, at: number): { project: Project; placeMonth: string | null } {
  const month = monthOf(at);
  const taken = p.usage.month === month ? p.usage.taken : 0;
  const usage = { month, taken: taken + 1, active: p.usage.active + 1 };
  return { project: { ...p, usage, orders: p.orders + 1 }, placeMonth: p.capacity.unit === 'month' ? month : null };
}

/**
 * The project after an order that held a place ended at `at`: a concurrent place comes back at
 * once; a monthly place comes back only when the order was declined within its month (a declined
 * order delivered nothing, a completed one used its place).
 */
export function givePlaceBack(p: Project, r: Pick<Referral, 'placeMonth'>, declined: boolean): Project {
  const active = Math.max(0, p.usage.active - 1);
  const back = declined && r.placeMonth !== null && r.placeMonth === p.usage.month;
  return { ...p, usage: { month: p.usage.month, taken: back ? Math.max(0, p.usage.taken - 1) : p.usage.taken, active } };
}
