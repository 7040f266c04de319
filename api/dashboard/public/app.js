// Lifeline dashboard: everything it shows comes from the public /v1 API and /metrics.
// Deep link: /#key=lifeline_…&township=330106001 (the key is moved to localStorage at once).
// A site key (role site) gets its own view: the order queue of its alliance sites (#site=S… picks one).
// Text that clients sent (notes, names) is put into the page as text nodes only, never as HTML.
/* global L, Chart */

const TIER_COLOURS = { 1: '#d7301f', 2: '#fc8d59', 3: '#1a9850' };
const ALERT_COLOUR = '#6a3d9a';
const STEPS = ['open', 'claimed', 'verified', 'disposed', 'closed'];
const ACTIVE = ['open', 'claimed', 'verified', 'disposed'];
const TICK_MS = 2000;
const MAP_REFRESH_MS = 10_000;
const HELP_REFRESH_MS = 10_000;
const PROJECTS_REFRESH_MS = 30_000;
/** Service orders from dispatch to delivery (declined ones go back to matching). */
const PIPELINE = ['dispatched', 'accepted', 'in_service', 'completed'];
const SITE_OPEN = ['dispatched', 'accepted', 'in_service'];
const DECLINE_REASONS = ['full', 'out_of_area', 'not_suitable', 'household_refused', 'other'];

const state = {
  key: null,
  township: null,
  townships: new Map(), // id → feature properties
  alerts: new Map(), // id → alert view (current township)
  fresh: new Set(), // alert ids that arrived over the live stream, highlighted briefly
  charts: {},
  last: null, // previous metrics sample, for rates and latency deltas
  map: null,
  layers: { townships: new Map(), badges: null, points: null, outline: null, projects: null },
  stream: null,
  drawer: null, // { alertId } or { householdId }
  lastMapRefresh: 0,
  helpRefreshAt: 0, // township help panels (pipeline, statistics)
  projectsAt: 0, // alliance projects on the map
  noReferrals: false, // the key may not read referrals (analysts): not asked again
  helpBusy: false, // a help action of the alert drawer is under way
  siteMode: false,
  site: '', // site view: the site whose orders are shown ('' = every site of the key)
  siteSig: '',
  siteBusy: false,
};

// ---- API access -------------------------------------------------------------------------
function readHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const key = params.get('key');
  const township = params.get('township');
  const site = params.get('site');
  if (key) {
    localStorage.setItem('lifeline.key', key);
    params.delete('key');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `#${rest}` : ''));
  }
  return { key: localStorage.getItem('lifeline.key'), township, site };
}

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(`${message} (${code})`);
    this.status = status;
    this.code = code;
  }
}

async function api(path, opts = {}) {
  const res = await fetch(path, {
    ...opts,
    headers: { authorization: `Bearer ${state.key}`, ...(opts.body ? { 'content-type': 'application/json' } : {}), ...(opts.headers || {}) },
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') || '').includes('json');
  const body = text && isJson ? JSON.parse(text) : text;
  if (!res.ok) {
    if (res.status === 401) showKeyForm('Your API key was not accepted: sign in again.');
    const e = body && body.error ? body.error : { code: String(res.status), message: res.statusText };
    throw new ApiFailure(res.status, e.code, e.message);
  }
  return body;
}

const post = (path, body) => api(path, { method: 'POST', body: JSON.stringify(body) });

function showKeyForm(message) {
  const form = document.getElementById('keyform');
  form.hidden = false;
  setLive('off', message || 'sign in with an API key');
  form.onsubmit = (ev) => {
    ev.preventDefault();
    localStorage.setItem('lifeline.key', document.getElementById('keyinput').value.trim());
    location.reload();
  };
}

// ---- formatting -------------------------------------------------------------------------
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const label = (s) => String(s ?? '').replace(/_/g, ' ');
const fmtNum = (n) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toLocaleString('en-GB', { maximumFractionDigits: n < 10 ? 1 : 0 }));
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) : '—');
const rid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
const townshipName = (id) => state.townships.get(id)?.name || id;
const enc = encodeURIComponent;
const fmtPct = (r) => (r === null || r === undefined || Number.isNaN(r) ? '—' : `${Math.round(r * 100)} %`);

/**
 * Builds an element. Strings among the children become text nodes and `text` sets textContent:
 * what the API returns (project names, notes, reasons) never goes through innerHTML.
 */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  let value;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = String(v);
    else if (k === 'value') value = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  if (value !== undefined) e.value = String(value);
  return e;
}

function span(ms) {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Deadline text: "in 2 d 4 h" or "overdue 3 h", with the class that colours it. */
function deadline(a, now = Date.now()) {
  if (a.status === 'closed') return { text: `closed ${fmtTime(a.closedAt)}`, cls: 'done' };
  if (a.verification) return { text: `verified ${fmtTime(a.verification.at)}`, cls: 'done' };
  const left = a.dueAt - now;
  if (left < 0) return { text: `overdue ${span(left)}`, cls: 'overdue' };
  // the server's clock decides (this browser's may be behind)
  if (a.overdue) return { text: 'overdue', cls: 'overdue' };
  return { text: `in ${span(left)}`, cls: left < 24 * 3600_000 ? 'soon' : '' };
}

function setLive(kind, text) {
  const el = document.getElementById('live');
  el.dataset.state = kind;
  el.querySelector('span').textContent = text;
}

// ---- map --------------------------------------------------------------------------------
/** Share of tier-1 households → fill colour: the weaker a township's households, the darker. */
const SHARE_CLASSES = [
  [0.2, '#a50f15'],
  [0.1, '#de2d26'],
  [0.05, '#fb6a4a'],
  [0.02, '#fcae91'],
  [0, '#fee5d9'],
];
function townshipStyle(p, selected) {
  const total = p.households || 0;
  const share = total ? (p.tier1 || 0) / total : 0;
  const fill = !total ? '#e9edf2' : SHARE_CLASSES.find(([from]) => share >= from)[1];
  return {
    color: selected ? '#102a43' : '#8794a6',
    weight: selected ? 3 : 0.6,
    fillColor: fill,
    fillOpacity: selected ? 0.35 : 0.8,
  };
}

function townshipTooltip(p) {
  if (p.suppressed) return `<b>${esc(p.name)}</b><br>fewer households than the anonymity threshold`;
  return `<b>${esc(p.name)}</b> <small>${esc(p.id)}</small><br>${fmtNum(p.households)} households · tier 1: ${fmtNum(p.tier1)} · tier 2: ${fmtNum(p.tier2)} · tier 3: ${fmtNum(p.tier3)}<br>open alerts: <b>${fmtNum(p.openAlerts)}</b>`;
}

async function initMap(townships) {
  const map = L.map('map', { preferCanvas: false, zoomSnap: 0.25, attributionControl: false });
  state.map = map;
  const fc = townships ?? (await api('/v1/map/townships'));
  for (const f of fc.features) state.townships.set(f.properties.id, f.properties);
  const group = L.featureGroup().addTo(map);
  for (const f of fc.features) {
    const layer = L.geoJSON(f, { style: () => townshipStyle(f.properties, false) });
    layer.bindTooltip(() => townshipTooltip(state.townships.get(f.properties.id)), { sticky: true });
    layer.on('click', () => selectTownship(f.properties.id));
    layer.addTo(group);
    state.layers.townships.set(f.properties.id, layer);
  }
  state.layers.badges = L.layerGroup().addTo(map);
  drawBadges();
  if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [10, 10] });
  document.getElementById('mapScope').textContent = `· ${fc.features.length} townships`;
  fillTownshipSelect();
  state.lastMapRefresh = Date.now();
}

/** Open alerts per township: a purple badge at the township's centre, sized by the count. */
function drawBadges() {
  const g = state.layers.badges;
  g.clearLayers();
  for (const [id, p] of state.townships) {
    if (!p.openAlerts) continue;
    const layer = state.layers.townships.get(id);
    const c = layer.getBounds().getCenter();
    const size = Math.round(16 + Math.min(18, Math.sqrt(p.openAlerts) * 4));
    L.marker(c, {
      icon: L.divIcon({ className: 'alert-badge', html: `<span data-township="${esc(id)}">${p.openAlerts}</span>`, iconSize: [size, size] }),
      keyboard: false,
    })
      .on('click', () => selectTownship(id))
      .addTo(g);
  }
}

