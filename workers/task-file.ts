/**
 * Where a piscina task's compiled file is: beside this module when running from dist/, else
 * under the project's dist/ (tests and benches run the sources, but workers load compiled JS).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function compiledTaskFile(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const local = join(here, name);
  if (existsSync(local) && !import.meta.url.endsWith('.ts')) return local;
  let dir = here;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'workers', name);
}
