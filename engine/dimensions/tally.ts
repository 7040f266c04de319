/**
 * Accumulates one dimension's indicator points: only non-zero indicators are recorded, so the
 * explanation array stays empty (and cheap) for households without problems.
 */
import type { Dimension, DimensionScore, IndicatorResult } from '../types.js';

/** `−8` / `+1`: how points read in a reason line. */
export function signed(points: number): string {
  return points < 0 ? `\u2212${-points}` : `+${points}`;
}

// whole points are the common case: format them once
const MINUS: string[] = Array.from({ length: 101 }, (_, i) => `: ${signed(-i)}`);
const PLUS: string[] = Array.from({ length: 101 }, (_, i) => `: ${signed(i)}`);
const suffix = (points: number, table: string[]): string => (Number.isInteger(points) && points <= 100 ? table[points]! : `: ${signed(table === MINUS ? -points : points)}`);

/** Money and areas in reason lines: whole units (formatting an integer is several times cheaper than a fraction). */
export function whole(x: number): number {
  return Math.round(x);
}

/** One decimal, formatted from integers (land in mu). */
export function tenths(x: number): string {
  const t = Math.round(x * 10);
  const r = t % 10;
  return r === 0 ? `${t / 10}` : `${(t - r) / 10}.${r < 0 ? -r : r}`;
}

export class Tally {
  points = 0;
  readonly indicators: IndicatorResult[] = [];

  /** Takes `points` off (pass a positive number); `reason` names the fact, the points are appended. */
  minus(code: string, points: number, reason: string): void {
    if (points === 0) return;
    this.points -= points;
    this.indicators.push({ code, points: -points, reason: reason + suffix(points, MINUS) });
  }

  /** Adds a credit. */
  plus(code: string, points: number, reason: string): void {
    if (points === 0) return;
    this.points += points;
    this.indicators.push({ code, points, reason: reason + suffix(points, PLUS) });
  }

  result(dimension: Dimension, max: number): DimensionScore {
    const raw = max + this.points;
    return { dimension, score: raw < 0 ? 0 : raw > max ? max : raw, max, indicators: this.indicators };
  }
}

/** Declared indicator of a dimension: its stable code and what it measures. */
export interface IndicatorDef {
  code: string;
  doc: string;
}
