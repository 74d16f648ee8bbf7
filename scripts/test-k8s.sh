#!/usr/bin/env bash
# The Kubernetes part of `./kindred test`: renders the Kustomize base, the secure and ingress overlays in
# env-server/deploy/kubernetes, validates every rendered object against the Kubernetes JSON schemas (strict:
# unknown fields are errors) and checks what the manifests must agree on with the server
# (env-server/deploy/kubernetes/check_manifests.py: probes on the gRPC port, a termination grace that covers
# the preStop sleep and the server's drain, non-root, a headless Service).
#
# Renderer: `kubectl kustomize` (kubectl bundles kustomize), else the pinned kustomize built from
# the Go module proxy (cached in env-server/deploy/kubernetes/.bin). Schemas: the PyPI package
# kubernetes-validate, which bundles them (no network at validation time), installed once into
# env-server/deploy/kubernetes/.venv. No cluster is needed, and none is started: see README "Scaling out".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S="$ROOT/env-server/deploy/kubernetes"
KUSTOMIZE_VERSION="v5.5.0"   # what kubectl 1.32 bundles; v5.6+ needs a newer Go than 1.26
VALIDATE_VERSION="1.37.0"
KUBERNETES_VERSION="1.33.0"   # the oldest release the manifests target (preStop sleep: 1.30+)
log() { printf 'kindred: %s\n' "$*" >&2; }

render() {
  # KINDRED_K8S_NO_KUBECTL=1 takes the Go path even where kubectl exists (how that path is tested).
  if [ -z "${KINDRED_K8S_NO_KUBECTL:-}" ] && command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$1"
  else
    if [ ! -x "$K8S/.bin/kustomize" ]; then
      command -v go >/dev/null 2>&1 || { log "Kubernetes: neither kubectl nor go found; install one to render the manifests"; exit 1; }
      log "Kubernetes: installing kustomize $KUSTOMIZE_VERSION into env-server/deploy/kubernetes/.bin (Go module proxy)"
      GOBIN="$K8S/.bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    fi
    "$K8S/.bin/kustomize" build "$1"
  fi
}

if [ ! -x "$K8S/.venv/bin/kubernetes-validate" ]; then
  log "Kubernetes: installing kubernetes-validate $VALIDATE_VERSION into env-server/deploy/kubernetes/.venv (PyPI, once)"
  python3 -m venv "$K8S/.venv"
  "$K8S/.venv/bin/python" -m pip install -q --disable-pip-version-check "kubernetes-validate==$VALIDATE_VERSION" pyyaml
fi

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
for target in base overlays/secure overlays/ingress; do
  name="${target//\//-}"
  log "Kubernetes: rendering env-server/deploy/kubernetes/$target"
  render "$K8S/$target" > "$OUT/$name.yaml"
  "$K8S/.venv/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "$OUT/$name.yaml"
  "$K8S/.venv/bin/python" "$K8S/check_manifests.py" "$OUT/$name.yaml"
done
log "Kubernetes: manifests render, validate against Kubernetes $KUBERNETES_VERSION and agree with the server"