function fillTownshipSelect() {
  const select = document.getElementById('township');
  const feats = [...state.townships.values()].sort((a, b) => (b.openAlerts || 0) - (a.openAlerts || 0) || (b.households || 0) - (a.households || 0) || a.id.localeCompare(b.id));
  select.innerHTML = feats.map((p) => `<option value="${esc(p.id)}">${esc(p.name)} · ${fmtNum(p.openAlerts || 0)} open</option>`).join('');
  if (state.township) select.value = state.township;
  select.onchange = () => selectTownship(select.value);
  return feats;
}

async function refreshTownships() {
  state.lastMapRefresh = Date.now();
  const fc = await api('/v1/map/townships');
  for (const f of fc.features) state.townships.set(f.properties.id, f.properties);
  for (const [id, layer] of state.layers.townships) layer.setStyle(townshipStyle(state.townships.get(id), id === state.township));
  drawBadges();
  fillTownshipSelect();
}

async function loadHouseholdPoints(townshipId) {
  const old = state.layers.points;
  // the old points stay until the new ones are drawn: no flicker on live refreshes
  const swap = (layer) => {
    if (old) old.remove();
    if (state.layers.points && state.layers.points !== old) state.layers.points.remove();
    state.layers.points = layer;
  };
  const mapEl = document.getElementById('map');
  const foot = document.getElementById('mapFoot');
  try {
    const pts = await api(`/v1/map/households?township=${encodeURIComponent(townshipId)}`);
    if (state.township !== townshipId) return;
    const renderer = L.svg({ padding: 0.2 });
    const withAlert = new Set([...state.alerts.values()].filter((a) => ACTIVE.includes(a.status)).map((a) => a.householdId));
    const layer = L.geoJSON(pts, {
      pointToLayer: (f, latlng) => {
        const alerted = withAlert.has(f.properties.householdId);
        return L.circleMarker(latlng, {
          renderer,
          radius: alerted ? 7 : 5,
          weight: alerted ? 3 : 1,
          color: alerted ? ALERT_COLOUR : '#ffffff',
          fillColor: TIER_COLOURS[f.properties.tier] || '#999',
          fillOpacity: 0.9,
          className: `household-point tier-${f.properties.tier}${alerted ? ' alerted' : ''}`,
        })
          .bindTooltip(`<b>${esc(f.properties.householdId)}</b><br>score ${fmtNum(f.properties.score)} · tier ${f.properties.tier}<br>${esc((f.properties.needTypes || []).map(label).join(', ') || 'no need types')}`)
          .on('click', () => openPortrait(f.properties.householdId));
      },
    }).addTo(state.map);
    swap(layer);
    mapEl.dataset.households = String(pts.features.length);
    const byTier = [1, 2, 3].map((t) => pts.features.filter((f) => f.properties.tier === t).length);
    foot.innerHTML = `<b>${esc(townshipName(townshipId))}</b>: ${pts.features.length} households shown · tier 1 ${byTier[0]} · tier 2 ${byTier[1]} · tier 3 ${byTier[2]} · click a point for the household portrait`;
  } catch (e) {
    // analysts see aggregates only: no household points
    swap(null);
    mapEl.dataset.households = '0';
    foot.textContent = e.status === 403 ? 'Household points are shown to caseworkers and admins only.' : `Household points unavailable: ${e.message}`;
  }
}

// ---- township, queue and live stream ----------------------------------------------------
async function selectTownship(id, { zoom = true } = {}) {
  if (!id) return;
  state.township = id;
  document.getElementById('township').value = id;
  for (const [tid, layer] of state.layers.townships) {
    layer.setStyle(townshipStyle(state.townships.get(tid), tid === id));
    if (tid === id) layer.bringToFront();
  }
  const layer = state.layers.townships.get(id);
  if (layer && zoom) state.map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 14 });
  await loadQueue();
  await loadHouseholdPoints(id);
  subscribe(id);
  await refreshHelp({ projects: true });
}

async function loadQueue() {
  const status = document.getElementById('statusFilter').value;
  const q = new URLSearchParams({ limit: '200' });
  if (status) q.set('status', status);
  const page = await api(`/v1/townships/${encodeURIComponent(state.township)}/alerts?${q}`);
  state.alerts = new Map(page.items.map((a) => [a.id, a]));
  renderQueue();
}

const LEVEL_RANK = { urgent: 0, general: 1 };
function visibleAlerts() {
  const status = document.getElementById('statusFilter').value;
  return [...state.alerts.values()]
    .filter((a) => (status ? a.status === status : a.status !== 'closed'))
    .sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || a.dueAt - b.dueAt);
}

function renderQueue() {
  const items = visibleAlerts();
  const now = Date.now();
  document.getElementById('queueBody').innerHTML = items
    .map((a) => {
      const d = deadline(a, now);
      const reason = a.triggers?.[a.triggers.length - 1]?.reason ?? '';
      return `<tr data-alert="${esc(a.id)}" data-household="${esc(a.householdId)}" data-status="${esc(a.status)}" class="${state.fresh.has(a.id) ? 'fresh' : ''}">
        <td><span class="lvl ${esc(a.level)}">${esc(a.level)}</span></td>
        <td><b>${esc(label(a.type))}</b><div class="reason">${esc(reason)}</div></td>
        <td class="mono">${esc(a.householdId)}</td>
        <td>${fmtNum(a.snapshot?.score)} <span class="tier t${a.snapshot?.tier}">T${a.snapshot?.tier ?? '?'}</span></td>
        <td><span class="st ${esc(a.status)}">${esc(a.status)}</span></td>
        <td class="${d.cls}" title="due ${esc(fmtTime(a.dueAt))}">${esc(d.text)}</td></tr>`;
    })
    .join('');
  const active = items.filter((a) => ACTIVE.includes(a.status));
  const overdue = active.filter((a) => a.overdue || (!a.verification && a.dueAt < now)).length;
  document.getElementById('queueCounts').innerHTML = `<b>${esc(townshipName(state.township))}</b> · ${items.length} shown · <span class="${active.some((a) => a.level === 'urgent') ? 'lvl urgent' : ''}">${active.filter((a) => a.level === 'urgent').length} urgent</span> · <span class="${overdue ? 'overdue' : ''}">${overdue} overdue</span>`;
  document.getElementById('queueEmpty').hidden = items.length > 0;
  for (const tr of document.querySelectorAll('#queueBody tr')) tr.onclick = () => openAlert(tr.dataset.alert);
}

/** A changed alert from the stream or an action: queue, map highlight, open drawer. */
function upsertAlert(a, { live = false } = {}) {
  if (a.region?.townshipId !== state.township) return;
  const known = state.alerts.get(a.id);
  state.alerts.set(a.id, known?.lease?.token && a.lease && !a.lease.token && a.lease.holder === known.lease.holder ? { ...a, lease: known.lease } : a);
  if (live) {
    state.fresh.add(a.id);
    setTimeout(() => {
      state.fresh.delete(a.id);
      renderQueue();
    }, 6000);
  }
  renderQueue();
  if (state.drawer?.alertId === a.id) renderAlertHeader(state.alerts.get(a.id));
  scheduleMapRefresh();
}

let mapTimer = null;
function scheduleMapRefresh() {
  if (mapTimer) return;
  mapTimer = setTimeout(async () => {
    mapTimer = null;
    await refreshTownships().catch(() => undefined);
    if (state.township) await loadHouseholdPoints(state.township).catch(() => undefined);
  }, 1500);
}

/**
 * The township's live alert stream. EventSource cannot send an authorization header, so the
 * stream is read with fetch and parsed here; it reconnects (and reloads the queue) when cut.
 */
