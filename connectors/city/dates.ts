/**
 * Calendar helpers on ISO `YYYY-MM-DD` strings and day numbers (days since 1970-01-01, UTC).
 * Pure integer arithmetic (Hinnant's civil-from-days): the generator formats ~1 M dates and
 * `Date#toISOString` was its single largest cost.
 */

const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 32 }, (_, i) => String(i).padStart(2, '0'));

/** Day number of a proleptic Gregorian date. */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number. */
export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function dayNumber(iso: string): number {
  return daysFromCivil(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10));
}

export function isoOfDay(day: number): string {
  const [y, m, d] = civilFromDays(day);
  return `${y}-${PAD2[m]}-${PAD2[d]}`;
}

export function epochMsOfDay(day: number): number {
  return day * DAY_MS;
}

/** True when `iso` is a real calendar date (rejects 2023-02-30). */
export function isRealDate(iso: string): boolean {
  if (iso.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false;
  const y = +iso.slice(0, 4);
  const m = +iso.slice(5, 7);
  const d = +iso.slice(8, 10);
  if (m < 1 || m > 12 || d < 1) return false;
  const [y2, m2, d2] = civilFromDays(daysFromCivil(y, m, d));
  return y2 === y && m2 === m && d2 === d;
}

/** Whole years between a birth date and a reference date. */
export function ageAt(birthIso: string, refIso: string): number {
  const by = +birthIso.slice(0, 4);
  const ry = +refIso.slice(0, 4);
  return ry - by - (refIso.slice(5) < birthIso.slice(5) ? 1 : 0);
}

/** Day number of 1 January of the day's year. */
export function yearStartDay(day: number): number {
  return daysFromCivil(civilFromDays(day)[0], 1, 1);
}

export { DAY_MS };
