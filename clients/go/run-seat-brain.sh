#!/usr/bin/env bash
# Runs the Go seat brain of the cross-language match contract (clients/go/cmd/seat-brain),
# building it first with `go build` (cached, fast when nothing changed) into clients/go/bin/seat-brain. Arguments
# go to seat-brain (--target --session --seat --token --steps); only its hash lines go to stdout.
set -euo pipefail
GO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$GO_DIR/../.." && pwd)"
command -v go >/dev/null 2>&1 || { echo "kindred: 'go' is required for the Go seat brain (install Go 1.24+)" >&2; exit 1; }
(cd "$GO_DIR" && go build -o bin/seat-brain ./cmd/seat-brain) >&2
exec "$GO_DIR/bin/seat-brain" "$@"
