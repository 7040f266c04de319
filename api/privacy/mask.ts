/**
 * Masking of personal data in API answers. ID numbers are always masked (`330106********0015`);
 * names are shown in full only to roles that need them to reach the family (caseworkers), and
 * masked (`张*`) for the others. Roles without personal-data access never get a portrait at all.
 */
import type { Household, Person } from '../../engine/types.js';
import type { Role } from '../auth/types.js';

export interface PrivacyView {
  /** Show names in full (true) or masked (false). */
  fullNames: boolean;
}

/** What each role sees of a person; null = no personal data at all. */
export function privacyViewOf(role: Role): PrivacyView | null {
  switch (role) {
    case 'caseworker':
      return { fullNames: true };
    case 'admin':
      return { fullNames: false };
    case 'analyst':
    case 'integration':
    case 'site': // a site sees only its orders' recipients (masked name, community), never a household
      return null;
  }
}

/** Keeps `keepStart` and `keepEnd` characters (code points), stars in between. */
export function maskMiddle(s: string, keepStart: number, keepEnd: number): string {
  const chars = [...s];
  if (chars.length <= keepStart + keepEnd) return '*'.repeat(chars.length);
  return chars.slice(0, keepStart).join('') + '*'.repeat(chars.length - keepStart - keepEnd) + chars.slice(chars.length - keepEnd).join('');
}

/** 18-digit resident ID → first 6 (region) and last 4 kept: `330106********0015`. */
export function maskIdNumber(id: string): string {
  return maskMiddle(id, 6, 4);
}

/** `张三` → `张*`, `欧阳娜娜` → `欧***`; a one-character name becomes `*`. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/** A resident ID anywhere in free text (17 digits and a digit or X). */
const ID_IN_TEXT = /(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[0-9]{2}[0-9]{2}[0-9]{3}[0-9Xx](?![0-9])/g;

/** Masks ID numbers, and names of the given persons when the view hides names, in free text (reasons, notes). */
export function scrubText(text: string, persons: readonly Pick<Person, 'name' | 'idNumber'>[], view: PrivacyView): string {
  let out = text.replace(ID_IN_TEXT, (m) => maskIdNumber(m));
  if (!view.fullNames) {
    // longest names first so a name containing another is replaced whole
    const names = [...new Set(persons.map((p) => p.name.trim()).filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
    for (const n of names) out = out.split(n).join(maskName(n));
  }
  return out;
}

/** A person as one role may see them: ID masked, name per view, other identifiers masked. */
export function maskPerson(p: Person, view: PrivacyView): Person {
  return {
    ...p,
    name: view.fullNames ? p.name : maskName(p.name),
    idNumber: maskIdNumber(p.idNumber),
  };
}

/** The household facts one role may see: persons masked, plate, certificate and registration numbers masked. */
export function maskHousehold(h: Household, view: PrivacyView): Household {
  return {
    ...h,
    persons: h.persons.map((p) => maskPerson(p, view)),
    vehicles: h.vehicles.map((v) => ({ ...v, plate: maskMiddle(v.plate, 2, 2) })),
    properties: h.properties.map((p) => ({ ...p, certificate: maskMiddle(p.certificate, 0, 4) })),
    businesses: h.businesses.map((b) => ({ ...b, registration: maskMiddle(b.registration, 0, 4) })),
  };
}
