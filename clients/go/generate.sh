#!/usr/bin/env bash
# Generates the Go protobuf/gRPC code of the Kindred protocol (proto/kindred/v1/*.proto) into
# clients/go/kindredv1/. The generated code is committed, as Go projects do, so that `go get` and
# `go build` from a clone need no protoc: run this script (or `make generate`, or `go generate
# ./...` from clients/go) after changing a .proto, and commit the result.
#
#   generate.sh           regenerate clients/go/kindredv1 in place
#   generate.sh --check   generate into a temporary folder and fail if clients/go/kindredv1
#                         differs (scripts/test-go.sh runs this); the "protoc vX" line of the
#                         generated headers is ignored, so any protoc version passes
#
# The code generators are installed (once, cached) into clients/go/.bin at pinned versions:
#   protoc-gen-go       google.golang.org/protobuf/cmd/protoc-gen-go            (PROTOC_GEN_GO_VERSION)
#   protoc-gen-go-grpc  google.golang.org/grpc/cmd/protoc-gen-go-grpc           (PROTOC_GEN_GO_GRPC_VERSION)
# protoc itself, first found of:
#   $PROTOC (a protoc binary; its include directory must hold google/protobuf/struct.proto, or
#            set $PROTOC_INCLUDE);
#   the protoc artifact Maven fetched for the server build
#     (~/.m2/repository/com/google/protobuf/protoc/$PROTOC_VERSION/protoc-$PROTOC_VERSION-<os>-<arch>.exe),
#     with the well-known .proto files taken from the protobuf-java jar next to it;
#   grpcio-tools' protoc in clients/python/.venv (python -m grpc_tools.protoc);
#   protoc on PATH.
set -euo pipefail

GO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$GO_DIR/../.." && pwd)"
BIN="$GO_DIR/.bin"
OUT="$GO_DIR/kindredv1"
PROTOC_GEN_GO_VERSION="v1.36.11"      # keep equal to google.golang.org/protobuf in go.mod
PROTOC_GEN_GO_GRPC_VERSION="v1.6.1"
PROTOC_VERSION="${PROTOC_VERSION:-3.25.9}" # the version the server's pom.xml uses
M2="${MAVEN_REPO:-$HOME/.m2/repository}"
log() { printf 'kindred: %s\n' "$*" >&2; }
CHECK=false
case "${1:-}" in
  --check) CHECK=true ;;
  "") ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) log "generate.sh: unknown argument '$1' (use --check or nothing)"; exit 2 ;;
esac

mkdir -p "$BIN"
install_tool() { # name package version
  local stamp="$BIN/.$1.version"
  if [ ! -x "$BIN/$1" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$3" ]; then
    log "Go: installing $1 $3 into $BIN (first run downloads it from the Go module proxy)"
    (cd "$GO_DIR" && GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -mod=mod" go install "$2@$3")
    echo "$3" > "$stamp"
  fi
}
install_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"

# --- find protoc -------------------------------------------------------------------------------
PROTOC_CMD=()
INCLUDES=()
m2_protoc() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=osx ;; *) return 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x86_64 ;; aarch64|arm64) arch=aarch_64 ;; *) return 1 ;; esac
  local exe="$M2/com/google/protobuf/protoc/$PROTOC_VERSION/protoc-$PROTOC_VERSION-$os-$arch.exe"
  local jar
  jar="$(ls "$M2"/com/google/protobuf/protobuf-java/*/protobuf-java-*.jar 2>/dev/null | grep -v -e sources -e javadoc | sort -V | tail -1 || true)"
  [ -f "$exe" ] && [ -n "$jar" ] || return 1
  local cp="$BIN/protoc-$PROTOC_VERSION" inc="$BIN/include"
  if [ ! -x "$cp" ]; then cp "$exe" "$cp.tmp" && chmod +x "$cp.tmp" && mv "$cp.tmp" "$cp"; fi
  if [ ! -f "$inc/google/protobuf/struct.proto" ]; then
    mkdir -p "$inc"
    (cd "$inc" && unzip -q -o "$jar" 'google/protobuf/*.proto')
    # Old timestamps, so that ./kindred's "sources newer than the jar" check never counts them.
    find "$inc" -type f -exec touch -r "$jar" {} +
  fi
  PROTOC_CMD=("$cp"); INCLUDES=("-I$inc")
}
if [ -n "${PROTOC:-}" ]; then
  PROTOC_CMD=("$PROTOC"); [ -n "${PROTOC_INCLUDE:-}" ] && INCLUDES=("-I$PROTOC_INCLUDE")
elif m2_protoc; then
  :
elif [ -x "$ROOT/clients/python/.venv/bin/python" ] && "$ROOT/clients/python/.venv/bin/python" -c 'import grpc_tools' 2>/dev/null; then
  PY="$ROOT/clients/python/.venv/bin/python"
  PROTOC_CMD=("$PY" -m grpc_tools.protoc)
  INCLUDES=("-I$("$PY" -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')")
elif command -v protoc >/dev/null 2>&1; then
  PROTOC_CMD=(protoc)
else
  log "Go: no protoc found: build the server once (mvn -B -DskipTests package fetches protoc $PROTOC_VERSION into $M2), or set PROTOC"
  exit 1
fi

# protoc writes kindredv1/ under the folder given to --go_out (the go_package path, less the module).
DEST="$GO_DIR"
if $CHECK; then
  DEST="$(mktemp -d)"
  trap 'rm -rf "$DEST"' EXIT
else
  rm -rf "$OUT"
fi
mkdir -p "$DEST/kindredv1"
PATH="$BIN:$PATH" "${PROTOC_CMD[@]}" -I"$ROOT/proto" "${INCLUDES[@]}" \
  --go_out="$DEST" --go_opt=module=kindred.dev/clients/go \
  --go-grpc_out="$DEST" --go-grpc_opt=module=kindred.dev/clients/go \
  "$ROOT"/proto/kindred/v1/*.proto
if ! $CHECK; then
  log "Go: generated $(ls "$OUT" | wc -l) files into clients/go/kindredv1 with ${PROTOC_CMD[*]##*/}"
  exit 0
fi
# Compare, ignoring the generator-version header line that names protoc's version.
if diff -r -q -I '^//[[:space:]-]*protoc[[:space:]]' "$OUT" "$DEST/kindredv1" >/dev/null 2>&1; then
  log "Go: clients/go/kindredv1 matches proto/ ($(ls "$OUT" | wc -l) files)"
  exit 0
fi
log "Go: the committed clients/go/kindredv1 differs from what proto/ generates:"
diff -r -u -I '^//[[:space:]-]*protoc[[:space:]]' "$OUT" "$DEST/kindredv1" 2>&1 | head -40 >&2 || true
log "Go: run clients/go/generate.sh and commit clients/go/kindredv1"
exit 1
