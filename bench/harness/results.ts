/**
 * One results format for every bench part, so tools read them all the same way:
 * `bench/results/<part>.json` (or `<part>.quick.json` for --quick runs) and a markdown table.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, type BenchEnv } from './env.js';

export interface Figure {
  value: number;
  unit: string;
}

export interface BenchResult {
  part: string;
  /** Every number measured, with units. */
  figures: Record<string, Figure>;
  /** The raw figure the headline is held against. */
  limit: Figure & { name: string };
  /** Headline ratio of the goal; bigger is better (latencies expressed as goal/measured). */
  ratio: number;
  goal: number;
  met: boolean;
  /** Plain words: what was compared, durability mode, anything a reader must know. */
  notes: string[];
  quick: boolean;
  env: BenchEnv;
}

/** The project root: the nearest folder up with a package.json (works from sources and from dist/). */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export const RESULTS_DIR = join(projectRoot(), 'bench', 'results');

export function isQuick(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--quick') || process.env['LIFELINE_BENCH_QUICK'] === '1';
}

export function resultPath(part: string, quick: boolean, dir = RESULTS_DIR): string {
  return join(dir, `${part}${quick ? '.quick' : ''}.json`);
}

/** Rounds for display: 3 significant digits. */
/** The q-quantile (0…1) of ascending `sorted` values; 0 when there are none. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(3)).toString();
}

export function writeResult(r: Omit<BenchResult, 'env' | 'met' | 'quick'> & { met?: boolean; quick?: boolean }, dir = RESULTS_DIR): BenchResult {
  const full: BenchResult = { ...r, met: r.met ?? r.ratio >= r.goal, quick: r.quick ?? isQuick(), env: benchEnv() };
  mkdirSync(dir, { recursive: true });
  writeFileSync(resultPath(r.part, full.quick, dir), JSON.stringify(full, null, 2) + '\n');
  printResult(full);
  return full;
}

export function printResult(r: BenchResult): void {
  const lines = [`\n== ${r.part}${r.quick ? ' (quick)' : ''}`];
  for (const [k, f] of Object.entries(r.figures)) lines.push(`  ${k.padEnd(38)} ${fmt(f.value).padStart(12)} ${f.unit}`);
  lines.push(`  limit: ${r.limit.name} = ${fmt(r.limit.value)} ${r.limit.unit}`);
  lines.push(`  ratio ${fmt(r.ratio)} (goal ≥ ${r.goal}) → ${r.met ? 'MET' : 'MISSED'}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  console.log(lines.join('\n'));
}

export function readResults(dir = RESULTS_DIR, quick = false): BenchResult[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json') && f.endsWith('.quick.json') === quick);
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as BenchResult).sort((a, b) => a.part.localeCompare(b.part));
}

/** The markdown table the README links to. */
export function markdownTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => {
    const headline = Object.entries(r.figures)[0];
    const fig = headline ? `${fmt(headline[1].value)} ${headline[1].unit}` : '';
    return `| ${r.part} | ${fig} | ${r.limit.name}: ${fmt(r.limit.value)} ${r.limit.unit} | ${fmt(r.ratio)} | ≥ ${r.goal} | ${r.met ? 'met' : '**missed**'} |`;
  });
  const env = results[0]?.env;
  // parts re-run alone carry their own commit: name each commit with its parts rather than one for all
  const byCommit = new Map<string, string[]>();
  for (const r of results) byCommit.set(r.env.gitCommit, [...(byCommit.get(r.env.gitCommit) ?? []), r.part]);
  const commits = byCommit.size <= 1 ? `commit ${env?.gitCommit ?? 'unknown'}` : `commits ${[...byCommit].map(([c, parts]) => `${c} (${parts.join(', ')})`).join(', ')}`;
  const head = env ? `Measured ${env.at.slice(0, 10)} on ${env.cpuModel} (${env.cores} cores), Node ${env.node}, nats-server ${env.natsServer}, ${commits}.\n\n` : '';
  return `${head}| part | headline figure | raw limit (same run) | ratio | goal | |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`;
}
