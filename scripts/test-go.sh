#!/usr/bin/env bash
# The Go part of `./kindred test`: installs the pinned protoc plugins (cached in clients/go/.bin),
# checks that the committed kindred.v1 Go code (clients/go/kindredv1) is what proto/ generates
# (clients/go/generate.sh --check: it fails with "run clients/go/generate.sh" when not), builds the library and commands into clients/go/bin, then runs `go vet` and
# `go test -count=1 ./...` against real servers the tests start from
# env-server/target/kindred-server.jar (built by `mvn verify` before).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_DIR="$ROOT/clients/go"
log() { printf 'kindred: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { log "'go' is required for the Go client tests (install Go 1.24+, https://go.dev/dl/)"; exit 1; }
JAR="$ROOT/env-server/target/kindred-server.jar"
[ -f "$JAR" ] || { log "missing $JAR (mvn verify builds it)"; exit 1; }

log "Go: checking clients/go/kindredv1 against proto/ ($(go version | cut -d' ' -f3))"
"$GO_DIR/generate.sh" --check
cd "$GO_DIR"
log "Go: build and vet (first run downloads modules from the Go module proxy)"
go build -o bin/ ./cmd/...
go vet ./...
log "Go: go test ./... (clients/go)"
KINDRED_SERVER_JAR="$JAR" go test -count=1 "$@" ./...
log "Go: all tests passed"