function subscribe(townshipId) {
  if (state.stream) state.stream.abort();
  const ctrl = new AbortController();
  state.stream = ctrl;
  let backoff = 1000;
  const run = async () => {
    while (!ctrl.signal.aborted) {
      try {
        setLive('connecting', 'connecting…');
        const res = await fetch(`/v1/townships/${encodeURIComponent(townshipId)}/alerts/stream`, {
          headers: { authorization: `Bearer ${state.key}`, accept: 'text/event-stream' },
          signal: ctrl.signal,
        });
        if (!res.ok) throw new Error(`stream answered ${res.status}`);
        setLive('live', 'live');
        backoff = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let event = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (event === 'alert' && data.length) upsertAlert(JSON.parse(data.join('\n')), { live: true });
          }
        }
      } catch (e) {
        if (ctrl.signal.aborted) return;
        setLive('off', `live stream lost: ${e.message}; retrying`);
      }
      if (ctrl.signal.aborted) return;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 15_000);
      // events may have been missed while cut off
      await loadQueue().catch(() => undefined);
    }
  };
  run();
}

// ---- alert drawer and actions -----------------------------------------------------------
function showDrawer(html) {
  document.getElementById('drawerBody').innerHTML = html;
  document.getElementById('drawer').hidden = false;
}
function closeDrawer() {
  document.getElementById('drawer').hidden = true;
  state.drawer = null;
}

