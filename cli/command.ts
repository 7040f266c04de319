/** What every `lifeline` sub-command is: a name, its help text, its flags and a run function. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Flags = NonNullable<ParseArgsConfig['options']>;

export interface Command {
  name: string;
  summary: string;
  /** Lines after the usage line: what it does and each flag, with unit and default. */
  help: string;
  usage: string;
  flags: Flags;
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }): Promise<number>;
}

export function parse(cmd: Command, argv: string[]): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: { ...cmd.flags, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
}

export function helpText(cmd: Command): string {
  return `usage: lifeline ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help.replace(/^\n+|\s+$/g, '')}\n`;
}

/** A flag given as a string, read as a positive number or fail naming the flag. */
export function numberFlag(values: Record<string, unknown>, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}
