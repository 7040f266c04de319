/**
 * Source of the case (对象来源): where the household entered monitoring and what registries say
 * about its place in assistance: assistance state, source-side flags, veterans and hardship workers.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household } from '../types.js';
import { ageAt, isoDay, refOf } from './reference.js';
import { Tally, whole, type IndicatorDef } from './tally.js';

export const SOURCE_INDICATORS: readonly IndicatorDef[] = [
  { code: 'source.registered', doc: 'enrolled in a registered category (extreme poverty, dibao, marginal)' },
  { code: 'source.unregistered', doc: 'one of the five unregistered high-risk sources' },
  { code: 'source.long_term', doc: 'enrolled for longTermYears or more' },
  { code: 'source.recent_exit', doc: 'exited assistance recently' },
  { code: 'source.recent_rejection', doc: 'application rejected recently' },
  { code: 'source.poverty_risk', doc: 'flagged at risk of (re)falling into poverty' },
  { code: 'source.self_declared', doc: 'household declared hardship itself' },
  { code: 'source.proactive', doc: 'proactively discovered by a worker' },
  { code: 'source.observed_concern', doc: 'concern level a grid worker observed' },
  { code: 'source.hardship_worker', doc: 'member registered as a hardship worker' },
  { code: 'source.deep_hardship', doc: 'member registered in deep hardship' },
  { code: 'source.unvisited', doc: 'no grid visit within recentDays' },
  { code: 'source.veteran', doc: 'credit: veteran member with a benefit' },
];

export function scoreSource(h: Household, model: Model): DimensionScore {
  const w = model.weights.source;
  const ref = refOf(model);
  const t = new Tally();
  const a = h.assistance;
  const cat = a.category;
  if (a.enrolled) {
    if (cat === 'extreme_poverty') t.minus('source.registered', w.extremePoverty, 'enrolled as extreme poverty (特困)');
    else if (cat === 'dibao' || cat === 'expenditure_dibao') t.minus('source.registered', w.dibao, `enrolled as ${cat}`);
    else if (cat === 'marginal') t.minus('source.registered', w.marginal, 'enrolled as marginal (低边)');
    if (a.enrolledAt !== null && ageAt(a.enrolledAt, ref) >= model.thresholds.longTermYears) {
      t.minus('source.long_term', w.longTerm, `enrolled since ${a.enrolledAt}`);
    }
  }
  if (cat === 'exited_assistance' || cat === 'rejected_application' || cat === 'temporary_assistance') {
    t.minus('source.unregistered', w.unregisteredHighRisk, `monitored as ${cat.replace('_', ' ')}`);
  } else if (cat === 'proactive_discovery' || cat === 'other_department') {
    t.minus('source.unregistered', w.unregisteredOther, `monitored as ${cat.replace('_', ' ')}`);
  }
  if (a.exitedAt !== null && a.exitedAt >= ref.recentFromIso) t.minus('source.recent_exit', w.recentExit, `exited assistance on ${a.exitedAt}`);
  if (a.rejectedAt !== null && a.rejectedAt >= ref.recentFromIso) {
    t.minus('source.recent_rejection', w.recentRejection, `application rejected on ${a.rejectedAt}`);
  }
  if (a.povertyRiskFlagged) t.minus('source.poverty_risk', w.povertyRisk, 'flagged at risk of falling into poverty');
  if (a.selfDeclared) t.minus('source.self_declared', w.selfDeclared, 'household declared hardship');
  if (a.proactivelyDiscovered) t.minus('source.proactive', w.proactive, 'proactively discovered by a worker');
  if (a.observedConcern > 0) {
    t.minus('source.observed_concern', w.observedConcern * a.observedConcern, `grid worker observed concern level ${a.observedConcern}`);
  }
  if (a.lastGridVisitAt === null || a.lastGridVisitAt < ref.recentFromMs) {
    t.minus('source.unvisited', w.unvisited, a.lastGridVisitAt === null ? 'no grid visit on record' : `last grid visit on ${isoDay(a.lastGridVisitAt)}`);
  }
  let hardship: string | null = null;
  let veteran: string | null = null;
  let deep: string | null = null;
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    if (p.hardshipWorker && hardship === null) hardship = p.id;
    if (p.veteran && veteran === null) veteran = p.id;
    if (p.deepHardship && deep === null) deep = p.id;
  }
  if (hardship !== null) t.minus('source.hardship_worker', w.hardshipWorker, `member ${hardship} registered as hardship worker`);
  if (deep !== null) t.minus('source.deep_hardship', w.deepHardship, `member ${deep} registered in deep hardship`);
  if (veteran !== null && h.finances.veteranBenefitMonthly > 0) {
    t.plus('source.veteran', w.veteranCredit, `veteran ${veteran} receives ${whole(h.finances.veteranBenefitMonthly)} CNY/month`);
  }
  return t.result('source', model.dimensionMax.source);
}
