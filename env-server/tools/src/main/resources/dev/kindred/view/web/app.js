// The viewer page: the list of replays the server found, one replay open at a time, a timeline
// shared by both world kinds. Plain ES modules, no build step. Test hooks: data-testid attributes,
// and window.kindredViewer (the open replay's step and selection).

import { parseReplay } from './replay.js';
import { lineChart, fmt } from './chart.js';
import * as energy from './energy.js';
import * as spin from './spin.js';
import { showTournament } from './tournament.js';
import { LiveFeed, MAX_STEPS } from './live.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const view = { model: null, id: null, t: 0, selected: 0, playing: false, timer: null, charts: [], index: null, live: null };
window.kindredViewer = view;

// The live view (kindred view --live): one recorded copy followed through /api/live/watch.
const live = { feed: null, es: null, session: null, copy: 0, following: true, timer: null, version: -1, dropped: 0,
  sessions: [], ended: false };
const short = (id) => (id.length > 10 ? `${id.slice(0, 8)}\u2026` : id);

async function loadIndex() {
  const res = await fetch('/api/index');
  const index = await res.json();
  view.index = index;
  const list = $('replay-list');
  list.replaceChildren();
  $('replay-count').textContent = `(${index.replays.length})`;
  for (const r of index.replays) {
    const li = document.createElement('li');
    li.dataset.testid = 'replay-item';
    li.dataset.id = r.id;
    li.dataset.name = r.name;
    if (r.error) {
      li.className = 'bad';
      li.dataset.status = 'error';
      li.innerHTML = `<div class="name">&#x2715; ${esc(r.name)}</div><div class="sub">${esc(r.error)}</div>`;
    } else {
      const s = r.summary;
      li.dataset.status = 'ok';
      li.innerHTML = `<div class="name">${esc(r.name)}</div><div class="sub">${esc(s.world)} &middot; ${s.steps} steps &middot; ${s.agents} agents</div>`;
    }
    li.onclick = () => { location.hash = `replay=${r.id}`; };
    list.appendChild(li);
  }
  const tl = $('tournament-list');
  tl.replaceChildren();
  $('tournament-heading').hidden = !index.tournaments.length;
  for (const t of index.tournaments) {
    const li = document.createElement('li');
    li.dataset.testid = 'tournament-item';
    li.dataset.id = t.id;
    li.dataset.name = t.name;
    li.innerHTML = `<div class="name">${esc(t.name)}</div>`;
    li.onclick = () => { location.hash = `tournament=${t.id}`; };
    tl.appendChild(li);
  }
  if (index.left_out) {
    $('left-out').hidden = false;
    $('left-out').textContent = `${index.left_out} more files were not listed (at most 5,000).`;
  }
}

async function pollLive() {
  try {
    const res = await fetch('/api/live/sessions');
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      setLiveStatus(body.error || `the viewer answered HTTP ${res.status}`, true);
    } else {
      live.sessions = body.sessions;
      setLiveStatus(body.sessions.length ? `server ${body.target}` : `no recorded sessions at ${body.target} yet `
        + '(sessions created with record, by the token this viewer uses)', false);
    }
  } catch (e) {
    setLiveStatus(`the viewer does not answer (${e.message})`, true);
  }
  renderLiveList();
  setTimeout(pollLive, 2000);
}

function setLiveStatus(text, bad) {
  $('live-status').textContent = text;
  $('live-status').classList.toggle('error', bad);
  $('live-status').dataset.state = bad ? 'error' : 'ok';
}

function renderLiveList() {
  const list = $('live-list');
  list.replaceChildren();
  let n = 0;
  for (const s of live.sessions) {
    s.recorded_copies.forEach((c, k) => {
      const li = document.createElement('li');
      li.dataset.testid = 'live-item';
      li.dataset.id = `live:${s.session_id}/${c}`;
      li.dataset.session = s.session_id;
      li.dataset.copy = c;
      li.innerHTML = `<div class="name">${esc(s.world_id)} &middot; copy ${c}</div><div class="sub">session `
        + `${esc(short(s.session_id))} &middot; step ${s.session_step} &middot; ${s.finished_episodes[k] ?? 0} episodes `
        + `done${s.watchers ? ` &middot; ${s.watchers} watching` : ''}</div>`;
      li.onclick = () => { location.hash = `live=${encodeURIComponent(s.session_id)}&copy=${c}`; };
      li.classList.toggle('active', live.session === s.session_id && live.copy === c && view.live !== null);
      list.appendChild(li);
      n++;
    });
  }
  $('live-count').textContent = `(${n})`;
}

