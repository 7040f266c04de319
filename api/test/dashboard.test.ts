/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against the whole
 * stack: NATS JetStream, the small synthetic city loaded into LMDB, the engine's worker pool and
 * the API listening on a loopback port. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Household } from '../../engine/types.js';
import { simHousehold, simulateUpdates } from '../../workers/sim/updates.js';
import { startStack, type Stack } from '../../test/support/stack.js';
import { launchBrowser, screenshot, type BrowserSession } from '../../test/support/browser.js';

/** Console noise that is not a fault of the page: a refused request the page then handles (feeds for caseworkers). */
const pageFaults = (errors: string[]) => errors.filter((e) => !/Failed to load resource: the server responded with a status of 403/.test(e));

describe('dashboard in a browser', () => {
  let stack: Stack;
  let browser: BrowserSession;
  let page: Page;
  let township: string;
  let caseworker: string;
  let caseworkerId: string;

  const http = async (path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(`${stack.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const diseaseUpdate = (h: Household, id: string) => ({
    id,
    source: 'health',
    kind: 'major_disease_diagnosed',
    householdId: h.id,
    personId: h.persons.find((p) => p.alive)!.id,
    occurredAt: Date.now(),
    payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-07-21' },
  });

  const inTownship = () => stack.households.filter((h) => h.region.townshipId === township && h.persons.some((p) => p.alive));

  async function open(token: string, hash = '') {
    // a new document each time: only the hash would change otherwise
    await page.goto('about:blank');
    await page.goto(`${stack.url}/#key=${encodeURIComponent(token)}${hash}`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, { timeout: 30_000 });
  }

  beforeAll(async () => {
    stack = await startStack();
    township = stack.busiestTownship();
    const issued = await stack.issueKey('caseworker', [township]);
    caseworker = issued.token;
    caseworkerId = issued.record.id;
    // may install chromium with apt on a fresh machine
    browser = await launchBrowser();
    page = browser.page;
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** The values a Chart.js chart on the page currently plots, per dataset label. */
  const chartData = (id: string) =>
    page.evaluate((canvasId) => {
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { label: string; data: (number | null)[] }[] } } | undefined } }).Chart.getChart(
        document.getElementById(canvasId) as HTMLCanvasElement,
      );
      return Object.fromEntries((chart?.data.datasets ?? []).map((d) => [d.label, d.data]));
    }, id);
  const maxOf = (xs: (number | null)[] | undefined) => Math.max(0, ...(xs ?? []).map((x) => x ?? 0));

  it('loads: counts of the whole city, every township on the map, charts that follow the engine', async () => {
    await open(stack.keys.admin);
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    expect(await page.title()).toMatch(/Lifeline/);
    const households = stack.households.length.toLocaleString('en-GB');
    await expect.poll(() => page.locator('#kpiHouseholds').textContent(), { timeout: 10_000 }).toBe(households);
    const tier1 = (await http('/v1/stats', stack.keys.admin)).body['tiers'] as { tier1: number };
    expect(await page.locator('#kpiTier1').textContent()).toBe(tier1.tier1.toLocaleString('en-GB'));
    expect(await page.locator('#township option').count()).toBe(stack.layout.townships.length);
    // one polygon per township in Leaflet's SVG layer
    expect(await page.locator('#map path.leaflet-interactive:not(.household-point)').count()).toBe(stack.layout.townships.length);

    // department traffic outside the caseworker's township (one in 15 a major disease, which alerts)
    const elsewhere = stack.households.filter((h) => h.region.townshipId !== township).map(simHousehold);
    const updates = [...simulateUpdates(elsewhere, 240, { seed: 3, alertEvery: 15, idPrefix: `dash-sim-${Date.now()}`, startAt: Date.now() - 3600_000 })];
    for (let i = 0; i < updates.length; i += 60) {
      const r = await http('/v1/updates', stack.keys.integration, { method: 'POST', body: updates.slice(i, i + 60) });
      expect(r.body['pending']).toBe(60);
      await new Promise((res) => setTimeout(res, 1200));
    }
    // the throughput and latency charts plot the engine's own counters and histograms
    await expect.poll(async () => maxOf((await chartData('throughput'))['applied']), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => maxOf((await chartData('throughput'))['HTTP intake']), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => maxOf((await chartData('latency'))['batch p50']), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(async () => maxOf((await chartData('feeds'))['updates / s']), { timeout: 15_000 }).toBeGreaterThan(0);
    // alert counts agree with the API, and every township with open alerts has its badge on the map
    const active = async () => {
      const byStatus = ((await http('/v1/stats', stack.keys.admin)).body['alerts'] as { byStatus: Record<string, { urgent: number; general: number }> }).byStatus;
      return ['open', 'claimed', 'verified', 'disposed'].reduce((n, st) => n + byStatus[st]!.urgent + byStatus[st]!.general, 0);
    };
    await expect.poll(async () => (await active()) > 0, { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => (await page.locator('#kpiActive').textContent()) === String(await active()), { timeout: 10_000 }).toBe(true);
    const withAlerts = async () => ((await http('/v1/map/townships', stack.keys.admin)).body['features'] as { properties: { openAlerts: number } }[]).filter((f) => f.properties.openAlerts > 0).length;
    await expect.poll(async () => (await page.locator('.alert-badge').count()) === (await withAlerts()), { timeout: 15_000 }).toBe(true);
    expect(await page.locator('.alert-badge').count()).toBeGreaterThan(0);
    await screenshot(page, 'dashboard-overview');
    expect(pageFaults(browser.errors)).toEqual([]);
  });

  it('map: shows the household points of the selected township, coloured by tier', async () => {
    await open(stack.keys.admin);
    await page.selectOption('#township', township);
    const expected = stack.households.filter((h) => h.region.townshipId === township).length;
    expect(expected).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#map').getAttribute('data-households'), { timeout: 10_000 }).toBe(String(expected));
    expect(await page.locator('path.household-point').count()).toBe(expected);
    const api = (await http(`/v1/map/households?township=${township}`, stack.keys.admin)).body['features'] as { properties: { tier: number } }[];
    const tier1 = api.filter((f) => f.properties.tier === 1).length;
    expect(await page.locator('path.household-point.tier-1').count()).toBe(tier1);
    // clicking a point opens the portrait of that household
    await page.locator('path.household-point').first().click({ force: true });
    await expect.poll(() => page.locator('[data-testid=portrait] .hh').textContent(), { timeout: 10_000 }).toMatch(/Household/);
    await screenshot(page, 'dashboard-map-township');
    await page.locator('#drawerClose').click();
    expect(pageFaults(browser.errors)).toEqual([]);
  });

  it('an update pushed over the API shows up in the queue over the live stream, without a reload', async () => {
    await open(caseworker, `&township=${township}`);
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const h = inTownship()[0]!;
    expect(await page.locator(`#queueBody tr[data-household="${h.id}"]`).count()).toBe(0);
    const pushed = await http('/v1/updates', stack.keys.integration, { method: 'POST', body: diseaseUpdate(h, `dash-sse-${Date.now()}`) });
    expect(pushed.status).toBe(202);
    expect(pushed.body['pending']).toBe(1);
    const row = page.locator(`#queueBody tr[data-household="${h.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.lvl').textContent()).toMatch(/urgent|general/);
    expect(await row.textContent()).toMatch(/major disease/);
    expect(await row.textContent()).toMatch(/in \d/); // a verification deadline ahead
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await screenshot(page, 'dashboard-live-alert');
    expect(pageFaults(browser.errors)).toEqual([]);
  });

  it('a caseworker claims, verifies, disposes and closes an alert from the page; the API agrees at each step', async () => {
    await open(caseworker, `&township=${township}`);
    await expect.poll(() => page.locator('#live').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    const h = inTownship()[1]!;
    await http('/v1/updates', stack.keys.integration, { method: 'POST', body: diseaseUpdate(h, `dash-work-${Date.now()}`) });
    const row = page.locator(`#queueBody tr[data-household="${h.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    const alertId = (await row.getAttribute('data-alert'))!;
    const status = page.locator('[data-testid=alert-status]');
    const apiAlert = async () => (await http(`/v1/alerts/${encodeURIComponent(alertId)}`, caseworker)).body as {
      status: string;
      lease: { holder: string } | null;
      verification: { outcome: string; note: string; by: string } | null;
      disposition: { referrals: { kind: string; code: string }[] } | null;
      history: { from: string | null; to: string; by: string }[];
    };

    await row.click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('open');
    // the portrait is shown with the alert, names in full for the township's caseworker
    const member = h.persons.find((p) => p.alive)!;
    await expect.poll(() => page.locator('[data-testid=portrait] table.members').textContent()).toContain(member.name);

    await page.locator('button[data-action=claim]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('claimed');
    let a = await apiAlert();
    expect(a.status).toBe('claimed');
    expect(a.lease?.holder).toBe(caseworkerId);
    await screenshot(page, 'dashboard-alert-claimed');

    await page.selectOption('[data-testid=outcome]', 'confirmed');
    await page.locator('#note').fill('home visit: diagnosis confirmed by the hospital letter');
    await page.locator('button[data-action=verify]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('verified');
    a = await apiAlert();
    expect(a.status).toBe('verified');
    expect(a.verification).toMatchObject({ outcome: 'confirmed', note: 'home visit: diagnosis confirmed by the hospital letter', by: caseworkerId });

    const ticked = await page.locator('[data-testid=referrals] input:checked').evaluateAll((els) => els.map((e) => ({ kind: (e as HTMLInputElement).dataset['kind'], code: (e as HTMLInputElement).dataset['code'] })));
    await page.locator('button[data-action=dispose]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('disposed');
    a = await apiAlert();
    expect(a.status).toBe('disposed');
    expect(a.disposition?.referrals).toEqual(ticked);
    await screenshot(page, 'dashboard-alert-disposed');

    await page.locator('button[data-action=close]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('closed');
    a = await apiAlert();
    expect(a.status).toBe('closed');
    expect(a.history.map((x) => `${x.from}>${x.to}`)).toEqual(['null>open', 'open>claimed', 'claimed>verified', 'verified>disposed', 'disposed>closed']);
    expect(a.history.slice(1).every((x) => x.by === caseworkerId)).toBe(true);
    // the closed alert leaves the active queue
    await expect.poll(() => page.locator(`#queueBody tr[data-alert="${alertId}"]`).count(), { timeout: 10_000 }).toBe(0);
    await screenshot(page, 'dashboard-alert-closed');
    expect(pageFaults(browser.errors)).toEqual([]);
  });

  it('asks for an API key when it has none, and again when the key is refused', async () => {
    await page.goto(`${stack.url}/`);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.locator('#keyinput').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#live').textContent()).toMatch(/sign in/);
    await page.locator('#keyinput').fill('lifeline_' + 'x'.repeat(32));
    await page.locator('#keyform button').click();
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('#live').textContent(), { timeout: 10_000 }).toMatch(/not accepted/);
    expect(await page.locator('#keyinput').isVisible()).toBe(true);
    expect(await page.locator('#queueBody tr').count()).toBe(0);
  });
});
