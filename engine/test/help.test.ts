/** The help loop's pure parts: capacity, the referral life cycles, matching, policy answers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { givePlaceBack, isActive, monthOf, placesLeft, quarterOf, takePlace } from '../help/capacity.js';
import { indexProjects, matchProjects, reaches } from '../help/matching.js';
import { policiesGrantedBy, policiesRefusedBy, policyEligibility, POLICY_CHECKS } from '../help/policies.js';
import { referralHomeKey, policyReferralId, serviceReferralId, transitionReferral } from '../help/referrals.js';
import type { Project, Referral, SiteLevel } from '../help/types.js';
import { POLICY_CODES } from '../catalogue/assistance.js';
import type { Region, Suggestion } from '../types.js';
import { assertProperty } from '../../test/support/seed.js';

const T = Date.parse('2026-11-20T10:00:00+08:00');
const region: Region = { districtId: '330106', townshipId: '330106001', communityId: '330106001002', lat: 30.27, lon: 120.12 };

function project(id: string, level: SiteLevel, o: Partial<Project> & { lat?: number; community?: string; township?: string } = {}): Project {
  const { lat, community, township, ...rest } = o;
  return {
    id,
    name: id,
    services: ['tutoring'],
    site: {
      id: `S${id}`,
      name: `site ${id}`,
      level,
      districtId: '330106',
      townshipId: level === 'county' ? null : (township ?? '330106001'),
      communityId: level === 'village' ? (community ?? '330106001002') : null,
      lat: lat ?? 30.27,
      lon: 120.12,
    },
    cityWide: false,
    capacity: { unit: 'month', places: 2 },
    eligibility: '',
    activeFrom: 0,
    activeTo: null,
    retiredAt: null,
    usage: { month: '', taken: 0, active: 0 },
    orders: 0,
    createdAt: 0,
    updatedAt: 0,
    revision: 1,
    ...rest,
  };
}

function order(p: Project, status: Referral['status'] = 'dispatched'): Referral {
  return {
    id: serviceReferralId(p.id, 1),
    kind: 'service',
    code: 'tutoring',
    householdId: 'h1',
    alertId: 'h1:3:death',
    districtId: region.districtId,
    townshipId: region.townshipId,
    projectId: p.id,
    siteId: p.site.id,
    siteLevel: p.site.level,
    placeMonth: monthOf(T),
    holdsPlace: true,
    recipient: null,
    status,
    note: '',
    reason: null,
    rematchOf: null,
    followUpAt: null,
    createdAt: T,
    updatedAt: T,
    settledAt: null,
    answeredAt: null,
    history: [{ from: null, to: status, by: 'cw', at: T, requestId: 'r0' }],
    revision: 1,
  };
}

const tutoring: Suggestion = { kind: 'service', code: 'tutoring', category: 'development', reason: 'child without parental help' };

describe('capacity', () => {
  it('counts monthly places per Shanghai month and concurrent places until the order ends', () => {
    expect(monthOf(Date.parse('2026-11-30T16:30:00Z'))).toBe('2026-12'); // 00:30 on 1 December in Shanghai
    expect(quarterOf(Date.parse('2026-03-31T12:00:00Z'))).toBe('2026-Q1');
    let p = project('P1', 'village');
    p = takePlace(p, T).project;
    p = takePlace(p, T).project;
    expect(placesLeft(p, T)).toBe(0);
    expect(placesLeft(p, Date.parse('2026-12-02T10:00:00+08:00'))).toBe(2); // a new month, new places
    const back = givePlaceBack(p, { placeMonth: monthOf(T) }, true);
    expect(placesLeft(back, T)).toBe(1);
    // a completed monthly order used its place
    expect(placesLeft(givePlaceBack(p, { placeMonth: monthOf(T) }, false), T)).toBe(0);
    const c = takePlace(project('P2', 'county', { capacity: { unit: 'concurrent', places: 1 } }), T).project;
    expect(placesLeft(c, T + 90 * 86_400_000)).toBe(0);
    expect(placesLeft(givePlaceBack(c, { placeMonth: null }, false), T)).toBe(1);
  });

  it('never shows negative places, whatever the sequence of takes, returns and capacity cuts (seeded)', { tags: ['property'] }, () => {
    const op = fc.oneof(fc.constant({ t: 'take' as const }), fc.constant({ t: 'decline' as const }), fc.constant({ t: 'complete' as const }), fc.record({ t: fc.constant('cut' as const), places: fc.integer({ min: 0, max: 5 }) }));
    assertProperty(
      fc.property(fc.constantFrom<'month' | 'concurrent'>('month', 'concurrent'), fc.array(op, { maxLength: 60 }), (unit, ops) => {
        let p = project('P9', 'township', { capacity: { unit, places: 3 } });
        const held: Referral[] = [];
        for (const o of ops) {
          if (o.t === 'take') {
            if (placesLeft(p, T) <= 0) continue; // the engine refuses: no place left
            const r = takePlace(p, T);
            p = r.project;
            held.push({ ...order(p), placeMonth: r.placeMonth });
          } else if (o.t === 'cut') p = { ...p, capacity: { unit, places: o.places } };
          else {
            const r = held.pop();
            if (r) p = givePlaceBack(p, r, o.t === 'decline');
          }
          expect(placesLeft(p, T)).toBeGreaterThanOrEqual(0);
          expect(p.usage.active).toBe(held.length);
          if (unit === 'concurrent') expect(placesLeft(p, T)).toBe(Math.max(0, p.capacity.places - held.length));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('takes no order outside the active period or once retired', () => {
    expect(isActive(project('P3', 'village', { activeFrom: T + 1 }), T)).toBe(false);
    expect(isActive(project('P3', 'village', { activeTo: T }), T)).toBe(false);
    expect(placesLeft(project('P3', 'village', { retiredAt: 1 }), T)).toBe(0);
  });
});

describe('referral life cycles', () => {
  const ctx = { now: T + 1000, actor: 'site-key', requestId: 'r1' };
  it('moves a service order dispatched → accepted → in service → completed, giving a concurrent place back once', () => {
    const p = project('P4', 'village', { capacity: { unit: 'concurrent', places: 1 } });
    const a = transitionReferral(order(p), { action: 'accept' }, ctx);
    expect(a.ok && a.referral.status).toBe('accepted');
    if (!a.ok) return;
    expect(a.referral.answeredAt).toBe(ctx.now);
    const s = transitionReferral(a.referral, { action: 'start' }, { ...ctx, requestId: 'r2' });
    if (!s.ok) throw new Error(s.message);
    const bad = transitionReferral(s.referral, { action: 'complete', followUpAt: ctx.now - 1, note: '' }, { ...ctx, requestId: 'r3' });
    expect(bad.ok || bad.field).toBe('followUpAt');
    const c = transitionReferral(s.referral, { action: 'complete', followUpAt: ctx.now + 86_400_000, note: 'done' }, { ...ctx, requestId: 'r3' });
    if (!c.ok) throw new Error(c.message);
    expect([c.referral.status, c.releasesPlace, c.referral.holdsPlace]).toEqual(['completed', true, false]);
    // settled: nothing moves it again
    const again = transitionReferral(c.referral, { action: 'decline', reason: 'full', note: '' }, { ...ctx, requestId: 'r4' });
    expect(again.ok ? 'moved' : again.code).toBe('LIFELINE_ERR_REFERRAL_INVALID_TRANSITION');
  });

  it('answers a repeated request id with the first step and refuses it for another step', () => {
    const r = order(project('P5', 'village'));
    const d = transitionReferral(r, { action: 'decline', reason: 'full', note: 'no tutor this month' }, ctx);
    if (!d.ok) throw new Error(d.message);
    expect([d.referral.status, d.referral.reason, d.declined, d.releasesPlace]).toEqual(['declined', 'full', true, true]);
    const same = transitionReferral(d.referral, { action: 'decline', reason: 'full', note: '' }, ctx);
    expect(same.ok && same.replayed).toBe(true);
    const other = transitionReferral(r, { action: 'accept' }, { ...ctx, requestId: 'r0' });
    expect(other.ok ? 'moved' : other.code).toBe('LIFELINE_ERR_REFERRAL_REQUEST_REUSED');
  });

  it('keeps policy and service steps apart', () => {
    const pol: Referral = { ...order(project('P6', 'village')), id: policyReferralId('h1:3:death', 'dibao'), kind: 'policy', code: 'dibao', status: 'submitted', projectId: null, siteId: null, holdsPlace: false };
    expect(transitionReferral(pol, { action: 'accept' }, ctx).ok).toBe(false);
    const ok = transitionReferral(pol, { action: 'reject', reason: 'assets_above_line', note: '' }, ctx);
    expect(ok.ok && ok.referral.status).toBe('rejected');
  });

  it('routes a referral by its home key: the project for an order, the household for a policy referral', () => {
    expect(referralHomeKey(serviceReferralId('P00012', 7))).toBe('P00012');
    expect(referralHomeKey(policyReferralId('sm-0000046:12:major_disease', 'dibao'))).toBe('sm-0000046');
    expect(referralHomeKey('X:nothing')).toBeNull();
  });
});

describe('matching', () => {
  it('ranks projects within reach: places left first, then village, township, county, then distance; each with its reason', () => {
    const projects = [
      project('Pcounty', 'county'),
      project('Ptown', 'township'),
      project('PvillFar', 'village', { lat: 30.5 }),
      project('PvillNear', 'village'),
      project('PvillFull', 'village', { capacity: { unit: 'month', places: 0 } }),
      project('PotherVillage', 'village', { community: '330106001009' }),
      project('PotherTown', 'township', { township: '330106002' }),
    ];
    const [m] = matchProjects(region, [tutoring], indexProjects(projects), { at: T, perService: 10 });
    expect(m!.matches.map((x) => x.projectId)).toEqual(['PvillNear', 'PvillFar', 'Ptown', 'Pcounty', 'PvillFull']);
    expect(m!.unmet).toBe(false);
    expect(m!.matches[0]!.reason).toMatch(/village site 0 km from the household; 2 of 2 places left in 2026-11/);
    expect(m!.matches.at(-1)!.reason).toMatch(/full/);
    expect(projects.filter((p) => reaches(p, region)).map((p) => p.id)).not.toContain('PotherVillage');
    // a city-wide project reaches every district
    const elsewhere = project('PcityWide', 'county', { cityWide: true });
    elsewhere.site = { ...elsewhere.site, districtId: '330110' };
    expect(reaches(elsewhere, region)).toBe(true);
    expect(reaches({ ...elsewhere, cityWide: false }, region)).toBe(false);
  });

  it('counts a need as unmet when nothing within reach has a place, and leaves out projects that declined it', () => {
    const full = project('Pfull', 'village', { capacity: { unit: 'month', places: 0 } });
    const [m] = matchProjects(region, [tutoring], indexProjects([full, project('Pdeclined', 'township')]), { at: T, exclude: new Set(['Pdeclined|tutoring']) });
    expect(m!.unmet).toBe(true);
    expect(m!.matches.map((x) => x.projectId)).toEqual(['Pfull']);
    // a decline for another service leaves the project in
    const [n] = matchProjects(region, [tutoring], indexProjects([full, project('Pdeclined', 'township')]), { at: T, exclude: new Set(['Pdeclined|counselling']) });
    expect(n!.matches.map((x) => x.projectId)).toEqual(['Pdeclined', 'Pfull']);
  });
});

describe('policy answers', () => {
  it('maps each department grant to the policies it approves and a rejection to the category applied for', () => {
    expect(policiesGrantedBy({ kind: 'assistance_enrolled', payload: { category: 'marginal' } })).toEqual(['marginal_assistance']);
    expect(policiesGrantedBy({ kind: 'education_grant_awarded', payload: { grantType: 'living_subsidy' } })).toEqual(['student_living_subsidy']);
    expect(policiesGrantedBy({ kind: 'medical_claim', payload: {} })).toEqual([]);
    expect(policiesRefusedBy({ kind: 'application_rejected', payload: { category: 'dibao', reason: 'assets_above_line' } })).toEqual({ policies: ['dibao'], reason: 'assets_above_line' });
  });

  it('lists for every policy the checks a caseworker still makes', () => {
    for (const p of POLICY_CODES) expect(POLICY_CHECKS[p].length).toBeGreaterThan(0);
    const [e] = policyEligibility([{ kind: 'policy', code: 'dibao', category: 'basic_living', reason: 'income below the line' }, tutoring]);
    expect(e).toEqual({ policy: 'dibao', category: 'basic_living', facts: 'income below the line', toCheck: POLICY_CHECKS.dibao });
  });
});
