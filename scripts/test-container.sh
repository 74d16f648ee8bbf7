#!/usr/bin/env bash
# The container-image part of `./kindred test`: builds the server's image with the documented
# command (`./kindred image`: Jib, no Docker daemon, no registry), inspects it against the
# Kubernetes manifests (env-server/deploy/container/inspect_image.py: non-root user, entrypoint,
# port, labels, layers), then, where this machine allows it, runs it as a container runtime would:
# the layers unpacked into a temporary root; the image's entrypoint and arguments started there
# (chroot) as the image's user, with only the image's environment and its working directory, in
# new mount, PID and network namespaces that get nothing from the host but a fresh /proc and the
# OCI default devices; checked from outside through the standard gRPC health service,
# GetServerInfo and a Render call (scripts/ContainerProbe.java); stopped with SIGTERM and checked
# for a clean shutdown. Running needs root, or unprivileged user namespaces (then nested ones map
# this user to root for the set-up and to the image's user for the server); without either, that
# step is skipped and says why.
#
# Usage: scripts/test-container.sh [--no-build]   (--no-build: inspect and run the tar already built)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE_TAR="$ROOT/env-server/target/kindred-server-image.tar"
SERVER_JAR="$ROOT/env-server/target/kindred-server.jar"
K8S="$ROOT/env-server/deploy/kubernetes/base"
STARTUP_S=60    # the server answers SERVING within a few seconds; a loaded 2-core machine is slower
SHUTDOWN_S=30   # the manifests' terminationGracePeriodSeconds
log() { printf 'kindred: container: %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

build=1
case "${1:-}" in
  "") ;;
  --no-build) build=0 ;;
  -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) log "unknown argument '$1' (usage: scripts/test-container.sh [--no-build])"; exit 2 ;;
esac

WORK="$(mktemp -d)"
UNSHARE_PID=""
cleanup() {
  if [ -n "$UNSHARE_PID" ] && kill -0 "$UNSHARE_PID" 2>/dev/null; then
    kill -KILL "$UNSHARE_PID" 2>/dev/null || true # --kill-child takes the server with it
    wait "$UNSHARE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Build.
started=$SECONDS
if [ "$build" = 1 ]; then
  "$ROOT/kindred" image
fi
[ -f "$IMAGE_TAR" ] || fail "$IMAGE_TAR not found (build it with ./kindred image)"
build_s=$((SECONDS - started))

# 2. Inspect, against what the Kubernetes manifests expect of the image.
yaml_value() { sed -n "s/^ *$1: *//p" "$2" | head -1; }
run_as="$(yaml_value runAsUser "$K8S/deployment.yaml"):$(yaml_value runAsGroup "$K8S/deployment.yaml")"
port="$(yaml_value containerPort "$K8S/deployment.yaml")"
tag="$(yaml_value newName "$K8S/kustomization.yaml"):$(yaml_value newTag "$K8S/kustomization.yaml")"
[[ "$run_as" =~ ^[0-9]+:[0-9]+$ && "$port" =~ ^[0-9]+$ && "$tag" != ":" ]] \
  || fail "cannot read runAsUser/runAsGroup/containerPort from $K8S/deployment.yaml or newName/newTag from $K8S/kustomization.yaml (got '$run_as', '$port', '$tag')"
expect=(--expect-tag "$tag" --expect-user "$run_as" --expect-port "$port")
if revision="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null)"; then
  expect+=(--expect-revision "$revision")
fi
python3 "$ROOT/env-server/deploy/container/inspect_image.py" "$IMAGE_TAR" "${expect[@]}" --run-spec "$WORK/spec" \
  || fail "the image does not pass inspection (above)"
code_version="$(cat "$WORK/spec/code-version")"

# 3. Run it, if this machine can.
skip() { log "inspected; NOT RUN: $*"; log "ok (build ${build_s} s; run step skipped)"; exit 0; }
for tool in unshare nsenter ip pgrep; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] \
    || skip "'$tool' not found (util-linux, iproute2, procps)"
done
PATH="$PATH:/usr/sbin:/sbin"
user="$(cat "$WORK/spec/user")"
workdir="$(cat "$WORK/spec/workdir")"
UNSHARE="$(command -v unshare)"
if [ "$(id -u)" = 0 ]; then
  outer=()
  inner=(--setuid "${user%%:*}" --setgid "${user##*:}")
  how="as root, switching to the image's user $user"
else
  # A user namespace where this user is root sets the container up (mounts, loopback); a nested one,
  # where it is the image's user, runs the server: one unprivileged uid can be mapped only once.
  outer=(--map-root-user)
  inner=(--user --map-user="${user%%:*}" --map-group="${user##*:}")
  how="in user namespaces, as the image's user $user (uid $(id -u) outside)"
fi
ns=("$UNSHARE" "${outer[@]}" --net --mount --pid --fork --kill-child)
if ! err="$("${ns[@]}" --mount-proc=/proc "$UNSHARE" "${inner[@]}" true 2>&1)"; then
  skip "cannot create namespaces here ($how): ${err:0:200}"
fi

