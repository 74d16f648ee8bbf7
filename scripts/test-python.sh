#!/usr/bin/env bash
# The Python part of `./kindred test`: creates (or refreshes) clients/python/.venv, installs the
# `kindred` package with its test extras, then runs pytest on clients/python/tests against a
# real server started from env-server/target/kindred-server.jar (built by `mvn verify` before).
# Re-runs skip the install when the package's sources, the protos and the Python are unchanged.
# With --install-only it stops after the install (the launcher's `bench clients` uses that).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="$ROOT/clients/python"
VENV="$PKG/.venv"
STAMP="$VENV/.kindred-install-stamp"
log() { printf 'kindred: %s\n' "$*" >&2; }

PYTHON="${KINDRED_PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || { log "'$PYTHON' is required for the Python client tests (install Python 3.9+, e.g. 3.11)"; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || { log "Python 3.9+ is required for the Python client; '$PYTHON' is $("$PYTHON" --version 2>&1)"; exit 1; }

JAR="$ROOT/env-server/target/kindred-server.jar"
[ -f "$JAR" ] || { log "missing $JAR (mvn verify builds it)"; exit 1; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "Python: creating $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

# What the installed package depends on: its sources, build files, the protos, the interpreter,
# and this script (which installs the test-only extras).
stamp() {
  {
    "$VENV/bin/python" --version 2>&1
    cd "$ROOT"
    find scripts/test-python.sh clients/python/pyproject.toml clients/python/setup.py clients/python/MANIFEST.in \
         clients/python/kindred proto -type f \( -name '*.py' -o -name '*.proto' -o -name '*.toml' -o -name '*.in' -o -name '*.sh' \) \
         ! -name '*_pb2*.py' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
}
want="$(stamp)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want" ]; then
  log "Python: installing clients/python[test] into $VENV (first run downloads packages from PyPI)"
  rm -f "$STAMP"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "setuptools>=64" wheel "grpcio-tools>=1.60"
  # No build isolation: the protos are generated with the venv's grpcio-tools, so the generated
  # code matches the venv's protobuf runtime.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation "$PKG[test]"
  # pymdp for tests/test_active_inference.py: the numpy line, without its exact pins of 2021-era
  # versions (which would downgrade numpy) or its documentation extras; what its modules import
  # (pymdp.utils: pandas, seaborn, matplotlib; pymdp.maths: scipy) is installed at current versions.
  # (In this order: pip's resolver would otherwise complain about pymdp's unmet pins.)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check scipy pandas seaborn matplotlib
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps "inferactively-pymdp==0.0.7.1"
  echo "$want" > "$STAMP"
else
  log "Python: clients/python unchanged since the last install; skipping pip"
fi

if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi

log "Python: pytest clients/python/tests"
cd "$ROOT"
KINDRED_SERVER_JAR="$JAR" "$VENV/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests "$@"
