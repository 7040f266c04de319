/**
 * The household portrait: score, tier, the seven dimension sub-scores with the indicators that
 * moved them, the nine cause scores, need types, suggestions with reasons, alerts and recent
 * updates, masked for the caller's role. Explanations and suggestions are derived from the
 * facts (the store keeps only the numbers), with the engine's model; api/views/cache.ts keeps
 * the derived parts while the household's stored state is unchanged.
 */
import type { Alert } from '../../engine/alerts/types.js';
import { DIMENSIONS } from '../../engine/catalogue/departments.js';
import type { Model } from '../../engine/model.js';
import { profileOf, recentUpdates } from '../../engine/process.js';
import type { HouseholdState } from '../../engine/types.js';
import type { Principal } from '../auth/index.js';
import { maskHousehold, scrubText, type PrivacyView } from '../privacy/mask.js';
import { alertView, type AlertViewOf } from './alert.js';
import { PORTRAIT_RECENT } from '../options.js';

/** Everything of the portrait before its alerts: depends only on the stored state and the view. */
export function portraitHead(s: HouseholdState, view: PrivacyView, model: Model) {
  const h = s.household;
  const scrub = (x: string) => scrubText(x, h.persons, view);
  const prof = profileOf(h, model);
  return {
    householdId: h.id,
    region: h.region,
    modelVersion: prof.modelVersion,
    score: prof.score,
    tier: prof.tier,
    dimensions: DIMENSIONS.map((d) => {
      const ds = prof.dimensions[d];
      return { dimension: d, score: ds.score, max: ds.max, explanations: ds.indicators.map((i) => ({ code: i.code, points: i.points, reason: scrub(i.reason) })) };
    }),
    causes: prof.causes,
    needTypes: prof.needTypes,
    suggestions: prof.suggestions.map((x) => ({ ...x, reason: scrub(x.reason) })),
    household: maskHousehold(h, view),
  };
}

/** What follows the alerts: the recent updates and the state version. */
export function portraitTail(s: HouseholdState) {
  return { recentUpdates: recentUpdates(s).slice(0, PORTRAIT_RECENT), version: s.version };
}

export function portraitView(s: HouseholdState, alerts: readonly Alert[], p: Principal, view: PrivacyView, now: number, model: Model) {
  const alertViews: AlertViewOf[] = alerts
    .slice(-PORTRAIT_RECENT)
    .reverse()
    .map((a) => alertView(a, p, now, s.household.persons));
  return { ...portraitHead(s, view, model), alerts: alertViews, ...portraitTail(s) };
}
