/**
 * `node dist/cli/with-nats.js -- <command…>`: runs a command with a JetStream-enabled NATS server.
 *
 * Design (a small state machine): probe NATS_URL → if it answers with JetStream, exec the child
 * with the environment unchanged → otherwise find (or, as root, apt-install) `nats-server`, start
 * it on a free loopback port with its store in `<project>/.nats/data`, wait (bounded) until it
 * serves JetStream, run the child with NATS_URL pointing at it, forward SIGINT/SIGTERM, stop the
 * server when the child ends and exit with the child's code.
 *
 * Self-contained on purpose (node built-ins and @nats-io only): it must run before anything else
 * of the project is known to work, and tests transpile it alone.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

const DEFAULT_URL = 'nats://127.0.0.1:4222';
/** How long a freshly started server may take to serve JetStream (ms). */
const START_TIMEOUT_MS = 20_000;
/** How long the server may take to stop after SIGTERM before it is killed (ms). */
const STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;
const NOT_FOUND_MESSAGE =
  'nats-server not found: install Debian\'s package with `sudo apt-get install nats-server`, or set NATS_URL to a running server with JetStream';

const log = (msg: string): void => void process.stderr.write(`[with-nats] ${msg}\n`);

/** The folder holding package.json, walking up from this file (works from `cli/` and `dist/cli/`). */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** host and port of the first server of a (possibly comma-separated) NATS URL. */
export function hostPort(url: string): { host: string; port: number } {
  const first = (url.split(',')[0] ?? '').trim();
  const withScheme = /^[a-z]+:\/\//i.test(first) ? first : `nats://${first}`;
  const u = new URL(withScheme);
  return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: u.port ? Number(u.port) : 4222 };
}

function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const s = new Socket();
    const finish = (ok: boolean): void => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('error', () => finish(false));
    s.connect(port, host, () => finish(true));
  });
}

