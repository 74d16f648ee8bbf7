#!/usr/bin/env bash
# Runs the Go seat brain of the cross-language match contract (clients/go/cmd/seat-brain),
# building it first: generates the protocol code when it is missing or older than the protos,
# then `go build` (cached, fast when nothing changed) into clients/go/bin/seat-brain. Arguments
# go to seat-brain (--target --session --seat --token --steps); only its hash lines go to stdout.
set -euo pipefail
GO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$GO_DIR/../.." && pwd)"
command -v go >/dev/null 2>&1 || { echo "kindred: 'go' is required for the Go seat brain (install Go 1.24+)" >&2; exit 1; }
gen="$GO_DIR/kindredv1/env_service.pb.go"
if [ ! -f "$gen" ] || [ -n "$(find "$ROOT/proto" -name '*.proto' -newer "$gen" -print -quit)" ]; then
  "$GO_DIR/generate.sh" >&2
fi
(cd "$GO_DIR" && go build -o bin/seat-brain ./cmd/seat-brain) >&2
exec "$GO_DIR/bin/seat-brain" "$@"
