// Parses a Kindred replay (docs/replay-format.md, version 1) into arrays indexed by step, so that
// seeking to any step is a lookup. The server has already checked the file's version and hash.

export const FORMAT_VERSION = 1;

/** Bits of a base64 bitset: bit i is bit (i & 7) of byte (i >> 3). */
export function decodeBits(b64, n) {
  const bin = atob(b64);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bin.charCodeAt(i >> 3) >> (i & 7)) & 1;
  return out;
}

/** A replay from its JSON Lines text. Throws an Error naming the line that could not be read. */
export function parseReplay(text) {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const objs = lines.map((l, i) => {
    try { return JSON.parse(l); } catch (e) { throw new Error(`line ${i + 1} is not valid JSON`); }
  });
  const header = objs[0];
  if (!header || header.format !== 'kindred-replay') throw new Error('line 1 is not a Kindred replay header');
  if (header.format_version > FORMAT_VERSION) {
    throw new Error(`format_version ${header.format_version} is newer than this reader knows (${FORMAT_VERSION})`);
  }
  return buildModel(header, objs.slice(1));
}

/**
 * The model of a header and the lines after it (steps, states, end; a trailer is skipped). Step
 * i of the model is the i-th step line; the live view passes a header whose initial state is the
 * latest state line's.
 */
export function buildModel(header, rest) {
  const steps = [], states = new Map();
  let end = null;
  for (const o of rest) {
    if (o.content_sha256 !== undefined) continue;
    if (o.end) end = o.end;
    else if (o.state) states.set(o.t, o.state);
    else steps.push(o);
  }
  const model = header.world_kind === 'spin' ? spinModel(header, steps) : energyModel(header, steps, states);
  model.header = header;
  model.end = end;
  model.T = steps.length;
  model.steps = steps;
  // Per agent: the reward of each step and the return so far (index t = after step t).
  const n = header.agents;
  model.returns = new Float64Array((model.T + 1) * n);
  model.rewards = new Float64Array((model.T + 1) * n);
  for (let t = 1; t <= model.T; t++) {
    const r = steps[t - 1].rewards || [];
    for (let i = 0; i < n; i++) {
      model.rewards[t * n + i] = r[i] ?? 0;
      model.returns[t * n + i] = model.returns[(t - 1) * n + i] + (r[i] ?? 0);
    }
  }
  return model;
}

const AGENT_FIELDS = ['x', 'y', 'orientation', 'green', 'yellow', 'frozen', 'shield'];

function energyModel(header, steps, states) {
  const e = header.energy;
  const n = header.agents, m = e.objects.length, T = steps.length;
  const walls = decodeBits(e.walls, e.width * e.height);
  const f = {};
  for (const k of AGENT_FIELDS) f[k] = new Int32Array((T + 1) * n);
  const energy = new Float64Array((T + 1) * n);
  const readyAt = new Int32Array((T + 1) * m), stock = new Int32Array((T + 1) * m);

  const setState = (t, s) => {
    const a = s.agents;
    for (let i = 0; i < n; i++) {
      f.x[t * n + i] = a.x[i]; f.y[t * n + i] = a.y[i]; f.orientation[t * n + i] = a.orientation[i];
      f.green[t * n + i] = a.inventory[i][0]; f.yellow[t * n + i] = a.inventory[i][1];
      f.frozen[t * n + i] = a.frozen[i]; f.shield[t * n + i] = a.shield[i] ? 1 : 0;
      energy[t * n + i] = a.energy[i];
    }
    for (let o = 0; o < m; o++) { readyAt[t * m + o] = s.objects.ready_at[o]; stock[t * m + o] = s.objects.stock[o]; }
  };
  setState(0, e.initial);
  for (let t = 1; t <= T; t++) {
    const s = steps[t - 1];
    for (const k of AGENT_FIELDS) f[k].copyWithin(t * n, (t - 1) * n, t * n);
    readyAt.copyWithin(t * m, (t - 1) * m, t * m);
    stock.copyWithin(t * m, (t - 1) * m, t * m);
    for (const c of s.agents || []) {
      const i = c[0];
      for (let k = 0; k < AGENT_FIELDS.length; k++) f[AGENT_FIELDS[k]][t * n + i] = c[k + 1];
    }
    for (const c of s.objects || []) { readyAt[t * m + c[0]] = c[1]; stock[t * m + c[0]] = c[2]; }
    for (let i = 0; i < n; i++) energy[t * n + i] = s.energy ? s.energy[i] : energy[(t - 1) * n + i];
    if (states.has(t)) setState(t, states.get(t));
  }
  return { kind: 'energy', n, m, width: e.width, height: e.height, walls, agent: f, energy, readyAt, stock,
    objects: e.objects, actions: e.actions || [], groups: e.groups || new Array(n).fill(0),
    kinship: e.kinship || [], economy: e.economy || {}, actionCosts: e.action_costs || [],
    maxEnergy: e.max_energy, maxInventory: e.max_inventory };
}

function spinModel(header, steps) {
  const s = header.spin;
  const n = s.n, T = steps.length, k = (s.controlled || []).length;
  const spinB64 = [s.initial.spins, ...steps.map((st) => st.spins)];
  const mag = new Float64Array(T + 1), en = new Float64Array(T + 1);
  const scalar = (v) => Array.isArray(v) ? v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) : (v ?? NaN);
  mag[0] = s.initial.magnetisation; en[0] = scalar(s.initial.energy);
  const phi = new Float64Array((T + 1) * k).fill(NaN), surprise = new Float64Array((T + 1) * k).fill(NaN);
  for (let t = 1; t <= T; t++) {
    const st = steps[t - 1];
    mag[t] = st.magnetisation; en[t] = scalar(st.energy);
    for (let j = 0; j < k; j++) {
      if (st.phi) phi[t * k + j] = st.phi[j];
      if (st.surprise) surprise[t * k + j] = st.surprise[j];
    }
  }
  const cache = new Map();
  return { kind: 'spin', n, k, graph: s.graph, controlled: s.controlled || [], clamped: s.clamped || [],
    clampedValues: s.clamped_values || [], beta: s.beta, zeta: s.zeta, magnetisation: mag, energy: en, phi, surprise,
    spinsAt(t) {
      if (!cache.has(t)) { if (cache.size > 64) cache.clear(); cache.set(t, decodeBits(spinB64[t], n)); }
      return cache.get(t);
    } };
}