function portraitHtml(p) {
  const dims = (p.dimensions || [])
    .map((d) => {
      const pct = d.max ? (100 * d.score) / d.max : 0;
      const why = (d.explanations || []).filter((x) => x.points !== 0).map((x) => `<div class="why">${x.points > 0 ? '+' : ''}${fmtNum(x.points)} · ${esc(x.reason)}</div>`).join('');
      return `<div class="bar"><span>${esc(label(d.dimension))}</span><span class="track"><span class="fill ${pct < 60 ? 'low' : ''}" style="width:${pct}%"></span></span><span class="num">${fmtNum(d.score)}/${fmtNum(d.max)}</span></div>${why}`;
    })
    .join('');
  const causes = Object.entries(p.causes || {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `<div class="cause ${v >= 2 ? 'hi' : ''}"><span>${esc(label(k))}</span><span class="track"><span class="fill" style="width:${(v / 5) * 100}%"></span></span><span class="num">${v}</span></div>`)
    .join('');
  const sugg = (p.suggestions || []).map((s) => `<li><span class="chip ${esc(s.kind)}">${esc(s.kind)}</span> <b>${esc(label(s.code))}</b> <small>${esc(label(s.category))}</small><div class="why">${esc(s.reason)}</div></li>`).join('');
  const persons = (p.household?.persons || [])
    .map((m) => `<tr class="${m.alive === false ? 'dead' : ''}"><td>${esc(m.name)}</td><td>${esc(label(m.relation))}</td><td class="mono">${esc(m.idNumber)}</td><td>${esc(m.birthDate)}</td><td>${m.disabilityGrade ? `disability ${esc(m.disabilityGrade)}` : ''} ${(m.majorDiseases || []).map(esc).join(', ')}</td></tr>`)
    .join('');
  const recent = (p.recentUpdates || []).slice(0, 8).map((u) => `<li>${fmtTime(u.occurredAt)} · ${esc(label(u.source))}: <b>${esc(label(u.kind))}</b> → score ${fmtNum(u.score)}</li>`).join('');
  return `<div class="portrait" data-testid="portrait">
    <div class="score-row">
      <div class="score t${p.tier}"><span class="v">${fmtNum(p.score)}</span><span class="k">resilience</span></div>
      <div><div class="hh">Household <span class="mono">${esc(p.householdId)}</span> · <span class="tier t${p.tier}">tier ${p.tier}</span></div>
      <div class="muted">${esc(townshipName(p.region?.townshipId))} · community ${esc(p.region?.communityId)}</div>
      <div>${(p.needTypes || []).map((n) => `<span class="chip need">${esc(label(n))}</span>`).join(' ') || '<span class="muted">no need types</span>'}</div></div>
    </div>
    <h3>Seven dimensions</h3>${dims}
    <h3>Causes of hardship <small>0–5</small></h3><div class="causes">${causes}</div>
    <h3>Suggested assistance</h3><ul class="sugg">${sugg || '<li class="muted">none</li>'}</ul>
    <h3>Members</h3><table class="members"><tbody>${persons}</tbody></table>
    <h3>Recent updates</h3><ul class="recent">${recent || '<li class="muted">none</li>'}</ul>
  </div>`;
}

async function openPortrait(householdId) {
  state.drawer = { householdId };
  showDrawer('<div class="muted">loading…</div>');
  try {
    const p = await api(`/v1/households/${encodeURIComponent(householdId)}`);
    if (state.drawer?.householdId !== householdId) return;
    showDrawer(portraitHtml(p));
  } catch (e) {
    showDrawer(`<div class="msg err">${esc(e.message)}</div>`);
  }
}

async function openAlert(alertId) {
  state.drawer = { alertId };
  showDrawer('<div class="muted">loading…</div>');
  try {
    const alert = await api(`/v1/alerts/${encodeURIComponent(alertId)}`);
    const known = state.alerts.get(alertId);
    // the list and the claim answer carry the lease token for its holder; keep it
    if (known?.lease?.token && alert.lease && !alert.lease.token) alert.lease = known.lease;
    state.alerts.set(alertId, alert);
    const portrait = await api(`/v1/households/${encodeURIComponent(alert.householdId)}`);
    if (state.drawer?.alertId !== alertId) return;
    state.drawer.portrait = portrait;
    showDrawer(`<div class="alert-head" id="alertHead"></div>
      <div class="panel actions-panel"><div class="actions" id="actions" data-testid="actions"></div><div class="msg" id="actionMsg" data-testid="action-msg"></div></div>
      <div class="panel help" id="helpBox" data-testid="help" hidden>
        <h3>Help <small>projects of the alliance matched to the household's needs, and policies</small></h3>
        <div id="helpContent" data-testid="help-content"><div class="muted">loading…</div></div>
        <h4>Note for the site or the department</h4>
        <textarea id="helpNote" data-testid="help-note" rows="2" placeholder="optional: sent with the next referral"></textarea>
        <div class="msg" id="helpMsg" data-testid="help-msg"></div>
      </div>
      ${portraitHtml(portrait)}`);
    renderAlertHeader(alert);
  } catch (e) {
    showDrawer(`<div class="msg err">${esc(e.message)}</div>`);
  }
}

function renderAlertHeader(alert) {
  const head = document.getElementById('alertHead');
  if (!head) return;
  const d = deadline(alert);
  const at = STEPS.indexOf(alert.status);
  const steps = STEPS.map((s, i) => `<li class="${i < at ? 'done' : i === at ? 'now' : ''}">${s}</li>`).join('');
  const triggers = (alert.triggers || [])
    .slice()
    .reverse()
    .map((t) => `<li><span class="lvl ${esc(t.level)}">${esc(t.level)}</span> ${esc(t.reason)} <small>· ${esc(label(t.source))} · ${fmtTime(t.at)}</small></li>`)
    .join('');
  const history = (alert.history || []).map((h) => `<li>${fmtTime(h.at)} · ${esc(h.from ?? '—')} → <b>${esc(h.to)}</b> <small>by ${esc(h.by)}</small></li>`).join('');
  const verification = alert.verification ? `<div>Verified <b>${esc(label(alert.verification.outcome))}</b>${alert.verification.note ? `: ${esc(alert.verification.note)}` : ''}</div>` : '';
  const disposition = alert.disposition
    ? `<div>Disposed: ${alert.disposition.referrals.length ? alert.disposition.referrals.map((r) => `<span class="chip ${esc(r.kind)}">${esc(label(r.code))}</span>`).join(' ') : 'no referral'}</div>`
    : '';
  head.innerHTML = `<div class="title"><span class="lvl ${esc(alert.level)}">${esc(alert.level)}</span> <h2>${esc(label(alert.type))}</h2>
      <span class="st ${esc(alert.status)}" data-testid="alert-status">${esc(alert.status)}</span></div>
    <div class="muted">alert <span class="mono">${esc(alert.id)}</span> · opened ${fmtTime(alert.createdAt)} · verify by ${fmtTime(alert.dueAt)} <span class="${d.cls}">(${esc(d.text)})</span></div>
    <ol class="steps">${steps}</ol>
    <h3>Triggers</h3><ul class="triggers">${triggers}</ul>${verification}${disposition}
    <details><summary>History (${(alert.history || []).length})</summary><ul class="history">${history}</ul></details>`;
  renderActions(alert);
  syncHelpBox(alert);
}

function renderActions(alert) {
  const box = document.getElementById('actions');
  const msg = document.getElementById('actionMsg');
  if (!box) return;
  const portrait = state.drawer?.portrait;
  const token = alert.lease?.token;
  const run = async (button, fn) => {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    msg.className = 'msg';
    msg.textContent = `${button}…`;
    try {
      const updated = await fn();
      state.alerts.set(updated.id, updated);
      msg.textContent = `${button}: done, the alert is now ${updated.status}`;
      upsertAlert(updated);
      renderAlertHeader(updated);
      document.getElementById('actionMsg').textContent = `${button}: done, the alert is now ${updated.status}`;
    } catch (e) {
      msg.className = 'msg err';
      msg.textContent = `${button} failed: ${e.message}`;
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  };
  const step = (verb, body) => post(`/v1/alerts/${encodeURIComponent(alert.id)}/${verb}`, { requestId: rid(), leaseToken: token, ...body }).then((r) => r.alert);
  const button = (text, action, onclick, primary = true) => {
    const b = document.createElement('button');
    b.textContent = text;
    b.dataset.action = action;
    if (primary) b.className = 'primary';
    b.onclick = () => run(text, onclick);
    box.appendChild(b);
    return b;
  };
  const note = (placeholder) => {
    const t = document.createElement('textarea');
    t.placeholder = placeholder;
    t.rows = 2;
    t.id = 'note';
    if (draft.note) t.value = draft.note;
    box.appendChild(t);
    return t;
  };
  // a live update of this alert redraws the form: keep what the caseworker has typed or chosen
  const draft = box.dataset.status === alert.status ? { note: document.getElementById('note')?.value, outcome: document.getElementById('outcome')?.value } : {};
  box.dataset.status = alert.status;
  box.innerHTML = '';
  const held = ACTIVE.slice(1).includes(alert.status);
  if (held && !token) {
    box.innerHTML = `<div class="muted">Held by <b>${esc(alert.lease?.holder ?? 'another caseworker')}</b> until ${fmtTime(alert.lease?.expiresAt)}.</div>`;
    return;
  }
  if (alert.status === 'open') {
    box.insertAdjacentHTML('beforeend', '<div class="hint">Claim the alert to verify it (a 30-minute lease that you can release).</div>');
    button('Claim', 'claim', () => post(`/v1/alerts/${encodeURIComponent(alert.id)}/claim`, { requestId: rid(), leaseSec: 1800 }).then((r) => r.alert));
  } else if (alert.status === 'claimed') {
    box.insertAdjacentHTML(
      'beforeend',
      `<div class="hint">Verify by phone or home visit. Lease until ${fmtTime(alert.lease?.expiresAt)}.</div>
      <label class="field">outcome <select id="outcome" data-testid="outcome"><option value="confirmed">confirmed</option><option value="not_confirmed">not confirmed</option><option value="unreachable">unreachable</option></select></label>`,
    );
    if (draft.outcome) document.getElementById('outcome').value = draft.outcome;
    const n = note('What did the visit or call find?');
    button('Verify', 'verify', () => step('verify', { outcome: document.getElementById('outcome').value, note: n.value }));
    button('Release', 'release', () => step('release', {}), false);
  } else if (alert.status === 'verified') {
    const suggestions = portrait?.suggestions || alert.snapshot?.suggestions || [];
    const list = suggestions
      .map((s, i) => `<label class="ref"><input type="checkbox" checked data-kind="${esc(s.kind)}" data-code="${esc(s.code)}" id="ref${i}"> <span class="chip ${esc(s.kind)}">${esc(s.kind)}</span> ${esc(label(s.code))}</label>`)
      .join('');
    box.insertAdjacentHTML('beforeend', `<div class="hint">Refer the household to the assistance that fits (suggested ones are ticked).</div><div class="refs" data-testid="referrals">${list || '<span class="muted">no suggestion: dispose without referral</span>'}</div>`);
    const n = note('Disposition note');
    button(`Dispose`, 'dispose', () => {
      const referrals = [...box.querySelectorAll('.refs input:checked')].map((c) => ({ kind: c.dataset.kind, code: c.dataset.code }));
      return step('dispose', { referrals, note: n.value });
    });
    button('Release', 'release', () => step('release', {}), false);
  } else if (alert.status === 'disposed') {
    box.insertAdjacentHTML('beforeend', '<div class="hint">The referrals are recorded: close the alert.</div>');
    button('Close', 'close', () => step('close', {}));
  } else {
    box.innerHTML = `<div class="muted">Closed ${fmtTime(alert.closedAt)}. Nothing left to do.</div>`;
  }
}

// ---- help loop: the alert's matches, policies and referrals (drawer) ----------------------
/** A referral may be made for an alert verified as confirmed, closed or not (as the API decides). */
const referable = (a) => Boolean(a) && a.verification?.outcome === 'confirmed';
const helpNote = () => document.getElementById('helpNote')?.value ?? '';

/** Shows the help panel once the alert is verified as confirmed; reloads it when the alert's status moves. */
function syncHelpBox(alert) {
  const box = document.getElementById('helpBox');
  if (!box) return;
  const confirmed = alert.verification?.outcome === 'confirmed';
  box.hidden = !confirmed;
  if (!confirmed) return;
  const key = `${alert.id}|${alert.status}`;
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  loadHelp(alert.id).catch(() => undefined);
}

let helpSeq = 0;
async function loadHelp(alertId) {
  const seq = ++helpSeq;
  if (state.drawer?.alertId === alertId) state.drawer.helpAt = Date.now();
  try {
    const m = await api(`/v1/alerts/${enc(alertId)}/matches?perService=5`);
    if (seq !== helpSeq || state.drawer?.alertId !== alertId) return;
    renderHelp(state.alerts.get(alertId) ?? { id: alertId, status: m.status }, m);
  } catch (e) {
    if (seq !== helpSeq) return;
    const msg = document.getElementById('helpMsg');
    if (msg) {
      msg.className = 'msg err';
      msg.textContent = `Help unavailable: ${e.message}`;
    }
  }
}

function matchRow(alert, s, x, open, standing) {
  const refer = () => helpAct(alert.id, `Refer to ${x.projectName}`, () => post(`/v1/alerts/${enc(alert.id)}/orders`, { requestId: rid(), projectId: x.projectId, service: s.service, note: helpNote() }));
  return el(
    'tr',
    { class: x.placesLeft > 0 ? 'match' : 'match full', 'data-project': x.projectId, 'data-site': x.siteId, 'data-places': x.placesLeft },
    el('td', {}, el('span', { class: `lv ${x.level}`, text: x.level })),
    el('td', {}, el('b', { text: x.projectName }), el('div', { class: 'muted', text: x.siteName })),
    el('td', { class: 'num', title: x.unit === 'month' ? 'places left this month' : 'places free now', text: `${x.placesLeft}/${x.places}` }),
    el('td', { class: 'muted', 'data-testid': 'match-reason', text: x.reason }),
    el(
      'td',
      {},
      el('button', { type: 'button', 'data-action': 'refer', 'data-project': x.projectId, 'data-service': s.service, disabled: !open || x.placesLeft <= 0 || Boolean(standing), title: standing ? `an order is under way (${label(standing.status)})` : x.placesLeft <= 0 ? 'no place left' : `dispatch an order to ${x.projectName}`, onclick: refer }, 'Refer'),
    ),
  );
}

function renderHelp(alert, m) {
  const content = document.getElementById('helpContent');
  if (!content) return;
  const open = referable(alert);
  const refs = m.referrals || [];
  const standing = (code) => refs.find((r) => r.kind === 'service' && r.code === code && r.status !== 'declined');
  const services = (m.services || []).map((s) => {
    const st = standing(s.service);
    const rows = s.matches.map((x) => matchRow(alert, s, x, open, st));
    return el(
      'div',
      { class: 'svc', 'data-service': s.service },
      el(
        'div',
        { class: 'head' },
        el('span', { class: 'chip service', text: 'service' }),
        el('b', { text: label(s.service) }),
        el('small', { text: label(s.category) }),
        st ? el('span', { class: `rst ${st.status}`, text: `order ${label(st.status)}` }) : null,
        s.unmet ? el('span', { class: 'rst declined', 'data-testid': 'unmet', text: 'no place within reach: unmet demand' }) : null,
      ),
      el('div', { class: 'why', text: s.need }),
      rows.length ? el('table', { class: 'matches', 'data-testid': 'matches' }, el('tbody', {}, rows)) : el('div', { class: 'muted', text: 'no project of the alliance reaches this household for this service' }),
    );
  });
  const policies = (m.policies || []).map((p) => {
    const ex = refs.find((r) => r.kind === 'policy' && r.code === p.policy);
    const submit = () => helpAct(alert.id, `Refer for ${label(p.policy)}`, () => post(`/v1/alerts/${enc(alert.id)}/policy-referrals`, { requestId: rid(), policy: p.policy, note: helpNote() }));
    return el(
      'div',
      { class: 'pol', 'data-policy': p.policy },
      el(
        'div',
        { class: 'head' },
        el('span', { class: 'chip policy', text: 'policy' }),
        el('b', { text: label(p.policy) }),
        el('small', { text: label(p.category) }),
        ex ? el('span', { class: `rst ${ex.status}`, text: label(ex.status) }) : null,
        el('button', { type: 'button', 'data-action': 'policy', 'data-policy': p.policy, disabled: !open || Boolean(ex), title: ex ? 'referred already' : 'submit to the joint handling of assistance (一件事)', onclick: submit }, 'Submit referral'),
      ),
      el('div', { class: 'why', 'data-testid': 'policy-facts', text: `eligible: ${p.facts}` }),
      p.toCheck?.length ? el('ul', { class: 'checks' }, p.toCheck.map((c) => el('li', { text: `to check: ${c}` }))) : null,
    );
  });
  const list = refs
    .slice()
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map((r) =>
      el(
        'li',
        { 'data-referral': r.id, 'data-status': r.status, 'data-kind': r.kind, 'data-code': r.code },
        el('span', { class: `chip ${r.kind}`, text: r.kind }),
        ' ',
        el('b', { text: label(r.code) }),
        ' ',
        el('span', { class: `rst ${r.status}`, 'data-testid': 'referral-status', text: label(r.status) }),
        el('small', { text: r.kind === 'service' ? ` · ${r.projectId ?? ''} at site ${r.siteId ?? ''}` : ' · joint handling (一件事)' }),
        el('small', { text: ` · ${fmtTime(r.updatedAt)}` }),
        r.reason ? el('small', { text: ` · reason: ${label(r.reason)}` }) : null,
        r.rematchOf ? el('small', { text: ` · re-match of ${r.rematchOf}` }) : null,
        r.note ? el('div', { class: 'note', text: r.note }) : null,
        r.kind === 'service' && r.status === 'declined' && open && !refs.some((x) => x.rematchOf === r.id)
          ? el('button', { type: 'button', class: 'secondary', 'data-action': 'rematch', onclick: () => helpAct(alert.id, 'Re-match', () => post(`/v1/referrals/${enc(r.id)}/rematch`, { requestId: rid() })) }, 'Re-match')
          : null,
      ),
    );
  const parts = [
    open ? null : el('div', { class: 'muted', text: alert.status === 'closed' ? 'The alert is closed: its referrals are shown; new ones need a new alert.' : 'Referrals are made once the alert is verified as confirmed.' }),
    el('h4', { text: `Services (${services.length})` }),
    ...(services.length ? services : [el('div', { class: 'muted', text: 'no service suggested for this household' })]),
    el('h4', { text: `Policies (${policies.length})` }),
    ...(policies.length ? policies : [el('div', { class: 'muted', text: 'no policy suggested for this household' })]),
    el('h4', { text: `Referrals of this alert (${list.length})` }),
    list.length ? el('ul', { class: 'hrefs', 'data-testid': 'help-referrals' }, list) : el('div', { class: 'muted', 'data-testid': 'help-referrals', text: 'none yet' }),
  ];
  content.replaceChildren(...parts.filter(Boolean));
}

/** Runs a referral action of the drawer, then reloads the matches (places moved) and the township panels. */
async function helpAct(alertId, what, fn) {
  const box = document.getElementById('helpBox');
  const msg = document.getElementById('helpMsg');
  state.helpBusy = true;
  for (const b of box?.querySelectorAll('button') ?? []) b.disabled = true;
  msg.className = 'msg';
  msg.textContent = `${what}…`;
  try {
    const r = await fn();
    msg.textContent = `${what}: done${r.referral ? `, referral ${r.referral.id} is ${label(r.referral.status)}` : ''}`;
    const note = document.getElementById('helpNote');
    if (note) note.value = '';
  } catch (e) {
    msg.className = 'msg err';
    msg.textContent = `${what} failed: ${e.message}`;
  } finally {
    state.helpBusy = false;
  }
  await loadHelp(alertId);
  refreshHelp({ projects: true }).catch(() => undefined);
}

// ---- help loop: resources on the map, referral pipeline, statistics (township) -------------
async function refreshHelp({ projects = false } = {}) {
  const t = state.township;
  if (!t || state.siteMode) return;
  state.helpRefreshAt = Date.now();
  const jobs = [loadHelpStats(t), loadPipeline(t)];
  if (projects || Date.now() - state.projectsAt > PROJECTS_REFRESH_MS) jobs.push(loadProjects(t));
  await Promise.allSettled(jobs);
}

/** Every page of a list endpoint, up to `pages` of them. */
async function allPages(path, params, pages = 10) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < pages; i++) {
    const q = new URLSearchParams({ ...params, limit: '500' });
    if (cursor) q.set('cursor', cursor);
    const page = await api(`${path}?${q}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

function siteTip(site, projects) {
  return el(
    'div',
    { class: 'site-tip' },
    el('b', { text: site.name }),
    ' ',
    el('small', { text: `${site.level} site · ${site.id}` }),
    projects.map((p) => el('div', { class: 'p', text: `${p.name} · ${p.services.map(label).join(', ')} · ${p.placesLeft} of ${p.capacity.places} places ${p.capacity.unit === 'month' ? 'left this month' : 'free now'}` })),
  );
}

/** The alliance's projects that reach the township (its sites and the district's county site), one marker per site. */
async function loadProjects(townshipId) {
  state.projectsAt = Date.now();
  const mapEl = document.getElementById('map');
  const out = document.getElementById('mapProjects');
  const swap = (layer) => {
    if (state.layers.projects) state.layers.projects.remove();
    state.layers.projects = layer;
    if (layer) layer.addTo(state.map);
  };
  try {
    const items = await allPages('/v1/projects', { township: townshipId, active: 'true' }, 5);
    if (state.township !== townshipId) return;
    const sites = new Map();
    for (const p of items) {
      if (!sites.has(p.site.id)) sites.set(p.site.id, { site: p.site, projects: [] });
      sites.get(p.site.id).projects.push(p);
    }
    const layer = L.layerGroup();
    for (const { site, projects } of sites.values()) {
      const size = site.level === 'county' ? 22 : site.level === 'township' ? 18 : 15;
      const html = el('span', { 'data-site': site.id, 'data-level': site.level }, el('b', { text: projects.length }));
      L.marker([site.lat, site.lon], { icon: L.divIcon({ className: `project-marker lvl-${site.level}`, html, iconSize: [size, size] }), keyboard: false, zIndexOffset: -500 })
        .bindTooltip(siteTip(site, projects), { direction: 'top' })
        .addTo(layer);
    }
    swap(layer);
    mapEl.dataset.projects = String(items.length);
    mapEl.dataset.sites = String(sites.size);
    const left = items.reduce((n, p) => n + (p.placesLeft || 0), 0);
    out.textContent = items.length ? `· ${sites.size} alliance sites with ${items.length} projects reach it (${fmtNum(left)} places left)` : '· no alliance project reaches it';
  } catch (e) {
    swap(null);
    mapEl.dataset.projects = '0';
    mapEl.dataset.sites = '0';
    out.textContent = e.status === 403 ? '' : `· alliance projects unavailable: ${e.message}`;
  }
}

/** Counts of the township's referrals by status now: service orders along the pipeline, policy referrals below. */
async function loadPipeline(townshipId) {
  const box = document.getElementById('pipeline');
  const pol = document.getElementById('policyPipeline');
  if (state.noReferrals) return;
  try {
    const items = await allPages('/v1/referrals', { township: townshipId });
    if (state.township !== townshipId) return;
    const count = (kind, st) => items.filter((r) => r.kind === kind && r.status === st).length;
    box.replaceChildren(
      ...PIPELINE.map((st, i) => el('li', { class: `s-${st}${i < PIPELINE.length - 1 ? ' arrow' : ''}`, 'data-status': st }, el('b', { text: count('service', st) }), el('small', { text: label(st) }))),
      el('li', { class: 's-declined', 'data-status': 'declined', title: 'declined by the site: back to matching' }, el('b', { text: count('service', 'declined') }), el('small', { text: 'declined' })),
    );
    box.dataset.total = String(items.filter((r) => r.kind === 'service').length);
    pol.textContent = `Policy referrals: ${count('policy', 'submitted')} awaiting the department · ${count('policy', 'approved')} approved · ${count('policy', 'rejected')} rejected`;
  } catch (e) {
    if (e.status === 403) {
      state.noReferrals = true;
      box.replaceChildren();
      pol.textContent = 'The referral pipeline is shown to caseworkers and admins.';
    } else pol.textContent = `Referrals unavailable: ${e.message}`;
  }
}

/** Monthly or quarterly figures of the help loop for the township (city-wide, small counts hidden, for roles without its rows). */
async function loadHelpStats(townshipId) {
  const period = document.getElementById('helpPeriod').value;
  const note = document.getElementById('helpStatsNote');
  try {
    const s = await api(`/v1/stats/help?period=${enc(period)}`);
    if (state.township !== townshipId) return;
    let row = null;
    let rows = [];
    let scope = townshipName(townshipId);
    if (s.townships.length || s.services.some((r) => r.townshipId !== null)) {
      row = s.townships.find((r) => r.townshipId === townshipId) ?? null;
      rows = s.services.filter((r) => r.townshipId === townshipId);
    } else if (s.services.some((r) => r.townshipId === null)) {
      // aggregates only (analysts): the city's rows
      row = s.totals;
      rows = s.services.filter((r) => r.townshipId === null);
      scope = 'the whole city';
    }
    document.getElementById('helpScope').textContent = `· ${scope} · ${s.at}`;
    const set = (id, text, data) => {
      const e = document.getElementById(id);
      e.textContent = text;
      if (data !== undefined) e.dataset.value = data;
    };
    set('helpCompletion', fmtPct(row?.completionRate), row?.completionRate ?? '');
    set('helpOrders', row && row.orders !== null ? `${fmtNum(row.orders)} (${fmtNum(row.completed)})` : '—');
    set('helpUnmet', fmtNum(row?.unmet), row?.unmet ?? '');
    set('helpWait', fmtNum(row?.waitingHoursP50));
    document.getElementById('helpUnmet').parentElement.classList.toggle('alarm', (row?.unmet ?? 0) > 0);
    rows.sort((a, b) => (b.unmet ?? -1) - (a.unmet ?? -1) || (b.need ?? -1) - (a.need ?? -1) || (a.service < b.service ? -1 : 1));
    document.getElementById('helpStatsBody').replaceChildren(
      ...rows.map((r) =>
        el(
          'tr',
          { 'data-service': r.service },
          el('td', { text: label(r.service) }),
          el('td', { class: 'num', text: fmtNum(r.need) }),
          el('td', { class: 'num', text: fmtNum(r.places) }),
          el('td', { class: 'num', text: fmtNum(r.orders) }),
          el('td', { class: 'num', text: fmtNum(r.completed) }),
          el('td', {}, el('span', { class: 'rate' }, el('span', { class: 'track' }, el('span', { class: 'fill', style: `width:${Math.round((r.completionRate ?? 0) * 100)}%` })), el('span', { class: 'num', 'data-testid': 'service-rate', text: fmtPct(r.completionRate) }))),
          el('td', { class: `num${(r.unmet ?? 0) > 0 ? ' unmet-hi' : ''}`, text: fmtNum(r.unmet) }),
        ),
      ),
    );
    document.getElementById('helpStatsEmpty').hidden = rows.length > 0;
    note.textContent = `${period === 'month' ? 'monthly monitoring' : 'quarterly evaluation'} · need = verified alerts needing the service; unmet = needs with no order standing`;
  } catch (e) {
    note.textContent = e.status === 403 ? 'Help statistics are not shown to this key.' : `Help statistics unavailable: ${e.message}`;
  }
}

// ---- a site's view: its service orders, worked from the page --------------------------------
function addSiteOption(id) {
  const sel = document.getElementById('siteSelect');
  if (!id || [...sel.options].some((o) => o.value === id)) return;
  sel.append(el('option', { value: id, text: id }));
}

async function siteMain(site) {
  state.siteMode = true;
  state.site = site || '';
  document.body.classList.add('site-mode');
  document.body.dataset.mode = 'site';
  document.getElementById('siteView').hidden = false;
  document.getElementById('who').prepend(el('span', { class: 'muted', text: 'site key · ' }));
  const sel = document.getElementById('siteSelect');
  addSiteOption(state.site);
  sel.value = state.site;
  sel.onchange = () => {
    state.site = sel.value;
    loadSiteOrders({ force: true });
  };
  document.getElementById('siteForm').onsubmit = (ev) => {
    ev.preventDefault();
    state.site = document.getElementById('siteInput').value.trim();
    addSiteOption(state.site);
    sel.value = state.site;
    loadSiteOrders({ force: true });
  };
  document.getElementById('siteFilter').onchange = () => loadSiteOrders({ force: true });
  await loadSiteOrders({ force: true });
  setLive('live', `orders every ${TICK_MS / 1000} s`);
  setInterval(() => loadSiteOrders().catch(() => undefined), TICK_MS);
  document.body.dataset.ready = 'true';
}

async function loadSiteOrders({ force = false } = {}) {
  if (state.siteBusy && !force) return;
  const q = new URLSearchParams({ limit: '500' });
  if (state.site) q.set('site', state.site);
  if (document.getElementById('siteFilter').value === 'open') q.set('status', SITE_OPEN.join(','));
  const msg = document.getElementById('siteMsg');
  const body = document.getElementById('siteOrders');
  let page;
  try {
    page = await api(`/v1/referrals?${q}`);
  } catch (e) {
    state.siteSig = '';
    body.replaceChildren();
    msg.className = 'msg err';
    msg.textContent = e.status === 403 ? `Site ${state.site} is not one of this key's sites.` : `Orders unavailable: ${e.message}`;
    return;
  }
  document.getElementById('status').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
  for (const r of page.items) addSiteOption(r.siteId);
  const sig = JSON.stringify([state.site, page.total, page.items.map((r) => [r.id, r.revision, r.status])]);
  if (!force && sig === state.siteSig) return;
  state.siteSig = sig;
  const items = page.items;
  const by = (st) => items.filter((r) => r.status === st).length;
  document.getElementById('siteScope').textContent = state.site ? `· site ${state.site}` : '· every site of this key';
  document.getElementById('siteCounts').textContent = `${items.length}${page.total > items.length ? ` of ${page.total}` : ''} order${page.total === 1 ? '' : 's'} · ${by('dispatched')} new · ${by('accepted')} accepted · ${by('in_service')} in service · ${by('completed')} completed · ${by('declined')} declined`;
  body.replaceChildren(...items.map(siteRow));
  document.getElementById('siteEmpty').hidden = items.length > 0;
}

function siteRow(r) {
  const rc = r.recipient;
  return el(
    'tr',
    { 'data-referral': r.id, 'data-status': r.status, 'data-site': r.siteId ?? '' },
    el('td', {}, el('b', { text: label(r.code) }), el('div', { class: 'sub', text: `${r.projectId ?? ''} · ${r.siteId ?? ''}` })),
    el('td', {}, rc ? [el('span', { 'data-testid': 'recipient', text: rc.name }), el('div', { class: 'sub', text: `community ${rc.communityId} · ${rc.members} member${rc.members === 1 ? '' : 's'}` })] : el('span', { class: 'muted', text: '—' })),
    el('td', { class: 'note', text: r.note || '' }),
    el(
      'td',
      {},
      el('span', { class: `rst ${r.status}`, 'data-testid': 'order-status', text: label(r.status) }),
      r.reason ? el('div', { class: 'sub', text: `reason: ${label(r.reason)}` }) : null,
      r.followUpAt ? el('div', { class: 'sub', text: `follow up ${fmtTime(r.followUpAt)}` }) : null,
    ),
    el('td', {}, el('span', { text: fmtTime(r.createdAt) }), r.status === 'dispatched' ? el('div', { class: 'sub', text: `waiting ${span(Date.now() - r.createdAt)}` }) : null),
    el('td', {}, siteActions(r)),
  );
}

function siteActions(r) {
  const box = el('div', { class: 'acts' });
  const btn = (text, action, body, secondary = false) => el('button', { type: 'button', class: secondary ? 'secondary' : null, 'data-action': action, onclick: () => siteStep(r, action, body()) }, text);
  const decline = () => {
    const reason = el('select', { 'data-testid': 'decline-reason', title: 'why the site declines' }, DECLINE_REASONS.map((x) => el('option', { value: x, text: label(x) })));
    return [btn('Decline', 'decline', () => ({ reason: reason.value }), true), reason];
  };
  if (r.status === 'dispatched') box.append(btn('Accept', 'accept', () => ({})), ...decline());
  else if (r.status === 'accepted') box.append(btn('Start', 'start', () => ({})), ...decline());
  else if (r.status === 'in_service') {
    const days = el('input', { type: 'number', min: 1, max: 366, value: 30, title: 'follow up after (days)', 'data-testid': 'follow-up-days' });
    box.append(btn('Complete', 'complete', () => ({ followUpDays: Math.min(366, Math.max(1, Math.round(Number(days.value)) || 30)) })), days, el('span', { class: 'sub', text: 'days to follow-up' }));
  } else box.append(el('span', { class: 'sub', text: 'nothing to do' }));
  return box;
}

async function siteStep(r, verb, body) {
  const msg = document.getElementById('siteMsg');
  state.siteBusy = true;
  for (const b of document.querySelectorAll(`#siteOrders tr[data-referral="${CSS.escape(r.id)}"] button`)) b.disabled = true;
  msg.className = 'msg';
  msg.textContent = `${label(verb)} ${r.id}…`;
  try {
    const out = await post(`/v1/referrals/${enc(r.id)}/${verb}`, { requestId: rid(), ...body });
    msg.textContent = `${label(verb)}: done, order ${r.id} is now ${label(out.referral?.status ?? '?')}`;
  } catch (e) {
    msg.className = 'msg err';
    msg.textContent = `${label(verb)} failed: ${e.message}`;
  } finally {
    state.siteBusy = false;
  }
  await loadSiteOrders({ force: true });
}

document.getElementById('drawerClose').onclick = closeDrawer;
// a link with another key or township: start over with it
window.addEventListener('hashchange', () => {
  if (/(^#|&)(key|township)=/.test(location.hash)) location.reload();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') closeDrawer();
});
document.getElementById('statusFilter').onchange = () => loadQueue();
document.getElementById('helpPeriod').onchange = () => refreshHelp();
document.getElementById('helpRefresh').onclick = () => {
  refreshHelp({ projects: true });
  if (state.drawer?.alertId && !document.getElementById('helpBox')?.hidden) loadHelp(state.drawer.alertId);
};

// ---- charts from the engine's own metrics -----------------------------------------------
function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([-+\d.eE]+|NaN|[+-]Inf)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const kv of m[2].slice(1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[kv[1]] = kv[2];
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push({ labels, value: Number(m[3]) });
  }
  return out;
}
const sum = (m, name, pred = () => true) => (m.get(name) || []).filter((s) => pred(s.labels)).reduce((a, s) => a + s.value, 0);

/** Cumulative histogram buckets (le → count), summed over the series that match. */
function buckets(m, name, pred = () => true) {
  const out = new Map();
  for (const s of m.get(`${name}_bucket`) || []) if (pred(s.labels)) out.set(s.labels.le, (out.get(s.labels.le) || 0) + s.value);
  return out;
}

/** Quantile (ms) of the observations made between two samples of a histogram; null when none. */
function quantileMs(now, before, q) {
  const rows = [...now.entries()]
    .map(([le, c]) => [le === '+Inf' ? Infinity : Number(le), c - (before?.get(le) || 0)])
    .sort((a, b) => a[0] - b[0]);
  const total = rows.length ? rows[rows.length - 1][1] : 0;
  if (!total) return null;
  let prevLe = 0;
  let prevC = 0;
  for (const [le, c] of rows) {
    if (c >= q * total) {
      if (!Number.isFinite(le)) return prevLe * 1000;
      // linear inside the bucket, as Prometheus' histogram_quantile does
      const frac = c === prevC ? 1 : (q * total - prevC) / (c - prevC);
      return (prevLe + (le - prevLe) * frac) * 1000;
    }
    prevLe = le;
    prevC = c;
  }
  return null;
}

const baseOptions = (extra = {}) => ({
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, font: { size: 11 } } } },
  ...extra,
});

