#!/usr/bin/env bash
# Stages everything of the Kindred server image that is not the application itself, as a root
# file system that Jib adds to a `scratch` base (env-server/tools/pom.xml, profile `container`):
#
#   /opt/java          a Java runtime made by jlink from this machine's JDK, with the modules that
#                      `jdeps --print-module-deps` finds in the image's class path, plus jdk.crypto.ec
#                      (TLS with EC certificates and ECDHE key exchange, loaded as a security
#                      provider, which jdeps cannot see)
#   /lib*, /usr/lib*   the shared libraries that runtime loads (ldd of bin/java and of every .so),
#                      at the paths ldd resolves them to, and the dynamic loader
#   fonts              the server draws RGB frames (Render) with AWT, whose text needs fontconfig
#                      (loaded by dlopen, invisible to ldd) and a font: DejaVu Sans, regular and
#                      bold (FrameRenderer's SansSerif plain and bold), and a minimal fonts.conf
#   /etc/passwd, group the image's user (uid:gid given below), so that Java's user.name and
#                      user.home mean something; its home is /tmp
#   /tmp               the one writable directory (java.io.tmpdir, the home, the working
#                      directory), made writable for the user by Jib's permissions in the pom
#
# Usage: stage-runtime.sh OUT_DIR CLASSPATH UID GID
#   OUT_DIR    emptied and filled with the root file system
#   CLASSPATH  the application's run-time class path (':'-separated jars and class directories)
#   UID, GID   the numeric user and group the image runs as
#
# Needs a JDK 17 (jdeps, jlink, its jmods), ldd and ldconfig (glibc), fontconfig's library and
# DejaVu Sans (Debian: libfontconfig1 fonts-dejavu-core). Downloads nothing.
set -euo pipefail

die() { printf 'stage-runtime: %s\n' "$*" >&2; exit 1; }
log() { printf 'stage-runtime: %s\n' "$*" >&2; }

[ $# -eq 4 ] || die "usage: stage-runtime.sh OUT_DIR CLASSPATH UID GID (got $# arguments)"
OUT="$1"; CLASSPATH_IN="$2"; RUN_UID="$3"; RUN_GID="$4"
[[ "$RUN_UID" =~ ^[1-9][0-9]*$ && "$RUN_GID" =~ ^[1-9][0-9]*$ ]] \
  || die "UID and GID must be positive numbers (a non-root user), got '$RUN_UID' and '$RUN_GID'"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The JDK whose runtime is copied: the one running the build (JAVA_HOME, else the java on PATH).
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ]; then
  JDK="$JAVA_HOME"
else
  command -v javac >/dev/null 2>&1 || die "no JDK found: set JAVA_HOME to a JDK 17 (jlink and jdeps are needed)"
  JDK="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
fi
for tool in jlink jdeps; do
  [ -x "$JDK/bin/$tool" ] || die "$JDK/bin/$tool not found: JAVA_HOME must be a full JDK 17, not a JRE"
done
[ -d "$JDK/jmods" ] || die "$JDK/jmods not found: jlink needs the JDK's jmods (Debian: openjdk-17-jdk-headless)"
JDK_FEATURE="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "$JDK_FEATURE" = "17" ] || die "the image's runtime is made from a JDK 17; $JDK is Java $JDK_FEATURE"
for tool in ldd ldconfig; do
  command -v "$tool" >/dev/null 2>&1 || PATH="$PATH:/sbin:/usr/sbin"
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (glibc's tools are needed to find the runtime's libraries)"
done

rm -rf "$OUT"
mkdir -p "$OUT"

# 1. The modules: what the application's classes and jars use, by jdeps; jdk.crypto.ec on top.
IFS=':' read -r -a entries <<<"$CLASSPATH_IN"
[ "${#entries[@]}" -gt 0 ] || die "the class path is empty"
for e in "${entries[@]}"; do [ -e "$e" ] || die "class path entry not found: $e"; done
modules="$("$JDK/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 "${entries[@]}" 2>/dev/null)" \
  || die "jdeps failed; rerun: $JDK/bin/jdeps --print-module-deps --ignore-missing-deps --multi-release 17 <class path entries>"
