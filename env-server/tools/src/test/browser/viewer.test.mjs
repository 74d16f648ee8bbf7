// The viewer in a real browser: headless Chromium (Debian's package) driven by playwright-core
// against `kindred view` serving replays. Run by scripts/test-viewer.sh (./kindred test).
//
// Every figure the page must show is read from the replay file by this test itself (its own
// small reader below), never from the page's code.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { writeBadReplays } from './fixtures.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../../../..');
const JAR = process.env.KINDRED_JAR || join(ROOT, 'env-server/target/kindred-server.jar');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.KINDRED_VIEWER_SCREENSHOT; // where to keep the README's screenshot
const OUT = process.env.KINDRED_VIEWER_OUT || mkdtempSync(join(tmpdir(), 'kindred-viewer-shots-'));

let work, dir, names, server, url, browser, page;
const pageErrors = [];

/** Our own reader of a replay: the lines, and each agent's position at each step. */
function readReplay(file) {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const header = lines[0];
  const steps = lines.filter((l) => Array.isArray(l.actions));
  const states = new Map(lines.filter((l) => l.state).map((l) => [l.t, l.state]));
  return { header, steps, states, T: steps.length };
}

function positionsAt(replay, t) {
  const init = replay.header.energy.initial.agents;
  const x = [...init.x], y = [...init.y];
  for (const s of replay.steps.slice(0, t)) {
    for (const c of s.agents || []) { x[c[0]] = c[1]; y[c[0]] = c[2]; }
    const full = replay.states.get(s.t);
    if (full) { x.splice(0, x.length, ...full.agents.x); y.splice(0, y.length, ...full.agents.y); }
  }
  return { x, y };
}

function startView(path, args = [], env = process.env) {
  return new Promise((ok, fail) => {
    const p = spawn('java', ['-jar', JAR, 'view', ...(path ? [path] : []), '--port', '0', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '', err = '';
    const timer = setTimeout(() => fail(new Error(`kindred view printed no URL in 30 s: ${out} ${err}`)), 30000);
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Viewer at (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); ok({ proc: p, url: m[1] }); }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => { clearTimeout(timer); fail(new Error(`kindred view exited ${code}: ${err}`)); });
  });
}

const run = promisify(execFile);
const KINDRED = join(ROOT, 'kindred');
// A tiny PPO run per world (a few seconds), then evaluate --replays: the real recorder.
const ENERGY_WORLD = { width: 11, height: 9, agents: 4, groups: 2, kinship: 'teams', altars: 1, converters: 1,
  green_generators: 2, yellow_generators: 1, walls: 6, max_steps: 80 };
const SPIN_WORLD = { width: 16, height: 16, beta: 0.5, controlled: [17, 120, 200] };
const TINY = { copies: 2, horizon: 16, epochs: 1, minibatches: 2, hidden: 16, conv_channels: 4, checkpoint_every: 1 };

async function record(work, name, world, worldConfig, evaluateArgs) {
  // Relative paths from the work directory: the replays name the brain "ppo-<name>", not a temp path.
  const opts = { cwd: work, maxBuffer: 1 << 24 };
  await run(KINDRED, ['train', '--config', JSON.stringify({ world, world_config: worldConfig, ...TINY }),
    '--steps', '32', '--out', `ppo-${name}`], opts);
  await run(KINDRED, ['evaluate', '--checkpoint', `ppo-${name}`, '--episodes', '2', '--copies', '1',
    '--replay-episodes', '1', '--replays', join('replays', name), ...evaluateArgs], opts);
}

/** A tournament of three built-in brains on a small duel (a few seconds): its results.json. */
async function tournament(work) {
  const config = join(work, 'tournament.json');
  writeFileSync(config, JSON.stringify({ name: 'tiny', seed: 7, episodes: 4, copies: 2, bootstrap: 50,
    brains: [{ name: 'random', brain: 'random' }, { name: 'forager', brain: 'scripted_forager' }],
    scenarios: [{ name: 'duel', world: 'energy.room', world_config: { width: 7, height: 7, agents: 2, altars: 1,
      converters: 1, green_generators: 1, yellow_generators: 1, walls: 0, max_steps: 40 }, layout: 'half', tags: [] }] }));
  const out = join(work, 'replays', 'tournament');
  await run(KINDRED, ['tournament', '--config', config, '--out', out, '--replays', join(out, 'games'),
    '--replay-sample', '1'], { maxBuffer: 1 << 24 });
}

