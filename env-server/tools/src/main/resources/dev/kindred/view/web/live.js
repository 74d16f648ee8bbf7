// The live view's data: the replay lines of one recorded copy as they arrive (header, state, step,
// end; docs/replay-format.md), kept as a header, a base state and the steps after it, and turned
// into the same model the replay page draws. Memory is bounded: only the last MAX_STEPS steps are
// kept (older ones are folded into the base state).

import { buildModel } from './replay.js';

export const MAX_STEPS = 5000;

export class LiveFeed {
  constructor(maxSteps = MAX_STEPS) {
    this.maxSteps = maxSteps;
    this.trim = Math.max(1, Math.floor(maxSteps / 10)); // steps folded at once when over maxSteps
    this.header = null;   // the episode's header
    this.base = null;     // full state at step t0 (the header's initial state, or a state line's)
    this.t0 = 0;          // the episode step the base state is at
    this.steps = [];      // step lines t0+1 .. t0+steps.length
    this.end = null;      // the end line's statistics, once the episode ended
    this.version = 0;     // bumped when the model must be laid out again (new episode or base)
    this.cached = null;
    this.folded = 0;      // steps folded into the base state so far (memory bound)
  }

  /** The latest episode step received. */
  get lastT() { return this.t0 + this.steps.length; }

  /** Takes one replay line (an object). */
  push(o) {
    if (o.format === 'kindred-replay') {
      // A watch (re)opened sends the header again: the same episode goes on.
      if (this.header && sameEpisode(this.header, o)) return;
      this.header = o;
      this.base = initialOf(o);
      this.t0 = 0; this.steps = []; this.end = null; this.folded = 0;
      this.version++;
    } else if (!this.header) {
      // nothing to draw until the copy's next reset sends a header
    } else if (o.state) {
      // The full state at step t: continues what we have when it is where we are, else replaces it.
      if (o.t === this.lastT) return;
      this.base = o.state; this.t0 = o.t; this.steps = []; this.end = null; this.folded = 0;
      this.version++;
    } else if (o.end) {
      this.end = o.end;
    } else if (Array.isArray(o.actions)) {
      if (o.t <= this.lastT) return; // already have it (a reopened watch)
      this.steps.push(o);
      if (this.steps.length > this.maxSteps + this.trim) this.fold(this.steps.length - this.maxSteps);
    }
    this.cached = null;
  }

  /** Folds the first k steps into the base state. */
  fold(k) {
    const m = this.model();
    this.base = stateAt(m, k, this.steps);
    this.t0 += k;
    this.folded += k;
    this.steps = this.steps.slice(k);
    this.version++;
    this.cached = null;
  }

  /** The model of what is kept (null before a header): step i is episode step t0 + i. */
  model() {
    if (!this.header) return null;
    if (this.cached) return this.cached;
    const h = this.header;
    const header = h.world_kind === 'spin'
      ? { ...h, spin: { ...h.spin, initial: this.base } }
      : { ...h, energy: { ...h.energy, initial: this.base } };
    const rest = this.end ? [...this.steps, { end: this.end }] : this.steps;
    const m = buildModel(header, rest);
    m.header = h;
    m.t0 = this.t0;
    this.cached = m;
    return m;
  }
}

function sameEpisode(a, b) {
  return a.copy === b.copy && a.episode === b.episode && a.seed === b.seed && a.world === b.world;
}

function initialOf(h) {
  return h.world_kind === 'spin' ? h.spin.initial : h.energy.initial;
}

/** The full state after model step k (k >= 1), in the shape of a header's initial state. */
function stateAt(m, k, steps) {
  if (m.kind === 'spin') {
    const s = steps[k - 1];
    return { spins: s.spins, magnetisation: s.magnetisation, energy: s.energy };
  }
  const n = m.n, a = m.agent, at = (arr, i) => arr[k * n + i];
  const range = (len, f) => Array.from({ length: len }, (_, i) => f(i));
  return {
    agents: {
      x: range(n, (i) => at(a.x, i)), y: range(n, (i) => at(a.y, i)),
      orientation: range(n, (i) => at(a.orientation, i)), energy: range(n, (i) => at(m.energy, i)),
      inventory: range(n, (i) => [at(a.green, i), at(a.yellow, i)]), frozen: range(n, (i) => at(a.frozen, i)),
      shield: range(n, (i) => at(a.shield, i) === 1),
    },
    objects: { ready_at: range(m.m, (o) => m.readyAt[k * m.m + o]), stock: range(m.m, (o) => m.stock[k * m.m + o]) },
  };
}
