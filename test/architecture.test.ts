import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'test' && name !== 'node_modules' && name !== 'public') out.push(...sources(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Top-level folders each folder's production code may import from: the pipeline read downstream. */
const ALLOWED: Record<string, string[]> = {
  engine: ['engine'],
  config: ['config', 'engine'],
  connectors: ['connectors', 'engine', 'config'],
  workers: ['workers', 'connectors', 'engine', 'config'],
  api: ['api', 'workers', 'connectors', 'engine', 'config'],
};

describe('architecture', () => {
  it.each(Object.keys(ALLOWED))('%s/ imports only from folders upstream of it', (folder) => {
    const offending: string[] = [];
    for (const file of sources(join(root, folder))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) {
        const target = relative(root, join(file, '..', m[1]!)).split(sep)[0]!;
        if (!ALLOWED[folder]!.includes(target)) offending.push(`${relative(root, file)} → ${m[1]}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('engine/ does no I/O (no node: built-ins, no network or storage libraries)', () => {
    const offending: string[] = [];
    for (const file of sources(join(root, 'engine'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+'([^.'][^']*)'/g)) if (m[1] !== 'zod') offending.push(`${relative(root, file)} → ${m[1]}`);
    }
    expect(offending).toEqual([]);
  });

  it('has no circular imports', async () => {
    const res = await madge(['engine', 'connectors', 'workers', 'api', 'config', 'cli', 'bench'].map((d) => join(root, d)), {
      fileExtensions: ['ts'],
      excludeRegExp: [/\/test\//],
    });
    expect(res.circular()).toEqual([]);
  });
});