function lineChart(id, series, yTitle, log = false) {
  const y = log ? { type: 'logarithmic', title: { display: true, text: yTitle } } : { beginAtZero: true, title: { display: true, text: yTitle } };
  return new Chart(document.getElementById(id), {
    type: 'line',
    data: { labels: [], datasets: series.map(([name, colour]) => ({ label: name, data: [], borderColor: colour, backgroundColor: colour, pointRadius: 1.5, borderWidth: 2, tension: 0.25, spanGaps: true })) },
    options: baseOptions({ scales: { x: { ticks: { maxTicksLimit: 6, font: { size: 10 } } }, y } }),
  });
}

function initCharts() {
  state.charts.throughput = lineChart('throughput', [['applied', '#2f6fdd'], ['rejected', '#d7301f'], ['HTTP intake', '#1a9850']], 'updates / s');
  state.charts.latency = lineChart('latency', [['batch p50', '#2f6fdd'], ['batch p99', '#d7301f'], ['API p99', '#6a3d9a']], 'ms (log)', true);
  state.charts.feeds = new Chart(document.getElementById('feeds'), {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'updates / s', data: [], backgroundColor: [] }] },
    options: baseOptions({ indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true }, y: { ticks: { font: { size: 10 } } } } }),
  });
  state.charts.overdue = new Chart(document.getElementById('overdue'), {
    type: 'bar',
    data: {
      labels: [],
      datasets: [
        { label: 'on time', data: [], backgroundColor: '#9fb3c8', stack: 'a' },
        { label: 'overdue', data: [], backgroundColor: '#d7301f', stack: 'a' },
      ],
    },
    options: baseOptions({ indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { font: { size: 10 } } } } }),
  });
}

