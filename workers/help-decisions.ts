/**
 * The help loop's decisions inside the batch's write transaction (called by the batch task, the
 * one writer of its partitions): projects, service orders taking and giving back places, policy
 * referrals submitted and answered by the department's updates. Every change is audited through
 * the outbox and put into the help feed (workers/help-feed) after the commit.
 */

import { isActive, placesLeft, placesTaken, takePlace, givePlaceBack, monthOf } from '../engine/help/capacity.js';
import { notReferable, policiesGrantedBy, policiesRefusedBy } from '../engine/help/policies.js';
import { policyReferralId, serviceReferralId, transitionReferral, type ReferralRequest } from '../engine/help/referrals.js';
import type { Project, Referral } from '../engine/help/types.js';
import type { Update } from '../engine/types.js';
import { outcomeMessageOf, type CommandOutcome, type HelpCommand, type OutcomeMessage } from './commands/index.js';
import { writeReferralInTxn, type OutboxRow, type Store } from './store/index.js';

export interface HelpChanges {
  projects: Set<string>;
  referrals: Set<string>;
  audits: OutboxRow[];
}

export const newHelpChanges = (): HelpChanges => ({ projects: new Set(), referrals: new Set(), audits: [] });

/** Who made a change and when (a command, or a department's update). */
type Actor = { at: number; actor: string; role: string | null; requestId: string | null };

function auditRow(c: Actor, action: string, target: string, revision: number, township: string | null, before: unknown, after: unknown, details: Record<string, unknown>): OutboxRow {
  return {
    kind: 'audit',
    msgId: `help:${target}:${revision}`,
    body: { at: c.at, actor: c.actor, role: c.role, township, action, target, requestId: c.requestId, before, after, details },
  };
}

/** Writes a referral (with its index), marks it for the help feed and audits the change. */
function writeReferral(store: Store, out: HelpChanges, by: Actor, before: Referral | null, after: Referral, action: string, details: Record<string, unknown>): void {
  writeReferralInTxn(store, after);
  out.referrals.add(after.id);
  out.audits.push(auditRow(by, action, after.id, after.revision, after.townshipId, referralAudit(before), referralAudit(after), details));
}

const projectAudit = (p: Project | null) => (p ? { name: p.name, capacity: p.capacity, usage: p.usage, retiredAt: p.retiredAt, activeTo: p.activeTo, revision: p.revision } : null);
const referralAudit = (r: Referral | null) => (r ? { status: r.status, reason: r.reason, projectId: r.projectId, revision: r.revision, holdsPlace: r.holdsPlace } : null);

type Opening = Omit<Referral, 'reason' | 'followUpAt' | 'createdAt' | 'updatedAt' | 'settledAt' | 'answeredAt' | 'history' | 'revision'>;

/** A referral as its command opens it: revision 1, one history entry. */
function openReferral(c: Omit<Actor, 'role'>, o: Opening): Referral {
  return {
    ...o,
    reason: null,
    followUpAt: null,
    createdAt: c.at,
    updatedAt: c.at,
    settledAt: null,
    answeredAt: null,
    history: [{ from: null, to: o.status, by: c.actor, at: c.at, requestId: c.requestId }],
    revision: 1,
  };
}

