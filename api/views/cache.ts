/**
 * Serialised views of alerts and household portraits, kept while the stored record is byte for
 * byte the one they were made from. Every read still looks the record up in LMDB (its bytes, read
 * from the memory map and compared with those the view was made from), so a change by anyone (the
 * engine, a transition, a restore, another process) is seen at once; only the decoding, the
 * masking, the derived explanations and suggestions and the JSON serialisation are skipped.
 *
 * What depends on the caller is added per request: the lease (its token only for the holder),
 * `overdue` (the clock), and which names are masked (the role's privacy view).
 */
import type { Alert, AlertType } from '../../engine/alerts/types.js';
import type { Model } from '../../engine/model.js';
import type { HouseholdState } from '../../engine/types.js';
import type { Store } from '../../workers/store/index.js';
import type { Principal } from '../auth/index.js';
import { PORTRAIT_RECENT, VIEW_CACHE_ALERTS, VIEW_CACHE_HOUSEHOLDS } from '../options.js';
import { scrubText, type PrivacyView } from '../privacy/mask.js';
import { mapStrings } from './alert.js';
import { portraitHead, portraitTail } from './portrait.js';

type Names = readonly { name: string; idNumber: string; alive?: boolean }[];

/** Fragments per privacy view: names in full, or masked (then per set of names to mask). */
function viewKey(view: PrivacyView, persons: Names): string {
  return view.fullNames ? 'F' : 'M\u0000' + persons.map((p) => p.name).join('\u0000');
}

/**
 * True when `raw` (a `getBinaryFast` answer: a reused buffer whose `length` is the value's size,
 * valid until the next read) holds the same bytes as `kept`.
 */
function sameBytes(kept: Buffer, raw: Buffer): boolean {
  return kept.length === raw.length && kept.compare(raw, 0, raw.length) === 0;
}

/** A copy of a `getBinaryFast` answer that outlives the next read. */
function keep(raw: Buffer): Buffer {
  return Buffer.from(raw.subarray(0, raw.length));
}

/** A map that forgets the least recently used entry past `max`. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
}

/**
 * The cache entry of `id` while the stored bytes are those it was made from (no decode: the
 * record is null), else a fresh one made from the record as stored now; undefined when it is gone.
 */
function lookUp<T, E extends { bytes: Buffer }>(
  db: { getBinaryFast(id: string): Buffer | undefined; get(id: string): T | undefined },
  lru: Lru<E>,
  id: string,
  make: (record: T, bytes: Buffer) => E,
): [E, T | null] | undefined {
  const raw = db.getBinaryFast(id);
  if (raw === undefined) return undefined;
  const e = lru.get(id);
  if (e && sameBytes(e.bytes, raw)) return [e, null];
  const bytes = keep(raw);
  const record = db.get(id);
  if (record === undefined) return undefined;
  const fresh = make(record, bytes);
  lru.set(id, fresh);
  return [fresh, record];
}

/** What a cached alert keeps besides its fragments: the fields the per-caller parts need. */
export interface CachedAlert {
  id: string;
  type: AlertType;
  householdId: string;
  townshipId: string;
  lease: Alert['lease'];
  /** Not closed and not verified: overdue once `dueAt` has passed. */
  canBeOverdue: boolean;
  dueAt: number;
  /** Request ids of the claims that took it from the queue (open → claimed), oldest first. */
  claimRequests: string[];
}

interface AlertEntry extends CachedAlert {
  bytes: Buffer;
  /** View key → the alert's JSON (UTF-8) without `lease` and `overdue`, and without its closing brace. */
  frags: Map<string, Buffer>;
  /** The record itself when it was remembered from a write (no decode for its first view). */
  source: Alert | null;
}

function entryOf(a: Alert, bytes: Buffer): AlertEntry {
  return {
    id: a.id,
    type: a.type,
    householdId: a.householdId,
    townshipId: a.region.townshipId,
    lease: a.lease,
    canBeOverdue: a.status !== 'closed' && a.verification === null,
    dueAt: a.dueAt,
    claimRequests: a.history.filter((h) => h.from === 'open' && h.to === 'claimed' && h.requestId !== null).map((h) => h.requestId!),
    bytes,
    frags: new Map(),
    source: null,
  };
}

export class AlertJsonCache {
  private readonly lru: Lru<AlertEntry>;

  constructor(
    private readonly store: Store,
    max = VIEW_CACHE_ALERTS,
  ) {
    this.lru = new Lru(max);
  }

  /** The alert as stored now (undefined when it is gone), decoded only when its bytes changed. */
  get(id: string): CachedAlert | undefined {
    return this.entry(id)?.[0];
  }

  private entry(id: string): [AlertEntry, Alert | null] | undefined {
    return lookUp(this.store.alerts, this.lru, id, entryOf);
  }

  /**
   * Keeps `a` as the alert just written, with the bytes its write transaction now holds: call it
   * inside that transaction, after the write. Should the transaction not commit, the stored bytes
   * differ from these and the entry is never used.
   */
  remember(a: Alert): void {
    const raw = this.store.alerts.getBinaryFast(a.id);
    if (raw === undefined) return;
    const e = entryOf(a, keep(raw));
    e.source = a;
    this.lru.set(a.id, e);
  }

