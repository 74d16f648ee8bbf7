// Replays made by hand to docs/replay-format.md, for what the real recorder never writes: a corrupt
// file, a truncated one, a newer format version; and small energy and spin episodes while no
// recorder is at hand. Deterministic (a seeded generator), written into the directory given.

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function bits(arr) {
  const b = Buffer.alloc(Math.ceil(arr.length / 8));
  arr.forEach((v, i) => { if (v) b[i >> 3] |= 1 << (i & 7); });
  return b.toString('base64');
}

/** The lines of a replay with its end and trailer: JSON Lines text. */
export function replayText(header, steps, end) {
  let body = [header, ...steps, { end }].map((o) => JSON.stringify(o) + '\n').join('');
  return body + JSON.stringify({ content_sha256: createHash('sha256').update(body, 'utf8').digest('hex') }) + '\n';
}

export function energyEpisode(T = 40, seed = 7) {
  const r = rng(seed);
  const W = 12, H = 9, n = 4;
  const walls = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) walls.push(x === 0 || y === 0 || x === W - 1 || y === H - 1 || (x === 6 && y > 2 && y < 7) ? 1 : 0);
  const objects = [
    { id: 0, kind: 'green_generator', x: 2, y: 2 }, { id: 1, kind: 'yellow_generator', x: 9, y: 2 },
    { id: 2, kind: 'converter', x: 3, y: 6 }, { id: 3, kind: 'altar', x: 9, y: 6 }];
  const actions = ['noop', 'move', 'rotate', 'use', 'attack', 'shield', 'swap', 'give'];
  const ag = { x: [1, 4, 8, 10], y: [1, 4, 4, 7], orientation: [1, 2, 3, 0], energy: [50, 50, 50, 50],
    inventory: [[0, 0], [1, 0], [0, 2], [0, 0]], frozen: [0, 0, 0, 0], shield: [0, 0, 0, 0] };
  const obj = { ready_at: [0, 0, 0, 0], stock: [5, 4, -1, -1] };
  const header = {
    format: 'kindred-replay', format_version: 1, world: 'energy.fixture', world_kind: 'energy',
    config: { width: W, height: H, agents: n }, seed: '18446744073709551557', copy: 0, episode: 0,
    code_version: 'fixture', created: '2026-12-01T00:00:00Z', recorder: 'fixture', agents: n,
    seats: [{ name: 'seat0', agents: [0, 1, 2, 3], brain: { kind: 'builtin', name: 'random' } }],
    energy: { width: W, height: H, walls: bits(walls), max_energy: 100, max_inventory: 5, actions,
      orientation: ['up', 'right', 'down', 'left'],
      economy: { move_cost: 1, rotate_cost: 0.5, use_cost: 2, altar_reward: 10 },
      action_costs: [0, 1, 2, 3].map((i) => actions.map((_, a) => +(a * (1 + i / 10)).toFixed(2))),
      body: [0, 1, 2, 3].map(() => actions.map(() => 1)), groups: [0, 0, 1, 1],
      kinship: [[1, 0.5, 0, 0], [0.5, 1, 0, 0], [0, 0, 1, 0.5], [0, 0, 0.5, 1]], objects,
      initial: { agents: structuredClone(ag), objects: structuredClone(obj) } },
  };
  const steps = [];
  const dirs = [[0, -1], [1, 0], [0, 1], [-1, 0]];
  const occupied = (x, y) => walls[y * W + x] || objects.some((o) => o.x === x && o.y === y) || ag.x.some((ax, j) => ax === x && ag.y[j] === y);
  for (let t = 1; t <= T; t++) {
    const acts = [], success = [], rewards = [], changes = [], objChanges = [];
    for (let i = 0; i < n; i++) {
      const before = [ag.x[i], ag.y[i], ag.orientation[i], ag.inventory[i][0], ag.inventory[i][1], ag.frozen[i], ag.shield[i]];
      let a = Math.floor(r() * 4), arg = a === 2 ? Math.floor(r() * 2) : 0, ok = 1;
      if (ag.frozen[i] > 0) { a = 0; ag.frozen[i]--; }
      if (a === 1) {
        const [dx, dy] = dirs[ag.orientation[i]];
        if (occupied(ag.x[i] + dx, ag.y[i] + dy)) ok = 0; else { ag.x[i] += dx; ag.y[i] += dy; }
      } else if (a === 2) ag.orientation[i] = (ag.orientation[i] + (arg ? 1 : 3)) % 4;
      else if (a === 3) {
        const [dx, dy] = dirs[ag.orientation[i]];
        const o = objects.find((q) => q.x === ag.x[i] + dx && q.y === ag.y[i] + dy);
        if (o && o.kind.endsWith('generator') && obj.stock[o.id] > 0 && obj.ready_at[o.id] <= t) {
          obj.stock[o.id]--; obj.ready_at[o.id] = t + 3; ag.inventory[i][o.kind.startsWith('green') ? 0 : 1]++;
          objChanges.push([o.id, obj.ready_at[o.id], obj.stock[o.id]]);
        } else ok = 0;
      }
      if (t === 10 && i === 1) ag.frozen[i] = 3;
      if (t === 12 && i === 2) ag.shield[i] = 1;
      ag.energy[i] = Math.round((ag.energy[i] - (a === 0 ? 0.5 : 1 + a * 0.25)) * 100) / 100;
      acts.push(a, arg); success.push(ok); rewards.push(ok && a === 3 ? 1 : 0);
      const after = [ag.x[i], ag.y[i], ag.orientation[i], ag.inventory[i][0], ag.inventory[i][1], ag.frozen[i], ag.shield[i]];
      if (after.some((v, k) => v !== before[k])) changes.push([i, ...after]);
    }
    const line = { t, actions: acts, success, rewards, energy: [...ag.energy] };
    if (changes.length) line.agents = changes;
    if (objChanges.length) line.objects = objChanges;
    steps.push(line);
  }
  const returns = [0, 1, 2, 3].map((i) => steps.reduce((s, l) => s + l.rewards[i], 0));
  return replayText(header, steps, { steps: T, terminated: false, truncated: true, returns, agent_stats: {}, copy_stats: { hearts: 0 } });
}

