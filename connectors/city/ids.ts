/**
 * 18-digit resident ID numbers (GB 11643-1999): 6-digit region code, birth date YYYYMMDD,
 * 3-digit sequence (odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
 * The allocator hands out unique numbers with a fixed-size counter table (bounded memory).
 */
import { dayNumber, isRealDate } from './dates.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK = '10X98765432';

/** Province-level prefixes in use (GB/T 2260), for a plausibility check of the region code. */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82',
]);

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function idCheckChar(first17: string): string {
  let s = 0;
  for (let i = 0; i < 17; i++) s += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK[s % 11] as string;
}

/** Builds an ID number; `seq` is 1–999 and its parity must match `sex`. */
export function makeIdNumber(regionCode: string, birthDate: string, seq: number, sex: 'M' | 'F'): string {
  if (!/^\d{6}$/.test(regionCode)) throw new RangeError(`regionCode: must be 6 digits, got ${regionCode}`);
  if (!isRealDate(birthDate)) throw new RangeError(`birthDate: not a real date: ${birthDate}`);
  if (!Number.isInteger(seq) || seq < 1 || seq > 999) throw new RangeError(`seq: must be 1–999, got ${seq}`);
  if ((seq % 2 === 1) !== (sex === 'M')) throw new RangeError(`seq: parity ${seq} does not match sex ${sex}`);
  return assemble(regionCode, birthDate, seq);
}

const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

function assemble(regionCode: string, birthDate: string, seq: number): string {
  const first17 = regionCode + birthDate.slice(0, 4) + birthDate.slice(5, 7) + birthDate.slice(8, 10) + (PAD3[seq] as string);
  return first17 + idCheckChar(first17);
}

export interface ParsedIdNumber {
  regionCode: string;
  birthDate: string;
  seq: number;
  sex: 'M' | 'F';
}

/** Parses a structurally valid ID number, or returns null (format, province, date, check char). */
export function parseIdNumber(id: string): ParsedIdNumber | null {
  if (!/^\d{17}[\dX]$/.test(id)) return null;
  if (!PROVINCES.has(id.slice(0, 2))) return null;
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isRealDate(birthDate) || birthDate < '1800-01-01') return null;
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return null;
  const seq = +id.slice(14, 17);
  return { regionCode: id.slice(0, 6), birthDate, seq, sex: seq % 2 === 1 ? 'M' : 'F' };
}

export function isValidIdNumber(id: string): boolean {
  return parseIdNumber(id) !== null;
}

const FIRST_DAY = dayNumber('1900-01-01');
const DAYS = 135 * 366; // 1900 … 2034
const SLOTS = 499; // odd 1…997 for men, even 2…998 for women

/**
 * Unique ID numbers for a fixed list of region codes: a byte counter per (region, birth day, sex)
 * picks the next sequence in a region/day-specific permutation, so no two persons collide.
 */
export class IdNumberAllocator {
  private readonly index = new Map<string, number>();
  private readonly counts: Uint8Array;

  /** `firstCount` shifts the sequence permutation: allocators with 0 and 128 never collide (each holds ≤ 128 per slot). */
  constructor(
    readonly regionCodes: readonly string[],
    private readonly firstCount = 0,
  ) {
    regionCodes.forEach((c, i) => this.index.set(c, i));
    this.counts = new Uint8Array(regionCodes.length * DAYS * 2);
  }

  /** A fresh ID number; `birthDay` (day number) may be passed when the caller has it. */
  next(regionCode: string, birthDate: string, sex: 'M' | 'F', birthDay = dayNumber(birthDate)): string {
    const r = this.index.get(regionCode);
    if (r === undefined) throw new RangeError(`regionCode: ${regionCode} is not in this allocator's list`);
    const day = birthDay - FIRST_DAY;
    if (!(day >= 0 && day < DAYS)) throw new RangeError(`birthDate: out of range: ${birthDate}`);
    const slot = (r * DAYS + day) * 2 + (sex === 'M' ? 1 : 0);
    const n = (this.counts[slot] as number) + this.firstCount;
    if (n >= 255 || (this.firstCount === 0 && n >= 128)) throw new RangeError(`birthDate: too many persons born ${birthDate} in ${regionCode}`);
    this.counts[slot] = n + 1 - this.firstCount;
    // 7 is coprime with 499, so counts 0…254 land on distinct sequence numbers
    const k = (Math.imul(slot, 0x9e3779b1) >>> 0) % SLOTS;
    const i = (k + n * 7) % SLOTS;
    const seq = sex === 'M' ? 2 * i + 1 : 2 * i + 2;
    return assemble(regionCode, birthDate, seq);
  }
}
