/** Drop files for intake tests: valid rows built from the catalogue's example payloads, plus bad rows of known kinds. */
import { writeFileSync } from 'node:fs';
import { DEPARTMENTS, type Department, type Kind } from '../../engine/catalogue/departments.js';
import { examplePayload } from '../../engine/catalogue/examples.js';
import { personRole } from '../../engine/catalogue/payloads.js';
import type { Update } from '../../engine/types.js';

export interface Drop {
  path: string;
  /** Valid updates in file order. */
  valid: Update[];
  /** Bad rows: their line number in the file and a word the dead letter's reason must contain. */
  bad: { line: number; expect: string }[];
}

export function validUpdate(source: Department, i: number, tag: string): Update {
  const kinds = DEPARTMENTS[source].kinds as readonly Kind[];
  const kind = kinds[i % kinds.length]!;
  const u: Update = { id: `${tag}-${i}`, source, kind, householdId: `H${330100 + (i % 997)}`, occurredAt: 1_790_000_000_000 + i, payload: examplePayload(kind) };
  if (personRole(kind) !== 'none') u.personId = `P${i}`;
  return u;
}

/** NDJSON with `n` rows; every `badEvery`-th row is broken in one of four ways. */
export function writeNdjsonDrop(path: string, n: number, badEvery: number, tag: string, source: Department = 'medical_insurance'): Drop {
  const lines: string[] = [];
  const valid: Update[] = [];
  const bad: Drop['bad'] = [];
  for (let i = 0; i < n; i++) {
    const line = lines.length + 1;
    if (badEvery > 0 && i % badEvery === badEvery - 1) {
      const u = validUpdate(source, i, tag);
      const variant = (i / badEvery) | 0;
      switch (variant % 4) {
        case 0:
          lines.push(JSON.stringify(u).slice(0, 40)); // cut short
          bad.push({ line, expect: 'not valid JSON' });
          break;
        case 1:
          lines.push(JSON.stringify({ ...u, kind: 'lottery_won' }));
          bad.push({ line, expect: 'lottery_won' });
          break;
        case 2:
          lines.push(JSON.stringify({ ...u, occurredAt: 'yesterday' }));
          bad.push({ line, expect: 'epoch' });
          break;
        default:
          lines.push(JSON.stringify({ ...u, payload: { ...u.payload, surprise: 1 } }));
          bad.push({ line, expect: 'unknown field' });
      }
    } else {
      const u = validUpdate(source, i, tag);
      valid.push(u);
      lines.push(JSON.stringify(u));
    }
    if (i % 500 === 250) lines.push(''); // blank lines are skipped but still count as lines
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return { path, valid, bad };
}

const csvCell = (v: unknown): string => {
  const s = typeof v === 'string' ? v : Array.isArray(v) ? v.join(';') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = v;
  }
}

/** CSV with `payload.<path>` columns (union over the department's kinds); `mutate` may alter a row's cells. */
export function writeCsvDrop(
  path: string,
  updates: Update[],
  extraRows: { at: number; cells: (cols: string[]) => string; expect: string }[] = [],
): Drop {
  const flat = updates.map((u) => {
    const f: Record<string, unknown> = {};
    flatten(u.payload, 'payload.', f);
    return f;
  });
  const payloadCols = [...new Set(flat.flatMap((f) => Object.keys(f)))];
  const cols = ['id', 'source', 'kind', 'householdId', 'personId', 'occurredAt', ...payloadCols];
  const lines = [cols.join(',')];
  const bad: Drop['bad'] = [];
  const lineOf = (): number => lines.reduce((a, l) => a + l.split('\n').length, 0) + 1;
  updates.forEach((u, i) => {
    for (const x of extraRows.filter((e) => e.at === i)) {
      bad.push({ line: lineOf(), expect: x.expect });
      lines.push(x.cells(cols));
    }
    const f = flat[i]!;
    lines.push(
      [u.id, u.source, u.kind, u.householdId, u.personId ?? '', String(u.occurredAt), ...payloadCols.map((c) => (c in f ? csvCell(f[c]) : ''))].join(','),
    );
  });
  writeFileSync(path, lines.join('\r\n') + '\r\n');
  return { path, valid: updates, bad };
}
