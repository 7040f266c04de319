/**
 * Alert rules: which applied updates raise an alert, of what type and level. They read the fact
 * events `applyFacts` found (an event exists only when the fact really changed) and the scores
 * before and after, never a clock.
 *
 * - Hardship triggers: major disease, death, birth, disability grade change, medical
 *   out-of-pocket over the threshold, accident, disaster, fire, unemployment of the main earner,
 *   school dropout, dangerous housing (C/D), and a score that falls into tier 1 or drops sharply.
 * - An enrolled household (registered category) acquiring a vehicle, property or business gets
 *   an eligibility review instead: no hardship trigger comes from that update.
 * - Rules read derived facts lazily (`incomeOf` for medical spending only): most updates raise
 *   no event and pay nothing beyond the event switch.
 * - Level: urgent when the household is tier 1 after the update or the event is severe; else
 *   general. An eligibility review is always general: it checks a recipient, not a hardship.
 */
import { GRANT_KINDS } from '../help/policies.js';
import type { FactEvent } from '../apply/events.js';
import type { Scored } from '../scoring/index.js';
import type { Model } from '../model.js';
import { REGISTERED_CATEGORIES, type Household, type Person, type Update } from '../types.js';
import { incomeOf, medicalLimits } from './facts.js';
import type { AlertLevel, AlertTrigger, AlertType } from './types.js';


interface Draft {
  type: AlertType;
  severe: boolean;
  reason: string;
  personId: string | null;
}

const cny = (n: number): string => `${Math.round(n).toLocaleString('en-US')} CNY`;
const REGISTERED: ReadonlySet<string> = new Set(REGISTERED_CATEGORIES);
const ASSET_EVENTS: ReadonlySet<FactEvent['type']> = new Set(['vehicle_acquired', 'property_acquired', 'business_registered']);

function who(h: Household, personId: string | null): string {
  if (personId === null) return 'household';
  const p: Person | undefined = h.persons.find((x) => x.id === personId);
  return p ? `${p.name} (${p.relation})` : personId;
}

/** The hardship triggers one event raises (at most one). */
function hardship(e: FactEvent, h: Household, model: Model): Draft | null {
  switch (e.type) {
    case 'major_disease':
      return { type: 'major_disease', severe: true, reason: `major disease diagnosed: ${e.disease}, ${who(h, e.personId)}`, personId: e.personId };
    case 'death':
      return {
        type: 'death',
        severe: true,
        reason: `death of ${who(h, e.personId)} (${e.cause})${e.mainEarner ? ', the main earner' : ''}`,
        personId: e.personId,
      };
    case 'birth':
      return { type: 'birth', severe: false, reason: `birth of ${who(h, e.personId)}`, personId: e.personId };
    case 'disability_grade_changed': {
      // grade 1 is the most severe; 0 means none
      const worse = e.to !== 0 && (e.from === 0 || e.to < e.from);
      return {
        type: 'disability_change',
        severe: worse && e.to <= 2,
        reason: `disability grade ${e.from === 0 ? 'none' : e.from} → ${e.to === 0 ? 'none' : e.to}, ${who(h, e.personId)}`,
        personId: e.personId,
      };
    }
    case 'medical_spend': {
      // only the income is needed here: the full household facts are for suggestions
      const f = incomeOf(h, model);
      const lim = medicalLimits(h, f.totalAnnual, model);
      const before = e.yearOutOfPocketCny - e.outOfPocketCny;
      // fires when the year's spending crosses the household's threshold, or a single bill is itself that large
      const crossed = e.yearOutOfPocketCny >= lim.alertCny && (before < lim.alertCny || e.outOfPocketCny >= lim.alertCny);
      if (!crossed) return null;
      const share =
        f.totalAnnual > 0
          ? `${Math.round((e.yearOutOfPocketCny / f.totalAnnual) * 100)}% of yearly income ${cny(f.totalAnnual)}`
          : `no recorded income; ${Math.round((e.yearOutOfPocketCny / lim.baseAnnual) * 100)}% of a year at the dibao line`;
      return {
        type: 'medical_expense',
        severe: e.yearOutOfPocketCny >= lim.severeCny,
        reason: `medical out-of-pocket ${cny(e.yearOutOfPocketCny)} this year (${share}); latest bill ${cny(e.totalCny)}, ${who(h, e.personId)}`,
        personId: e.personId,
      };
    }
    case 'accident':
      return {
        type: 'accident',
        severe: e.severity !== 'minor',
        reason: `${e.severity} accident, ${who(h, e.personId)}${e.lossCny > 0 ? `, loss ${cny(e.lossCny)}` : ''}`,
        personId: e.personId,
      };
    case 'fire':
      return {
        type: 'fire',
        severe: true,
        reason: `${e.severity} fire${e.housingLost ? ', home lost' : ''}${e.lossCny > 0 ? `, loss ${cny(e.lossCny)}` : ''}`,
        personId: null,
      };
    case 'disaster':
      return {
        type: 'disaster',
        severe: e.severity !== 'minor' || e.housingLost,
        reason: `${e.severity} disaster${e.housingLost ? ', home lost' : ''}${e.lossCny > 0 ? `, loss ${cny(e.lossCny)}` : ''}`,
        personId: null,
      };
    case 'unemployment':
      return e.mainEarner ? { type: 'unemployment', severe: false, reason: `main earner ${who(h, e.personId)} became unemployed`, personId: e.personId } : null;
    case 'school_dropout':
      return { type: 'school_dropout', severe: false, reason: `${who(h, e.personId)} left ${e.stage} school`, personId: e.personId };
    case 'dangerous_housing':
      return e.grade === 'C' || e.grade === 'D'
        ? { type: 'dangerous_housing', severe: e.grade === 'D', reason: `dwelling assessed grade ${e.grade} (was ${e.from})`, personId: null }
        : null;
    default:
      return null;
  }
}

