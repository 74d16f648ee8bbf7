// A tournament's results.json (./kindred tournament --report DIR): the leaderboard, and each game's
// replay where the report links one and the server found it.

import { fmt } from './chart.js';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

export async function showTournament(panel, id, index, onError) {
  const title = document.getElementById('title');
  title.textContent = 'Tournament';
  document.getElementById('meta').textContent = '';
  panel.innerHTML = '<p class="note">Loading&hellip;</p>';
  const res = await fetch(`/api/tournament/${id}`);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) { onError(body.error || `HTTP ${res.status}`); return; }
  const r = body.results, links = body.replays || {};
  title.textContent = `Tournament ${r.name || ''} \u2014 ${body.name}`;
  const st = (r.ratings && r.ratings.standings) || [];
  const int = (v) => (Number.isFinite(v) ? Math.round(v) : '\u2013');
  const rows = st.map((s, k) => `<tr data-testid="standing"><td>${k + 1}</td><td>${esc(s.brain)}</td><td>${int(s.rating)}</td>`
    + `<td>[${int(s.low)}, ${int(s.high)}]</td><td>${int(s.elo)}</td><td>${s.games}</td><td>${s.wins}/${s.draws}/${s.losses}</td>`
    + `<td>${fmt(s.hearts_per_agent)}</td></tr>`).join('');
  const games = [];
  const walk = (o, depth) => {
    if (!o || typeof o !== 'object' || depth > 8 || games.length > 2000) return;
    if (Array.isArray(o)) { o.forEach((v) => walk(v, depth + 1)); return; }
    if (typeof o.replay === 'string') games.push(o);
    for (const v of Object.values(o)) if (v && typeof v === 'object') walk(v, depth + 1);
  };
  walk(r.pairings, 0);
  const gameRows = games.map((g) => {
    const rid = links[g.replay];
    const label = esc(g.replay);
    return `<li>${rid ? `<a href="#replay=${rid}" data-testid="game-replay">${label}</a>` : `${label} <span class="note">(not found under the viewed directory)</span>`}</li>`;
  }).join('');
  panel.innerHTML = `<h3>Tournament</h3><h2 style="margin:0 0 4px">${esc(r.name || body.name)}</h2>
    <p class="note">${esc(body.name)} &middot; created ${esc(r.created || '')} &middot; code ${esc(r.code_version || '')} &middot; seed ${esc(r.seed ?? '')}</p>
    <table class="board-table" data-testid="leaderboard"><thead><tr><th>#</th><th>brain</th><th>rating</th><th>95% interval</th><th>Elo</th><th>games</th><th>W/D/L</th><th>hearts/agent</th></tr></thead>
    <tbody>${rows}</tbody></table>
    ${games.length ? `<h3 style="margin-top:16px">Games with replays</h3><ul>${gameRows}</ul>` : '<p class="note">This report links no replays (run the tournament with --replays DIR to record them).</p>'}`;
}
