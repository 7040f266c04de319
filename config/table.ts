/** The configuration reference, generated from the schema (the README embeds it; a test keeps them equal). */
import { z } from 'zod';
import { ConfigSchema } from './schema.js';
import { envName, leafPaths } from './index.js';

function at(schema: z.ZodType, path: readonly string[]): z.ZodType {
  let cur: z.ZodType = schema;
  for (const key of path) cur = (peel(cur) as z.ZodObject).shape[key] as z.ZodType;
  return cur;
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; defaultValue?: unknown };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

function peel(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const d = defOf(cur);
    if (d.innerType && ['default', 'optional', 'prefault', 'nullable'].includes(d.type)) cur = d.innerType;
    else if (d.type === 'pipe' && d.in) cur = d.in;
    else break;
  }
  return cur;
}

function describe(s: z.ZodType): string {
  let cur: z.ZodType | undefined = s;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.description) return cur.description;
    const d = defOf(cur);
    cur = d.innerType ?? d.in;
  }
  return '';
}

function typeName(s: z.ZodType): string {
  const inner = peel(s);
  const d = defOf(inner) as Def & { entries?: Record<string, string> };
  if (d.type === 'enum' && d.entries) return Object.values(d.entries).join(' \\| ');
  return d.type;
}

export function configTable(): string {
  const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
  const rows = leafPaths().map((p) => {
    const s = at(ConfigSchema, p);
    let dv: unknown = defaults;
    for (const k of p) dv = (dv as Record<string, unknown> | undefined)?.[k];
    const shown = dv === undefined ? '—' : `\`${JSON.stringify(dv)}\``;
    return `| \`${p.join('.')}\` | \`${envName(p)}\` | ${typeName(s)} | ${shown} | ${describe(s).replace(/\|/g, '\\|')} |`;
  });
  return ['| key | environment variable | type | default | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}
