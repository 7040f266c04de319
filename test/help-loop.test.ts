/**
 * The help loop end to end (NATS JetStream, the engine's workers, LMDB, the API): scenarios from
 * the seeds — Hangzhou's flow (alert → verified → policy referral → the department's enrolment
 * update approves it → rescored → closed), Yuanzhou's child A (an unsupported-child allowance,
 * major-illness assistance, counselling and tutoring, each its own referral and outcome; the
 * tutoring order declined by a full site and re-matched to the next) — and 50 caseworkers racing
 * for the last places of one project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Household } from '../engine/types.js';
import { suggestionsOf } from '../engine/process.js';
import { LEVEL_ORDER } from '../engine/help/matching.js';
import { startStack, type Stack } from './support/stack.js';
import { waitFor } from '../bench/harness/wait.js';

type Json = Record<string, any>;
const DAY = 86_400_000;

describe('the help loop', () => {
  let stack: Stack;
  let seq = 0;
  beforeAll(async () => {
    stack = await startStack({ listen: false, helpRegistry: true });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, token: string, payload?: unknown): Promise<{ status: number; body: Json }> => {
    const r = await stack.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as Json } : {}) });
    return { status: r.statusCode, body: r.json() as Json };
  };
  const push = async (u: Json): Promise<void> => {
    const r = await call('POST', '/v1/updates', stack.keys.integration, { id: `help-${++seq}`, occurredAt: Date.UTC(2026, 10, 20) + seq * 60_000, ...u });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  };
  const stateOf = (hid: string) => {
    stack.store.env.resetReadTxn();
    return stack.store.households.get(hid)!;
  };
  const codesOf = (h: Household): string[] => suggestionsOf(stateOf(h.id), stack.config.model).map((s) => s.code);
  /** Waits for the household's open hardship alert in its township's queue. */
  const alertOf = async (h: Household, token: string): Promise<string> => {
    let id = '';
    await waitFor(
      `an alert of ${h.id}`,
      async () => {
        const q = await call('GET', `/v1/townships/${h.region.townshipId}/alerts?status=open&limit=500`, token);
        id = (q.body['items'] as { id: string; householdId: string }[]).find((a) => a.householdId === h.id)?.id ?? '';
        return id !== '';
      },
      { timeoutMs: 30_000, everyMs: 50 },
    );
    return id;
  };
  const claimAndVerify = async (id: string, token: string, tag: string): Promise<string> => {
    const e = encodeURIComponent(id);
    const c = await call('POST', `/v1/alerts/${e}/claim`, token, { requestId: `${tag}-claim`, leaseSec: 3600 });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    const leaseToken = c.body['alert'].lease.token as string;
    const v = await call('POST', `/v1/alerts/${e}/verify`, token, { requestId: `${tag}-verify`, leaseToken, outcome: 'confirmed', note: 'home visit' });
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    return leaseToken;
  };
  const referral = async (id: string, token: string): Promise<Json> => (await call('GET', `/v1/referrals/${encodeURIComponent(id)}`, token)).body;
  const alive = (h: Household) => h.persons.find((p) => p.alive)!;
  /** Child A's township and its referrals, for the statistics and audit checks. */
  const childA = { township: '', counselling: '', tutoringDeclined: '', tutoringRematched: '' };

  it("Hangzhou's flow: verified → policy referral → the enrolment update approves it → rescored → closed", async () => {
    const h = stack.households.find((x) => !x.assistance.enrolled && x.persons.some((p) => p.alive) && codesOf(x).includes('dibao'))!;
    expect(h, 'a household eligible for dibao in the small city').toBeDefined();
    const cw = (await stack.issueKey('caseworker', [h.region.townshipId])).token;
    await push({ source: 'health', kind: 'major_disease_diagnosed', householdId: h.id, personId: alive(h).id, payload: { disease: '肺恶性肿瘤', icd10: 'C34.9', diagnosedAt: '2026-11-19' } });
    const alertId = await alertOf(h, cw);
    const e = encodeURIComponent(alertId);
    // a referral before the visit is refused: nothing is verified yet
    const early = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'hz-early', policy: 'dibao' });
    expect(early.status).toBe(409);
    expect(early.body['error'].code).toBe('LIFELINE_ERR_HELP_NOT_VERIFIED');
    const token = await claimAndVerify(alertId, cw, 'hz');

    const m = await call('GET', `/v1/alerts/${e}/matches`, cw);
    expect(m.status).toBe(200);
    const dibao = (m.body['policies'] as Json[]).find((p) => p['policy'] === 'dibao')!;
    expect(dibao['facts']).toMatch(/below the dibao line/);
    expect((dibao['toCheck'] as string[]).length).toBeGreaterThan(0);
    // every suggested service is matched to concrete projects within reach, nearest tier first, each with its reason
    const services = m.body['services'] as Json[];
    expect(services.length).toBeGreaterThan(0);
    for (const s of services) {
      const open = (s['matches'] as Json[]).filter((x) => x['placesLeft'] > 0);
      for (let i = 1; i < open.length; i++) expect(LEVEL_ORDER[open[i - 1]!['level'] as 'village']).toBeLessThanOrEqual(LEVEL_ORDER[open[i]!['level'] as 'village']);
      for (const x of s['matches'] as Json[]) expect(x['reason']).toMatch(/site .* km from the household/);
    }

    const before = stateOf(h.id).profile.score;
    const sub = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'hz-dibao', policy: 'dibao', note: 'income below the line, assets checked at the visit' });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    const rid = sub.body['referral'].id as string;
    expect(sub.body['referral'].status).toBe('submitted');
    const again = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'hz-dibao-2', policy: 'dibao' });
    expect(again.status).toBe(409);
    expect(again.body['error'].code).toBe('LIFELINE_ERR_HELP_ALREADY_REFERRED');
    // a retry with the same request id is the first answer, not a second referral
    const retry = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'hz-dibao', policy: 'dibao' });
    expect(retry.status).toBe(200);
    expect(retry.body['replayed']).toBe(true);

    // the department answers through the stream: its enrolment update approves the referral and rescores the household
    await push({ source: 'civil_affairs', kind: 'assistance_enrolled', householdId: h.id, payload: { category: 'dibao', monthlyCny: 1240, enrolledAt: '2026-11-21' } });
    await waitFor('the dibao referral approved', async () => (await referral(rid, cw))['status'] === 'approved', { timeoutMs: 30_000, everyMs: 50 });
    const approved = await referral(rid, cw);
    expect(approved['history'].at(-1).by).toBe('dept:civil_affairs');
    const after = stateOf(h.id);
    expect(after.household.assistance.enrolled).toBe(true);
    expect(after.profile.score).not.toBe(before);

    const d = await call('POST', `/v1/alerts/${e}/dispose`, cw, { requestId: 'hz-dispose', leaseToken: token, referrals: [{ kind: 'policy', code: 'dibao' }], note: 'dibao approved' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const c = await call('POST', `/v1/alerts/${e}/close`, cw, { requestId: 'hz-close', leaseToken: token });
    expect(c.status).toBe(200);
    expect(c.body['alert'].status).toBe('closed');
    // the case is closed, its confirmed need is not: a service order can still be sent (a declined one re-matched)
    const later = services.find((x) => (x['matches'] as Json[]).some((y) => y['placesLeft'] > 0))!;
    expect(later, 'a needed service with a place within reach').toBeDefined();
    const pickLater = (later['matches'] as Json[]).find((y) => y['placesLeft'] > 0)!;
    const afterClose = await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'hz-after-close', projectId: pickLater['projectId'], service: later['service'] });
    expect(afterClose.status, JSON.stringify(afterClose.body)).toBe(200);
    // the township's referral queue shows the settled referral
    const q = await call('GET', `/v1/referrals?township=${h.region.townshipId}&kind=policy`, cw);
    expect((q.body['items'] as Json[]).map((r) => `${r['id']}:${r['status']}`)).toContain(`${rid}:approved`);
  }, 120_000);

  it("Yuanzhou's child A: allowance, major-illness assistance, counselling and tutoring, each with its own referral and outcome", async () => {
    // grandparents caring for a grandchild whose parents are gone (事实无人抚养)
    const h = stack.households.find((x) => {
      const kids = x.persons.filter((p) => p.alive && p.withoutParentalCare && p.relation === 'grandchild');
      const codes = kids.length > 0 ? codesOf(x) : [];
      return kids.length > 0 && codes.includes('unsupported_child_allowance') && codes.includes('counselling') && codes.includes('tutoring');
    })!;
    expect(h, 'a household like child A in the small city').toBeDefined();
    const child = h.persons.find((p) => p.alive && p.withoutParentalCare)!;
    const cw = (await stack.issueKey('caseworker', [h.region.townshipId])).token;
    childA.township = h.region.townshipId;
    // ankylosing spondylitis, medicine bought far away at the family's cost
    await push({ source: 'health', kind: 'major_disease_diagnosed', householdId: h.id, personId: child.id, payload: { disease: '强直性脊柱炎', icd10: 'M45.9', diagnosedAt: '2026-11-10' } });
    await push({
      source: 'medical_insurance',
      kind: 'medical_claim',
      householdId: h.id,
      personId: child.id,
      payload: { claimId: 'YB-CHILD-A-1', totalCny: 60000, insurancePaidCny: 24000, outOfPocketCny: 36000, hospitalLevel: 'tertiary', inpatient: true, diagnosisCode: 'M45.900', settledAt: '2026-11-15' },
    });
    const alertId = await alertOf(h, cw);
    const e = encodeURIComponent(alertId);
    await claimAndVerify(alertId, cw, 'ya');
    const m = (await call('GET', `/v1/alerts/${e}/matches?perService=5`, cw)).body;
    const policies = (m['policies'] as Json[]).map((p) => p['policy'] as string);
    expect(policies).toContain('unsupported_child_allowance');
    const illness = ['medical_assistance', 'critical_illness_topup'].find((p) => policies.includes(p));
    expect(illness, `major-illness assistance among ${policies.join(', ')}`).toBeDefined();

    // policies: each its own referral, answered its own way
    const allowance = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'ya-allowance', policy: 'unsupported_child_allowance', note: 'parents absent, grandparents frail' });
    const medical = await call('POST', `/v1/alerts/${e}/policy-referrals`, cw, { requestId: 'ya-medical', policy: illness! });
    expect([allowance.status, medical.status]).toEqual([200, 200]);
    await push({ source: 'medical_insurance', kind: 'medical_assistance_granted', householdId: h.id, personId: child.id, payload: { grantId: 'YJ-CHILD-A', amountCny: 20000, grantedAt: '2026-11-25' } });
    // no data item carries the child allowance: the civil-affairs integration answers explicitly
    const decided = await call('POST', `/v1/referrals/${encodeURIComponent(allowance.body['referral'].id)}/decision`, stack.keys.integration, { requestId: 'ya-allowance-ok', approved: true, note: 'certified with the police station and the community' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await waitFor('the major-illness referral approved', async () => (await referral(medical.body['referral'].id, cw))['status'] === 'approved', { timeoutMs: 30_000, everyMs: 50 });
    expect((await referral(allowance.body['referral'].id, cw))['status']).toBe('approved');

    // services: counselling delivered; tutoring declined by a full site and re-matched to the next project
    const svc = (code: string) => (m['services'] as Json[]).find((s) => s['service'] === code)!;
    const pick = (code: string) => (svc(code)['matches'] as Json[]).find((x) => x['placesLeft'] > 0)!;
    const counsel = pick('counselling');
    const o1 = await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'ya-counsel', projectId: counsel['projectId'], service: 'counselling', note: 'weekly sessions after school' });
    expect(o1.status, JSON.stringify(o1.body)).toBe(200);
    // a second counselling order while the first stands is refused (a retry of the same request is not)
    const twice = await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'ya-counsel-2', projectId: counsel['projectId'], service: 'counselling' });
    expect(twice.status).toBe(409);
    expect(twice.body['error'].code).toBe('LIFELINE_ERR_HELP_ALREADY_REFERRED');
    expect((await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'ya-counsel', projectId: counsel['projectId'], service: 'counselling', note: 'weekly sessions after school' })).body['replayed']).toBe(true);
    const site1 = (await stack.issueKey('site', [counsel['siteId']])).token;
    const r1 = o1.body['referral'].id as string;
    // the site sees the order with the least personal data: masked name, community, no household or alert id
    const seen = (await call('GET', `/v1/referrals?site=${counsel['siteId']}`, site1)).body['items'] as Json[];
    const mine = seen.find((x) => x['id'] === r1)!;
    expect(mine['recipient'].name).toMatch(/\*/);
    expect(mine['householdId']).toBeUndefined();
    expect(mine['alertId']).toBeUndefined();
    // and nothing of any household
    expect((await call('GET', `/v1/households/${h.id}`, site1)).status).toBe(403);
    for (const [step, body] of [['accept', {}], ['start', {}], ['complete', { followUpDays: 30, note: 'first round done' }]] as const) {
      const r = await call('POST', `/v1/referrals/${encodeURIComponent(r1)}/${step}`, site1, { requestId: `ya-c-${step}`, ...body });
      expect(r.status, `${step}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const done = await referral(r1, cw);
    expect(done['status']).toBe('completed');
    expect(done['followUpAt']).toBeGreaterThan(Date.now() + 29 * DAY);

    const tutor = pick('tutoring');
    const placesBefore = (await call('GET', `/v1/projects/${tutor['projectId']}`, cw)).body;
    const o2 = await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'ya-tutor', projectId: tutor['projectId'], service: 'tutoring', note: 'maths and Chinese' });
    expect(o2.status, JSON.stringify(o2.body)).toBe(200);
    const r2 = o2.body['referral'].id as string;
    const site2 = (await stack.issueKey('site', [tutor['siteId']])).token;
    // another site's key cannot touch it
    const other = ((await call('GET', '/v1/projects?limit=50', cw)).body['items'] as Json[]).find((x) => x['site'].id !== tutor['siteId'])!;
    const otherSite = (await stack.issueKey('site', [other['site'].id])).token;
    expect((await call('POST', `/v1/referrals/${encodeURIComponent(r2)}/accept`, otherSite, { requestId: 'ya-t-wrong' })).status).toBe(403);
    expect(((await call('GET', `/v1/referrals?site=${tutor['siteId']}`, otherSite)).status)).toBe(403);
    const declined = await call('POST', `/v1/referrals/${encodeURIComponent(r2)}/decline`, site2, { requestId: 'ya-t-decline', reason: 'full', note: 'no tutor free this month' });
    expect(declined.status).toBe(200);
    expect(declined.body['referral'].status).toBe('declined');
    // its place is back: the project holds as many as before the order
    const placesAfter = (await call('GET', `/v1/projects/${tutor['projectId']}`, cw)).body;
    expect(placesAfter['usage'].active).toBe(placesBefore['usage'].active);
    const re = await call('POST', `/v1/referrals/${encodeURIComponent(r2)}/rematch`, cw, { requestId: 'ya-t-rematch' });
    expect(re.status, JSON.stringify(re.body)).toBe(200);
    expect(re.body['referral'].projectId).not.toBe(tutor['projectId']);
    expect(re.body['referral'].rematchOf).toBe(r2);
    expect(re.body['referral'].status).toBe('dispatched');
    Object.assign(childA, { counselling: r1, tutoringDeclined: r2, tutoringRematched: re.body['referral'].id });
    // the household's referrals: four, each with its own outcome, plus the declined one
    const all = (await call('GET', `/v1/referrals?alert=${e}`, cw)).body['items'] as Json[];
    expect(all.map((r) => `${r['code']}:${r['status']}`).sort()).toEqual(
      [`${illness}:approved`, 'counselling:completed', 'tutoring:declined', 'tutoring:dispatched', 'unsupported_child_allowance:approved'].sort(),
    );
  }, 120_000);

  it('50 caseworkers race for the last 3 places of one project: 3 win, 47 are told why, capacity never goes negative', async () => {
    const byDistrict = new Map<string, Household[]>();
    for (const x of stack.households) {
      if (!x.persons.some((p) => p.alive)) continue;
      const l = byDistrict.get(x.region.districtId) ?? [];
      l.push(x);
      byDistrict.set(x.region.districtId, l);
    }
    const [district, people] = [...byDistrict].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
    // households no other scenario touched, in id order (deterministic)
    const racers = people.filter((x) => !stateOf(x.id).household.assistance.enrolled && !x.persons.some((p) => p.withoutParentalCare)).sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, 50);
    expect(racers).toHaveLength(50);
    const admin = stack.keys.admin;
    const county = ((await call('GET', `/v1/projects?district=${district}&level=county&active=true&limit=100`, admin)).body['items'] as Json[])[0]!;
    expect(county, `a county-level project in ${district}`).toBeDefined();
    const service = county['services'][0] as string;

    const r = await call('POST', '/v1/updates', stack.keys.integration, racers.map((x, i) => ({ id: `race-${i}`, source: 'health', kind: 'major_disease_diagnosed', householdId: x.id, personId: alive(x).id, occurredAt: Date.UTC(2026, 10, 22) + i * 1000, payload: { disease: '急性心肌梗死', icd10: 'I21.9', diagnosedAt: '2026-11-22' } })));
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const workers = await Promise.all(racers.map(async (x) => ({ h: x, token: (await stack.issueKey('caseworker', [x.region.townshipId])).token })));
    const alerts = await Promise.all(workers.map(async (w, i) => {
      const id = await alertOf(w.h, w.token);
      await claimAndVerify(id, w.token, `race-${i}`);
      return id;
    }));

    // leave exactly 3 places: capacity = places taken now + 3
    const p0 = (await call('GET', `/v1/projects/${county['id']}`, admin)).body;
    const taken = p0['capacity'].unit === 'concurrent' ? p0['usage'].active : p0['usage'].taken;
    const set = await call('PATCH', `/v1/projects/${county['id']}`, admin, { requestId: 'race-capacity', places: taken + 3 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);

    const results = await Promise.all(workers.map((w, i) => call('POST', `/v1/alerts/${encodeURIComponent(alerts[i]!)}/orders`, w.token, { requestId: `race-order-${i}`, projectId: county['id'], service })));
    const won = results.filter((x) => x.status === 200);
    const lost = results.filter((x) => x.status !== 200);
    expect(won).toHaveLength(3);
    expect(lost).toHaveLength(47);
    for (const l of lost) {
      expect(l.status).toBe(409);
      expect(l.body['error'].code).toBe('LIFELINE_ERR_HELP_NO_CAPACITY');
      expect(l.body['error'].message).toMatch(/no place left/);
      expect(l.body['error'].details.project.placesLeft).toBe(0);
    }
    const p1 = (await call('GET', `/v1/projects/${county['id']}`, admin)).body;
    expect(p1['placesLeft']).toBe(0);
    expect(p1['capacity'].unit === 'concurrent' ? p1['usage'].active : p1['usage'].taken).toBe(taken + 3);
    const held = ((await call('GET', `/v1/referrals?site=${county['site'].id}&status=dispatched&limit=500`, admin)).body['items'] as Json[]).filter((x) => x['projectId'] === county['id']);
    expect(held.map((x) => x['id']).sort()).toEqual(won.map((w) => w.body['referral'].id).sort());

    // a winner's site declines: its place comes back and exactly one more caseworker gets it
    const site = (await stack.issueKey('site', [county['site'].id])).token;
    const d = await call('POST', `/v1/referrals/${encodeURIComponent(won[0]!.body['referral'].id)}/decline`, site, { requestId: 'race-decline', reason: 'household_refused', note: '' });
    expect(d.status).toBe(200);
    const losers = results.map((x, i) => (x.status === 200 ? -1 : i)).filter((i) => i >= 0);
    const again = await Promise.all(losers.slice(0, 2).map((i) => call('POST', `/v1/alerts/${encodeURIComponent(alerts[i]!)}/orders`, workers[i]!.token, { requestId: `race-order-${i}-again`, projectId: county['id'], service })));
    expect(again.map((x) => x.status).sort()).toEqual([200, 409]);
    expect((await call('GET', `/v1/projects/${county['id']}`, admin)).body['placesLeft']).toBe(0);
  }, 180_000);

  it("counts the month's help per service and township (月监测), hides small counts from analysts, and audits every step", async () => {
    expect(childA.township, 'runs after the child A scenario').not.toBe('');
    const cw = (await stack.issueKey('caseworker', [childA.township])).token;
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    const s = (await call('GET', `/v1/stats/help?period=month&at=${month}`, cw)).body;
    const row = (service: string) => (s['services'] as Json[]).find((r) => r['service'] === service && r['townshipId'] === childA.township)!;
    expect(row('counselling')).toMatchObject({ orders: 1, completed: 1, declined: 0, completionRate: 1 });
    expect(row('counselling')['waitingHoursP50']).not.toBeNull();
    // the declined tutoring order was re-matched: two orders, one declined, none completed yet, and the need is served
    expect(row('tutoring')).toMatchObject({ orders: 2, declined: 1, completed: 0, completionRate: 0, unmet: 0 });
    expect(row('tutoring')['need']).toBeGreaterThanOrEqual(1);
    expect(row('tutoring')['places']).toBeGreaterThan(0);
    // a caseworker sees only its townships: rows, per-service sums and totals alike
    expect((s['services'] as Json[]).every((r) => r['townshipId'] === childA.township || r['townshipId'] === null)).toBe(true);
    expect((s['townships'] as Json[]).map((r) => r['townshipId'])).toEqual([childA.township]);
    expect(s['totals'].orders).toBe((s['townships'] as Json[])[0]!['orders']);
    const policies = Object.fromEntries((s['policies'] as Json[]).map((p) => [p['policy'], p]));
    expect(policies['unsupported_child_allowance']).toMatchObject({ submitted: 1, approved: 1 });
    // analysts: city-wide rows only, counts under k-anonymity hidden
    const a = (await call('GET', `/v1/stats/help?period=quarter`, stack.keys.analyst)).body;
    expect(a['townships']).toEqual([]);
    expect((a['services'] as Json[]).every((r) => r['townshipId'] === null)).toBe(true);
    const counsel = (a['services'] as Json[]).find((r) => r['service'] === 'counselling')!;
    expect(counsel['orders']).toBeNull(); // 1 < api.kAnonymity
    // and no total gives a hidden row away by subtraction
    expect(a['totals'].orders).toBeNull();
    expect(a['totals'].completionRate).toBeNull();
    expect((await call('GET', '/v1/stats/help?period=quarter&at=2026-11', cw)).status).toBe(400);

    // every step of the order is in the audit stream, by whom
    const audit = (await call('GET', `/v1/audit?target=${encodeURIComponent(childA.counselling)}&limit=50`, stack.keys.admin)).body;
    expect((audit['items'] as Json[]).map((e) => e['action'])).toEqual(['referral.dispatch', 'referral.accept', 'referral.start', 'referral.complete']);
  }, 60_000);

  it('manages projects through the API: create at a site, change capacity, retire; refused input names its field; all audited', async () => {
    const admin = stack.keys.admin;
    const h = stack.households[0]!;
    const site = `S${h.region.townshipId}`;
    const created = await call('POST', '/v1/projects', admin, { requestId: 'pm-create', name: '银龄助餐点', services: ['meal_assistance'], siteId: site, capacity: { unit: 'month', places: 20 }, eligibility: 'residents 70+' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body['project'].id as string;
    expect(created.body['project'].site).toMatchObject({ id: site, level: 'township', townshipId: h.region.townshipId });
    const cw = (await stack.issueKey('caseworker', [h.region.townshipId])).token;
    // only admin manages the registry; a caseworker reads it
    expect((await call('POST', '/v1/projects', cw, { requestId: 'pm-cw', name: 'x', services: ['meal_assistance'], siteId: site, capacity: { unit: 'month', places: 1 } })).status).toBe(403);
    const listed = (await call('GET', `/v1/projects?township=${h.region.townshipId}&service=meal_assistance&limit=200`, cw)).body['items'] as Json[];
    expect(listed.map((x) => x['id'])).toContain(id);
    // bad input: a 4xx naming the field and why
    const noSite = await call('POST', '/v1/projects', admin, { requestId: 'pm-bad', name: 'x', services: ['meal_assistance'], siteId: 'S999', capacity: { unit: 'month', places: 1 } });
    expect([noSite.status, noSite.body['error'].field]).toEqual([400, 'siteId']);
    const badService = await call('POST', '/v1/projects', admin, { requestId: 'pm-bad-2', name: 'x', services: ['free_money'], siteId: site, capacity: { unit: 'month', places: 1 } });
    expect(badService.status).toBe(400);
    expect(badService.body['error'].message).toMatch(/services/);
    const negative = await call('PATCH', `/v1/projects/${id}`, admin, { requestId: 'pm-neg', places: -1 });
    expect(negative.status).toBe(400);
    const changed = await call('PATCH', `/v1/projects/${id}`, admin, { requestId: 'pm-places', places: 30 });
    expect(changed.body['project'].capacity).toEqual({ unit: 'month', places: 30 });
    const retired = await call('POST', `/v1/projects/${id}/retire`, admin, { requestId: 'pm-retire' });
    expect(retired.body['project'].retiredAt).not.toBeNull();
    expect((await call('POST', `/v1/projects/${id}/retire`, admin, { requestId: 'pm-retire-2' })).body['error'].code).toBe('LIFELINE_ERR_HELP_PROJECT_RETIRED');
    const active = (await call('GET', `/v1/projects?township=${h.region.townshipId}&service=meal_assistance&active=true&limit=200`, cw)).body['items'] as Json[];
    expect(active.map((x) => x['id'])).not.toContain(id);
    const audit = (await call('GET', `/v1/audit?target=${id}&limit=50`, admin)).body['items'] as Json[];
    expect(audit.map((e) => e['action'])).toEqual(['project.create', 'project.update', 'project.retire']);
    expect(audit[1]!['before'].capacity.places).toBe(20);
    expect(audit[1]!['after'].capacity.places).toBe(30);
  }, 60_000);

  it("addresses an order after a death to a living member: the site never gets the deceased's name", async () => {
    const h = stack.households.find((x) => x.persons.length >= 3 && x.persons.every((p) => p.alive) && x.persons[0]!.relation === 'head' && !stateOf(x.id).household.assistance.enrolled && x.region.townshipId !== childA.township)!;
    expect(h).toBeDefined();
    const cw = (await stack.issueKey('caseworker', [h.region.townshipId])).token;
    await push({ source: 'civil_affairs', kind: 'death_registered', householdId: h.id, personId: h.persons[0]!.id, payload: { deathDate: '2026-11-23', cause: 'illness' } });
    const alertId = await alertOf(h, cw);
    await claimAndVerify(alertId, cw, 'death');
    const e = encodeURIComponent(alertId);
    const m = (await call('GET', `/v1/alerts/${e}/matches`, cw)).body;
    const svc = (m['services'] as Json[]).find((x) => (x['matches'] as Json[]).some((y) => y['placesLeft'] > 0))!;
    expect(svc, 'a needed service with a place').toBeDefined();
    const pick = (svc['matches'] as Json[]).find((y) => y['placesLeft'] > 0)!;
    const o = await call('POST', `/v1/alerts/${e}/orders`, cw, { requestId: 'death-order', projectId: pick['projectId'], service: svc['service'] });
    expect(o.status, JSON.stringify(o.body)).toBe(200);
    const site = (await stack.issueKey('site', [pick['siteId']])).token;
    const seen = (await call('GET', `/v1/referrals/${encodeURIComponent(o.body['referral'].id)}`, site)).body;
    const first = (n: string) => [...n][0];
    expect(seen['recipient'].members).toBe(h.persons.length - 1);
    expect(seen['recipient'].name).toBe(`${first(h.persons[1]!.name)}${'*'.repeat([...h.persons[1]!.name].length - 1)}`);
  }, 60_000);
});
