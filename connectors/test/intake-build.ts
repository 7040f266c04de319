/**
 * Compiles an entry file and the project files it imports (relative `.js` imports of `.ts`
 * sources) into a throwaway tree under node_modules/.cache, so a test can run it as a real child
 * process with `node` whatever state `dist/` is in. Bare imports resolve to the project's node_modules.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { uniqueId } from '../../test/support/nats.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function buildForChild(entry: string): { script: string; dispose(): void } {
  const out = join(ROOT, 'node_modules', '.cache', 'lifeline-test', uniqueId('build'));
  const seen = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  while (todo.length) {
    const src = todo.pop()!;
    if (seen.has(src)) continue;
    seen.add(src);
    const text = readFileSync(src, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
      const dep = resolve(dirname(src), `${m[1]}.ts`);
      if (existsSync(dep)) todo.push(dep);
    }
    const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const dest = join(out, relative(ROOT, src)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return { script: join(out, relative(ROOT, resolve(ROOT, entry))).replace(/\.ts$/, '.js'), dispose: () => rmSync(out, { recursive: true, force: true }) };
}
