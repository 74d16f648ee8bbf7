#!/usr/bin/env bash
# Runs the Go participant of the cross-language determinism test
# (clients/python/tests/test_crosslang.py), building it first with `go build` (cached, fast when nothing changed)
# into clients/go/bin/trajectory-hash. Arguments go to trajectory-hash; only its hash lines go
# to stdout.
set -euo pipefail
GO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$GO_DIR/../.." && pwd)"
command -v go >/dev/null 2>&1 || { echo "kindred: 'go' is required for the Go participant (install Go 1.24+)" >&2; exit 1; }
(cd "$GO_DIR" && go build -o bin/trajectory-hash ./cmd/trajectory-hash) >&2
exec "$GO_DIR/bin/trajectory-hash" "$@"