  /**
   * Appends the alert's view for `p` as UTF-8 JSON chunks to `out` (what `alertView` gives,
   * serialised); false, appending nothing, when the alert is gone. `persons` (of the alert's
   * household) is asked for only when the view masks names.
   */
  write(out: Buffer[], id: string, p: Principal, view: PrivacyView, now: number, persons: (householdId: string) => Names): boolean {
    const got = this.entry(id);
    if (!got) return false;
    const [e, decoded] = got;
    const ps = view.fullNames ? [] : persons(e.householdId);
    const key = viewKey(view, ps);
    let frag = e.frags.get(key);
    if (frag === undefined) {
      const a = decoded ?? e.source ?? this.store.alerts.get(id);
      e.source = null;
      if (!a) return false;
      const scrubbed = mapStrings({ triggers: a.triggers, snapshot: a.snapshot, verification: a.verification, disposition: a.disposition }, (s) => scrubText(s, ps, view));
      const { lease: _lease, ...rest } = { ...a, ...scrubbed };
      const json = JSON.stringify(rest);
      frag = Buffer.from(json.slice(0, -1));
      e.frags.set(key, frag);
    }
    const l = e.lease;
    const lease = l === null ? 'null' : JSON.stringify(l.holder === p.keyId ? { token: l.token, holder: l.holder, expiresAt: l.expiresAt } : { holder: l.holder, expiresAt: l.expiresAt });
    out.push(frag, Buffer.from(`,"lease":${lease},"overdue":${e.canBeOverdue && e.dueAt < now}}`));
    return true;
  }

  /**
   * Appends a JSON array of the views of the alerts (at most `max` of them) to `out`, in order,
   * leaving out those that are gone; answers how many it wrote.
   */
  writeArray(out: Buffer[], ids: readonly string[], p: Principal, view: PrivacyView, now: number, persons: (householdId: string) => Names, max = Infinity): number {
    out.push(OPEN_ARRAY);
    let n = 0;
    for (const id of ids) {
      if (n >= max) break;
      if (n > 0) out.push(COMMA);
      if (this.write(out, id, p, view, now, persons)) n++;
      else if (n > 0) out.pop();
    }
    out.push(CLOSE_ARRAY);
    return n;
  }
}

const OPEN_ARRAY = Buffer.from('[');
const CLOSE_ARRAY = Buffer.from(']');
const COMMA = Buffer.from(',');

interface HouseholdEntry {
  bytes: Buffer;
  townshipId: string;
  persons: Names;
  /** View key → [the portrait's JSON up to its alerts, the JSON after them], UTF-8. */
  frags: Map<string, [Buffer, Buffer]>;
}

/** Household portraits and the names their alerts are masked with, kept per stored state. */
export class PortraitJsonCache {
  private readonly lru: Lru<HouseholdEntry>;

  constructor(
    private readonly store: Store,
    private readonly alerts: AlertJsonCache,
    private readonly model: Model,
    max = VIEW_CACHE_HOUSEHOLDS,
  ) {
    this.lru = new Lru(max);
  }

  private entry(id: string): [HouseholdEntry, HouseholdState | null] | undefined {
    return lookUp(this.store.households, this.lru, id, (s, bytes) => ({
      bytes,
      townshipId: s.household.region.townshipId,
      persons: s.household.persons.map((x) => ({ name: x.name, idNumber: x.idNumber, alive: x.alive })),
      frags: new Map(),
    }));
  }

  /** The persons of a household (names, ID numbers, alive), for masking its alerts and addressing its orders. */
  persons(id: string): Names {
    return this.entry(id)?.[0].persons ?? [];
  }

  /**
   * The portrait as UTF-8 JSON (what `portraitView` gives, serialised) and the household's
   * township, or undefined when there is no such household. `allow(township)` throws to refuse
   * the caller before anything of the household is rendered.
   */
  json(id: string, p: Principal, view: PrivacyView, now: number, allow: (townshipId: string) => void): { body: Buffer; townshipId: string } | undefined {
    const got = this.entry(id);
    if (!got) return undefined;
    const [e, decoded] = got;
    allow(e.townshipId);
    const key = viewKey(view, e.persons);
    let frag = e.frags.get(key);
    if (frag === undefined) {
      const s = decoded ?? this.store.households.get(id);
      if (!s) return undefined;
      frag = [Buffer.from(JSON.stringify(portraitHead(s, view, this.model)).slice(0, -1) + ',"alerts":'), Buffer.from(',' + JSON.stringify(portraitTail(s)).slice(1))];
      e.frags.set(key, frag);
    }
    // newest first, the last PORTRAIT_RECENT of the household's alerts (keys only: [household, createdAt, id])
    const keys = [...this.store.alertsByHousehold.getKeys({ start: [id], end: [id, Infinity] })];
    const ids: string[] = [];
    for (let i = keys.length - 1; i >= 0; i--) ids.push(keys[i]![2]);
    const out: Buffer[] = [frag[0]];
    this.alerts.writeArray(out, ids, p, view, now, () => e.persons, PORTRAIT_RECENT);
    out.push(frag[1]);
    return { body: Buffer.concat(out), townshipId: e.townshipId };
  }
}
