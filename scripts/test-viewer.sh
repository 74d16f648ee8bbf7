#!/usr/bin/env bash
# The web viewer's part of `./kindred test`: records replays with the real recorder (a tiny
# `kindred train`, then `kindred evaluate --replays`), serves them with `kindred view`, and drives
# headless Chromium (Debian's `chromium` package, installed with apt-get when missing; no browser
# download) with playwright-core (pinned in env-server/tools/src/test/browser/package-lock.json,
# `npm ci` rerun only when the lockfile changes). Needs the jar and agents classes (`mvn verify`
# or `./kindred build` before); the live test also the Python client's venv (made when missing).
#
#   scripts/test-viewer.sh                 run the browser tests
#   scripts/test-viewer.sh --screenshot F  also save the energy-world screenshot to F (the README's
#                                          docs/img/viewer.png)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESTS="$ROOT/env-server/tools/src/test/browser"
log() { printf 'kindred: %s\n' "$*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) export KINDRED_VIEWER_SCREENSHOT="$(realpath -m "${2:?--screenshot needs a file}")"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) log "test-viewer: unknown flag '$1' (usage: scripts/test-viewer.sh [--screenshot FILE])"; exit 2 ;;
  esac
done

command -v node >/dev/null 2>&1 || { log "'node' (Node.js 18+) is required for the viewer's browser tests"; exit 1; }
command -v npm >/dev/null 2>&1 || { log "'npm' is required for the viewer's browser tests"; exit 1; }
[ -f "$ROOT/env-server/target/kindred-server.jar" ] || { log "missing env-server/target/kindred-server.jar (mvn verify builds it)"; exit 1; }

# The live test steps a session from the Python client (clients/python/.venv; ./kindred test makes it first).
if [ -z "${KINDRED_PYTHON:-}" ] && [ ! -x "$ROOT/clients/python/.venv/bin/python" ]; then
  log "viewer: no clients/python/.venv for the live test; creating it"
  "$ROOT/scripts/test-python.sh" --install-only
fi

CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$CHROMIUM" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  command -v apt-get >/dev/null 2>&1 || { log "no chromium and no apt-get: install Chromium and set CHROMIUM=/path/to/it"; exit 1; }
  log "viewer: installing Debian's chromium (apt-get, once; about a minute)"
  start=$SECONDS
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  CHROMIUM="$(command -v chromium)"
  log "viewer: chromium installed in $((SECONDS - start)) s"
fi
export CHROMIUM

cd "$TESTS"
LOCK_SHA="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.kindred-lock-sha256 2>/dev/null || true)" != "$LOCK_SHA" ]; then
  log "viewer: npm ci (playwright-core, pinned by package-lock.json)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$LOCK_SHA" > node_modules/.kindred-lock-sha256
fi

log "viewer: browser tests ($("$CHROMIUM" --version 2>/dev/null | head -1))"
start=$SECONDS
node --test --test-reporter=spec viewer.test.mjs
log "viewer: all tests passed in $((SECONDS - start)) s"
