/** Calendar helpers on ISO `YYYY-MM-DD` strings and day numbers (days since 1970-01-01, UTC). */

const DAY_MS = 86_400_000;

export function dayNumber(iso: string): number {
  return Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function epochMsOfDay(day: number): number {
  return day * DAY_MS;
}

/** True when `iso` is a real calendar date (rejects 2023-02-30). */
export function isRealDate(iso: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return false;
  const t = Date.parse(`${iso}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === iso;
}

/** Whole years between a birth date and a reference date. */
export function ageAt(birthIso: string, refIso: string): number {
  const by = +birthIso.slice(0, 4);
  const ry = +refIso.slice(0, 4);
  return ry - by - (refIso.slice(5) < birthIso.slice(5) ? 1 : 0);
}

export { DAY_MS };