function setLiveState(state, text) {
  document.body.dataset.live = state;
  $('live-state').textContent = text;
  $('live-follow').textContent = live.following ? 'pause' : 'resume live';
  $('live-follow').hidden = state === 'connecting' || state === 'waiting';
}

function closeLive() {
  if (live.es) live.es.close();
  clearTimeout(live.timer);
  live.es = null; live.timer = null; live.feed = null;
  view.live = null;
  $('live-bar').hidden = true;
  delete document.body.dataset.live;
}

function openLive(session, copy) {
  stop();
  closeLive();
  view.model = null; view.id = null; view.charts = []; view.selected = 0;
  view.live = live;
  Object.assign(live, { session, copy, feed: new LiveFeed(), following: true, version: -1, dropped: 0, ended: false });
  markActive(`live:${session}/${copy}`);
  showOnly('replay');
  $('live-bar').hidden = false;
  $('title').textContent = `live \u2014 session ${short(session)} copy ${copy}`;
  $('meta').textContent = '';
  setLiveState('connecting', `connecting to session ${short(session)} copy ${copy}\u2026`);
  const es = new EventSource(`/api/live/watch/${encodeURIComponent(session)}/${copy}`);
  live.es = es;
  es.addEventListener('line', (e) => {
    if (live.es !== es) return;
    live.feed.push(JSON.parse(e.data));
    scheduleLive();
  });
  es.addEventListener('dropped', (e) => { live.dropped += Number(e.data); });
  es.addEventListener('ended', () => {
    es.close();
    live.ended = true;
    refreshLive();
  });
  es.addEventListener('failed', (e) => {
    const f = JSON.parse(e.data);
    if (f.code !== 'UNAVAILABLE') {
      es.close();
      live.ended = true;
    }
    live.failure = f.code === 'UNAVAILABLE' ? `the server went away (${f.message}); reconnecting\u2026`
      : `${f.code}: ${f.message}`;
    setLiveState('error', live.failure);
  });
  es.onopen = () => { live.failure = null; };
  es.onerror = () => {
    if (live.es !== es || live.ended) return;
    setLiveState('error', live.failure || 'lost the stream from the viewer; reconnecting\u2026');
  };
}

function scheduleLive() {
  if (!live.timer) live.timer = setTimeout(refreshLive, 150);
}

/** Draws what the feed holds: at its latest step when following, else where the user left it. */
function refreshLive() {
  live.timer = null;
  if (!live.feed) return;
  const m = live.feed.model();
  if (!m) {
    if (live.ended) setLiveState('ended', 'the session ended before an episode was recorded');
    else setLiveState('waiting', 'waiting for the copy\'s next episode (none is being recorded now)');
    return;
  }
  const prevT0 = view.model && view.model.t0 !== undefined ? view.model.t0 : m.t0;
  view.model = m;
  view.entry = { name: `session ${live.session} copy ${live.copy}` };
  if (live.feed.version !== live.version) {
    live.version = live.feed.version;
    setupReplay(m, view.entry);
  } else {
    $('scrubber').max = m.T;
    $('steps').textContent = m.t0 + m.T;
    $('provenance').innerHTML = provenanceHtml(m, view.entry);
    drawCharts();
  }
  view.t = live.following ? m.T : Math.max(0, Math.min(m.T, view.t - (m.t0 - prevT0)));
  render();
  const last = m.t0 + m.T;
  const kept = live.feed.folded ? ` \u00b7 showing the last ${MAX_STEPS.toLocaleString('en')} steps` : '';
  const dropped = live.dropped ? ` \u00b7 ${live.dropped} lines skipped (the page caught up from a full state)` : '';
  if (live.ended) setLiveState('ended', `the session ended (last step ${last})${kept}`);
  else if (m.end) setLiveState(live.following ? 'following' : 'paused', `episode ${m.header.episode} ended at step ${last}; waiting for the next${dropped}`);
  else if (live.following) setLiveState('following', `live \u00b7 step ${last}${kept}${dropped}`);
  else setLiveState('paused', `paused at step ${m.t0 + view.t} (live: step ${last})${kept}`);
}

