/**
 * The help loop's records (plain data, msgpack- and JSON-safe): the alliance's sites and service
 * projects, and referrals — a policy referral to the joint handling of assistance (一件事) or a
 * service order dispatched to a project (派单).
 *
 * Owners: a project and its service orders belong to the project's partition
 * (`partitionOf(projectId)`), so one writer decides its capacity; a policy referral belongs to the
 * household's partition, where the department's answer (an update) arrives.
 */
import type { PolicyCode, ServiceCode } from '../catalogue/assistance.js';

/** Alliance levels (助联体): county (县级), township (镇街), village/community (村社). */
export const SITE_LEVELS = ['village', 'township', 'county'] as const;
export type SiteLevel = (typeof SITE_LEVELS)[number];

export interface Site {
  /** `S<region id>` of the region it serves: district (county level), township or community. */
  id: string;
  name: string;
  level: SiteLevel;
  districtId: string;
  /** null for a county-level site. */
  townshipId: string | null;
  /** Only for a village-level site. */
  communityId: string | null;
  lat: number;
  lon: number;
}

/**
 * How a project's places are counted: `month` = places per calendar month (Asia/Shanghai), taken
 * at dispatch and not given back by completion; `concurrent` = cases at once, given back when the
 * order ends (declined, completed).
 */
export const CAPACITY_UNITS = ['month', 'concurrent'] as const;
export type CapacityUnit = (typeof CAPACITY_UNITS)[number];

export interface Project {
  /** `P` + digits; never contains `:`. */
  id: string;
  name: string;
  /** Services of the 31-service catalogue it delivers (at least one). */
  services: ServiceCode[];
  site: Site;
  /** Reaches households of every district (a city-wide project), not only its site's area. */
  cityWide: boolean;
  capacity: { unit: CapacityUnit; places: number };
  /** Free text for the caseworker: who may use it. */
  eligibility: string;
  /** Active period, epoch ms; `activeTo` null = open-ended. */
  activeFrom: number;
  activeTo: number | null;
  retiredAt: number | null;
  /** Places taken: in `usage.month` (unit month) or right now (unit concurrent). */
  usage: { month: string; taken: number; active: number };
  /** Orders dispatched so far (numbers the project's referral ids). */
  orders: number;
  createdAt: number;
  updatedAt: number;
  revision: number;
}

export const POLICY_REFERRAL_STATUSES = ['submitted', 'approved', 'rejected'] as const;
export const SERVICE_REFERRAL_STATUSES = ['dispatched', 'accepted', 'declined', 'in_service', 'completed'] as const;
export const REFERRAL_STATUSES = [...POLICY_REFERRAL_STATUSES, ...SERVICE_REFERRAL_STATUSES] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];
export type ReferralKind = 'policy' | 'service';

/** Why a site declines an order. */
export const DECLINE_REASONS = ['full', 'out_of_area', 'not_suitable', 'household_refused', 'other'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface ReferralTransition {
  from: ReferralStatus | null;
  to: ReferralStatus;
  by: string;
  at: number;
  requestId: string | null;
  /** Decline or rejection reason code, when there is one. */
  reason?: string;
}

/**
 * The least a site needs to deliver the service: where, for whom (masked name), what. Never the
 * ID number, never the household's other facts.
 */
export interface Recipient {
  /** The head's name masked (given names replaced by `*`). */
  name: string;
  communityId: string;
  lat: number;
  lon: number;
  members: number;
}

export interface Referral {
  /** `S:<projectId>:<n>` (service order) or `P:<alertId>:<policy>` (policy referral). */
  id: string;
  kind: ReferralKind;
  code: PolicyCode | ServiceCode;
  householdId: string;
  alertId: string;
  districtId: string;
  townshipId: string;
  /** Service orders: the project, its site and level. */
  projectId: string | null;
  siteId: string | null;
  siteLevel: SiteLevel | null;
  /** Month whose place a monthly project gave (`YYYY-MM`), or null. */
  placeMonth: string | null;
  /** Whether the order holds a place right now (given back once when it ends). */
  holdsPlace: boolean;
  recipient: Recipient | null;
  status: ReferralStatus;
  /** The caseworker's note for the site or the department (client text: shown only to roles that may see personal data). */
  note: string;
  /** Decline or rejection reason code of the last such step. */
  reason: string | null;
  /** The declined order this one replaces (re-matched). */
  rematchOf: string | null;
  /** Completed orders: when the site follows up (epoch ms). */
  followUpAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** When it reached approved/rejected/declined/completed. */
  settledAt: number | null;
  /** When the site accepted, or the department answered (waiting time ends). */
  answeredAt: number | null;
  history: ReferralTransition[];
  revision: number;
}
