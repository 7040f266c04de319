/**
 * The help loop on the dashboard, in real browsers (Debian's chromium through playwright-core)
 * against the whole stack with the alliance registry seeded: a caseworker verifies an alert on the
 * page and refers the household to a matched project ("Refer"); the site, on its own page with a
 * site key, accepts, starts and completes the order; the caseworker's page shows the referral
 * pipeline move and the month's completion rate go from "—" through 0 % to 100 %.
 *
 * Deterministic: the city and the registry come from the stack's fixed seeds, the household is the
 * first of the busiest township (in the generator's order) whose alert has a service with a place
 * left, and the project is the first one the page offers for the first such service.
 * Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Household } from '../../engine/types.js';
import { suggestionsOf } from '../../engine/process.js';
import { waitFor } from '../../bench/harness/wait.js';
import { startStack, type Stack } from '../../test/support/stack.js';
import { launchBrowser, screenshot, type BrowserSession } from '../../test/support/browser.js';

type Json = Record<string, any>;

/** Console noise that is not a fault of the page: refused requests it then handles (feeds for caseworkers, the map for a site key). */
const pageFaults = (errors: string[]) => errors.filter((e) => !/Failed to load resource: the server responded with a status of 403/.test(e));

/** api/help/stats.ts keeps the help statistics 30 s; the API's clock is moved past that rather than waited for. */
const STATS_TTL_MS = 30_000;

