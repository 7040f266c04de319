import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable } from '../table.js';
import { MARKERS } from '../../cli/docs.js';
import { leafPaths } from '../index.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('README configuration table', () => {
  it('equals the table generated from the schema (run `npm run docs` after changing config)', () => {
    const [start, end] = MARKERS.config;
    const body = readme.slice(readme.indexOf(start) + start.length + 1, readme.indexOf(end));
    expect(body).toBe(configTable());
  });

  it('has one row per configuration key, each with its environment variable', () => {
    const rows = configTable().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(leafPaths().length);
    for (const r of rows) expect(r).toMatch(/\| `LIFELINE_[A-Z0-9_]+` \|/);
  });
});