function follow(on) {
  live.following = on;
  refreshLive();
}

function showOnly(section) {
  for (const id of ['welcome', 'error', 'tournament', 'replay']) $(id).hidden = id !== section;
}

function markActive(id) {
  for (const li of document.querySelectorAll('#replay-list li, #tournament-list li')) {
    li.classList.toggle('active', li.dataset.id === id);
  }
}

function showError(name, message) {
  stop();
  view.model = null; view.id = null; view.charts = [];
  showOnly('error');
  $('error').innerHTML = `<h2>Cannot open this replay</h2><p><span class="file" data-testid="error-file">${esc(name)}</span>: `
    + `<span data-testid="error-message">${esc(message)}</span></p><p class="note">Other replays on the left still open.</p>`;
  $('title').textContent = name;
  $('meta').textContent = '';
}

async function openReplay(id, t) {
  stop();
  const entry = view.index.replays.find((r) => r.id === id);
  if (!entry) { showError(`replay ${id}`, 'no such replay (the list on the left shows what the server found)'); return; }
  markActive(id);
  if (entry.error) { showError(entry.name, entry.error); return; }
  document.body.dataset.loading = '1';
  try {
    const res = await fetch(`/api/replay/${id}`);
    if (!res.ok) { const e = await res.json().catch(() => ({})); showError(entry.name, e.error || `HTTP ${res.status}`); return; }
    const model = parseReplay(await res.text());
    view.model = model; view.id = id; view.entry = entry; view.selected = 0;
    setupReplay(model, entry);
    seek(Math.min(t ?? 0, model.T));
  } catch (e) {
    showError(entry.name, e.message);
  } finally {
    delete document.body.dataset.loading;
  }
}

function setupReplay(model, entry) {
  showOnly('replay');
  const h = model.header;
  $('title').textContent = `${h.world} \u2014 ${entry.name}`;
  const brains = (h.seats || []).map((s) => `${s.name}: ${s.brain ? (s.brain.name || s.brain.kind) : '?'}`).join(', ');
  $('meta').innerHTML = `seed ${esc(h.seed)} &middot; copy ${h.copy} &middot; episode ${h.episode} &middot; ${esc(h.recorder)}`
    + (brains ? `<br>${esc(brains)}` : '');
  $('scrubber').max = model.T;
  $('steps').textContent = (model.t0 || 0) + model.T;
  const board = $('board');
  const area = board.parentElement.getBoundingClientRect();
  const maxW = Math.max(200, area.width - 30), maxH = Math.max(240, window.innerHeight - 330);
  const isEnergy = model.kind === 'energy';
  $('kinship-panel').hidden = !isEnergy;
  $('heat-panel').hidden = isEnergy;
  if (isEnergy) {
    energy.layoutBoard(board, model, maxW, maxH);
    $('legend').innerHTML = energy.legendHtml(model);
    $('matrix-title').textContent = 'Kinship K[receiver][source]';
  } else {
    spin.layoutSpin(board, model, maxW, maxH);
    $('legend').innerHTML = spin.spinLegend();
  }
  board.onclick = (ev) => {
    const i = isEnergy ? energy.agentAt(board, model, view.t, ev) : spin.controlledAt(board, model, ev);
    if (i >= 0) selectAgent(i);
  };
  $('matrix').onclick = (ev) => {
    const cell = +$('matrix').dataset.cell, r = $('matrix').getBoundingClientRect();
    const i = Math.floor((ev.clientY - r.top) / cell);
    if (i >= 0 && i < model.n) selectAgent(i);
  };
  $('provenance').innerHTML = provenanceHtml(model, entry);
  drawCharts();
}

