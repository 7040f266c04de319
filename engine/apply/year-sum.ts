/** Yearly accumulators: amounts of one calendar year, restarted by the first amount of a later year. */
import type { YearSum } from '../types.js';

const CHINA_OFFSET_MS = 8 * 3600_000;

/** Calendar year of an instant in China Standard Time (UTC+8, no daylight saving). */
export function yearOf(epochMs: number): number {
  return new Date(epochMs + CHINA_OFFSET_MS).getUTCFullYear();
}

/** Date `YYYY-MM-DD` of an instant in China Standard Time. */
export function dateOf(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Rounded to the fen so long runs of additions do not drift. */
export function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Add `amount` dated in `year`. A later year restarts the sum; an earlier year (a late record)
 * belongs to a closed year and leaves the current sum as it is.
 */
export function addToYear(sum: YearSum, year: number, amount: number): YearSum {
  if (year > sum.year) return { year, amount: cents(amount) };
  if (year < sum.year || amount === 0) return sum;
  return { year, amount: cents(sum.amount + amount) };
}

/** The amount of `sum` in `year` (0 if the sum holds another year). */
export function amountIn(sum: YearSum, year: number): number {
  return sum.year === year ? sum.amount : 0;
}