function push(chart, values) {
  chart.data.labels.push(new Date().toLocaleTimeString('en-GB'));
  values.forEach((v, i) => chart.data.datasets[i].data.push(v));
  if (chart.data.labels.length > 90) {
    chart.data.labels.shift();
    chart.data.datasets.forEach((d) => d.data.shift());
  }
  chart.update();
}

function renderFeeds(feeds, m) {
  const c = state.charts.feeds;
  const note = document.getElementById('feedsNote');
  let rows;
  if (feeds) {
    rows = feeds.feeds.map((f) => ({ source: f.source, rate: f.ratePerSec, stale: f.stale }));
    const stale = rows.filter((r) => r.stale).length;
    note.textContent = `updates / s, last 5 min · ${stale} of ${rows.length} silent > ${feeds.staleAfterSec} s`;
  } else {
    // without feeds:read, the engine's own per-department counters give the rates
    const now = new Map();
    for (const name of ['lifeline_updates_processed_total', 'lifeline_updates_rejected_total']) {
      for (const s of m.get(name) || []) now.set(s.labels.source, (now.get(s.labels.source) || 0) + s.value);
    }
    const prev = state.last?.bySource;
    const dt = state.last ? (Date.now() - state.last.at) / 1000 : 0;
    rows = [...now.entries()].map(([source, n]) => ({ source, rate: prev && dt > 0 ? Math.max(0, (n - (prev.get(source) || 0)) / dt) : 0, stale: false }));
    note.textContent = 'updates / s, from the engine counters';
    state.bySource = now;
  }
  rows.sort((a, b) => b.rate - a.rate || a.source.localeCompare(b.source));
  c.data.labels = rows.map((r) => label(r.source) + (r.stale ? ' ⚠' : ''));
  c.data.datasets[0].data = rows.map((r) => r.rate);
  c.data.datasets[0].backgroundColor = rows.map((r) => (r.stale ? '#c5ccd6' : '#2f6fdd'));
  c.update();
}

