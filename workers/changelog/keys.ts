/**
 * Keys of the state bucket. Entries are grouped by partition so a takeover reads only its own
 * partition (`h.<p>.*`, `a.<p>.*`) instead of every household of the city:
 *   h.<partition>.<household id>   latest household state
 *   a.<partition>.<alert id>       latest alert record
 *   cp.<partition>                 last stream sequence whose effects are all in the bucket
 * Ids are escaped to one KV key token (`[-_a-zA-Z0-9]`, anything else as `=xx`/`=Uxxxx`).
 */
import { ChangelogError } from './errors.js';

export function escapeToken(id: string): string {
  let out = '';
  for (const ch of id) {
    if (/[-_a-zA-Z0-9]/.test(ch)) out += ch;
    else {
      const cp = ch.codePointAt(0)!;
      out += cp < 0x100 ? `=${cp.toString(16).padStart(2, '0')}` : `=U${cp.toString(16).padStart(6, '0')}`;
    }
  }
  if (out === '') throw new ChangelogError('LIFELINE_ERR_CHANGELOG_CORRUPT', 'id: must not be empty');
  return out;
}

export function unescapeToken(token: string): string {
  return token.replace(/=U([0-9a-f]{6})|=([0-9a-f]{2})/g, (_, wide: string | undefined, narrow: string | undefined) =>
    String.fromCodePoint(parseInt(wide ?? narrow ?? '0', 16)),
  );
}

export const householdKey = (partition: number, id: string): string => `h.${partition}.${escapeToken(id)}`;
export const alertKey = (partition: number, id: string): string => `a.${partition}.${escapeToken(id)}`;
export const checkpointKey = (partition: number): string => `cp.${partition}`;
export const householdFilter = (partition: number): string => `h.${partition}.*`;
export const alertFilter = (partition: number): string => `a.${partition}.*`;

/** The id inside an `h.`/`a.` key. */
export function idOfKey(key: string): string {
  const second = key.indexOf('.', key.indexOf('.') + 1);
  if (second < 0) throw new ChangelogError('LIFELINE_ERR_CHANGELOG_CORRUPT', `key: ${key} is not <kind>.<partition>.<id>`);
  return unescapeToken(key.slice(second + 1));
}
