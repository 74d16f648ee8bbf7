// The viewer page: the list of replays the server found, one replay open at a time, a timeline
// shared by both world kinds. Plain ES modules, no build step. Test hooks: data-testid attributes,
// and window.kindredViewer (the open replay's step and selection).

import { parseReplay } from './replay.js';
import { lineChart, fmt } from './chart.js';
import * as energy from './energy.js';
import * as spin from './spin.js';
import { showTournament } from './tournament.js';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const view = { model: null, id: null, t: 0, selected: 0, playing: false, timer: null, charts: [], index: null };
window.kindredViewer = view;

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
  $('steps').textContent = model.T;
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
    view.charts = [lineChart($('chart-a'), m.T, mk(m.energy), { onSeek: seekTo, yMin: 0 }),
      lineChart($('chart-b'), m.T, mk(m.returns), { onSeek: seekTo })];
  } else {
    $('chart-a-title').textContent = 'Magnetisation';
    $('chart-b-title').textContent = 'Energy';
    view.charts = [lineChart($('chart-a'), m.T, [{ values: m.magnetisation, color: '#f4a259', width: 2 }], { onSeek: seekTo }),
      lineChart($('chart-b'), m.T, [{ values: m.energy, color: '#4fb3ff', width: 2 }], { onSeek: seekTo })];
  }
  for (const c of view.charts) c.cursor(view.t);
}

function render() {
  const m = view.model, t = view.t;
  $('step').textContent = t;
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
  if (view.t >= view.model.T) seek(0);
  view.playing = true;
  document.body.dataset.playing = '1';
  $('play').innerHTML = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>';
  $('play').setAttribute('aria-label', 'pause');
  const rate = +$('speed').value;
  const every = Math.max(16, 1000 / rate), per = Math.max(1, Math.round(rate / 60));
  view.timer = setInterval(() => {
    if (view.t >= view.model.T) { stop(); return; }
    seek(view.t + per);
  }, every);
}

function route() {
  const p = new URLSearchParams(location.hash.slice(1));
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
    else showOnly('welcome');
  }
}

function wire() {
  $('play').onclick = () => (view.playing ? stop() : play());
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
loadIndex().then(route).catch((e) => showError('index', `the server did not answer (${e.message})`));
