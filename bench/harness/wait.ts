/** Bounded waiting for tests: every poll has a deadline and a failure says what it waited for. */
import type { ChildProcess } from 'node:child_process';

/** Polls `check` every `everyMs` until it returns true; throws naming `what` (and `detail()`) after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, opts: { timeoutMs: number; everyMs?: number; detail?: () => string }): Promise<void> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.detail ? ` (${opts.detail()})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 10));
  }
}

/** Resolves with the exit code or signal once `child` has exited; throws after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode!);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${child.pid} still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 'unknown');
    });
  });
}

/** SIGKILLs `child` unless it already exited, and waits (bounded) until it has. */
export async function killHard(child: ChildProcess | undefined, timeoutMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await waitForExit(child, timeoutMs);
}
