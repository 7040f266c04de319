/**
 * Turns one CSV row into a raw update object. Envelope columns are taken as they are (occurredAt
 * as a number when it looks like one); `payload.<path>` cells are typed by the kind's payload
 * schema (numbers, booleans, arrays, nested objects by dotted path); a `payload` column holds the
 * whole payload as JSON. Anything that cannot be typed stays a string and the validator names it.
 */
import { KIND_PAYLOADS } from '../../engine/catalogue/payloads.js';
import { ConnectorError } from '../errors.js';

export const ENVELOPE_COLUMNS = ['id', 'source', 'kind', 'householdId', 'personId', 'occurredAt'] as const;
const REQUIRED_COLUMNS = ['id', 'source', 'kind', 'householdId', 'occurredAt'] as const;

type Leaf = 'number' | 'boolean' | 'array' | 'json' | 'string';

/** The parts of a zod v4 schema definition we read (zod keeps them in `_zod.def`). */
interface ZodDefView {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDefView } }>;
  innerType?: { _zod: { def: ZodDefView } };
  in?: { _zod: { def: ZodDefView } };
  options?: { _zod: { def: ZodDefView } }[];
  values?: unknown[];
}

function leafOf(def: ZodDefView | undefined): Leaf {
  if (!def) return 'string';
  switch (def.type) {
    case 'number':
    case 'int':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
    case 'set':
      return 'array';
    case 'object':
    case 'record':
    case 'map':
      return 'json';
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return leafOf(def.innerType?._zod.def);
    case 'pipe':
      return leafOf(def.in?._zod.def);
    case 'literal':
      return def.values?.every((v) => typeof v === 'number') ? 'number' : def.values?.every((v) => typeof v === 'boolean') ? 'boolean' : 'string';
    case 'union': {
      const kinds = new Set((def.options ?? []).map((o) => leafOf(o._zod.def)));
      return kinds.size === 1 ? [...kinds][0]! : 'string';
    }
    default:
      return 'string';
  }
}

function defAt(kind: string, path: readonly string[]): ZodDefView | undefined {
  const schema = (KIND_PAYLOADS as unknown as Record<string, { _zod: { def: ZodDefView } } | undefined>)[kind];
  let def = schema?._zod.def;
  for (const key of path) {
    while (def && (def.type === 'optional' || def.type === 'nullable' || def.type === 'default' || def.type === 'pipe')) {
      def = (def.type === 'pipe' ? def.in : def.innerType)?._zod.def;
    }
    def = def?.type === 'object' ? def.shape?.[key]?._zod.def : undefined;
  }
  return def;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const leafCache = new Map<string, Leaf>();

function typed(kind: string, path: readonly string[], cell: string): unknown {
  const key = kind + '\u0000' + path.join('.');
  let leaf = leafCache.get(key);
  if (leaf === undefined) {
    leaf = leafOf(defAt(kind, path));
    leafCache.set(key, leaf);
  }
  const t = cell.trim();
  switch (leaf) {
    case 'number':
      return NUMBER_RE.test(t) ? Number(t) : cell;
    case 'boolean':
      return t === 'true' ? true : t === 'false' ? false : cell;
    case 'array':
      if (t.startsWith('[')) return parseJsonOr(t, cell);
      return t.split(';').map((s) => s.trim()).filter(Boolean);
    case 'json':
      return parseJsonOr(t, cell);
    default:
      return cell;
  }
}

function parseJsonOr(t: string, cell: string): unknown {
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return cell;
  }
}

export interface CsvLayout {
  columns: string[];
  /** For each column: envelope key, payload path, the whole payload, or ignored. */
  roles: ({ envelope: string } | { payload: string[] } | { payloadJson: true })[];
}

/** Checks the header: the required envelope columns, then only payload columns; names the offending column. */
export function csvLayout(header: string[], file: string): CsvLayout {
  const seen = new Set<string>();
  const roles: CsvLayout['roles'] = [];
  for (const [i, raw] of header.entries()) {
    const col = raw.trim().replace(/^\uFEFF/, '');
    if (seen.has(col)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_CSV', `${file}: header column ${i + 1} '${col}' appears twice`, { details: { file, column: col } });
    seen.add(col);
    if ((ENVELOPE_COLUMNS as readonly string[]).includes(col)) roles.push({ envelope: col });
    else if (col === 'payload') roles.push({ payloadJson: true });
    else if (col.startsWith('payload.') && col.length > 'payload.'.length) roles.push({ payload: col.slice('payload.'.length).split('.') });
    else {
      throw new ConnectorError(
        'LIFELINE_ERR_CONNECTOR_INTAKE_CSV',
        `${file}: header column ${i + 1} '${col}' is neither an envelope column (${ENVELOPE_COLUMNS.join(', ')}) nor 'payload' nor 'payload.<field>'`,
        { details: { file, column: col } },
      );
    }
  }
  for (const req of REQUIRED_COLUMNS) {
    if (!seen.has(req)) throw new ConnectorError('LIFELINE_ERR_CONNECTOR_INTAKE_CSV', `${file}: header lacks the column '${req}'`, { details: { file, column: req } });
  }
  return { columns: header, roles };
}

/** The raw update of one row (not validated); empty cells are absent fields. */
export function csvRowToRaw(layout: CsvLayout, fields: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  let payload: Record<string, unknown> | undefined;
  let kind = '';
  for (let i = 0; i < layout.roles.length; i++) {
    const role = layout.roles[i]!;
    if ('envelope' in role && role.envelope === 'kind') kind = fields[i] ?? '';
  }
  for (let i = 0; i < layout.roles.length; i++) {
    const role = layout.roles[i]!;
    const cell = fields[i] ?? '';
    if (cell === '') continue;
    if ('envelope' in role) {
      raw[role.envelope] = role.envelope === 'occurredAt' && NUMBER_RE.test(cell.trim()) ? Number(cell) : cell;
    } else if ('payloadJson' in role) {
      raw['payload'] = parseJsonOr(cell.trim(), cell);
    } else {
      payload ??= {};
      let node = payload;
      for (const key of role.payload.slice(0, -1)) {
        const next = node[key];
        node = (next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (node[key] = {})) as Record<string, unknown>;
      }
      node[role.payload[role.payload.length - 1]!] = typed(kind, role.payload, cell);
    }
  }
  if (payload) {
    const whole = raw['payload'];
    raw['payload'] = whole !== null && typeof whole === 'object' && !Array.isArray(whole) ? { ...(whole as Record<string, unknown>), ...payload } : payload;
  } else if (!('payload' in raw)) raw['payload'] = {};
  return raw;
}