[[ "$modules" =~ ^java\.base ]] || die "jdeps printed no module list (got '${modules:0:200}')"
modules="$modules,jdk.crypto.ec"
log "jlink: $modules"

# 2. The runtime.
"$JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$OUT/opt/java"

# The server is headless (the image sets -Djava.awt.headless=true): java.desktop's libraries for a
# display, a splash screen and sound are never loaded, and would bring X11 and ALSA with them.
for lib in libawt_xawt.so libjawt.so libsplashscreen.so libjsound.so; do
  rm -f "$OUT/opt/java/lib/$lib"
done

# 3. Fonts for the frames the server draws (only when java.desktop is in the runtime).
elf_files=()
if [ -f "$OUT/opt/java/lib/libfontmanager.so" ]; then
  libc_dir="$(dirname "$(ldd "$OUT/opt/java/bin/java" | awk '$1 == "libc.so.6" {print $3}')")"
  fontconfig="$(ldconfig -p | awk -v dir="$libc_dir/" '$1 == "libfontconfig.so.1" && index($NF, dir) == 1 {print $NF; exit}')"
  [ -n "$fontconfig" ] || die "libfontconfig.so.1 not found in $libc_dir (Debian: apt-get install libfontconfig1); the server's Render needs it"
  mkdir -p "$OUT$(dirname "$fontconfig")"
  cp -L "$fontconfig" "$OUT$fontconfig"
  elf_files+=("$OUT$fontconfig")
  for face in DejaVuSans.ttf DejaVuSans-Bold.ttf; do
    font="$(find /usr/share/fonts -name "$face" -print -quit 2>/dev/null)"
    [ -n "$font" ] || die "$face not found under /usr/share/fonts (Debian: apt-get install fonts-dejavu-core)"
    mkdir -p "$OUT/usr/share/fonts/dejavu"
    cp -L "$font" "$OUT/usr/share/fonts/dejavu/$face"
  done
  mkdir -p "$OUT/etc/fonts"
  cp "$HERE/fonts.conf" "$OUT/etc/fonts/fonts.conf"
fi

# 4. The shared libraries, with ldd: it prints the whole closure of each file it is given.
while IFS= read -r -d '' f; do elf_files+=("$f"); done \
  < <(find "$OUT/opt/java/bin" "$OUT/opt/java/lib" -type f \( -path '*/bin/*' -o -name '*.so' \) -print0)
needed="$(mktemp)"
trap 'rm -f "$needed"' EXIT
for f in "${elf_files[@]}"; do
  ldd "$f" 2>/dev/null | while read -r name arrow path _; do
    if [ "$arrow" = "=>" ] && [ "$path" = "not" ]; then
      # Libraries of the runtime that find each other once loaded (libjvm.so through the launcher).
      [ -n "$(find "$OUT/opt/java/lib" -name "$name" -print -quit)" ] \
        || { echo "MISSING $name (needed by ${f#"$OUT"})"; continue; }
    elif [ "$arrow" = "=>" ] && [ "${path:0:1}" = "/" ]; then
      echo "$path"
    elif [ "${name:0:1}" = "/" ]; then
      echo "$name" # the dynamic loader, named by its absolute path
    fi
  done
done | sort -u >"$needed"
if grep -q '^MISSING ' "$needed"; then
  die "libraries not found on this machine: $(grep '^MISSING ' "$needed" | cut -c9- | sort -u | paste -sd ';')"
fi
libs=0
while IFS= read -r path; do
  case "$(readlink -f "$path")" in "$(readlink -f "$OUT")"/*) continue ;; esac # part of the runtime
  mkdir -p "$OUT$(dirname "$path")"
  cp -L "$path" "$OUT$path"
  libs=$((libs + 1))
done <"$needed"

# 5. The user and /tmp, its home.
mkdir -p "$OUT/etc" "$OUT/tmp"
printf 'kindred:x:%s:%s:Kindred server:/tmp:/sbin/nologin\n' "$RUN_UID" "$RUN_GID" >"$OUT/etc/passwd"
printf 'kindred:x:%s:\n' "$RUN_GID" >"$OUT/etc/group"

log "staged $OUT: Java runtime $(du -sh "$OUT/opt/java" | cut -f1), $libs shared libraries," \
  "$(du -sh --exclude=opt "$OUT" | cut -f1) outside /opt/java"