/** Records an energy game (checkpoint versus the scripted forager) and spin episodes into dir/replays. */
async function recordReplays(work) {
  // One launcher call first: it rebuilds when sources changed, and two builds at once would clash.
  await run(KINDRED, ['evaluate', '--help'], { maxBuffer: 1 << 24 });
  await Promise.all([
    record(work, 'energy', 'energy.room', ENERGY_WORLD, ['--versus', 'scripted_forager']),
    record(work, 'spin', 'spin.lattice', SPIN_WORLD, ['--steps', '60']),
    tournament(work),
  ]);
  const pick = (sub, prefix) => {
    const f = readdirSync(join(work, 'replays', sub)).filter((n) => n.startsWith(prefix)).sort()[0];
    assert.ok(f, `evaluate wrote no ${prefix}* replay in ${sub}`);
    return `${sub}/${f}`;
  };
  return { energy: pick('energy', 'versus-A'), spin: pick('spin', 'checkpoint') };
}

async function openByName(name) {
  await page.locator(`[data-testid=replay-item][data-name="${name}"]`).click();
}

async function waitStep(t) {
  await page.waitForFunction((want) => document.querySelector('[data-testid=step]')?.textContent === String(want), t);
}

/** Pixel variance of a PNG, computed by the browser from the screenshot bytes. */
async function pngVariance(png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let sum = 0, sq = 0, n = 0;
    for (let i = 0; i < d.length; i += 4 * 7) { const v = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += v; sq += v * v; n++; }
    const mean = sum / n;
    return sq / n - mean * mean;
  }, png.toString('base64'));
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kindred-viewer-'));
  dir = join(work, 'replays');
  names = await recordReplays(work);
  writeBadReplays(join(dir, names.energy), dir);
  ({ proc: server, url } = await startView(dir));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(url);
  await page.waitForSelector('[data-testid=replay-item]');
});