ROOTFS="$WORK/rootfs"
mkdir -p "$ROOTFS"
while IFS= read -r layer; do
  tar -xOf "$IMAGE_TAR" "$layer" | tar -xz -C "$ROOTFS" --numeric-owner --warning=no-unknown-keyword \
    || fail "cannot unpack layer $layer"
done <"$WORK/spec/layers"
mkdir -p "$ROOTFS/proc" "$ROOTFS/dev" # the mount points a container runtime makes
mapfile -d '' -t argv <"$WORK/spec/argv"
mapfile -d '' -t env <"$WORK/spec/env"
home="$(awk -F: -v uid="${user%%:*}" '$3 == uid {print $6}' "$ROOTFS/etc/passwd")"

# In the new namespaces: /proc, the OCI runtime spec's default devices bound from the host (without
# /dev/urandom the JVM seeds SecureRandom from thread timings, for seconds) and the loopback up; then
# chroot, the working directory and the user, with only the image's environment.
in_namespaces='set -e; root="$1"; shift
for dev in null zero full random urandom; do : >"$root/dev/$dev"; mount --bind "/dev/$dev" "$root/dev/$dev"; done
ip link set lo up
exec "$@"'
log "running ${argv[*]} $how (chroot $ROOTFS, workdir $workdir, HOME=${home:-/})"
"${ns[@]}" --mount-proc="$ROOTFS/proc" sh -c "$in_namespaces" sh "$ROOTFS" \
  env -i "${env[@]}" HOME="${home:-/}" "$UNSHARE" "${inner[@]}" --root="$ROOTFS" --wd="$workdir" "${argv[@]}" \
  >"$WORK/server.log" 2>&1 &
UNSHARE_PID=$!
server=""
for _ in $(seq 1 100); do
  server="$(pgrep -P "$UNSHARE_PID" 2>/dev/null | head -1 || true)"
  [ -n "$server" ] && break
  kill -0 "$UNSHARE_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$server" ] || { cat "$WORK/server.log" >&2; fail "the entrypoint did not start (log above)"; }
if [ "$(id -u)" = 0 ]; then
  enter=(nsenter --net="/proc/$server/ns/net")
else
  enter=(nsenter --user="/proc/$UNSHARE_PID/ns/user" --net="/proc/$server/ns/net" --preserve-credentials)
fi

# Checked from outside, in the server's network namespace, with the host's JDK and the server jar's gRPC.
[ -f "$SERVER_JAR" ] || fail "$SERVER_JAR not found (the probe uses its gRPC classes; ./kindred build)"
# machineId: netty finds no hardware address in a namespace with only a loopback, and would say so.
if ! probe="$("${enter[@]}" java -Dio.grpc.netty.shaded.io.netty.machineId=02:00:00:00:00:01 -cp "$SERVER_JAR" "$ROOT/scripts/ContainerProbe.java" \
    "127.0.0.1:$port" "$STARTUP_S")"; then
  tail -20 "$WORK/server.log" >&2
  fail "the server in the image did not answer (server log above)"
fi
printf '%s\n' "$probe" | sed 's/^/kindred: container: /' >&2
reported="$(printf '%s\n' "$probe" | sed -n 's/^server_version //p')"
[ "$reported" = "$code_version" ] \
  || fail "the server reports version '$reported', the image's label dev.kindred.code-version is '$code_version'"

# The server runs as the image's user: its uid, or (in a user namespace) what its uid maps from.
if [ "$(id -u)" = 0 ]; then
  running_as="$(awk '$1 == "Uid:" {print $2}' "/proc/$server/status")"
else
  running_as="$(awk -v outer="$(id -u)" '$2 == outer {print $1}' "/proc/$server/uid_map")"
fi
[ "$running_as" = "${user%%:*}" ] || fail "the server runs as uid '$running_as', the image's user is $user"

# A clean shutdown on SIGTERM, as a pod's termination sends it.
stop_started=$SECONDS
kill -TERM "$server"
status=0
for _ in $(seq 1 $((SHUTDOWN_S * 10))); do
  kill -0 "$UNSHARE_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$UNSHARE_PID" 2>/dev/null; then
  tail -20 "$WORK/server.log" >&2
  fail "the server did not stop within ${SHUTDOWN_S} s of SIGTERM (log above)"
fi
wait "$UNSHARE_PID" || status=$?
UNSHARE_PID=""
# The JVM exits with 128 + 15 after its shutdown hooks ran on SIGTERM.
if [ "$status" != 143 ] && [ "$status" != 0 ]; then
  tail -20 "$WORK/server.log" >&2
  fail "the server exited with status $status after SIGTERM (log above)"
fi
grep -q "shutdown 4/4: stopped" "$WORK/server.log" \
  || { tail -20 "$WORK/server.log" >&2; fail "no 'shutdown 4/4: stopped' in the server's log after SIGTERM (log above)"; }
if grep -E ' ERROR |Exception' "$WORK/server.log" >&2; then
  fail "the server logged errors in the image (above)"
fi
log "stopped cleanly $((SECONDS - stop_started)) s after SIGTERM (exit status $status)"
log "ok: built in ${build_s} s, inspected, served and stopped in the image; $((SECONDS - started)) s in all"
