// Lifeline dashboard: everything it shows comes from the public /v1 API and /metrics.
/* global L, Chart */

const TIER_COLOURS = { 1: '#d7301f', 2: '#fc8d59', 3: '#1a9850' };
const state = { key: null, township: null, alerts: new Map(), source: null, charts: {}, lastMetrics: null, map: null, layers: {} };

// ---- API access -------------------------------------------------------------------------
function readKey() {
  const m = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
  if (m) {
    localStorage.setItem('lifeline.key', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
  return localStorage.getItem('lifeline.key');
}

async function api(path, opts = {}) {
  const res = await fetch(path, {
    ...opts,
    headers: { authorization: `Bearer ${state.key}`, ...(opts.body ? { 'content-type': 'application/json' } : {}), ...(opts.headers || {}) },
  });
  const text = await res.text();
  const body = text && (res.headers.get('content-type') || '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    if (res.status === 401) showKeyForm();
    const e = body && body.error ? body.error : { code: String(res.status), message: res.statusText };
    throw Object.assign(new Error(`${e.code}: ${e.message}`), { status: res.status, body });
  }
  return body;
}

function showKeyForm() {
  const form = document.getElementById('keyform');
  form.hidden = false;
  form.onsubmit = (ev) => {
    ev.preventDefault();
    localStorage.setItem('lifeline.key', document.getElementById('keyinput').value.trim());
    location.reload();
  };
}

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
const rid = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2));

// ---- map --------------------------------------------------------------------------------
async function initMap() {
  const map = L.map('map', { preferCanvas: true, zoomSnap: 0.5 });
  state.map = map;
  const townships = await api('/v1/map/townships');
  const layer = L.geoJSON(townships, {
    style: (f) => {
      const p = f.properties;
      const total = p.households || 0;
      const share = total ? (p.tiers?.['1'] ?? p.tiers?.[1] ?? 0) / total : 0;
      return { color: '#445', weight: 0.6, fillOpacity: 0.15 + share * 0.7, fillColor: share > 0.5 ? TIER_COLOURS[1] : share > 0.25 ? TIER_COLOURS[2] : TIER_COLOURS[3] };
    },
    onEachFeature: (f, l) => {
      const p = f.properties;
      l.bindTooltip(`<b>${esc(p.name || p.townshipId)}</b><br>${p.households ?? '—'} households · tier 1: ${p.tiers?.['1'] ?? '—'}<br>open alerts: ${p.openAlerts ?? 0}`);
      l.on('click', () => selectTownship(p.townshipId));
    },
  }).addTo(map);
  state.layers.townships = layer;
  map.fitBounds(layer.getBounds());
  const select = document.getElementById('township');
  const feats = [...townships.features].sort((a, b) => (b.properties.openAlerts ?? 0) - (a.properties.openAlerts ?? 0));
  select.innerHTML = feats.map((f) => `<option value="${esc(f.properties.townshipId)}">${esc(f.properties.name || f.properties.townshipId)} (${f.properties.openAlerts ?? 0})</option>`).join('');
  select.onchange = () => selectTownship(select.value);
  if (feats[0]) await selectTownship(feats[0].properties.townshipId);
}

async function loadHouseholdPoints(townshipId) {
  if (state.layers.points) state.layers.points.remove();
  try {
    const pts = await api(`/v1/map/households?township=${encodeURIComponent(townshipId)}`);
    state.layers.points = L.geoJSON(pts, {
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, {
          radius: f.properties.openAlerts ? 5 : 3,
          weight: f.properties.openAlerts ? 2 : 0,
          color: '#6a3d9a',
          fillColor: TIER_COLOURS[f.properties.tier] || '#999',
          fillOpacity: 0.85,
          className: 'household-point',
        }).on('click', () => openPortrait(f.properties.householdId)),
    }).addTo(state.map);
    document.getElementById('map').dataset.households = String(pts.features.length);
  } catch (e) {
    // roles without personal-data access see aggregates only
    document.getElementById('map').dataset.households = '0';
  }
}