function renderOverdue(stats) {
  const rows = Object.entries(stats.alerts?.byTownship || {})
    .map(([id, t]) => ({ id, active: t.active, overdue: t.overdue }))
    .filter((r) => r.active > 0 || r.overdue > 0)
    .sort((a, b) => b.overdue - a.overdue || b.active - a.active)
    .slice(0, 10);
  const c = state.charts.overdue;
  c.data.labels = rows.map((r) => townshipName(r.id));
  c.data.datasets[0].data = rows.map((r) => Math.max(0, r.active - r.overdue));
  c.data.datasets[1].data = rows.map((r) => r.overdue);
  c.update();
}

function renderKpis(stats, rate, backlog) {
  const active = ACTIVE.reduce((n, s) => n + (stats.alerts.byStatus[s]?.urgent || 0) + (stats.alerts.byStatus[s]?.general || 0), 0);
  const urgent = ACTIVE.reduce((n, s) => n + (stats.alerts.byStatus[s]?.urgent || 0), 0);
  const set = (id, v) => (document.getElementById(id).textContent = fmtNum(v));
  set('kpiHouseholds', stats.tiers.households);
  set('kpiTier1', stats.tiers.tier1);
  set('kpiActive', active);
  set('kpiUrgent', urgent);
  set('kpiOverdue', stats.alerts.overdue);
  set('kpiRate', rate);
  set('kpiLag', backlog);
  document.getElementById('kpiOverdue').parentElement.classList.toggle('alarm', stats.alerts.overdue > 0);
}

