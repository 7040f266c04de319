/**
 * The help loop over HTTP: registry reads and matching from the node's help view, and every
 * change (projects, orders, policy referrals, their steps) as a command on the partition of its
 * home key, answered with the engine's outcome (api/alerts/commands.ts). Scope: caseworkers work
 * their townships' households; a site key works only its own sites' orders.
 */
import type { Alert } from '../../engine/alerts/types.js';
import { isActive, placesLeft } from '../../engine/help/capacity.js';
import { matchProjects, siteServesTownship, type ServiceMatches } from '../../engine/help/matching.js';
import { notReferable, policyEligibility, type PolicyEligibility } from '../../engine/help/policies.js';
import type { ReferralRequest } from '../../engine/help/referrals.js';
import type { Project, Recipient, Referral } from '../../engine/help/types.js';
import type { HelpCommand, OutcomeMessage, ProjectChanges } from '../../workers/commands/index.js';
import type { CommandClient } from '../alerts/commands.js';
import type { AlertService } from '../alerts/service.js';
import { coversTownship, requireTownship, type Principal } from '../auth/index.js';
import { ApiError, forbidden, notFound, unavailable } from '../errors.js';
import { maskName } from '../privacy/mask.js';
import type { HelpView } from './view.js';

/** HTTP status of each engine refusal of a help command. */
const OUTCOME_STATUS: Record<string, number> = {
  LIFELINE_ERR_HELP_NO_CAPACITY: 409,
  LIFELINE_ERR_HELP_PROJECT_EXISTS: 409,
  LIFELINE_ERR_HELP_PROJECT_RETIRED: 409,
  LIFELINE_ERR_HELP_PROJECT_INACTIVE: 409,
  LIFELINE_ERR_HELP_ALREADY_REFERRED: 409,
  LIFELINE_ERR_HELP_NOT_VERIFIED: 409,
  LIFELINE_ERR_REFERRAL_INVALID_TRANSITION: 409,
  LIFELINE_ERR_REFERRAL_REQUEST_REUSED: 409,
  LIFELINE_ERR_HELP_PROJECT_NOT_FOUND: 404,
  LIFELINE_ERR_HELP_REFERRAL_NOT_FOUND: 404,
  LIFELINE_ERR_ALERT_NOT_FOUND: 404,
  LIFELINE_ERR_HELP_BAD_INPUT: 400,
  LIFELINE_ERR_REFERRAL_BAD_INPUT: 400,
};

export interface HelpResult {
  project: Project | null;
  referral: Referral | null;
  replayed: boolean;
}

export interface AlertMatches {
  alertId: string;
  status: Alert['status'];
  services: ServiceMatches[];
  policies: PolicyEligibility[];
  referrals: Referral[];
}

export interface HelpServiceDeps {
  view: HelpView;
  commands: CommandClient | null;
  alerts: AlertService;
  personsOf(householdId: string): readonly { name: string; idNumber: string; alive?: boolean }[];
  now(): number;
}

/** 409 unless a referral may be made for the alert (engine/help/policies.ts `notReferable`, as its writer decides too). */
function requireReferable(a: Alert, what: string): void {
  const why = notReferable(a);
  if (why !== null) throw new ApiError('LIFELINE_ERR_HELP_NOT_VERIFIED', 409, `${what} needs an alert verified as confirmed; this one is ${why}`, { field: 'id' });
}

export class HelpService {
  constructor(private readonly d: HelpServiceDeps) {}

  get view(): HelpView {
    return this.d.view;
  }

  project(id: string): Project {
    const p = this.d.view.projects.get(id);
    if (!p) throw notFound('project');
    return p;
  }

  referral(id: string, p: Principal): Referral {
    const r = this.d.view.referrals.get(id);
    if (!r) throw notFound('referral');
    this.requireReferralScope(r, p);
    return r;
  }

  /** Caseworkers: their townships' referrals; sites: their own orders; admin: all. */
  requireReferralScope(r: Referral, p: Principal): void {
    if (!this.mayRead(r, p)) throw forbidden(p.role === 'site' ? 'this order belongs to another site' : "township is outside this key's scope");
  }

  mayRead(r: Referral, p: Principal): boolean {
    return p.role === 'site' ? r.siteId !== null && p.sites?.has(r.siteId) === true : coversTownship(p, r.townshipId);
  }

  /** Ranked projects for each service the alert's household needs, and its policies with the facts left to check. */
  matches(alertId: string, p: Principal, opts: { perService?: number; services?: string[] } = {}): AlertMatches {
    const a = this.d.alerts.read(alertId, p);
    const at = this.d.now();
    const referrals = this.d.view.referralsOf('alert', a.id);
    // a project that declined this household's order for a service is not proposed again for that service
    const declined = new Set(referrals.filter((r) => r.status === 'declined' && r.projectId !== null).map((r) => `${r.projectId}|${r.code}`));
    const services = matchProjects(a.region, a.snapshot.suggestions, this.d.view.projectIndex(), {
      at,
      ...(opts.perService !== undefined ? { perService: opts.perService } : {}),
      ...(opts.services ? { services: opts.services } : {}),
      exclude: declined,
    });
    return { alertId: a.id, status: a.status, services, policies: policyEligibility(a.snapshot.suggestions), referrals };
  }

