/**
 * A real browser for the dashboard tests: Debian's `chromium` driven by playwright-core (which
 * downloads nothing). Chromium is installed with apt when missing and we are root; otherwise the
 * tests fail with the command to run, never skip. Each launch gets a fresh profile directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** No GPU, no network chatter of its own (this machine has no internet), no first-run dialogs. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

function apt(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8', timeout: 15 * 60_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.slice(-2000) };
}

/** A font with Chinese glyphs, so region and person names in screenshots are not empty boxes. */
export const CJK_FONT_PACKAGE = 'fonts-wqy-microhei';

function hasCjkFont(): boolean {
  const r = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

/** apt-get install, refreshing the package lists first when they are missing or stale. */
function aptInstall(packages: string[]): { ok: boolean; out: string } {
  let r = apt(['install', '-y', '-q', ...packages]);
  if (!r.ok) {
    apt(['update', '-q']);
    r = apt(['install', '-y', '-q', ...packages]);
  }
  return r;
}

/**
 * Makes sure `/usr/bin/chromium` exists: installs Debian's package as root, else throws saying
 * how. Also adds a CJK font when root and none is installed (cosmetic: its absence never fails).
 */
export function ensureChromium(): string {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const missing = [...(existsSync(CHROMIUM_PATH) ? [] : ['chromium']), ...(root && !hasCjkFont() ? [CJK_FONT_PACKAGE] : [])];
  if (missing.length === 0) return CHROMIUM_PATH;
  if (!root && missing.includes('chromium')) {
    throw new Error(`the dashboard tests need Debian's chromium at ${CHROMIUM_PATH}: run \`sudo apt-get install -y chromium ${CJK_FONT_PACKAGE}\` and test again`);
  }
  const r = aptInstall(missing);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get install -y ${missing.join(' ')} failed:\n${r.out}`);
  return CHROMIUM_PATH;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors of the page, for assertions and diagnostics. */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(opts: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'lifeline-chromium-'));
  // launchPersistentContext passes the fresh profile as --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 960 },
    locale: 'en-GB',
    timezoneId: 'Asia/Shanghai',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** `<project>/test-artifacts` (gitignored), created on first use. */
export function artifactsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const out = join(dir, 'test-artifacts');
  mkdirSync(out, { recursive: true });
  return out;
}

/** Saves a full-page screenshot as `test-artifacts/<name>.png`; answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