function provenanceHtml(model, entry) {
  const h = model.header, e = model.end || {};
  const seats = (h.seats || []).map((s) => {
    const b = s.brain || {};
    const extra = [b.kind, b.language, b.sha256 ? `sha256 ${String(b.sha256).slice(0, 12)}\u2026` : null].filter(Boolean).join(', ');
    return `<b>${esc(s.name)}</b> (agents ${esc((s.agents || []).join(','))}): ${esc(b.name || '')} ${extra ? `[${esc(extra)}]` : ''}`;
  }).join('; ');
  const stats = Object.entries(e.copy_stats || {}).map(([k, v]) => `${esc(k)} <b>${fmt(v)}</b>`).join(' &middot; ');
  return `<div>File <b>${esc(entry.name)}</b> &middot; format ${h.format_version} &middot; code ${esc(h.code_version)} `
    + `&middot; created ${esc(h.created)} &middot; ${e.terminated ? 'terminated' : e.truncated ? 'truncated (time limit)' : ''}</div>`
    + (seats ? `<div>Seats: ${seats}</div>` : '') + (stats ? `<div>Episode: ${stats}</div>` : '');
}

function series(model, arr, i) {
  const n = model.header.agents, out = new Float64Array(model.T + 1);
  for (let t = 0; t <= model.T; t++) out[t] = arr[t * n + i];
  return out;
}

function drawCharts() {
  const m = view.model;
  if (!m) return;
  const seekTo = (t) => { stop(); seek(t); };
  if (m.kind === 'energy') {
    $('chart-a-title').textContent = `Energy of every agent (agent ${view.selected} bold)`;
    $('chart-b-title').textContent = `Return so far (agent ${view.selected} bold)`;
    const mk = (arr) => {
      const s = [];
      for (let i = 0; i < m.n; i++) {
        if (i === view.selected) continue;
        s.push({ values: series(m, arr, i), color: energy.groupColor(m.groups[i] ?? 0), opacity: 0.35, width: 1 });
      }
      s.push({ values: series(m, arr, view.selected), color: '#ffffff', width: 2.4 });
      return s;
    };
    view.charts = [lineChart($('chart-a'), m.T, mk(m.energy), { onSeek: seekTo, yMin: 0, t0: m.t0 || 0 }),
      lineChart($('chart-b'), m.T, mk(m.returns), { onSeek: seekTo, t0: m.t0 || 0 })];
  } else {
    $('chart-a-title').textContent = 'Magnetisation';
    $('chart-b-title').textContent = 'Energy';
    view.charts = [lineChart($('chart-a'), m.T, [{ values: m.magnetisation, color: '#f4a259', width: 2 }], { onSeek: seekTo, t0: m.t0 || 0 }),
      lineChart($('chart-b'), m.T, [{ values: m.energy, color: '#4fb3ff', width: 2 }], { onSeek: seekTo, t0: m.t0 || 0 })];
  }
  for (const c of view.charts) c.cursor(view.t);
}

function render() {
  const m = view.model, t = view.t;
  $('step').textContent = (m.t0 || 0) + t;
  $('scrubber').value = t;
  if (m.kind === 'energy') {
    energy.drawBoard($('board'), m, t, view.selected);
    $('inspector').innerHTML = energy.inspectorHtml(m, t, view.selected);
    $('economy').innerHTML = energy.economyHtml(m, view.selected);
    if (m.kinship.length) {
      const r = energy.drawMatrix($('matrix'), m.kinship, view.selected);
      $('matrix-note').textContent = `blue: kin (max ${fmt(r.hi)}), red: negative (min ${fmt(r.lo)}); row ${view.selected} is the selected agent's share of others' rewards. Click a row to select.`;
    }
  } else {
    spin.drawSpins($('board'), m, t, view.selected);
    $('inspector').innerHTML = spin.spinInspectorHtml(m, t, view.selected);
    $('economy').innerHTML = spin.spinInfoHtml(m, t);
    spin.drawPhi($('heat'), m, t);
  }
  for (const c of view.charts) c.cursor(t);
}