  private recipientOf(a: Alert): Recipient {
    // the first living member (after a death alert the head may be the one who died), masked
    const living = this.d.personsOf(a.householdId).filter((x) => x.alive !== false);
    return { name: living[0] ? maskName(living[0].name) : '*', communityId: a.region.communityId, lat: a.region.lat, lon: a.region.lon, members: living.length };
  }

  private base(p: Principal, requestId: string, target: string): Pick<HelpCommand, 'v' | 'key' | 'actor' | 'role' | 'at' | 'requestId'> {
    return { v: 1, key: `${p.keyId}|${requestId}|${target}`, actor: p.keyId, role: p.role, at: this.d.now(), requestId };
  }

  /** Sends the command; a refusal becomes its 4xx; the records it changed go into this node's view at once. */
  private async send(cmd: HelpCommand): Promise<HelpResult> {
    if (!this.d.commands) throw unavailable('help actions need the update stream (no NATS connection in this process)');
    const m: OutcomeMessage = await this.d.commands.sendHelp(cmd);
    if (m.project) this.d.view.offerProject(m.project);
    if (m.referral) this.d.view.offerReferral(m.referral);
    const o = m.outcome;
    if (!o.ok) {
      const code = o.code ?? 'LIFELINE_ERR_API_CONFLICT';
      throw new ApiError(code, OUTCOME_STATUS[code] ?? 409, o.message ?? 'refused', {
        ...(o.field !== undefined ? { field: o.field } : {}),
        details: { ...(m.project ? { project: { id: m.project.id, placesLeft: placesLeft(m.project, cmd.at), places: m.project.capacity.places, unit: m.project.capacity.unit } } : {}), ...(o.referralId ? { referralId: o.referralId } : {}) },
      });
    }
    return { project: m.project ?? null, referral: m.referral ?? null, replayed: o.replayed };
  }

  createProject(project: Project, p: Principal, requestId: string): Promise<HelpResult> {
    return this.send({ ...this.base(p, requestId, project.id), op: 'project.create', project });
  }

  updateProject(id: string, changes: ProjectChanges, p: Principal, requestId: string): Promise<HelpResult> {
    this.project(id);
    return this.send({ ...this.base(p, requestId, id), op: 'project.update', projectId: id, changes });
  }

  retireProject(id: string, p: Principal, requestId: string): Promise<HelpResult> {
    this.project(id);
    return this.send({ ...this.base(p, requestId, id), op: 'project.retire', projectId: id });
  }

  /** Dispatches a service order for a verified alert to a project (the project's partition decides the place). */
  async dispatch(alertId: string, b: { projectId: string; service: string; note: string; requestId: string; rematchOf?: string | null }, p: Principal): Promise<HelpResult> {
    const a = this.d.alerts.read(alertId, p);
    requireReferable(a, 'an order');
    const project = this.project(b.projectId);
    // one order at a time per alert and service: a second one while the first stands is a mistake, not a retry
    const standing = this.d.view.referralsOf('alert', a.id).find((r) => r.kind === 'service' && r.code === b.service && (r.status === 'dispatched' || r.status === 'accepted' || r.status === 'in_service') && !r.history.some((h) => h.requestId === b.requestId));
    if (standing) throw new ApiError('LIFELINE_ERR_HELP_ALREADY_REFERRED', 409, `the alert already has a ${b.service} order under way (${standing.id}, ${standing.status})`, { field: 'service', details: { referralId: standing.id } });
    if (!(project.services as string[]).includes(b.service)) throw new ApiError('LIFELINE_ERR_API_VALIDATION', 400, `project ${project.id} does not deliver ${b.service}`, { field: 'service' });
    return this.send({
      ...this.base(p, b.requestId, alertId),
      op: 'order.dispatch',
      projectId: b.projectId,
      service: b.service,
      alertId: a.id,
      householdId: a.householdId,
      region: a.region,
      recipient: this.recipientOf(a),
      note: b.note,
      rematchOf: b.rematchOf ?? null,
    });
  }

  /** A declined order goes back to matching: the given project, or the best one with a place that has not declined it. */
  async rematch(referralId: string, b: { projectId?: string; note?: string; requestId: string }, p: Principal): Promise<HelpResult & { matches: ServiceMatches | null }> {
    const old = this.referral(referralId, p);
    if (old.kind !== 'service' || old.status !== 'declined') throw new ApiError('LIFELINE_ERR_REFERRAL_INVALID_TRANSITION', 409, `only a declined order is re-matched; this one is ${old.status}`, { field: 'id' });
    const m = this.matches(old.alertId, p, { services: [old.code], perService: 5 });
    const found = m.services.find((s) => s.service === old.code) ?? null;
    const projectId = b.projectId ?? found?.matches.find((x) => x.placesLeft > 0)?.projectId;
    if (!projectId) throw new ApiError('LIFELINE_ERR_HELP_NO_CAPACITY', 409, `no project within reach has a place left for ${old.code}: counted as unmet demand`, { field: 'projectId' });
    const r = await this.dispatch(old.alertId, { projectId, service: old.code, note: b.note ?? old.note, requestId: b.requestId, rematchOf: old.id }, p);
    return { ...r, matches: found };
  }

