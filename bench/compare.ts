/**
 * Prints the ratio changes between two results (files or folders), so a regression shows at a
 * glance: `node dist/bench/compare.js old/ new/` or `… old/pipeline.json new/pipeline.json`.
 */
import { readFileSync, statSync } from 'node:fs';
import { fmt, readResults, type BenchResult } from './harness/results.js';

function load(path: string): BenchResult[] {
  if (statSync(path).isDirectory()) return [...readResults(path, false), ...readResults(path, true)];
  return [JSON.parse(readFileSync(path, 'utf8')) as BenchResult];
}

export function compare(before: readonly BenchResult[], after: readonly BenchResult[]): string[] {
  const key = (r: BenchResult) => `${r.part}${r.quick ? ' (quick)' : ''}`;
  const old = new Map(before.map((r) => [key(r), r]));
  const lines: string[] = [];
  for (const r of after) {
    const o = old.get(key(r));
    if (!o) {
      lines.push(`${key(r).padEnd(22)} new        ratio ${fmt(r.ratio)} (goal ${r.goal}, ${r.met ? 'met' : 'missed'})`);
      continue;
    }
    if (o.goal !== r.goal || o.limit?.name !== r.limit?.name) {
      // a ratio against another limit or goal is another figure: no percentage
      lines.push(`${key(r).padEnd(22)} redefined  ratio ${fmt(o.ratio)} (goal ${o.goal}, vs ${o.limit?.name ?? '?'}) → ${fmt(r.ratio)} (goal ${r.goal}, vs ${r.limit?.name ?? '?'}), ${r.met ? 'met' : 'missed'}`);
      continue;
    }
    const change = o.ratio === 0 ? Infinity : (r.ratio / o.ratio - 1) * 100;
    const flag = change <= -10 ? '  ← REGRESSION' : change >= 10 ? '  ← better' : '';
    lines.push(
      `${key(r).padEnd(22)} ratio ${fmt(o.ratio).padStart(7)} → ${fmt(r.ratio).padStart(7)}  (${change >= 0 ? '+' : ''}${fmt(change)} %)  goal ${r.goal}: ${o.met ? 'met' : 'missed'} → ${r.met ? 'met' : 'missed'}${flag}`,
    );
  }
  return lines;
}

const [a, b] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}`) {
  if (!a || !b) {
    console.error('usage: node dist/bench/compare.js <before.json|dir> <after.json|dir>');
    process.exit(2);
  }
  for (const line of compare(load(a), load(b))) console.log(line);
}