after(async () => {
  await browser?.close();
  server?.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('scrubbing to step t shows agent i energy and last action read from the file', async () => {
  const file = join(dir, names.energy);
  const r = readReplay(file);
  await openByName(names.energy);
  await page.waitForSelector('#replay:not([hidden])');
  assert.equal(await page.textContent('[data-testid=steps]'), String(r.T));
  const t = Math.floor(r.T * 0.6), i = Math.min(1, r.header.agents - 1);
  await page.locator('[data-testid=scrubber]').fill(String(t));
  await waitStep(t);
  // Click agent i where the file says it stands at step t.
  const { x, y } = positionsAt(r, t);
  const board = page.locator('[data-testid=board]');
  const cell = (await board.boundingBox()).width / r.header.energy.width;
  await board.click({ position: { x: (x[i] + 0.5) * cell, y: (y[i] + 0.5) * cell } });
  await page.waitForFunction((want) => document.querySelector('[data-testid=agent-index]')?.textContent === String(want), i);
  const step = r.steps[t - 1];
  assert.equal(step.t, t);
  const energy = Number(await page.textContent('[data-testid=agent-energy]'));
  assert.ok(Math.abs(energy - step.energy[i]) < 1e-3, `page shows energy ${energy}, the file ${step.energy[i]}`);
  const name = r.header.energy.actions[step.actions[2 * i]];
  assert.equal(await page.textContent('[data-testid=agent-action]'), `${name}(${step.actions[2 * i + 1]})`);
  assert.match(await page.textContent('[data-testid=agent-success]'), step.success[i] ? /succeeded/ : /failed/);
  let ret = 0;
  for (const s of r.steps.slice(0, t)) ret += s.rewards[i];
  assert.ok(Math.abs(Number(await page.textContent('[data-testid=agent-return]')) - ret) < 1e-3);
  // One step forward with the keyboard: the next step's figures.
  await page.keyboard.press('ArrowRight');
  await waitStep(t + 1);
  const energy1 = Number(await page.textContent('[data-testid=agent-energy]'));
  assert.ok(Math.abs(energy1 - r.steps[t].energy[i]) < 1e-3);
});

test('play runs to the last step; the screenshot is not blank', async () => {
  const r = readReplay(join(dir, names.energy));
  await openByName(names.energy);
  await page.selectOption('[data-testid=speed]', '240');
  await page.locator('[data-testid=scrubber]').fill('0');
  await waitStep(0);
  await page.click('[data-testid=play]');
  await page.waitForFunction(() => document.body.dataset.playing === '1');
  await waitStep(r.T);
  await page.waitForFunction(() => document.body.dataset.playing === '0');
  // Back to a lively moment for the picture.
  await page.locator('[data-testid=scrubber]').fill(String(Math.floor(r.T * 0.6)));
  await waitStep(Math.floor(r.T * 0.6));
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(OUT, 'viewer-energy.png'), png);
  if (SCREENSHOT) writeFileSync(SCREENSHOT, png);
  const board = await page.locator('[data-testid=board]').screenshot();
  assert.ok(await pngVariance(board) > 100, 'the board is blank');
  assert.ok(await pngVariance(png) > 100, 'the page is blank');
  assert.ok(await page.locator('[data-testid=chart-a] path').count() >= r.header.agents);
  assert.match(await page.textContent('[data-testid=economy-table]'), /\d/);
});

test('corrupt, truncated and newer-version files show what is wrong; a good file still opens', async () => {
  const cases = [
    ['bad/corrupt.replay.jsonl.gz', /not a gzip file/],
    ['bad/truncated.replay.jsonl.gz', /the file is truncated/],
    ['bad/newer.replay.jsonl.gz', /line 1: format_version 2 is newer than this reader knows \(1\)/],
  ];
  for (const [name, why] of cases) {
    const item = page.locator(`[data-testid=replay-item][data-name="${name}"]`);
    assert.equal(await item.getAttribute('data-status'), 'error');
    await item.click();
    await page.waitForSelector('[data-testid=replay-error]:not([hidden])');
    // The panel may still show the previous bad file for a moment: wait for this one's name.
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=error-file]')?.textContent === n, name);
    assert.equal(await page.textContent('[data-testid=error-file]'), name);
    assert.match(await page.textContent('[data-testid=error-message]'), why);
  }
  await openByName(names.energy);
  await page.waitForSelector('#replay:not([hidden])');
  assert.ok(await page.isHidden('[data-testid=replay-error]'));
  await page.locator('[data-testid=scrubber]').fill('3');
  await waitStep(3);
});

test('a spin replay renders: lattice, magnetisation at step t, phi heatmap', async () => {
  const r = readReplay(join(dir, names.spin));
  await openByName(names.spin);
  await page.waitForSelector('[data-testid=phi-heatmap]:visible');
  const t = Math.floor(r.T / 2);
  await page.locator('[data-testid=scrubber]').fill(String(t));
  await waitStep(t);
  const m = Number(await page.textContent('[data-testid=magnetisation]'));
  assert.ok(Math.abs(m - r.steps[t - 1].magnetisation) < 1e-3, `page ${m}, file ${r.steps[t - 1].magnetisation}`);
  assert.ok(await pngVariance(await page.locator('[data-testid=board]').screenshot()) > 100, 'the lattice is blank');
  assert.ok(await pngVariance(await page.locator('[data-testid=phi-heatmap]').screenshot()) > 50, 'phi heatmap is blank');
  writeFileSync(join(OUT, 'viewer-spin.png'), await page.screenshot({ fullPage: true }));
});

test('the server hands out files only by id: paths, unknown ids and other methods are refused', async () => {
  const get = (p, init) => fetch(url.replace(/\/$/, '') + p, init);
  assert.equal((await get('/api/replay/999')).status, 404);
  assert.equal((await get('/api/replay/..%2f..%2fetc%2fpasswd')).status, 404);
  assert.equal((await get('/assets/..%2f..%2f..%2fMain.class')).status, 404);
  assert.equal((await get('/../../etc/passwd')).status, 404);
  assert.equal((await get('/api/index', { method: 'POST' })).status, 405);
  const bad = await get('/api/replay/' + (await page.getAttribute('[data-name="bad/corrupt.replay.jsonl.gz"]', 'data-id')));
  assert.equal(bad.status, 422);
  assert.match((await bad.json()).error, /bad\/corrupt.replay.jsonl.gz: not a gzip file/);
});

