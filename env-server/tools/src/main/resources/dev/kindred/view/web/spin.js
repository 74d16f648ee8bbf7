// Spin worlds: the lattice (or graph) coloured by spin, controlled and clamped spins marked, and phi
// of each controlled spin over time as a heatmap.

import { fmt } from './chart.js';

const UP = '#f4a259', DOWN = '#243b6b';

/** Positions of the spins in [0,1]^2 and the cell size hint; lattices are grids, graphs circles. */
function positions(model) {
  const g = model.graph || {};
  if (g.kind === 'lattice') return { cols: g.width, rows: g.height, grid: true };
  const side = Math.ceil(Math.sqrt(model.n));
  if (g.kind === 'dense' || !g.edges || model.n > 400) return { cols: side, rows: Math.ceil(model.n / side), grid: true };
  const pts = [];
  for (let i = 0; i < model.n; i++) {
    const a = (2 * Math.PI * i) / model.n - Math.PI / 2;
    pts.push([0.5 + 0.45 * Math.cos(a), 0.5 + 0.45 * Math.sin(a)]);
  }
  return { pts, grid: false };
}

export function layoutSpin(canvas, model, maxW, maxH) {
  const p = positions(model);
  model.layout = p;
  let w, h;
  if (p.grid) {
    const cell = Math.max(3, Math.min(40, Math.floor(Math.min(maxW / p.cols, maxH / p.rows))));
    p.cell = cell; w = cell * p.cols; h = cell * p.rows;
  } else {
    w = h = Math.min(maxW, maxH, 560);
  }
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${w}px`; canvas.style.height = `${h}px`;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  canvas.dataset.w = w; canvas.dataset.h = h;
}

export function drawSpins(canvas, model, t, selected) {
  const ctx = canvas.getContext('2d');
  const w = +canvas.dataset.w, h = +canvas.dataset.h, dpr = canvas.width / w;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#11161d'; ctx.fillRect(0, 0, w, h);
  const s = model.spinsAt(t), p = model.layout;
  const controlled = new Map(model.controlled.map((c, j) => [c, j]));
  const clamped = new Set(model.clamped);
  const centre = (i) => p.grid
    ? [((i % p.cols) + 0.5) * p.cell, (Math.floor(i / p.cols) + 0.5) * p.cell]
    : [p.pts[i][0] * w, p.pts[i][1] * h];
  if (!p.grid) {
    ctx.strokeStyle = 'rgba(141,153,168,0.25)'; ctx.lineWidth = 1;
    for (const [i, j] of model.graph.edges.slice(0, 20000)) {
      const a = centre(i), b = centre(j);
      ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
    }
  }
  const r = p.grid ? p.cell / 2 : Math.max(3, Math.min(14, (w * 1.2) / model.n));
  for (let i = 0; i < model.n; i++) {
    const [cx, cy] = centre(i);
    ctx.fillStyle = s[i] ? UP : DOWN;
    if (p.grid) ctx.fillRect(cx - r, cy - r, 2 * r - (p.cell > 5 ? 1 : 0), 2 * r - (p.cell > 5 ? 1 : 0));
    else { ctx.beginPath(); ctx.arc(cx, cy, r, 0, 7); ctx.fill(); }
    if (clamped.has(i)) {
      ctx.strokeStyle = '#e6e6e6'; ctx.lineWidth = Math.max(1, r * 0.25);
      ctx.beginPath(); ctx.moveTo(cx - r * 0.6, cy - r * 0.6); ctx.lineTo(cx + r * 0.6, cy + r * 0.6);
      ctx.moveTo(cx + r * 0.6, cy - r * 0.6); ctx.lineTo(cx - r * 0.6, cy + r * 0.6); ctx.stroke();
    }
    if (controlled.has(i)) {
      const j = controlled.get(i);
      ctx.strokeStyle = j === selected ? '#ffffff' : '#5ad08a'; ctx.lineWidth = Math.max(1.5, r * 0.3);
      ctx.beginPath(); ctx.arc(cx, cy, r * 0.62, 0, 7); ctx.stroke();
    }
  }
}

/** The controlled spin (agent index) under a click, or -1. */
export function controlledAt(canvas, model, ev) {
  const rect = canvas.getBoundingClientRect(), p = model.layout;
  const px = (ev.clientX - rect.left) * (+canvas.dataset.w / rect.width);
  const py = (ev.clientY - rect.top) * (+canvas.dataset.h / rect.height);
  let best = -1, bestD = Infinity;
  model.controlled.forEach((c, j) => {
    const [cx, cy] = p.grid ? [((c % p.cols) + 0.5) * p.cell, (Math.floor(c / p.cols) + 0.5) * p.cell]
      : [p.pts[c][0] * +canvas.dataset.w, p.pts[c][1] * +canvas.dataset.h];
    const d = Math.hypot(px - cx, py - cy);
    if (d < bestD) { bestD = d; best = j; }
  });
  return bestD < 40 ? best : -1;
}

export function spinLegend() {
  return `<span><i style="background:${UP}"></i>spin +1</span><span><i style="background:${DOWN}"></i>spin &minus;1</span>`
    + '<span><i style="background:transparent;border:2px solid #5ad08a;border-radius:50%"></i>controlled (agent)</span>'
    + '<span>&#x2715; clamped</span>';
}

export function spinInspectorHtml(model, t, j) {
  const k = model.k;
  if (!k) return '<h3>Controlled spins</h3><p class="note">This world has no controlled spins.</p>';
  const step = t > 0 ? model.steps[t - 1] : null;
  const spin = model.controlled[j];
  const value = model.spinsAt(t)[spin] ? '+1' : '\u22121';
  return `<h3>Controlled spin <span data-testid="agent-index">${j}</span> (site ${spin})</h3>
  <dl class="kv">
    <dt>spin</dt><dd class="big" data-testid="agent-spin">${value}</dd>
    <dt>&phi;</dt><dd data-testid="agent-phi">${fmt(model.phi[t * k + j])}</dd>
    <dt>surprise</dt><dd data-testid="agent-surprise">${fmt(model.surprise[t * k + j])}</dd>
    <dt>last action</dt><dd><b data-testid="agent-action">${step ? (step.actions[j] ? 'up (+1)' : 'down (\u22121)') : 'none (start)'}</b>
      ${step && step.success ? `<span class="${step.success[j] ? 'ok' : 'fail'}" data-testid="agent-success">${step.success[j] ? '\u2713' : '\u2717'}</span>` : ''}</dd>
    <dt>reward</dt><dd data-testid="agent-reward">${t ? fmt(model.rewards[t * model.header.agents + j]) : '–'}</dd>
    <dt>return so far</dt><dd data-testid="agent-return">${fmt(model.returns[t * model.header.agents + j])}</dd>
  </dl>`;
}

export function spinInfoHtml(model, t) {
  const g = model.graph || {};
  const graph = g.kind === 'lattice' ? `${g.width}&times;${g.height} lattice${g.periodic ? ', periodic' : ''}`
    : g.kind === 'dense' ? `dense couplings, ${model.n} spins` : `graph, ${model.n} spins, ${(g.edges || []).length} edges`;
  return `<h3>World</h3><table class="economy"><tbody>
    <tr><td>graph</td><td>${graph}</td></tr>
    <tr><td>&beta;</td><td>${fmt(model.beta)}</td></tr>
    <tr><td>&zeta;</td><td>${Array.isArray(model.zeta) ? 'per site' : fmt(model.zeta)}</td></tr>
    <tr><td>controlled / clamped</td><td>${model.controlled.length} / ${model.clamped.length}</td></tr>
    <tr><td>magnetisation</td><td data-testid="magnetisation">${fmt(model.magnetisation[t])}</td></tr>
    <tr><td>energy</td><td data-testid="spin-energy">${fmt(model.energy[t])}</td></tr>
  </tbody></table>`;
}

/** phi heatmap: a row per controlled spin, a column per step; a line at the current step. */
export function drawPhi(canvas, model, t) {
  const k = Math.max(1, model.k), T = model.T;
  const w = canvas.clientWidth || 800, h = canvas.clientHeight || 140;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#11161d'; ctx.fillRect(0, 0, w, h);
  const cw = w / (T + 1), ch = h / k;
  for (let j = 0; j < model.k; j++) for (let s = 0; s <= T; s++) {
    const v = model.phi[s * model.k + j];
    if (!Number.isFinite(v)) continue;
    // dark blue (0) to bright amber (1)
    ctx.fillStyle = `rgb(${Math.round(20 + 224 * v)},${Math.round(30 + 132 * v)},${Math.round(70 + 19 * v)})`;
    ctx.fillRect(s * cw, j * ch, Math.ceil(cw), Math.ceil(ch) - (ch > 6 ? 1 : 0));
  }
  ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5;
  ctx.beginPath(); ctx.moveTo((t + 0.5) * cw, 0); ctx.lineTo((t + 0.5) * cw, h); ctx.stroke();
}