function assetReason(e: FactEvent): string | null {
  switch (e.type) {
    case 'vehicle_acquired':
      return `vehicle ${e.plate} registered (${cny(e.valueCny)})`;
    case 'property_acquired':
      return `property ${e.certificate} acquired (${cny(e.valueCny)})`;
    case 'business_registered':
      return `business ${e.registration} registered (${cny(e.valueCny)})`;
    default:
      return null;
  }
}


function merge(into: Map<AlertType, Draft>, d: Draft): void {
  const seen = into.get(d.type);
  if (!seen) into.set(d.type, d);
  else into.set(d.type, { ...seen, severe: seen.severe || d.severe, reason: `${seen.reason}; ${d.reason}`, personId: seen.personId ?? d.personId });
}

/**
 * The triggers of one applied update, one per type, in the order of the events that raised them.
 * `at` is the message's receive time (defaults to the update's occurredAt).
 */
export function evaluateTriggers(
  before: Scored,
  after: Scored,
  household: Household,
  update: Update,
  events: readonly FactEvent[],
  model: Model,
  at: number = update.occurredAt,
): AlertTrigger[] {
  // the common case: no fact event and no sharp drop, nothing to build
  if (events.length === 0 && !(after.tier === 1 && before.tier !== 1) && before.score - after.score < model.alerts.sharpDropPoints) return [];
  const drafts = new Map<AlertType, Draft>();
  const enrolled = household.assistance.enrolled && REGISTERED.has(household.assistance.category);
  const assets = events.filter((e) => ASSET_EVENTS.has(e.type));

  if (assets.length > 0 && enrolled) {
    const reasons = assets.map(assetReason).filter((r): r is string => r !== null);
    merge(drafts, {
      type: 'eligibility_review',
      severe: false,
      reason: `enrolled ${household.assistance.category} household: ${reasons.join('; ')}`,
      personId: update.personId ?? null,
    });
  } else {
    for (const e of events) {
      const d = hardship(e, household, model);
      if (d) merge(drafts, d);
    }
    const drop = before.score - after.score;
    const fellIntoTier1 = after.tier === 1 && before.tier !== 1;
    // a tier drop caused by an event that already alerts is that alert's business, not a second one;
    // one that only records help being granted (an enrolment answering a referral) is the help itself
    if (drafts.size === 0 && !GRANT_KINDS.has(update.kind) && (fellIntoTier1 || drop >= model.alerts.sharpDropPoints)) {
      merge(drafts, {
        type: 'tier_drop',
        severe: false,
        reason: fellIntoTier1
          ? `score fell into tier 1: ${before.score} → ${after.score} after ${update.kind}`
          : `score dropped ${Math.round(drop * 10) / 10} points: ${before.score} → ${after.score} after ${update.kind}`,
        personId: update.personId ?? null,
      });
    }
  }

  const out: AlertTrigger[] = [];
  for (const d of drafts.values()) {
    const level: AlertLevel = d.type !== 'eligibility_review' && (after.tier === 1 || d.severe) ? 'urgent' : 'general';
    out.push({
      type: d.type,
      level,
      severe: d.severe,
      reason: d.reason,
      updateId: update.id,
      kind: update.kind,
      source: update.source,
      personId: d.personId,
      at,
    });
  }
  return out;
}