test('a tournament shows its leaderboard as results.json has it', async () => {
  const results = JSON.parse(readFileSync(join(dir, 'tournament', 'results.json'), 'utf8'));
  await page.locator('[data-testid=tournament-item][data-name="tournament/results.json"]').click();
  await page.waitForSelector('[data-testid=leaderboard]');
  const rows = page.locator('[data-testid=standing]');
  assert.equal(await rows.count(), results.ratings.standings.length);
  const first = results.ratings.standings[0];
  const cells = await rows.first().locator('td').allTextContents();
  assert.equal(cells[1], first.brain);
  assert.equal(cells[2], String(Math.round(first.rating)));
  assert.equal(cells[5], String(first.games));
  writeFileSync(join(OUT, 'viewer-tournament.png'), await page.screenshot({ fullPage: true }));
  // Each recorded game links to its replay, which opens.
  const recorded = results.pairings.flatMap((p) => p.games).filter((g) => g.replay);
  assert.ok(recorded.length >= 2, 'the tournament recorded no games');
  const linksShown = page.locator('[data-testid=game-replay]');
  assert.equal(await linksShown.count(), recorded.length);
  await linksShown.first().click();
  await page.waitForSelector('#replay:not([hidden])');
  const shown = await page.textContent('[data-testid=title]');
  assert.ok(shown.includes(recorded[0].replay), `${shown} names ${recorded[0].replay}`);
});

// ---- live: a running session followed as it steps ------------------------------------------------

test('a live feed keeps only its last steps, and folding the older ones keeps every state right', async () => {
  // The page's own modules, copied as .mjs so that any Node 18+ loads them as ES modules.
  const web = join(ROOT, 'env-server/tools/src/main/resources/dev/kindred/view/web');
  const mods = join(work, 'web-modules');
  mkdirSync(mods, { recursive: true });
  for (const f of ['live', 'replay']) {
    writeFileSync(join(mods, `${f}.mjs`), readFileSync(join(web, `${f}.js`), 'utf8').replaceAll("'./replay.js'", "'./replay.mjs'"));
  }
  const { LiveFeed } = await import(pathToFileURL(join(mods, 'live.mjs')).href);
  const { parseReplay } = await import(pathToFileURL(join(mods, 'replay.mjs')).href);
  const file = join(dir, names.energy);
  const text = gunzipSync(readFileSync(file)).toString('utf8');
  const full = parseReplay(text);
  const r = readReplay(file);
  assert.ok(r.T >= 40, `the recorded episode has ${r.T} steps`);
  const feed = new LiveFeed(20);
  feed.push(r.header);
  let peak = 0;
  for (const s of r.steps) { feed.push(s); peak = Math.max(peak, feed.steps.length); }
  assert.ok(peak <= 22, `the feed held ${peak} steps at once`);
  const m = feed.model();
  assert.equal(m.t0 + m.T, r.T);
  assert.ok(m.t0 > 0 && m.T <= 22);
  // Every kept step shows what the whole file shows there.
  for (let t = 0; t <= m.T; t++) {
    for (let i = 0; i < m.n; i++) {
      const at = (t + m.t0) * m.n + i, here = t * m.n + i;
      assert.equal(m.energy[here], full.energy[at], `energy of agent ${i} at step ${t + m.t0}`);
      assert.equal(m.agent.x[here], full.agent.x[at]);
      assert.equal(m.agent.y[here], full.agent.y[at]);
      assert.equal(m.agent.green[here], full.agent.green[at]);
    }
  }
});

const PYTHON = process.env.KINDRED_PYTHON || join(ROOT, 'clients/python/.venv/bin/python');
const LIVE_WORLD = { ...ENERGY_WORLD, max_steps: 500 };