// ---- alert queue ------------------------------------------------------------------------
async function selectTownship(id) {
  state.township = id;
  document.getElementById('township').value = id;
  const f = state.layers.townships?.getLayers().find((l) => l.feature.properties.townshipId === id);
  if (f) state.map.fitBounds(f.getBounds(), { maxZoom: 13 });
  await Promise.all([loadQueue(), loadHouseholdPoints(id)]);
  subscribe(id);
}

async function loadQueue() {
  const status = document.getElementById('statusFilter').value;
  const q = new URLSearchParams({ limit: '100' });
  if (status) q.set('status', status);
  const page = await api(`/v1/townships/${encodeURIComponent(state.township)}/alerts?${q}`);
  state.alerts = new Map(page.items.map((a) => [a.id, a]));
  renderQueue();
}

const LEVEL_RANK = { urgent: 0, general: 1 };
function renderQueue() {
  const status = document.getElementById('statusFilter').value;
  const items = [...state.alerts.values()]
    .filter((a) => (status ? a.status === status : a.status !== 'closed'))
    .sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || a.dueAt - b.dueAt);
  const now = Date.now();
  document.getElementById('queueBody').innerHTML = items
    .map(
      (a) => `<tr data-alert="${esc(a.id)}" data-household="${esc(a.householdId)}">
        <td><span class="lvl ${esc(a.level)}">${esc(a.level)}</span></td><td>${esc(a.type)}</td><td>${esc(a.householdId)}</td>
        <td>${a.snapshot?.score ?? '—'} (T${a.snapshot?.tier ?? '?'})</td><td>${esc(a.status)}</td>
        <td class="${a.dueAt < now && a.status !== 'closed' ? 'overdue' : ''}">${fmtTime(a.dueAt)}</td></tr>`,
    )
    .join('');
  const overdue = items.filter((a) => a.dueAt < now).length;
  document.getElementById('queueCounts').textContent = `${items.length} alerts · ${items.filter((a) => a.level === 'urgent').length} urgent · ${overdue} overdue`;
  for (const tr of document.querySelectorAll('#queueBody tr')) tr.onclick = () => openAlert(tr.dataset.alert);
}

function subscribe(townshipId) {
  if (state.source) state.source.close();
  // EventSource cannot send headers: the key travels as a query parameter on this one route
  const es = new EventSource(`/v1/townships/${encodeURIComponent(townshipId)}/alerts/stream?key=${encodeURIComponent(state.key)}`);
  es.addEventListener('alert', (ev) => {
    const a = JSON.parse(ev.data);
    state.alerts.set(a.id, a);
    renderQueue();
  });
  state.source = es;
}

