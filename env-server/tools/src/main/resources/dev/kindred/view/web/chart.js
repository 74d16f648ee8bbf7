// Hand-drawn SVG line charts: one or more series over steps 0..T, a cursor at the current step,
// and a click that seeks there.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const step0 = span / count, mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((s) => s * mag).find((s) => span / s <= count) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(+v.toFixed(10));
  return ticks;
}

export function fmt(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return (Math.round(v * 1000) / 1000).toString();
}

/**
 * Draws series [{values: Float64Array(T+1) or function(t), color, width, opacity, label}] into svg.
 * Step labels count from t0. Returns {cursor(t)} to move the current-step line without redrawing the lines.
 */
export function lineChart(svg, T, series, { onSeek, yMin, yMax, t0 = 0 } = {}) {
  svg.replaceChildren();
  const W = svg.clientWidth || 500, H = svg.clientHeight || 180;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const L = 46, R = 18, Tp = 8, B = 22;
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (let t = 0; t <= T; t++) {
    const v = s.values[t];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (yMin !== undefined) lo = Math.min(lo, yMin);
  if (yMax !== undefined) hi = Math.max(hi, yMax);
  if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.05; lo -= pad; hi += pad;
  const x = (t) => L + (T ? t / T : 0) * (W - L - R);
  const y = (v) => Tp + (1 - (v - lo) / (hi - lo)) * (H - Tp - B);
  const axes = el('g', { class: 'axes', 'font-size': 10, fill: '#8d99a8' }, svg);
  for (const v of niceTicks(lo, hi, 4)) {
    el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#2a3340', 'stroke-width': 1 }, axes);
    el('text', { x: L - 6, y: y(v) + 3, 'text-anchor': 'end' }, axes).textContent = fmt(v);
  }
  // Step labels start at t0 (a live view keeps only the latest steps).
  for (const t of niceTicks(t0, t0 + T, 6)) {
    el('text', { x: x(t - t0), y: H - 6, 'text-anchor': 'middle' }, axes).textContent = t;
  }
  for (const s of series) {
    let d = '';
    const stride = Math.max(1, Math.floor(T / 1500));
    for (let t = 0; t <= T; t += stride) {
      const v = s.values[t];
      if (!Number.isFinite(v)) continue;
      d += (d ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1);
    }
    if (d) {
      el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': s.width || 1.4, 'stroke-opacity': s.opacity ?? 1,
        'stroke-linejoin': 'round' }, svg);
    }
  }
  const cursor = el('line', { y1: Tp, y2: H - B, stroke: '#ffffff', 'stroke-opacity': 0.55, 'stroke-dasharray': '3 3' }, svg);
  if (onSeek) {
    svg.style.cursor = 'crosshair';
    svg.onclick = (ev) => {
      const r = svg.getBoundingClientRect();
      const px = (ev.clientX - r.left) * (W / r.width);
      onSeek(Math.max(0, Math.min(T, Math.round(((px - L) / (W - L - R)) * T))));
    };
  }
  return { cursor(t) { cursor.setAttribute('x1', x(t)); cursor.setAttribute('x2', x(t)); } };
}
