/** Shared by the apply tests: a fixture family, an update builder, deep freezing. */
import { KIND_SOURCE, type Kind } from '../catalogue/departments.js';
import { EXAMPLE_PAYLOADS } from '../catalogue/examples.js';
import type { Payloads } from '../catalogue/payloads.js';
import type { Household, Update } from '../types.js';
import { makeHousehold, makePerson } from './fixtures.js';

/** 2026-09-15 10:00 China time. */
export const T = Date.UTC(2026, 8, 15, 2);

/** Head (main earner, 4000/month), spouse (2000), a primary-school child, a retired grandmother. */
export function family(over: Partial<Household> = {}): Household {
  return makeHousehold({
    id: 'H1',
    persons: [
      makePerson({ id: 'P1', name: '王建国', idNumber: '330106198001010013', relation: 'head', monthlyWage: 4000 }),
      makePerson({ id: 'P2', name: '李梅', idNumber: '330106198203050021', sex: 'F', birthDate: '1982-03-05', relation: 'spouse', employment: 'flexible', monthlyWage: 2000 }),
      makePerson({ id: 'P3', name: '王小明', idNumber: '330106201405060017', birthDate: '2014-05-06', relation: 'child', maritalStatus: 'single', employment: 'student', monthlyWage: 0, socialInsuranceMonths: 0, schoolStage: 'primary', schoolName: '某小学' }),
      makePerson({ id: 'P4', name: '赵桂英', idNumber: '330106195002020028', sex: 'F', birthDate: '1950-02-02', relation: 'parent', maritalStatus: 'widowed', employment: 'retired', monthlyWage: 0, pensionMonthly: 200 }),
    ],
    ...over,
  });
}

export function update<K extends Kind>(kind: K, payload: Partial<Payloads[K]> = {}, personId?: string, occurredAt = T): Update {
  const u: Update = {
    id: `u-${kind}`,
    source: KIND_SOURCE[kind],
    kind,
    householdId: 'H1',
    occurredAt,
    payload: { ...structuredClone(EXAMPLE_PAYLOADS[kind]), ...payload } as Record<string, unknown>,
  };
  if (personId !== undefined) u.personId = personId;
  return u;
}

export function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