// ---- portrait and actions ---------------------------------------------------------------
function portraitHtml(p) {
  const dims = Object.values(p.dimensions || {});
  const bars = dims
    .map(
      (d) => `<div class="bar"><span>${esc(d.dimension)}</span><span class="track"><span class="fill" style="width:${(100 * d.score) / d.max}%"></span></span><span>${d.score}/${d.max}</span></div>` +
        (d.indicators || []).map((i) => `<div class="why">${esc(i.reason)}</div>`).join(''),
    )
    .join('');
  const causes = Object.entries(p.causes || {})
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${esc(k)} ${v}`)
    .join(' · ');
  const sugg = (p.suggestions || []).map((s) => `<li><b>${esc(s.kind)}: ${esc(s.code)}</b> — ${esc(s.reason)}</li>`).join('');
  return `<h2>Household ${esc(p.householdId ?? p.id)}</h2>
    <div>score <b>${p.score}</b> · tier <b>${p.tier}</b> · ${esc(p.region?.townshipId ?? '')} · needs: ${esc((p.needTypes || []).join(', ') || 'none')}</div>
    <h3>Dimensions</h3>${bars}<h3>Causes (0–5)</h3><div>${causes || 'none'}</div>
    <h3>Suggestions</h3><ul class="sugg">${sugg || '<li>none</li>'}</ul>
    <h3>Members</h3><div>${(p.persons || []).map((m) => `${esc(m.name)} (${esc(m.relation)}, ${esc(m.idNumber)})`).join('<br>')}</div>`;
}

async function openPortrait(householdId) {
  const p = await api(`/v1/households/${encodeURIComponent(householdId)}`);
  showDrawer(portraitHtml(p));
}

async function openAlert(alertId) {
  const alert = state.alerts.get(alertId);
  const p = await api(`/v1/households/${encodeURIComponent(alert.householdId)}`);
  const triggers = (alert.triggers || []).map((t) => `<li>${esc(t.reason)} <small>(${fmtTime(t.at)})</small></li>`).join('');
  showDrawer(`<div><span class="lvl ${esc(alert.level)}">${esc(alert.level)}</span> <b>${esc(alert.type)}</b> · ${esc(alert.status)} · due ${fmtTime(alert.dueAt)}</div>
    <ul>${triggers}</ul>
    <div class="actions" id="actions"></div><div class="msg" id="actionMsg" data-testid="action-msg"></div>
    ${portraitHtml(p)}`);
  renderActions(alert, p);
}

function renderActions(alert, portrait) {
  const box = document.getElementById('actions');
  const msg = document.getElementById('actionMsg');
  const run = async (fn) => {
    msg.className = 'msg';
    msg.textContent = '…';
    try {
      const updated = await fn();
      state.alerts.set(updated.id, { ...updated, lease: updated.lease ?? alert.lease });
      Object.assign(alert, updated);
      msg.textContent = `now ${updated.status}`;
      renderQueue();
      renderActions(alert, portrait);
    } catch (e) {
      msg.className = 'msg err';
      msg.textContent = e.message;
    }
  };
  const token = () => alert.lease?.token;
  const post = (verb, body) => api(`/v1/alerts/${encodeURIComponent(alert.id)}/${verb}`, { method: 'POST', body: JSON.stringify({ leaseToken: token(), requestId: rid(), ...body }) });
  box.innerHTML = '';
  const button = (label, onclick, primary = false) => {
    const b = document.createElement('button');
    b.textContent = label;
    b.dataset.action = label;
    if (primary) b.className = 'primary';
    b.onclick = onclick;
    box.appendChild(b);
  };
  if (alert.status === 'open') {
    button('Claim', () => run(async () => {
      const r = await api(`/v1/alerts/${encodeURIComponent(alert.id)}/claim`, { method: 'POST', body: JSON.stringify({ leaseSec: 900, requestId: rid() }) });
      return r.alert ?? r;
    }), true);
  } else if (alert.status === 'claimed') {
    const sel = document.createElement('select');
    sel.id = 'outcome';
    sel.innerHTML = '<option value="confirmed">confirmed</option><option value="not_confirmed">not confirmed</option><option value="unreachable">unreachable</option>';
    box.appendChild(sel);
    button('Verify', () => run(() => post('verify', { outcome: sel.value, note: 'verified from the dashboard' })), true);
    button('Release', () => run(() => post('release', {})));
  } else if (alert.status === 'verified') {
    const referrals = (portrait.suggestions || []).map((s) => ({ kind: s.kind, code: s.code }));
    button(`Dispose (${referrals.length} referrals)`, () => run(() => post('dispose', { referrals, note: 'referred from the dashboard' })), true);
  } else if (alert.status === 'disposed') {
    button('Close', () => run(() => post('close', {})), true);
  }
}

function showDrawer(html) {
  document.getElementById('drawerBody').innerHTML = html;
  document.getElementById('drawer').hidden = false;
}
document.getElementById('drawerClose').onclick = () => (document.getElementById('drawer').hidden = true);
document.getElementById('statusFilter').onchange = () => loadQueue();

// ---- charts from the engine's own metrics -----------------------------------------------
function parseMetrics(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([-+\d.eE]+|NaN|\+Inf)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[2]) for (const kv of m[2].slice(1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[kv[1]] = kv[2];
    if (!out.has(m[1])) out.set(m[1], []);
    out.get(m[1]).push({ labels, value: Number(m[3]) });
  }
  return out;
}
const sum = (m, name, pred = () => true) => (m.get(name) || []).filter((s) => pred(s.labels)).reduce((a, s) => a + s.value, 0);

function quantileFromBuckets(m, name, q) {
  const buckets = (m.get(`${name}_bucket`) || []).reduce((acc, s) => acc.set(s.labels.le, (acc.get(s.labels.le) || 0) + s.value), new Map());
  const sorted = [...buckets.entries()].map(([le, c]) => [le === '+Inf' ? Infinity : Number(le), c]).sort((a, b) => a[0] - b[0]);
  const total = sorted.length ? sorted[sorted.length - 1][1] : 0;
  if (!total) return null;
  for (const [le, c] of sorted) if (c >= q * total) return Number.isFinite(le) ? le * 1000 : null;
  return null;
}

function lineChart(id, labels) {
  return new Chart(document.getElementById(id), {
    type: 'line',
    data: { labels: [], datasets: labels.map((l, i) => ({ label: l, data: [], borderColor: ['#2f6fdd', '#d7301f', '#1a9850'][i], pointRadius: 0, tension: 0.3 })) },
    options: { animation: false, responsive: true, scales: { x: { display: false } } },
  });
}

function initCharts() {
  state.charts.throughput = lineChart('throughput', ['processed/s', 'rejected/s']);
  state.charts.latency = lineChart('latency', ['processing p50', 'processing p99']);
  state.charts.feeds = new Chart(document.getElementById('feeds'), { type: 'bar', data: { labels: [], datasets: [{ label: 'updates/s', data: [], backgroundColor: '#2f6fdd' }] }, options: { animation: false, indexAxis: 'y' } });
  state.charts.tiers = new Chart(document.getElementById('tiers'), {
    type: 'bar',
    data: { labels: ['tier 1', 'tier 2', 'tier 3', 'overdue alerts'], datasets: [{ label: 'count', data: [0, 0, 0, 0], backgroundColor: [TIER_COLOURS[1], TIER_COLOURS[2], TIER_COLOURS[3], '#6a3d9a'] }] },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
}

function push(chart, values) {
  chart.data.labels.push('');
  values.forEach((v, i) => chart.data.datasets[i].data.push(v));
  if (chart.data.labels.length > 60) {
    chart.data.labels.shift();
    chart.data.datasets.forEach((d) => d.data.shift());
  }
  chart.update();
}

async function tick() {
  try {
    const [text, feeds, stats] = await Promise.all([api('/metrics'), api('/v1/feeds'), api('/v1/stats')]);
    const m = parseMetrics(text);
    const now = Date.now();
    const processed = sum(m, 'lifeline_updates_processed_total');
    const rejected = sum(m, 'lifeline_updates_rejected_total');
    let rate = 0;
    if (state.lastMetrics) {
      const dt = (now - state.lastMetrics.at) / 1000;
      rate = Math.max(0, (processed - state.lastMetrics.processed) / dt);
      push(state.charts.throughput, [rate, Math.max(0, (rejected - state.lastMetrics.rejected) / dt)]);
    }
    state.lastMetrics = { at: now, processed, rejected };
    push(state.charts.latency, [quantileFromBuckets(m, 'lifeline_processing_seconds', 0.5), quantileFromBuckets(m, 'lifeline_processing_seconds', 0.99)]);
    const deps = feeds.departments || feeds.items || [];
    state.charts.feeds.data.labels = deps.map((d) => d.source + (d.stale ? ' (stale)' : ''));
    state.charts.feeds.data.datasets[0].data = deps.map((d) => d.ratePerSec ?? d.rate ?? 0);
    state.charts.feeds.update();
    const tiers = stats.tiers || {};
    state.charts.tiers.data.datasets[0].data = [tiers['1'] ?? 0, tiers['2'] ?? 0, tiers['3'] ?? 0, stats.overdue ?? stats.alerts?.overdue ?? 0];
    state.charts.tiers.update();
    const pending = sum(m, 'lifeline_consumer_pending');
    const open = stats.alerts?.byStatus?.open ?? stats.openAlerts ?? '—';
    document.getElementById('status').textContent = `${Math.round(rate).toLocaleString()} updates/s · lag ${pending.toLocaleString()} · open alerts ${open.toLocaleString?.() ?? open}`;
  } catch (e) {
    document.getElementById('status').textContent = `metrics unavailable: ${e.message}`;
  }
}

async function main() {
  state.key = readKey();
  if (!state.key) {
    showKeyForm();
    document.getElementById('status').textContent = 'sign in with an API key';
    return;
  }
  initCharts();
  await initMap();
  await tick();
  setInterval(tick, 2000);
}

main().catch((e) => {
  document.getElementById('status').textContent = `error: ${e.message}`;
});