function seek(t) {
  if (!view.model) return;
  view.t = Math.max(0, Math.min(view.model.T, t | 0));
  if (view.live) {
    // Moving back pauses following; reaching the latest step again resumes it.
    const on = view.t >= view.model.T && !view.playing;
    if (on !== live.following) { follow(on); return; }
    render();
    return;
  }
  render();
  history.replaceState(null, '', `#replay=${view.id}&t=${view.t}`);
}

function selectAgent(i) {
  view.selected = i;
  drawCharts();
  render();
}

function stop() {
  view.playing = false;
  clearInterval(view.timer);
  $('play').innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 2v12l10-6z" fill="currentColor"/></svg>';
  $('play').setAttribute('aria-label', 'play');
  document.body.dataset.playing = '0';
}

function play() {
  if (!view.model) return;
  if (view.live && live.following) { follow(false); return; }
  if (view.t >= view.model.T) seek(0);
  view.playing = true;
  document.body.dataset.playing = '1';
  $('play').innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>';
  $('play').setAttribute('aria-label', 'pause');
  const rate = +$('speed').value;
  const every = Math.max(16, 1000 / rate), per = Math.max(1, Math.round(rate / 60));
  view.timer = setInterval(() => {
    if (view.t >= view.model.T) { stop(); if (view.live) follow(true); return; }
    seek(view.t + per);
  }, every);
}

function route() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (p.has('live') && view.index.live) {
    const session = p.get('live'), copy = Number(p.get('copy') || 0);
    if (view.live && live.session === session && live.copy === copy) return;
    openLive(session, copy);
    return;
  }
  if (view.live) closeLive();
  if (p.has('replay')) {
    const id = p.get('replay'), t = +(p.get('t') || 0);
    if (id === view.id && view.model) { seek(t); return; }
    openReplay(id, t);
  } else if (p.has('tournament')) {
    stop();
    view.model = null; view.id = null;
    markActive(p.get('tournament'));
    showOnly('tournament');
    showTournament($('tournament'), p.get('tournament'), view.index, (msg) => showError('tournament', msg));
  } else {
    const first = view.index.replays.find((r) => !r.error);
    if (first) location.replace(`#replay=${first.id}`);
    else if (view.index.tournaments.length) location.replace(`#tournament=${view.index.tournaments[0].id}`);
    else {
      if (view.index.live) {
        $('welcome').innerHTML = `<h1>Watching sessions live</h1><p>The list on the left shows the recorded sessions `
          + `of the server at <code>${esc(view.index.live.target)}</code> (created with <code>record</code>, by the `
          + `principal of this viewer's token), refreshed every 2 s. Pick one to follow it as it runs.</p>`;
      }
      showOnly('welcome');
    }
  }
}

function wire() {
  $('play').onclick = () => (view.playing ? stop() : play());
  $('live-follow').onclick = () => { stop(); follow(!live.following); };
  $('first').onclick = () => { stop(); seek(0); };
  $('last').onclick = () => { stop(); seek(view.model.T); };
  $('back').onclick = () => { stop(); seek(view.t - 1); };
  $('fwd').onclick = () => { stop(); seek(view.t + 1); };
  $('speed').onchange = () => { if (view.playing) { stop(); play(); } };
  $('scrubber').oninput = () => { stop(); seek(+$('scrubber').value); };
  document.addEventListener('keydown', (e) => {
    if (!view.model || e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT' && e.target.type !== 'range') return;
    if (e.key === ' ' && e.target.tagName === 'BUTTON') return; // a focused button takes its own Space
    const keys = { ArrowLeft: () => { stop(); seek(view.t - 1); }, ArrowRight: () => { stop(); seek(view.t + 1); },
      Home: () => { stop(); seek(0); }, End: () => { stop(); seek(view.model.T); }, ' ': () => (view.playing ? stop() : play()) };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  window.addEventListener('hashchange', route);
  let resize;
  window.addEventListener('resize', () => {
    clearTimeout(resize);
    resize = setTimeout(() => { if (view.model) { setupReplay(view.model, view.entry); render(); } }, 150);
  });
}

wire();
loadIndex().then(() => {
  if (view.index.live) { $('live-side').hidden = false; pollLive(); }
  route();
}).catch((e) => showError('index', `the server did not answer (${e.message})`));