describe('help loop on the dashboard', () => {
  let stack: Stack | undefined;
  let caseworkerBrowser: BrowserSession | undefined;
  let siteBrowser: BrowserSession | undefined;
  let skewMs = 0;
  let township: string;
  let caseworker: string;

  const s = (): Stack => stack!;
  const http = async (path: string, token: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Json }> => {
    const res = await fetch(`${s().url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  async function open(page: Page, token: string, hash = ''): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${s().url}/#key=${encodeURIComponent(token)}${hash}`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, { timeout: 30_000 });
  }

  beforeAll(async () => {
    // the API's clock runs skewMs ahead of the machine's: moved on only to expire the statistics cache
    stack = await startStack({ helpRegistry: true, now: () => Date.now() + skewMs });
    township = stack.busiestTownship();
    caseworker = (await stack.issueKey('caseworker', [township])).token;
    // may install chromium with apt on a fresh machine
    caseworkerBrowser = await launchBrowser();
  }, 600_000);

  afterAll(async () => {
    // every browser and the stack, each tried even when another fails
    const failures: unknown[] = [];
    for (const close of [() => siteBrowser?.close(), () => caseworkerBrowser?.close(), () => stack?.stop()]) {
      try {
        await close();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length) throw failures[0];
  }, 60_000);

  /** Pushes a major-disease diagnosis for the household and answers its open alert (from the township's queue). */
  async function alertFor(h: Household, n: number): Promise<string> {
    const person = h.persons.find((p) => p.alive)!;
    const pushed = await http('/v1/updates', s().keys.integration, {
      method: 'POST',
      body: { id: `help-dash-${n}`, source: 'health', kind: 'major_disease_diagnosed', householdId: h.id, personId: person.id, occurredAt: Date.now(), payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-11-19' } },
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(202);
    let id = '';
    await waitFor(
      `an alert of ${h.id}`,
      async () => {
        const q = await http(`/v1/townships/${township}/alerts?status=open&limit=500`, caseworker);
        id = (q.body['items'] as { id: string; householdId: string }[]).find((a) => a.householdId === h.id)?.id ?? '';
        return id !== '';
      },
      { timeoutMs: 30_000, everyMs: 50 },
    );
    return id;
  }

  it('a caseworker refers a verified household on the page, the site completes the order on its page, and the completion rate moves', async () => {
    const t0 = Date.now();
    const page = caseworkerBrowser!.page;

    // the household: the first of the township (generator order) whose alert needs a service with a place left within reach
    const stateOf = (hid: string) => {
      s().store.env.resetReadTxn();
      return s().store.households.get(hid)!;
    };
    const candidates = s()
      .households.filter((h) => h.region.townshipId === township && h.persons.some((p) => p.alive))
      .filter((h) => suggestionsOf(stateOf(h.id), s().config.model).some((x) => x.kind === 'service'));
    let chosen: { h: Household; alertId: string; service: string; match: Json } | null = null;
    for (const [i, h] of candidates.slice(0, 6).entries()) {
      const alertId = await alertFor(h, i);
      const m = (await http(`/v1/alerts/${encodeURIComponent(alertId)}/matches?perService=5`, caseworker)).body;
      const svc = (m['services'] as Json[]).find((x) => (x['matches'] as Json[]).some((y) => y['placesLeft'] > 0));
      if (svc) {
        chosen = { h, alertId, service: svc['service'], match: (svc['matches'] as Json[]).find((y) => y['placesLeft'] > 0)! };
        break;
      }
    }
    expect(chosen, `a household of ${township} with a service within reach among ${candidates.length}`).not.toBeNull();
    const { h, alertId, service, match } = chosen!;
    console.log(`help-dashboard: city seed 20260801 (the stack's), township ${township}, household ${h.id}, alert ${alertId}, service ${service}, first project with a place ${match['projectId']} at ${match['siteId']}`);

    // ---- the caseworker's dashboard: resources on the map, an empty pipeline, no completion rate yet
    await open(page, caseworker, `&township=${township}`);
    const projects = (await http(`/v1/projects?township=${township}&active=true&limit=500`, caseworker)).body;
    expect(projects['total']).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#map').getAttribute('data-projects'), { timeout: 10_000 }).toBe(String(projects['total']));
    const siteIds = new Set((projects['items'] as Json[]).map((p) => p['site'].id as string));
    expect(await page.locator('.project-marker').count()).toBe(siteIds.size);
    await expect.poll(() => page.locator('#helpScope').textContent(), { timeout: 10_000 }).toMatch(/\d{4}-\d{2}/);
    const completion = page.locator('[data-testid=help-completion]');
    const stage = (st: string) => page.locator(`#pipeline li[data-status=${st}] b`);
    expect(await completion.textContent()).toBe('—');
    expect(await stage('dispatched').textContent()).toBe('0');
    expect(await stage('completed').textContent()).toBe('0');
    await screenshot(page, 'help-dashboard-before');

    // ---- verify the alert on the page
    const row = page.locator(`#queueBody tr[data-alert="${alertId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const status = page.locator('[data-testid=alert-status]');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('open');
    expect(await page.locator('#helpBox').isHidden()).toBe(true);
    await page.locator('button[data-action=claim]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('claimed');
    await page.selectOption('[data-testid=outcome]', 'confirmed');
    await page.locator('#note').fill('home visit: diagnosis confirmed, the family needs help at home');
    await page.locator('button[data-action=verify]').click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('verified');

    // ---- the help panel: ranked projects with their reason and places, policies with their facts
    const help = page.locator('#helpBox');
    await help.waitFor({ state: 'visible', timeout: 10_000 });
    const svc = help.locator(`.svc[data-service="${service}"]`);
    await svc.locator('button[data-action=refer]').first().waitFor({ timeout: 10_000 });
    const m = (await http(`/v1/alerts/${encodeURIComponent(alertId)}/matches?perService=5`, caseworker)).body;
    const apiMatches = (m['services'] as Json[]).find((x) => x['service'] === service)!['matches'] as Json[];
    expect(await svc.locator('tr.match').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['project']))).toEqual(apiMatches.map((x) => x['projectId']));
    expect(await svc.locator('tr.match [data-testid=match-reason]').first().textContent()).toMatch(/site .* km from the household/);
    for (const p of m['policies'] as Json[]) {
      const pol = help.locator(`.pol[data-policy="${p['policy']}"]`);
      expect(await pol.locator('[data-testid=policy-facts]').textContent()).toContain(p['facts']);
      expect(await pol.locator('button[data-action=policy]').isEnabled()).toBe(true);
    }
    await screenshot(page, 'help-dashboard-matches');

    // ---- "Refer": the first project the page offers with a place left
    const refer = svc.locator('tr.match:not(.full) button[data-action=refer]').first();
    const projectId = (await refer.getAttribute('data-project'))!;
    expect(projectId).toBe(match['projectId']);
    const siteId = (await svc.locator(`tr.match[data-project="${projectId}"]`).getAttribute('data-site'))!;
    const note = 'weekday afternoons; call the daughter first';
    await page.locator('#helpNote').fill(note);
    await refer.click();
    const mine = help.locator(`[data-testid=help-referrals] li[data-kind=service][data-code="${service}"]`);
    await expect.poll(() => mine.getAttribute('data-status'), { timeout: 10_000 }).toBe('dispatched');
    const orders = (await http(`/v1/referrals?alert=${encodeURIComponent(alertId)}&kind=service`, caseworker)).body['items'] as Json[];
    expect(orders).toHaveLength(1);
    const order = orders[0]!;
    expect(order).toMatchObject({ projectId, siteId, code: service, status: 'dispatched', note });
    expect(await mine.getAttribute('data-referral')).toBe(order['id']);
    // one order stands for the service: its other projects are not offered again
    expect(await svc.locator('button[data-action=refer]:not([disabled])').count()).toBe(0);
    await expect.poll(() => stage('dispatched').textContent(), { timeout: 10_000 }).toBe('1');
    await screenshot(page, 'help-dashboard-referred');
    // the statistics move once their 30 s are up: an order standing, none completed
    await page.locator('#drawerClose').click();
    skewMs += STATS_TTL_MS + 1000;
    await page.locator('#helpRefresh').click();
    await expect.poll(() => completion.textContent(), { timeout: 10_000 }).toBe('0 %');

    // ---- the site's own page: its order queue, worked step by step
    const siteKey = (await s().issueKey('site', [siteId])).token;
    siteBrowser = await launchBrowser();
    const sitePage = siteBrowser.page;
    await open(sitePage, siteKey);
    expect(await sitePage.evaluate(() => document.body.dataset['mode'])).toBe('site');
    expect(await sitePage.locator('#map').isVisible()).toBe(false);
    const siteRow = sitePage.locator(`#siteOrders tr[data-referral="${order['id']}"]`);
    await siteRow.waitFor({ timeout: 10_000 });
    expect(await sitePage.locator('#siteOrders tr').count()).toBe(1);
    // the least personal data: a masked name and the community, the caseworker's note for the site
    expect(await siteRow.locator('[data-testid=recipient]').textContent()).toMatch(/\*/);
    expect(await siteRow.locator('td.note').textContent()).toBe(note);
    expect(await siteRow.textContent()).not.toContain(h.id);
    const orderStatus = siteRow.locator('[data-testid=order-status]');
    for (const [action, next] of [
      ['accept', 'accepted'],
      ['start', 'in_service'],
      ['complete', 'completed'],
    ] as const) {
      await siteRow.locator(`button[data-action=${action}]`).click();
      await expect.poll(() => siteRow.getAttribute('data-status'), { timeout: 10_000 }).toBe(next);
      expect(await orderStatus.textContent()).toBe(next.replace('_', ' '));
      expect((await http(`/v1/referrals/${encodeURIComponent(order['id'])}`, caseworker)).body['status']).toBe(next);
      if (action === 'accept') await screenshot(sitePage, 'help-site-accepted');
    }
    expect(await siteRow.locator('button').count()).toBe(0);
    expect(await siteRow.textContent()).toMatch(/follow up/);
    await screenshot(sitePage, 'help-site-completed');

    // ---- back on the caseworker's page: the referral completed, the pipeline and the completion rate moved
    await row.click();
    await expect.poll(() => mine.getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');
    await page.locator('#drawerClose').click();
    await page.locator('#helpRefresh').click();
    await expect.poll(() => stage('completed').textContent(), { timeout: 10_000 }).toBe('1');
    expect(await stage('dispatched').textContent()).toBe('0');
    skewMs += STATS_TTL_MS + 1000;
    await page.locator('#helpRefresh').click();
    await expect.poll(() => completion.textContent(), { timeout: 10_000 }).toBe('100 %');
    const stats = (await http('/v1/stats/help?period=month', caseworker)).body;
    const own = (stats['townships'] as Json[]).find((r) => r['townshipId'] === township)!;
    expect(own['completionRate']).toBe(1);
    expect(await page.locator(`[data-testid=help-stats] tr[data-service="${service}"] [data-testid=service-rate]`).textContent()).toBe('100 %');
    await screenshot(page, 'help-dashboard-completed');

    expect(pageFaults(caseworkerBrowser!.errors)).toEqual([]);
    expect(pageFaults(siteBrowser.errors)).toEqual([]);
    console.log(`help-dashboard: the flow took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 90_000);
});