  async submitPolicy(alertId: string, b: { policy: string; note: string; requestId: string }, p: Principal): Promise<HelpResult> {
    const a = this.d.alerts.read(alertId, p);
    requireReferable(a, 'a policy referral');
    return this.send({ ...this.base(p, b.requestId, alertId), op: 'policy.submit', alertId: a.id, householdId: a.householdId, policy: b.policy, note: b.note });
  }

  async step(referralId: string, request: ReferralRequest, p: Principal, requestId: string): Promise<HelpResult> {
    const r = this.referral(referralId, p);
    return this.send({ ...this.base(p, requestId, r.id), op: 'referral.step', referralId: r.id, request });
  }

  /** Sorted listings kept until the view changes (pages of one queue read one sort). */
  private readonly listings = new Map<string, { version: number; list: Referral[] }>();

  /** Referrals in the caller's scope, work first: open ones oldest first, then settled ones newest first. */
  list(q: { siteId?: string; townshipId?: string; status?: string[]; kind?: 'policy' | 'service'; alertId?: string; householdId?: string; limit: number; cursor?: number }, p: Principal): { items: Referral[]; nextCursor: string | null; total: number } {
    if (q.siteId && p.role === 'site' && !p.sites?.has(q.siteId)) throw forbidden('this site is outside this key\'s scope');
    if (q.townshipId) requireTownship(p, q.townshipId);
    const scope = p.role === 'site' ? `s:${[...(p.sites ?? [])].sort().join(',')}` : p.townships === null ? '*' : `t:${[...p.townships].sort().join(',')}`;
    const key = JSON.stringify([scope, q.siteId, q.townshipId, q.status, q.kind, q.alertId, q.householdId]);
    const v = this.d.view;
    let hit = this.listings.get(key);
    if (!hit || hit.version !== v.version) {
      if (this.listings.size >= 1024) this.listings.clear();
      hit = { version: v.version, list: this.filtered(q, p) };
      this.listings.set(key, hit);
    }
    const out = hit.list;
    const from = q.cursor ?? 0;
    const items = out.slice(from, from + q.limit);
    return { items, nextCursor: from + q.limit < out.length ? String(from + q.limit) : null, total: out.length };
  }

  private filtered(q: { siteId?: string; townshipId?: string; status?: string[]; kind?: 'policy' | 'service'; alertId?: string; householdId?: string }, p: Principal): Referral[] {
    const out: Referral[] = [];
    const v = this.d.view;
    // the narrowest index the query names; a scan of the whole view only without one
    const source = q.alertId ? v.referralsOf('alert', q.alertId) : q.siteId ? v.referralsOf('site', q.siteId) : q.townshipId ? v.referralsOf('township', q.townshipId) : v.referrals.values();
    for (const r of source) {
      if (q.siteId && r.siteId !== q.siteId) continue;
      if (q.townshipId && r.townshipId !== q.townshipId) continue;
      if (q.kind && r.kind !== q.kind) continue;
      if (q.alertId && r.alertId !== q.alertId) continue;
      if (q.householdId && r.householdId !== q.householdId) continue;
      if (q.status && !q.status.includes(r.status)) continue;
      if (!this.mayRead(r, p)) continue;
      out.push(r);
    }
    out.sort((a, b) => Number(a.settledAt !== null) - Number(b.settledAt !== null) || (a.settledAt === null ? a.createdAt - b.createdAt : b.updatedAt - a.updatedAt) || (a.id < b.id ? -1 : 1));
    return out;
  }

  /** Projects of the registry, filtered (admin and caseworkers choose from them; places as of now). */
  projects(q: { service?: string; townshipId?: string; districtId?: string; level?: string; active?: boolean; limit: number; cursor?: number }): { items: (Project & { placesLeft: number })[]; nextCursor: string | null; total: number } {
    const at = this.d.now();
    const all: Project[] = [];
    for (const pr of this.d.view.projects.values()) {
      if (q.service && !(pr.services as string[]).includes(q.service)) continue;
      if (q.districtId && pr.site.districtId !== q.districtId) continue;
      if (q.townshipId && !siteServesTownship(pr.site, q.townshipId)) continue;
      if (q.level && pr.site.level !== q.level) continue;
      if (q.active !== undefined && isActive(pr, at) !== q.active) continue;
      all.push(pr);
    }
    all.sort((a, b) => (a.id < b.id ? -1 : 1));
    const from = q.cursor ?? 0;
    return { items: all.slice(from, from + q.limit).map((pr) => ({ ...pr, placesLeft: placesLeft(pr, at) })), nextCursor: from + q.limit < all.length ? String(from + q.limit) : null, total: all.length };
  }
}