async function tick() {
  // roles without feeds:read (caseworkers) are not asked again after the first refusal
  const feedsCall = state.noFeeds ? Promise.reject(new Error('not allowed')) : api('/v1/feeds');
  const [metricsR, statsR, feedsR] = await Promise.allSettled([api('/metrics'), api('/v1/stats'), feedsCall]);
  if (feedsR.status === 'rejected' && feedsR.reason.status === 403) state.noFeeds = true;
  const now = Date.now();
  const problems = [];
  let rate = null;
  let backlog = null;
  if (metricsR.status === 'fulfilled') {
    const m = parseMetrics(metricsR.value);
    const applied = sum(m, 'lifeline_updates_processed_total');
    const rejected = sum(m, 'lifeline_updates_rejected_total');
    const intake = sum(m, 'lifeline_http_updates_total', (l) => l.result === 'pending');
    const batch = buckets(m, 'lifeline_engine_batch_stage_seconds', (l) => l.stage === 'total');
    const http = buckets(m, 'lifeline_http_request_duration_seconds', (l) => !String(l.route).endsWith('/stream'));
    backlog = sum(m, 'lifeline_consumer_pending');
    const last = state.last;
    if (last) {
      const dt = Math.max(0.001, (now - last.at) / 1000);
      rate = Math.max(0, (applied - last.applied) / dt);
      push(state.charts.throughput, [rate, Math.max(0, (rejected - last.rejected) / dt), Math.max(0, (intake - last.intake) / dt)]);
      push(state.charts.latency, [quantileMs(batch, last.batch, 0.5), quantileMs(batch, last.batch, 0.99), quantileMs(http, last.http, 0.99)]);
    }
    renderFeeds(feedsR.status === 'fulfilled' ? feedsR.value : null, m);
    state.last = { at: now, applied, rejected, intake, batch, http, bySource: state.bySource };
  } else problems.push(`metrics: ${metricsR.reason.message}`);
  let alertsMoved = false;
  if (statsR.status === 'fulfilled') {
    renderKpis(statsR.value, rate, backlog);
    renderOverdue(statsR.value);
    // alerts opened or closed anywhere: redraw the township badges now rather than at the next refresh
    const key = JSON.stringify(statsR.value.alerts.byStatus);
    alertsMoved = state.lastAlertCounts !== undefined && state.lastAlertCounts !== key;
    state.lastAlertCounts = key;
  } else problems.push(`stats: ${statsR.reason.message}`);
  renderQueue();
  if (alertsMoved || now - state.lastMapRefresh > MAP_REFRESH_MS) refreshTownships().catch(() => undefined);
  if (now - state.helpRefreshAt > HELP_REFRESH_MS) refreshHelp().catch(() => undefined);
  // the open alert's referrals move as sites answer: reload its help panel now and then
  const d = state.drawer;
  if (d?.alertId && !state.helpBusy && !document.getElementById('helpBox')?.hidden && now - (d.helpAt || 0) > HELP_REFRESH_MS) loadHelp(d.alertId).catch(() => undefined);
  document.getElementById('status').textContent = problems.length ? problems.join(' · ') : `updated ${new Date(now).toLocaleTimeString('en-GB')}`;
}

async function main() {
  const { key, township, site } = readHash();
  state.key = key;
  if (!state.key) {
    showKeyForm();
    return;
  }
  document.getElementById('who').innerHTML = `<button id="signout" class="link">sign out</button>`;
  document.getElementById('signout').onclick = () => {
    localStorage.removeItem('lifeline.key');
    location.reload();
  };
  let townships;
  try {
    townships = await api('/v1/map/townships');
  } catch (e) {
    if (e.status !== 403) throw e;
    // no map for this key: a site key (role site) reads its orders, and gets its own view; any other refusal stops here
    const asSite = await api('/v1/referrals?limit=1').then(
      () => true,
      () => false,
    );
    if (!asSite) throw e;
    await siteMain(site);
    return;
  }
  initCharts();
  await initMap(townships);
  const feats = fillTownshipSelect();
  const first = township && state.townships.has(township) ? township : feats[0]?.id;
  await tick();
  // the whole city first (a deep link zooms to its township); choosing a township zooms in
  if (first) await selectTownship(first, { zoom: Boolean(township) || state.townships.size === 1 });
  setInterval(() => tick().catch(() => undefined), TICK_MS);
  document.body.dataset.ready = 'true';
}

main().catch((e) => {
  document.getElementById('status').textContent = `error: ${e.message}`;
  document.body.dataset.ready = 'error';
});
