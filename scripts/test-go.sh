#!/usr/bin/env bash
# The Go part of `./kindred test`: installs the pinned protoc plugins (cached in clients/go/.bin),
# checks that the committed kindred.v1 Go code (clients/go/kindredv1) is what proto/ generates
# (clients/go/generate.sh --check: it fails with "run clients/go/generate.sh" when not), builds
# the library and commands into clients/go/bin, runs `go vet`, builds a module outside the
# repository that requires kindred.dev/clients/go through a replace directive (what a user of a
# clone does), then runs `go test -count=1 ./...` against real servers the tests start from
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
log "Go: building a module outside the repository that uses kindred.dev/clients/go from this clone"
USE="$(mktemp -d)"
trap 'rm -rf "$USE"' EXIT
printf 'module example.com/kindreduser\n\ngo %s\n\nrequire kindred.dev/clients/go v0.0.0\n\nreplace kindred.dev/clients/go => %s\n' \
  "$(sed -n 's/^go //p' go.mod)" "$GO_DIR" > "$USE/go.mod"
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"kindred.dev/clients/go/kindred"\n\t"kindred.dev/clients/go/kindredv1"\n)\n\nfunc main() { fmt.Println(kindred.Dial != nil, kindredv1.DType_DTYPE_FLOAT32) }\n' > "$USE/main.go"
cp go.sum "$USE/go.sum"
(cd "$USE" && GOFLAGS=-mod=mod go build -o /dev/null .) \
  || { log "Go: a module outside the repository cannot build against clients/go (is clients/go/kindredv1 committed?)"; exit 1; }
log "Go: go test ./... (clients/go)"
KINDRED_SERVER_JAR="$JAR" go test -count=1 "$@" ./...
log "Go: all tests passed"