/** Decides one help command; records its outcome by key (a retry gets the first answer). */
export function applyHelpCommand(store: Store, p: number, seq: number, c: HelpCommand, out: HelpChanges): OutcomeMessage {
  const prior = store.commands.get([p, c.key]);
  // read inside the write transaction: the records as this command left them
  if (prior) return outcomeMessageOf(store, { ...prior, replayed: true });
  const target = c.op === 'project.create' ? c.project.id : c.op === 'referral.step' ? c.referralId : c.op === 'policy.submit' ? policyReferralId(c.alertId, c.policy) : c.projectId;
  const refuse = (code: string, message: string, field?: string, ids: { projectId?: string; referralId?: string } = {}): OutcomeMessage => {
    const outcome: CommandOutcome = { key: c.key, partition: p, seq, ok: false, replayed: false, code, message, alertId: target, revision: -1, ...ids };
    if (field !== undefined) outcome.field = field;
    store.commands.putSync([p, c.key], outcome);
    return outcomeMessageOf(store, outcome);
  };
  const accept = (revision: number, ids: { projectId?: string; referralId?: string }, replayed = false): OutcomeMessage => {
    const outcome: CommandOutcome = { key: c.key, partition: p, seq, ok: true, replayed, alertId: target, revision, ...ids };
    store.commands.putSync([p, c.key], outcome);
    return outcomeMessageOf(store, outcome);
  };
  const putProject = (before: Project | null, after: Project, action: string): void => {
    store.projects.putSync(after.id, after);
    out.projects.add(after.id);
    out.audits.push(auditRow(c, action, after.id, after.revision, after.site.townshipId, projectAudit(before), projectAudit(after), { partition: p, seq, siteId: after.site.id }));
  };
  const putReferral = (before: Referral | null, after: Referral, action: string): void => writeReferral(store, out, c, before, after, action, { partition: p, seq, householdId: after.householdId, alertId: after.alertId, code: after.code });

  switch (c.op) {
    case 'project.create': {
      if (store.projects.get(c.project.id)) return refuse('LIFELINE_ERR_HELP_PROJECT_EXISTS', `project ${c.project.id} already exists`, 'id', { projectId: c.project.id });
      const project: Project = { ...c.project, usage: { month: '', taken: 0, active: 0 }, orders: 0, retiredAt: null, createdAt: c.at, updatedAt: c.at, revision: 1 };
      putProject(null, project, 'project.create');
      return accept(project.revision, { projectId: project.id });
    }
    case 'project.update':
    case 'project.retire': {
      const before = store.projects.get(c.projectId);
      if (!before) return refuse('LIFELINE_ERR_HELP_PROJECT_NOT_FOUND', `project ${c.projectId} does not exist`, 'projectId');
      if (before.retiredAt !== null) return refuse('LIFELINE_ERR_HELP_PROJECT_RETIRED', `project ${c.projectId} was retired`, 'projectId', { projectId: c.projectId });
      let after: Project;
      if (c.op === 'project.retire') after = { ...before, retiredAt: c.at, updatedAt: c.at, revision: before.revision + 1 };
      else {
        const ch = c.changes;
        after = {
          ...before,
          name: ch.name ?? before.name,
          eligibility: ch.eligibility ?? before.eligibility,
          activeTo: ch.activeTo !== undefined ? ch.activeTo : before.activeTo,
          capacity: { unit: ch.unit ?? before.capacity.unit, places: ch.places ?? before.capacity.places },
          updatedAt: c.at,
          revision: before.revision + 1,
        };
      }
      putProject(before, after, c.op);
      return accept(after.revision, { projectId: after.id });
    }
    case 'order.dispatch': {
      const project = store.projects.get(c.projectId);
      if (!project) return refuse('LIFELINE_ERR_HELP_PROJECT_NOT_FOUND', `project ${c.projectId} does not exist`, 'projectId');
      if (!isActive(project, c.at)) return refuse('LIFELINE_ERR_HELP_PROJECT_INACTIVE', `project ${c.projectId} takes no orders now (${project.retiredAt !== null ? 'retired' : 'outside its active period'})`, 'projectId', { projectId: c.projectId });
      if (!(project.services as string[]).includes(c.service)) return refuse('LIFELINE_ERR_HELP_BAD_INPUT', `project ${c.projectId} does not deliver ${c.service}`, 'service', { projectId: c.projectId });
      if (placesLeft(project, c.at) <= 0) {
        const when = project.capacity.unit === 'month' ? `in ${monthOf(c.at)}` : 'at once';
        return refuse('LIFELINE_ERR_HELP_NO_CAPACITY', `project ${c.projectId} has no place left ${when}: ${placesTaken(project, c.at)} of ${project.capacity.places} taken`, 'projectId', { projectId: c.projectId });
      }
      const { project: after, placeMonth } = takePlace(project, c.at);
      after.updatedAt = c.at;
      after.revision = project.revision + 1;
      const r = openReferral(c, {
        id: serviceReferralId(project.id, after.orders),
        kind: 'service',
        code: c.service as Referral['code'],
        householdId: c.householdId,
        alertId: c.alertId,
        districtId: c.region.districtId,
        townshipId: c.region.townshipId,
        projectId: project.id,
        siteId: project.site.id,
        siteLevel: project.site.level,
        placeMonth,
        holdsPlace: true,
        recipient: c.recipient,
        status: 'dispatched',
        note: c.note,
        rematchOf: c.rematchOf,
      });
      putProject(project, after, 'project.place_taken');
      putReferral(null, r, 'referral.dispatch');
      return accept(r.revision, { projectId: project.id, referralId: r.id });
    }
    case 'policy.submit': {
      const id = policyReferralId(c.alertId, c.policy);
      const alert = store.alerts.get(c.alertId);
      if (!alert || alert.householdId !== c.householdId) return refuse('LIFELINE_ERR_ALERT_NOT_FOUND', `alert ${c.alertId.slice(0, 128)} does not exist`, 'alertId');
      const why = notReferable(alert);
      if (why !== null) return refuse('LIFELINE_ERR_HELP_NOT_VERIFIED', `a policy referral needs an alert verified as confirmed; this one is ${why}`, 'alertId');
      const open = store.openPolicyReferrals.get([c.householdId, c.policy]);
      if (open) return refuse('LIFELINE_ERR_HELP_ALREADY_REFERRED', `the household already has a ${c.policy} referral awaiting the department (${open})`, 'policy', { referralId: open });
      if (store.referrals.get(id)) return refuse('LIFELINE_ERR_HELP_ALREADY_REFERRED', `this alert's ${c.policy} referral was already answered`, 'policy', { referralId: id });
      const r = openReferral(c, {
        id,
        kind: 'policy',
        code: c.policy as Referral['code'],
        householdId: c.householdId,
        alertId: c.alertId,
        districtId: alert.region.districtId,
        townshipId: alert.region.townshipId,
        projectId: null,
        siteId: null,
        siteLevel: null,
        placeMonth: null,
        holdsPlace: false,
        recipient: null,
        status: 'submitted',
        note: c.note,
        rematchOf: null,
      });
      putReferral(null, r, 'referral.submit');
      return accept(r.revision, { referralId: r.id });
    }
    case 'referral.step': {
      const before = store.referrals.get(c.referralId);
      if (!before) return refuse('LIFELINE_ERR_HELP_REFERRAL_NOT_FOUND', `referral ${c.referralId.slice(0, 128)} does not exist`, 'id');
      const r = transitionReferral(before, c.request, { now: c.at, actor: c.actor, requestId: c.requestId });
      const ids = { referralId: before.id, ...(before.projectId ? { projectId: before.projectId } : {}) };
      if (!r.ok) return refuse(r.code, r.message, r.field, ids);
      if (r.replayed) return accept(before.revision, ids, true);
      if (r.releasesPlace && before.projectId) {
        const project = store.projects.get(before.projectId);
        if (project) putProject(project, { ...givePlaceBack(project, before, r.declined), updatedAt: c.at, revision: project.revision + 1 }, 'project.place_returned');
      }
      putReferral(before, r.referral, `referral.${c.request.action}`);
      return accept(r.referral.revision, ids);
    }
  }
}

/** A department's applied update answers the household's submitted policy referrals it grants or refuses. */
export function settlePolicyReferrals(store: Store, p: number, seq: number, u: Update, at: number, out: HelpChanges): void {
  const answers: { policy: string; request: ReferralRequest }[] = [];
  for (const policy of policiesGrantedBy(u)) answers.push({ policy, request: { action: 'approve', note: `${u.source}.${u.kind}` } });
  const refused = policiesRefusedBy(u);
  if (refused) for (const policy of refused.policies) answers.push({ policy, request: { action: 'reject', reason: refused.reason, note: `${u.source}.${u.kind}` } });
  for (const { policy, request } of answers) {
    const id = store.openPolicyReferrals.get([u.householdId, policy]);
    const before = id ? store.referrals.get(id) : undefined;
    if (!before) continue;
    const actor = `dept:${u.source}`;
    const by = { at, actor, role: 'integration', requestId: `update:${u.id}` };
    const r = transitionReferral(before, request, { now: at, actor, requestId: by.requestId });
    if (!r.ok || r.replayed) continue;
    writeReferral(store, out, by, before, r.referral, `referral.${request.action}`, { partition: p, seq, householdId: u.householdId, updateId: u.id, kind: u.kind });
  }
}


