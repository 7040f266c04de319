import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { describe, expect, it } from 'vitest';
import { IdNumberAllocator, idCheckChar, isValidIdNumber, makeIdNumber, parseIdNumber } from '../city/ids.js';
import { generateCity } from '../city/generator.js';
import { birthRegionCodes, hangzhouLayout } from '../city/regions.js';

describe('resident ID numbers (GB 11643)', () => {
  it('computes the ISO 7064 MOD 11-2 check character of known numbers', () => {
    // the GB 11643 worked example and two hand-checked numbers
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('440524188001010014')).toBe(true);
    expect(makeIdNumber('330106', '1980-01-01', 1, 'M')).toBe('330106198001010013'); // Σ weights·digits = 152, 152 mod 11 = 9 → '3'
  });

  it('rejects a wrong check digit, an impossible date, an unknown province and bad shapes', () => {
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('330106198002300016')).toBe(false); // 30 February
    expect(isValidIdNumber('990106198001010015')).toBe(false);
    expect(isValidIdNumber('33010619800101001')).toBe(false);
    expect(isValidIdNumber('33010619800101001x')).toBe(false);
    expect(() => makeIdNumber('330106', '1980-01-01', 2, 'M')).toThrow(/parity/);
  });

  it('round-trips region, birth date and sex for any valid input', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(
        fc.constantFrom(...birthRegionCodes(hangzhouLayout())),
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 999 }),
        (region, date, seq) => {
          const iso = date.toISOString().slice(0, 10);
          const sex = seq % 2 === 1 ? 'M' : 'F';
          const id = makeIdNumber(region, iso, seq, sex);
          expect(parseIdNumber(id)).toEqual({ regionCode: region, birthDate: iso, seq, sex });
        },
      ),
    );
  });

  it('the allocator never hands out the same number twice, even across two allocators offset by 128', () => {
    const a = new IdNumberAllocator(['330106', '330182']);
    const b = new IdNumberAllocator(['330106', '330182'], 128);
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      for (const alloc of [a, b]) {
        for (const sex of ['M', 'F'] as const) {
          const id = alloc.next(i % 2 ? '330106' : '330182', '1990-05-17', sex);
          expect(isValidIdNumber(id)).toBe(true);
          expect(seen.has(id)).toBe(false);
          seen.add(id);
        }
      }
    }
  });

  it('every generated person carries a valid, unique number matching their region list, birth date and sex', () => {
    const codes = new Set(birthRegionCodes(hangzhouLayout()));
    const seen = new Set<string>();
    let persons = 0;
    for (const h of generateCity('small', 11)) {
      for (const p of h.persons) {
        persons++;
        const parsed = parseIdNumber(p.idNumber);
        expect(parsed, p.idNumber).not.toBeNull();
        expect(codes.has(parsed!.regionCode)).toBe(true);
        expect(parsed!.birthDate).toBe(p.birthDate);
        expect(parsed!.sex).toBe(p.sex);
        expect(seen.has(p.idNumber)).toBe(false);
        seen.add(p.idNumber);
      }
    }
    expect(persons).toBeGreaterThan(3000);
  });
});
