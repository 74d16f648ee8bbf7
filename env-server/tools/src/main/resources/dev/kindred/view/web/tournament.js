// A tournament's results.json (./kindred tournament --out DIR): the leaderboard, and each recorded
// game linked to its replay where the server found the file (tournament --replays).

import { fmt } from './chart.js';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const int = (v) => (Number.isFinite(v) ? Math.round(v) : '\u2013');

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
  const rows = st.map((s, k) => `<tr data-testid="standing"><td>${k + 1}</td><td>${esc(s.brain)}</td><td>${int(s.rating)}</td>`
    + `<td>[${int(s.low)}, ${int(s.high)}]</td><td>${int(s.elo)}</td><td>${s.games}</td><td>${s.wins}/${s.draws}/${s.losses}</td>`
    + `<td>${fmt(s.hearts_per_agent)}</td></tr>`).join('');
  const games = [];
  for (const p of Array.isArray(r.pairings) ? r.pairings : []) {
    for (const g of Array.isArray(p.games) ? p.games : []) {
      if (typeof g.replay === 'string') games.push({ p, g });
    }
  }
  const gameRows = games.slice(0, 2000).map(({ p, g }) => {
    const rid = links[g.replay];
    const file = rid ? `<a href="#replay=${rid}" data-testid="game-replay">${esc(g.replay)}</a>`
      : `${esc(g.replay)} <span class="note">(not found under the viewed directory)</span>`;
    return `<tr><td>${esc(p.scenario)}</td><td>${esc(p.a)} vs ${esc(p.b)}</td><td>${esc(g.seating ?? '')}</td>`
      + `<td>${fmt(g.heartsA)} : ${fmt(g.heartsB)}</td><td>${file}</td></tr>`;
  }).join('');
  panel.innerHTML = `<h3>Tournament</h3><h2 style="margin:0 0 4px">${esc(r.name || body.name)}</h2>
    <p class="note">${esc(body.name)} &middot; created ${esc(r.created || '')} &middot; code ${esc(r.code_version || '')} &middot; seed ${esc(r.seed ?? '')}</p>
    <table class="board-table" data-testid="leaderboard"><thead><tr><th>#</th><th>brain</th><th>rating</th><th>95% interval</th><th>Elo</th><th>games</th><th>W/D/L</th><th>hearts/agent</th></tr></thead>
    <tbody>${rows}</tbody></table>
    ${games.length ? `<h3 style="margin-top:18px">Recorded games</h3><table class="board-table games" data-testid="games">
      <thead><tr><th>scenario</th><th>pairing</th><th>seating</th><th>hearts per agent</th><th>replay</th></tr></thead>
      <tbody>${gameRows}</tbody></table>` : '<p class="note">No recorded games (./kindred tournament --replays DIR records some).</p>'}`;
}