/** live_session.py: a server with a token and a recorded session, stepped one line at a time. */
function startSession() {
  const p = spawn(PYTHON, [join(HERE, 'live_session.py'), JAR, JSON.stringify(LIVE_WORLD)],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const lines = createInterface({ input: p.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`live_session.py ended: ${err.slice(-2000)}`);
    return JSON.parse(r.value);
  };
  const ask = async (cmd) => { p.stdin.write(cmd + '\n'); return next(); };
  return { proc: p, next, ask, quit: () => { p.stdin.end('quit\n'); } };
}

async function liveStep(session, want) {
  const seen = await session.ask('step');
  assert.equal(seen.t, want);
  return seen;
}

test('the live view follows a running session: its step and an agent\'s energy as the client saw them', async () => {
  assert.ok(existsSync(PYTHON), `no Python client at ${PYTHON} (scripts/test-python.sh --install-only makes it)`);
  const session = startSession();
  let view, livePage, serverGone = false;
  try {
    const { target, session: id, token, server_pid: serverPid } = await session.next();
    // The viewer calls as the session's principal: the same token, from the environment.
    const v = await startView(null, ['--live', target], { ...process.env, KINDRED_TOKEN: token });
    view = v.proc;
    livePage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    livePage.on('pageerror', (e) => pageErrors.push(`live: ${e.message}`));
    livePage.on('console', (m) => {
      // Once the server is gone the sessions list answers 502 on purpose (the browser logs each one).
      if (m.type() === 'error' && !(serverGone && /status of 502/.test(m.text()))) pageErrors.push(`live: ${m.text()}`);
    });
    await livePage.goto(v.url);
    const item = livePage.locator(`[data-testid=live-item][data-session="${id}"][data-copy="0"]`);
    await item.waitFor({ timeout: 15000 });
    await item.click();
    await livePage.waitForFunction(() => document.body.dataset.live === 'following');
    const liveStepShown = (want) => livePage.waitForFunction(
      (w) => document.querySelector('[data-testid=step]')?.textContent === String(w), want, { timeout: 10000 });
    const energyShown = async () => Number(await livePage.textContent('[data-testid=agent-energy]'));
    // Slowly, as a person watches: each step shows up on its own.
    let seen;
    for (let t = 1; t <= 4; t++) {
      seen = await liveStep(session, t);
      await liveStepShown(t);
      assert.ok(Math.abs(await energyShown() - seen.energy[0]) < 1e-3,
        `step ${t}: the page shows agent 0 with energy ${await energyShown()}, the client saw ${seen.energy[0]}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Pause: the page stays where it is while steps keep arriving; resume jumps to the latest.
    await livePage.click('[data-testid=live-follow]');
    await livePage.waitForFunction(() => document.body.dataset.live === 'paused');
    await liveStep(session, 5);
    seen = await liveStep(session, 6);
    await livePage.waitForFunction(() => document.querySelector('[data-testid=steps]')?.textContent === '6');
    assert.equal(await livePage.textContent('[data-testid=step]'), '4');
    await livePage.locator('[data-testid=scrubber]').fill('2');
    await liveStepShown(2);
    await livePage.click('[data-testid=live-follow]');
    await livePage.waitForFunction(() => document.body.dataset.live === 'following');
    await liveStepShown(6);
    assert.ok(Math.abs(await energyShown() - seen.energy[0]) < 1e-3);
    assert.ok(await livePage.locator('[data-testid=chart-a] path').count() >= LIVE_WORLD.agents);
    writeFileSync(join(OUT, 'viewer-live.png'), await livePage.screenshot({ fullPage: true }));
    // The session closes: the page says so.
    await session.ask('close');
    await livePage.waitForFunction(() => document.body.dataset.live === 'ended', null, { timeout: 15000 });
    assert.match(await livePage.textContent('[data-testid=live-state]'), /the session ended \(last step 6\)/);
    // The server goes away: the list says which address stopped answering.
    serverGone = true;
    process.kill(serverPid, 'SIGKILL');
    await livePage.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.dataset.state === 'error',
      null, { timeout: 15000 });
    assert.match(await livePage.textContent('[data-testid=live-status]'), new RegExp(`no Kindred server answers at ${target}`));
  } finally {
    await livePage?.close();
    view?.kill();
    session.quit();
  }
});

test('--live with no server at the address names the address and fails', async () => {
  const port = await new Promise((ok) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
  const r = await run('java', ['-jar', JAR, 'view', '--live', `127.0.0.1:${port}`, '--port', '0'])
    .then(() => ({ code: 0, stderr: '' }), (e) => e);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`kindred view: --live: .*127\\.0\\.0\\.1:${port}`));
});

test('no errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
