/**
 * The household portrait: score, tier, the seven dimension sub-scores with the indicators that
 * moved them, the nine cause scores, need types, suggestions with reasons, alerts and recent
 * updates, masked for the caller's role. Explanations and suggestions are derived from the
 * facts at read time (the store keeps only the numbers), with the engine's model.
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

export function portraitView(s: HouseholdState, alerts: readonly Alert[], p: Principal, view: PrivacyView, now: number, model: Model) {
  const h = s.household;
  const scrub = (x: string) => scrubText(x, h.persons, view);
  const prof = profileOf(h, model);
  const alertViews: AlertViewOf[] = alerts
    .slice(-PORTRAIT_RECENT)
    .reverse()
    .map((a) => alertView(a, p, now, h.persons));
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
    alerts: alertViews,
    recentUpdates: recentUpdates(s).slice(0, PORTRAIT_RECENT),
    version: s.version,
  };
}
