/**
 * Loads the configuration once: defaults, then an optional JSON file (`LIFELINE_CONFIG`), then
 * environment variables (`LIFELINE_<SECTION>_<KEY>`, e.g. `LIFELINE_API_PORT`, plus `NATS_URL`).
 * Every bad value is reported together, naming key, value and expectation; the result is frozen.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';
import { ConfigError, type ConfigIssue } from './errors.js';

export { ConfigSchema, type Config, type ConfigInput } from './schema.js';
export { ConfigError, type ConfigIssue } from './errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Tree = { [k: string]: Json };

/** `api.rateLimitPerMin` → `LIFELINE_API_RATE_LIMIT_PER_MIN`. */
export function envName(path: readonly string[]): string {
  return 'LIFELINE_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every leaf key path of the schema (objects are walked; arrays and scalars are leaves). */
export function leafPaths(schema: z.ZodType = ConfigSchema, prefix: string[] = []): string[][] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

function unwrap(s: z.ZodType): z.ZodType {
  let cur: z.ZodType = s;
  for (let i = 0; i < 10; i++) {
    const def = (cur as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'prefault' || def.type === 'nullable') && def.innerType) cur = def.innerType;
    else if (def.type === 'pipe' && def.in) cur = def.in;
    else break;
  }
  return cur;
}

function parseEnvValue(raw: string): Json {
  const t = raw.trim();
  if (t === 'true' || t === 'false' || t === 'null' || /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t) || t.startsWith('[') || t.startsWith('{') || t.startsWith('"')) {
    try {
      return JSON.parse(t) as Json;
    } catch {
      return raw;
    }
  }
  return raw;
}

function setPath(tree: Tree, path: readonly string[], value: Json): void {
  let node: Tree = tree;
  for (const k of path.slice(0, -1)) {
    const next = node[k];
    if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
    node = node[k] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

function getPath(tree: unknown, path: readonly (string | number)[]): unknown {
  let node: unknown = tree;
  for (const k of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  return node;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** JSON file path; defaults to env LIFELINE_CONFIG. */
  file?: string | undefined;
  /** Values that win over file and env (tests, CLI flags). */
  overrides?: Record<string, unknown>;
}

/** Validates once and returns a deeply frozen Config, or throws ConfigError listing every issue. */
export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const env = opts.env ?? process.env;
  const tree: Tree = {};
  const origins = new Map<string, string>();
  const file = opts.file ?? env['LIFELINE_CONFIG'];
  const issues: ConfigIssue[] = [];
  if (file) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        issues.push({ key: '(file)', origin: file, value: parsed, expected: 'a JSON object' });
      } else {
        Object.assign(tree, parsed);
        for (const p of leafPaths()) if (getPath(parsed, p) !== undefined) origins.set(p.join('.'), file);
      }
    } catch (err) {
      throw new ConfigError([{ key: '(file)', origin: file, value: file, expected: `a readable JSON file (${(err as Error).message})` }], err);
    }
  }
  for (const p of leafPaths()) {
    const name = envName(p);
    const raw = env[name];
    if (raw !== undefined && raw !== '') {
      setPath(tree, p, parseEnvValue(raw));
      origins.set(p.join('.'), name);
    }
  }
  if (env['NATS_URL'] && env[envName(['nats', 'url'])] === undefined) {
    setPath(tree, ['nats', 'url'], env['NATS_URL']);
    origins.set('nats.url', 'NATS_URL');
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    setPath(tree, k.split('.'), v as Json);
    origins.set(k, 'override');
  }
  if (issues.length) throw new ConfigError(issues);
  const result = ConfigSchema.safeParse(tree);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.join('.') || '(root)';
      const origin = [...origins.keys()].find((k) => key === k || key.startsWith(k + '.') || k.startsWith(key + '.')) ?? key;
      issues.push({
        key,
        origin: origins.get(origin) ?? (issue.code === 'unrecognized_keys' ? 'file' : 'default'),
        value: issue.code === 'unrecognized_keys' ? issue.keys : getPath(tree, issue.path as (string | number)[]),
        expected: issue.code === 'unrecognized_keys' ? `no unknown keys (${issue.keys.join(', ')})` : issue.message,
      });
    }
    throw new ConfigError(issues, result.error);
  }
  return deepFreeze(result.data);
}