/** True when the URL accepts TCP, speaks NATS and has JetStream enabled for our account. */
export async function natsAnswers(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<{ ok: boolean; why?: string }> {
  let hp: { host: string; port: number };
  try {
    hp = hostPort(url);
  } catch {
    return { ok: false, why: `not a URL: ${url}` };
  }
  if (!(await tcpAnswers(hp.host, hp.port, timeoutMs))) return { ok: false, why: 'no TCP answer' };
  try {
    const nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false, name: 'lifeline-with-nats-probe' });
    try {
      await jetstreamManager(nc, { timeout: timeoutMs }); // account info request: fails without JetStream
      return { ok: true };
    } catch (err) {
      return { ok: false, why: `JetStream not available (${(err as Error).message})` };
    } finally {
      await nc.close().catch(() => undefined);
    }
  } catch (err) {
    return { ok: false, why: `NATS connect failed (${(err as Error).message})` };
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** nats-server on PATH, then in the sbin folders Debian installs to (often not on a user's PATH). */
export function findNatsServer(pathEnv = process.env['PATH'] ?? ''): string | undefined {
  const dirs = [...pathEnv.split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/local/bin', '/usr/bin'];
  for (const d of dirs) {
    const p = join(d, 'nats-server');
    if (executable(p)) return p;
  }
  return undefined;
}

function installWithApt(): void {
  for (const args of [['update'], ['install', '-y', 'nats-server']]) {
    log(`running: apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.error || r.status !== 0) {
      log(`apt-get ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})`);
      if (args[0] === 'install') return;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => done(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The shared store `.nats/data` is used by one server at a time (two servers on one JetStream
 * store corrupt it): a second concurrent run gets a private store that is removed afterwards.
 */
function claimStore(root: string): { dir: string; release(): void } {
  const base = join(root, '.nats');
  mkdirSync(base, { recursive: true });
  const lock = join(base, 'data.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { dir: join(base, 'data'), release: () => rmSync(lock, { force: true }) };
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) break;
      rmSync(lock, { force: true }); // stale lock of a run that died
    }
  }
  const dir = join(base, `data-${process.pid}`);
  log(`.nats/data is in use by another run; using a private store ${dir}`);
  return { dir, release: () => rmSync(dir, { recursive: true, force: true }) };
}

async function waitReady(url: string, server: ChildProcess, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) return false;
    if ((await natsAnswers(url, 1_000)).ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function stopServer(server: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (server.exitCode !== null || server.signalCode !== null) return done();
    const killer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
    server.once('exit', () => {
      clearTimeout(killer);
      done();
    });
    server.kill('SIGTERM');
  });
}

/** Runs the command; resolves with the exit code to use (128 + signal number when killed by a signal). */
function runChild(cmd: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const [file, ...args] = cmd;
    const child = spawn(file!, args, { stdio: 'inherit', env });
    const forward = (sig: NodeJS.Signals) => () => void child.kill(sig);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const finish = (code: number): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done(code);
    };
    child.once('error', (err) => {
      log(`cannot run ${file}: ${err.message}`);
      finish(127);
    });
    child.once('exit', (code, signal) => {
      const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
      finish(code ?? 128 + (signal ? (signals[signal] ?? 1) : 1));
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  const sep = argv.indexOf('--');
  const cmd = sep >= 0 ? argv.slice(sep + 1) : argv;
  if (cmd.length === 0) {
    log('usage: with-nats -- <command> [args…]');
    return 2;
  }
  const root = projectRoot();
  const bin = join(root, 'node_modules', '.bin');
  // like npm scripts: local binaries (vitest, tsc) resolve; appended so nothing already on PATH changes
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  if (existsSync(bin) && !(childEnv['PATH'] ?? '').split(delimiter).includes(bin)) childEnv['PATH'] = [childEnv['PATH'], bin].filter(Boolean).join(delimiter);

  const url = process.env['NATS_URL'] || DEFAULT_URL;
  let probe = await natsAnswers(url);
  // something listens: on busy shared cores a slow answer is not a dead server, so ask again patiently
  if (!probe.ok && probe.why !== 'no TCP answer') probe = await natsAnswers(url, 3 * PROBE_TIMEOUT_MS);
  if (probe.ok) return runChild(cmd, childEnv);
  log(`${url} does not answer: ${probe.why}; starting a local nats-server`);

  let server = findNatsServer();
  if (!server && process.getuid?.() === 0) {
    log('nats-server not found; installing Debian\'s package as root');
    installWithApt();
    server = findNatsServer();
  }
  if (!server) {
    process.stderr.write(`${NOT_FOUND_MESSAGE}\n`);
    return 1;
  }

  // a signal while the server starts must still stop it (the default action would orphan it)
  let interrupted: NodeJS.Signals | undefined;
  const onStartupSignal = (sig: NodeJS.Signals): void => void (interrupted = sig);
  process.on('SIGINT', onStartupSignal);
  process.on('SIGTERM', onStartupSignal);
  const store = claimStore(root);
  mkdirSync(store.dir, { recursive: true });
  const logFile = join(root, '.nats', 'nats-server.log');
  let proc: ChildProcess | undefined;
  let localUrl = '';
  try {
    for (let attempt = 1; attempt <= 3 && !proc && !interrupted; attempt++) {
      const port = await freePort();
      localUrl = `nats://127.0.0.1:${port}`;
      const p = spawn(server, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store.dir, '-l', logFile], { stdio: 'ignore' });
      p.once('error', (err) => log(`cannot start ${server}: ${err.message}`));
      if (await waitReady(localUrl, p, Date.now() + START_TIMEOUT_MS)) proc = p;
      else {
        log(`nats-server on port ${port} did not become ready (attempt ${attempt}); see ${logFile}`);
        await stopServer(p);
      }
    }
    if (!proc && interrupted) return interrupted === 'SIGINT' ? 130 : 143;
    if (!proc) {
      process.stderr.write(`could not start nats-server (${server}); its log is ${logFile}\n`);
      return 1;
    }
    if (interrupted) return interrupted === 'SIGINT' ? 130 : 143;
    log(`nats-server ${server} ready at ${localUrl} (store ${store.dir})`);
    return await runChild(cmd, { ...childEnv, NATS_URL: localUrl });
  } finally {
    process.off('SIGINT', onStartupSignal);
    process.off('SIGTERM', onStartupSignal);
    if (proc) await stopServer(proc);
    store.release();
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`[with-nats] ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
