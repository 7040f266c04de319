import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertProperty } from '../../test/support/seed.js';
import { makeHousehold, makePerson } from '../../engine/test/fixtures.js';
import { maskHousehold, maskIdNumber, maskName, privacyViewOf, scrubText } from '../privacy/mask.js';

describe('masking', () => {
  it('masks ID numbers keeping region and last four', () => {
    expect(maskIdNumber('330106198001010015')).toBe('330106********0015');
    expect(maskIdNumber('33010619800101001X')).toBe('330106********001X');
  });

  it('masks names to the family name', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('李')).toBe('*');
  });

  it('never leaves the birth-date digits of any ID number', { tags: ['property'] }, () => {
    assertProperty(
      fc.property(fc.stringMatching(/^[1-9][0-9]{5}(19|20)[0-9]{9}[0-9X]$/), (id) => {
        const m = maskIdNumber(id);
        expect(m).toHaveLength(18);
        expect(m.slice(6, 14)).toBe('********');
        expect(m).not.toContain(id.slice(6, 14));
      }),
    );
  });

  it('shows caseworkers full names, admins masked names, and ID numbers to nobody', () => {
    const h = makeHousehold({ id: 'h1', persons: [makePerson({ id: 'p1', name: '王小明', idNumber: '330106198001010015' })], vehicles: [{ plate: '浙A12345', kind: 'car', valueCny: 90000, registeredAt: '2025-01-01' }] });
    const cw = maskHousehold(h, privacyViewOf('caseworker')!);
    expect(cw.persons[0]!.name).toBe('王小明');
    expect(cw.persons[0]!.idNumber).toBe('330106********0015');
    const admin = maskHousehold(h, privacyViewOf('admin')!);
    expect(admin.persons[0]!.name).toBe('王**');
    expect(JSON.stringify(admin)).not.toContain('198001010015');
    expect(admin.vehicles[0]!.plate).toBe('浙A***45');
    expect(privacyViewOf('analyst')).toBeNull();
    expect(privacyViewOf('integration')).toBeNull();
    // input untouched
    expect(h.persons[0]!.idNumber).toBe('330106198001010015');
  });

  it('scrubs ID numbers and hidden names out of free text', () => {
    const persons = [{ name: '王小明', idNumber: '330106198001010015' }];
    const text = '王小明 (330106198001010015) diagnosed; 王小明 hospitalised';
    expect(scrubText(text, persons, { fullNames: false })).toBe('王** (330106********0015) diagnosed; 王** hospitalised');
    expect(scrubText(text, persons, { fullNames: true })).toBe('王小明 (330106********0015) diagnosed; 王小明 hospitalised');
  });
});