export function spinEpisode(T = 60, seed = 11) {
  const r = rng(seed);
  const W = 16, H = 16, n = W * H, controlled = [17, 120, 200], clamped = [0, 255];
  let s = Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  clamped.forEach((c) => { s[c] = 1; });
  const mag = () => s.reduce((a, v) => a + (v ? 1 : -1), 0) / n;
  const header = {
    format: 'kindred-replay', format_version: 1, world: 'spin.lattice', world_kind: 'spin',
    config: { width: W, height: H, beta: 0.6 }, seed: '42', copy: 0, episode: 0, code_version: 'fixture',
    created: '2026-12-01T00:00:00Z', recorder: 'fixture', agents: controlled.length,
    seats: [{ name: 'seat0', agents: [0, 1, 2], brain: { kind: 'builtin', name: 'active-inference' } }],
    spin: { n, graph: { kind: 'lattice', width: W, height: H, periodic: true }, beta: 0.6, zeta: 0, controlled,
      clamped, clamped_values: [1, 1], schedule: 'random', sweeps_per_step: 1,
      initial: { spins: bits(s), magnetisation: mag(), energy: -0.5 } },
  };
  const steps = [];
  for (let t = 1; t <= T; t++) {
    // coarsening: each spin follows its neighbours' majority with some noise
    const next = s.map((v, i) => {
      if (clamped.includes(i)) return 1;
      const x = i % W, y = (i / W) | 0;
      const sum = [[1, 0], [-1, 0], [0, 1], [0, -1]].reduce((a, [dx, dy]) => a + (s[((y + dy + H) % H) * W + ((x + dx + W) % W)] ? 1 : -1), 0);
      const p = 1 / (1 + Math.exp(-2 * 0.6 * sum));
      return r() < p ? 1 : 0;
    });
    s = next;
    const actions = controlled.map(() => (r() < 0.5 ? 1 : 0));
    steps.push({ t, actions, success: controlled.map(() => 1), rewards: controlled.map(() => -r()),
      spins: bits(s), magnetisation: mag(), energy: -0.5 - 0.5 * Math.abs(mag()),
      phi: controlled.map((c, j) => Math.min(1, Math.max(0, 0.5 + 0.5 * Math.sin(t / 8 + j)))), surprise: controlled.map(() => r()) });
  }
  return replayText(header, steps, { steps: T, terminated: false, truncated: true, returns: [0, 0, 0], agent_stats: {}, copy_stats: {} });
}

/** Writes the bad files (and, without a recorder, the good ones) into dir; returns their names. */
export function writeFixtures(dir, { good = true } = {}) {
  mkdirSync(join(dir, 'bad'), { recursive: true });
  const energy = energyEpisode();
  const whole = gzipSync(Buffer.from(energy));
  writeFileSync(join(dir, 'bad', 'truncated.replay.jsonl.gz'), whole.subarray(0, Math.floor(whole.length * 0.6)));
  writeFileSync(join(dir, 'bad', 'corrupt.replay.jsonl.gz'), Buffer.from('this is not gzip at all\n'));
  const newer = energy.replace('"format_version":1', '"format_version":2').split('\n');
  newer.splice(-2, 2);
  writeFileSync(join(dir, 'bad', 'newer.replay.jsonl.gz'), gzipSync(Buffer.from(replayText(JSON.parse(newer[0]),
    newer.slice(1, -1).map((l) => JSON.parse(l)), JSON.parse(newer[newer.length - 1]).end))));
  writeFileSync(join(dir, 'spin.replay.jsonl.gz'), gzipSync(Buffer.from(spinEpisode())));
  if (good) writeFileSync(join(dir, 'energy.replay.jsonl.gz'), whole);
}

if (process.argv[1] && process.argv[1].endsWith('fixtures.mjs')) {
  writeFixtures(process.argv[2] || 'fixtures');
  console.log(`fixtures written to ${process.argv[2] || 'fixtures'}`);
}
