/**
 * Other circumstances (其他情况): housing safety, recent disasters, fires and accidents with their
 * losses, and children out of school.
 */
import type { Model } from '../model.js';
import type { DimensionScore, Household, Incident } from '../types.js';
import { ageAt, isoDay, recentAmount, refOf } from './reference.js';
import { Tally, whole, type IndicatorDef } from './tally.js';

export const OTHER_INDICATORS: readonly IndicatorDef[] = [
  { code: 'other.uninhabitable', doc: 'dwelling lost or uninhabitable' },
  { code: 'other.dangerous_housing', doc: 'housing safety grade C or D' },
  { code: 'other.disaster', doc: 'recent natural disaster, by severity' },
  { code: 'other.fire', doc: 'recent fire, by severity' },
  { code: 'other.accident', doc: 'recent accident, by severity' },
  { code: 'other.disaster_loss', doc: 'disaster loss this year, graded' },
  { code: 'other.incident_loss', doc: 'summed recent incident losses of incidentLossCny or more' },
  { code: 'other.dropout', doc: 'school-age members who dropped out' },
  { code: 'other.dropout_financial', doc: 'a dropout who left school for financial reasons' },
  { code: 'other.not_in_school', doc: 'a child of compulsory school age not in school' },
];

const RANK = { minor: 1, serious: 2, fatal: 3 } as const;

export function scoreOther(h: Household, model: Model): DimensionScore {
  const w = model.weights.other;
  const th = model.thresholds;
  const ag = model.ages;
  const ref = refOf(model);
  const t = new Tally();
  const ho = h.housing;
  if (ho.uninhabitable) t.minus('other.uninhabitable', w.uninhabitable, 'dwelling lost or uninhabitable');
  if (ho.safety === 'D') t.minus('other.dangerous_housing', w.housingD, 'housing assessed grade D (dangerous)');
  else if (ho.safety === 'C') t.minus('other.dangerous_housing', w.housingC, 'housing assessed grade C');
  let disaster: Incident | null = null;
  let fire: Incident | null = null;
  let accident: Incident | null = null;
  let loss = 0;
  for (const i of h.incidents) {
    if (i.at < ref.recentFromMs) continue;
    loss += i.lossCny;
    if (i.kind === 'disaster') {
      if (disaster === null || RANK[i.severity] > RANK[disaster.severity]) disaster = i;
    } else if (i.kind === 'fire') {
      if (fire === null || RANK[i.severity] > RANK[fire.severity]) fire = i;
    } else if (accident === null || RANK[i.severity] > RANK[accident.severity]) accident = i;
  }
  if (disaster !== null) t.minus('other.disaster', incidentPoints(disaster, w), `${disaster.severity} disaster on ${isoDay(disaster.at)}`);
  if (fire !== null) t.minus('other.fire', incidentPoints(fire, w), `${fire.severity} fire on ${isoDay(fire.at)}`);
  if (accident !== null) t.minus('other.accident', incidentPoints(accident, w), `${accident.severity} accident on ${isoDay(accident.at)}`);
  const dl = recentAmount(h.finances.disasterLoss, ref);
  if (dl >= th.disasterLossHighCny) t.minus('other.disaster_loss', w.disasterLossHigh, `disaster loss ${whole(dl)} CNY in ${h.finances.disasterLoss.year}`);
  else if (dl >= th.disasterLossLowCny) t.minus('other.disaster_loss', w.disasterLossLow, `disaster loss ${whole(dl)} CNY in ${h.finances.disasterLoss.year}`);
  if (loss >= th.incidentLossCny) t.minus('other.incident_loss', w.incidentLoss, `recent incidents cost ${whole(loss)} CNY`);
  let dropouts = 0;
  let dropoutId = '';
  let outOfSchoolId: string | null = null;
  let financialId: string | null = null;
  for (const p of h.persons) {
    if (!p.alive || !p.registered) continue;
    if (!p.droppedOut && p.schoolStage !== 'none') continue;
    const age = ageAt(p.birthDate, ref);
    if (age < ag.schoolFrom || age >= ag.adultFrom) continue;
    if (p.droppedOut) {
      if (dropouts === 0) dropoutId = p.id;
      dropouts++;
      if (financialId === null && p.dropoutReason === 'financial') financialId = p.id;
    } else if (age < ag.compulsoryUntil && outOfSchoolId === null) outOfSchoolId = p.id;
  }
  if (dropouts > 0) t.minus('other.dropout', w.dropout * Math.min(2, dropouts), dropouts === 1 ? `member ${dropoutId} dropped out of school` : `${dropouts} members dropped out of school`);
  if (financialId !== null) t.minus('other.dropout_financial', w.dropoutFinancial, `member ${financialId} left school for financial reasons`);
  if (outOfSchoolId !== null) t.minus('other.not_in_school', w.notInSchool, `child ${outOfSchoolId} of compulsory school age is not in school`);
  return t.result('other', model.dimensionMax.other);
}

function incidentPoints(i: Incident, w: Model['weights']['other']): number {
  return i.severity === 'fatal' ? w.incidentFatal : i.severity === 'serious' ? w.incidentSerious : w.incidentMinor;
}
