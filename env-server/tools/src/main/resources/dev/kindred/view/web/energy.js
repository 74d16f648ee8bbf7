// The energy/kinship world: the grid on a canvas, the agent inspector, the kinship heatmap and the
// episode's economy.

import { fmt } from './chart.js';

/** Distinct colours for groups (teams); agents of one group share a colour. */
export const GROUP_COLORS = ['#4fb3ff', '#ff8a4c', '#b78cff', '#5ad08a', '#ff5c8a', '#e9c46a', '#3fd0d0', '#c0c6cf'];
export const groupColor = (g) => GROUP_COLORS[g % GROUP_COLORS.length];

const OBJECT_STYLE = {
  green_generator: { fill: '#1f7a4d', edge: '#5ad08a', crystal: '#7dffb0' },
  yellow_generator: { fill: '#7a6a1f', edge: '#e9c46a', crystal: '#ffe38a' },
  converter: { fill: '#4a3470', edge: '#b78cff' },
  altar: { fill: '#6d2338', edge: '#ff5c8a' },
};

export function legendHtml(model) {
  const groups = [...new Set(model.groups)].sort((a, b) => a - b);
  const items = [
    ['#4a5160', 'wall'], ['#5ad08a', 'green generator (stock)'], ['#e9c46a', 'yellow generator (stock)'],
    ['#b78cff', 'converter'], ['#ff5c8a', 'altar (cooldown)'],
    ...groups.map((g) => [groupColor(g), `group ${g} agents`]),
  ];
  return items.map(([c, l]) => `<span><i style="background:${c}"></i>${l}</span>`).join('')
    + '<span>&#x25B2; facing &middot; ring: shield &middot; &#x2744; frozen</span>';
}

/** Cell size in CSS pixels that fits the grid into the available width and height. */
export function layoutBoard(canvas, model, maxW, maxH) {
  const cell = Math.max(6, Math.min(56, Math.floor(Math.min(maxW / model.width, maxH / model.height))));
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cell * model.width}px`;
  canvas.style.height = `${cell * model.height}px`;
  canvas.width = Math.round(cell * model.width * dpr);
  canvas.height = Math.round(cell * model.height * dpr);
  canvas.dataset.cell = cell;
  return cell;
}

function roundRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y); ctx.arcTo(x + w, y, x + w, y + h, r); ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r); ctx.arcTo(x, y, x + w, y, r); ctx.closePath();
}

export function drawBoard(canvas, model, t, selected) {
  const ctx = canvas.getContext('2d');
  const cell = +canvas.dataset.cell, dpr = canvas.width / (cell * model.width);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const W = model.width, H = model.height;
  ctx.fillStyle = '#11161d';
  ctx.fillRect(0, 0, W * cell, H * cell);
  // floor checker + grid
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if ((x + y) & 1) { ctx.fillStyle = '#141a22'; ctx.fillRect(x * cell, y * cell, cell, cell); }
  }
  // walls
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if (!model.walls[y * W + x]) continue;
    ctx.fillStyle = '#434b59'; ctx.fillRect(x * cell, y * cell, cell, cell);
    ctx.fillStyle = '#58616f'; ctx.fillRect(x * cell, y * cell, cell, Math.max(1, cell * 0.18));
    ctx.fillStyle = '#343a45'; ctx.fillRect(x * cell, (y + 1) * cell - Math.max(1, cell * 0.12), cell, Math.max(1, cell * 0.12));
  }
  const font = (px, weight = 600) => `${weight} ${Math.max(7, Math.round(px))}px system-ui, "DejaVu Sans", sans-serif`;
  // objects
  model.objects.forEach((o, idx) => {
    const st = OBJECT_STYLE[o.kind] || { fill: '#555', edge: '#aaa' };
    const px = o.x * cell, py = o.y * cell, pad = cell * 0.1, s = cell - 2 * pad;
    const stock = model.stock[t * model.m + idx];
    const cooldown = Math.max(0, model.readyAt[t * model.m + idx] - t);
    const cx = px + cell / 2, cy = py + cell / 2;
    ctx.globalAlpha = (o.kind.endsWith('generator') && stock === 0) ? 0.4 : 1;
    ctx.fillStyle = st.fill; ctx.strokeStyle = st.edge; ctx.lineWidth = Math.max(1, cell * 0.06);
    if (o.kind === 'altar') {
      ctx.beginPath();
      ctx.moveTo(cx, py + pad); ctx.lineTo(px + cell - pad, py + cell - pad); ctx.lineTo(px + pad, py + cell - pad);
      ctx.closePath(); ctx.fill(); ctx.stroke();
      ctx.fillStyle = '#ffd1dc'; ctx.beginPath(); ctx.arc(cx, cy + cell * 0.08, cell * 0.1, 0, 7); ctx.fill();
    } else if (o.kind === 'converter') {
      ctx.beginPath();
      for (let k = 0; k < 6; k++) {
        const a = Math.PI / 6 + k * Math.PI / 3;
        ctx.lineTo(cx + Math.cos(a) * s / 2, cy + Math.sin(a) * s / 2);
      }
      ctx.closePath(); ctx.fill(); ctx.stroke();
      ctx.fillStyle = '#e8dcff'; ctx.font = font(cell * 0.42, 700); ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText('\u21c4', cx, cy + 1);
    } else {
      roundRect(ctx, px + pad, py + pad, s, s, cell * 0.15); ctx.fill(); ctx.stroke();
      ctx.fillStyle = st.crystal;
      ctx.beginPath(); ctx.moveTo(cx, py + pad * 2); ctx.lineTo(cx + s * 0.22, cy - s * 0.05);
      ctx.lineTo(cx, cy + s * 0.12); ctx.lineTo(cx - s * 0.22, cy - s * 0.05); ctx.closePath(); ctx.fill();
      if (stock >= 0 && cell >= 14) {
        ctx.fillStyle = '#fff'; ctx.font = font(cell * 0.3); ctx.textAlign = 'center'; ctx.textBaseline = 'alphabetic';
        ctx.fillText(String(stock), cx, py + cell - pad * 1.6);
      }
    }
    ctx.globalAlpha = 1;
    if (cooldown > 0) {
      // a dark sector that shrinks as the cooldown runs out, and the steps left
      ctx.fillStyle = 'rgba(0,0,0,0.55)';
      ctx.beginPath(); ctx.moveTo(cx, cy);
      ctx.arc(cx, cy, s / 2, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * Math.min(1, cooldown / 20)); ctx.closePath(); ctx.fill();
      if (cell >= 14) {
        ctx.fillStyle = '#fff'; ctx.font = font(cell * 0.3, 700); ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
        ctx.fillText(String(cooldown), cx, cy);
      }
    }
  });
  // agents
  const n = model.n, a = model.agent;
  for (let i = 0; i < n; i++) {
    const k = t * n + i;
    const cx = (a.x[k] + 0.5) * cell, cy = (a.y[k] + 0.5) * cell, r = cell * 0.36;
    const color = groupColor(model.groups[i] ?? 0);
    const frozen = a.frozen[k] > 0;
    if (i === selected) {
      ctx.strokeStyle = '#ffffff'; ctx.lineWidth = Math.max(2, cell * 0.08);
      ctx.beginPath(); ctx.arc(cx, cy, r + cell * 0.14, 0, 7); ctx.stroke();
    }
    // body
    ctx.fillStyle = frozen ? '#9fd8ff' : color;
    ctx.beginPath(); ctx.arc(cx, cy, r, 0, 7); ctx.fill();
    // energy as a dark sector eaten from the body: full circle = max energy
    const frac = model.maxEnergy ? Math.max(0, Math.min(1, model.energy[k] / model.maxEnergy)) : 1;
    if (frac < 1) {
      ctx.fillStyle = 'rgba(0,0,0,0.35)';
      ctx.beginPath(); ctx.moveTo(cx, cy); ctx.arc(cx, cy, r, -Math.PI / 2 + frac * 2 * Math.PI, 1.5 * Math.PI); ctx.closePath(); ctx.fill();
    }
    // orientation: a notch pointing up/right/down/left
    const dir = [[0, -1], [1, 0], [0, 1], [-1, 0]][a.orientation[k] & 3];
    const tipX = cx + dir[0] * (r + cell * 0.12), tipY = cy + dir[1] * (r + cell * 0.12);
    const bx = cx + dir[0] * r * 0.55, by = cy + dir[1] * r * 0.55;
    ctx.fillStyle = '#ffffff';
    ctx.beginPath(); ctx.moveTo(tipX, tipY);
    ctx.lineTo(bx - dir[1] * r * 0.45, by + dir[0] * r * 0.45); ctx.lineTo(bx + dir[1] * r * 0.45, by - dir[0] * r * 0.45);
    ctx.closePath(); ctx.fill();
    if (a.shield[k]) {
      ctx.strokeStyle = '#7fe7ff'; ctx.lineWidth = Math.max(1.5, cell * 0.07);
      ctx.setLineDash([cell * 0.12, cell * 0.06]);
      ctx.beginPath(); ctx.arc(cx, cy, r + cell * 0.08, 0, 7); ctx.stroke(); ctx.setLineDash([]);
    }
    if (cell >= 16) {
      ctx.fillStyle = frozen ? '#0c3550' : '#0b0f14'; ctx.font = font(cell * (frozen ? 0.36 : 0.3), 700);
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillText(frozen ? '\u2744' : String(i), cx, cy + 1);
    }
  }
}

/** The agent under a click, or -1. */
export function agentAt(canvas, model, t, ev) {
  const r = canvas.getBoundingClientRect(), cell = r.width / model.width;
  const x = Math.floor((ev.clientX - r.left) / cell), y = Math.floor((ev.clientY - r.top) / cell);
  for (let i = 0; i < model.n; i++) {
    if (model.agent.x[t * model.n + i] === x && model.agent.y[t * model.n + i] === y) return i;
  }
  return -1;
}

export function actionName(model, t, i) {
  if (t === 0) return 'none (start)';
  const acts = model.steps[t - 1].actions;
  const id = acts[2 * i], arg = acts[2 * i + 1];
  const name = model.actions[id] ?? `action ${id}`;
  return `${name}(${arg})`;
}

export function inspectorHtml(model, t, i) {
  const n = model.n, k = t * n + i, a = model.agent;
  const step = t > 0 ? model.steps[t - 1] : null;
  const ok = step ? (step.success[i] ? 1 : 0) : null;
  const orient = ['up', 'right', 'down', 'left'][a.orientation[k] & 3];
  const g = model.groups[i] ?? 0;
  const row = model.kinship[i] || [];
  const kin = row.map((v, j) => `<span title="K[${i}][${j}]" style="color:${groupColor(model.groups[j] ?? 0)}">${fmt(v)}</span>`).join(' ');
  const raw = step && step.raw_rewards ? ` <span class="note">(before sharing ${fmt(step.raw_rewards[i])})</span>` : '';
  return `<h3>Agent <span data-testid="agent-index">${i}</span></h3>
  <dl class="kv">
    <dt>group</dt><dd><span class="swatch" style="background:${groupColor(g)}"></span>${g}</dd>
    <dt>energy</dt><dd><span class="big" data-testid="agent-energy">${fmt(model.energy[k])}</span>${model.maxEnergy ? ` / ${fmt(model.maxEnergy)}` : ''}</dd>
    <dt>last action</dt><dd><b data-testid="agent-action">${actionName(model, t, i)}</b>
      ${ok === null ? '' : `<span data-testid="agent-success" class="${ok ? 'ok' : 'fail'}">${ok ? '\u2713 succeeded' : '\u2717 failed'}</span>`}</dd>
    <dt>reward</dt><dd data-testid="agent-reward">${t ? fmt(model.rewards[k]) : '–'}${raw}</dd>
    <dt>return so far</dt><dd data-testid="agent-return">${fmt(model.returns[k])}</dd>
    <dt>inventory</dt><dd data-testid="agent-inventory"><span style="color:#7dffb0">&#x25C6; ${a.green[k]}</span> green &nbsp; <span style="color:#ffe38a">&#x25C6; ${a.yellow[k]}</span> yellow</dd>
    <dt>position</dt><dd>(${a.x[k]}, ${a.y[k]}) facing ${orient}</dd>
    <dt>status</dt><dd>${a.frozen[k] > 0 ? `<span style="color:#9fd8ff">frozen ${a.frozen[k]} more step(s)</span>` : 'free'}${a.shield[k] ? ', <span style="color:#7fe7ff">shield up</span>' : ''}</dd>
    <dt>kinship row</dt><dd data-testid="agent-kinship" style="font-size:12px">${kin || '–'}</dd>
  </dl>`;
}

/** Draws a square matrix (kinship) as a heatmap; returns the cell size. */
export function drawMatrix(canvas, rows, highlight, maxPx = 300) {
  const n = rows.length;
  const cell = Math.max(4, Math.min(28, Math.floor(maxPx / Math.max(1, n))));
  const dpr = window.devicePixelRatio || 1;
  canvas.style.width = `${cell * n}px`; canvas.style.height = `${cell * n}px`;
  canvas.width = cell * n * dpr; canvas.height = cell * n * dpr;
  canvas.dataset.cell = cell;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  let lo = 0, hi = 0;
  for (const r of rows) for (const v of r) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = rows[i][j] / span;
    // blue for kin (positive), red for negative, dark for zero
    const c = v >= 0 ? [20 + 59 * v, 30 + 149 * v, 45 + 210 * v] : [45 - 210 * v, 30 - 62 * v, 40 - 58 * v];
    ctx.fillStyle = `rgb(${c.map((x) => Math.round(Math.min(255, x))).join(',')})`;
    ctx.fillRect(j * cell, i * cell, cell - (cell > 6 ? 1 : 0), cell - (cell > 6 ? 1 : 0));
  }
  if (highlight >= 0) {
    ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5;
    ctx.strokeRect(0.75, highlight * cell + 0.75, n * cell - 1.5, cell - 1.5);
  }
  return { cell, lo, hi };
}

export function economyHtml(model, selected) {
  const eco = Object.entries(model.economy);
  const costs = model.actionCosts[selected] || [];
  const rows = eco.map(([k, v]) => `<dt>${k.replaceAll('_', ' ')}</dt><dd>${fmt(v)}</dd>`).join('');
  const head = model.actions.map((name) => `<th>${name}</th>`).join('');
  const cost = model.actions.map((_, id) => `<td>${fmt(costs[id])}</td>`).join('');
  return `<h3>Economy of this episode</h3>
    <dl class="eco" data-testid="economy-table">${rows || '<dt>none recorded</dt><dd></dd>'}</dl>
    ${costs.length ? `<h3 style="margin-top:12px">Agent ${selected}'s action costs (economy &times; body)</h3>
    <table class="costs" data-testid="action-costs"><thead><tr>${head}</tr></thead><tbody><tr>${cost}</tr></tbody></table>` : ''}`;
}
