"""Inspects the Kindred server image tar (docker-archive, as `./kindred image` writes it) with no
container runtime: checks its configuration and layers and prints a summary with its size.

Usage: inspect_image.py IMAGE.tar [--expect-tag NAME:TAG] [--expect-user UID:GID]
                        [--expect-port N] [--expect-revision COMMIT] [--run-spec DIR]

Checks: one image, whose layers are all present and match the config's diff_ids (sha256 of the
uncompressed layer); a numeric non-root user; an entrypoint that is an executable file of the image,
whose class path file names only files of the image; the arguments serve on the exposed port; the
labels name the version and the commit, consistently; the working directory exists and the user can
write it; no set-uid or set-gid file; every path under the places the image is meant to fill.
--run-spec DIR writes what a runner needs: layers (the layer members of the tar, bottom first, one
a line), argv and env (NUL-separated), user, workdir and code-version (the label).
Exits 1 with one line per failed check.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import posixpath
import stat
import sys
import tarfile

# Where the image's files may be, each for a reason (env-server/deploy/container/stage-runtime.sh
# and Jib's layout): the application, the Java runtime, the libraries it loads and the loader, the
# fonts and fontconfig for Render, the user, and /tmp.
ALLOWED = ("app", "opt/java", "lib", "lib64", "usr/lib", "usr/lib64", "usr/share/fonts", "etc/fonts",
           "etc/passwd", "etc/group", "tmp")
# Parents of those, which hold nothing else.
PARENTS = {"opt", "usr", "usr/share", "etc"}


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image")
    ap.add_argument("--expect-tag")
    ap.add_argument("--expect-user")
    ap.add_argument("--expect-port", type=int)
    ap.add_argument("--expect-revision")
    ap.add_argument("--run-spec")
    a = ap.parse_args()
    errors = []

    with tarfile.open(a.image) as outer:
        members = {m.name: m for m in outer.getmembers()}
        if "manifest.json" not in members:
            print(f"{a.image}: no manifest.json: not a docker-archive image tar", file=sys.stderr)
            return 1
        manifest = json.load(outer.extractfile("manifest.json"))
        if len(manifest) != 1:
            errors.append(f"expected one image in manifest.json, found {len(manifest)}")
        image = manifest[0]
        config = json.load(outer.extractfile(image["Config"]))
        c = config.get("config", {})
        diff_ids = config.get("rootfs", {}).get("diff_ids", [])
        if len(diff_ids) != len(image["Layers"]):
            errors.append(f"{len(image['Layers'])} layers but {len(diff_ids)} diff_ids in the config")

        files = {}  # path -> (TarInfo, layer index), the upper layer winning (Jib writes no whiteouts)
        jib_files = {}  # /app/jib-* (the class path file, the main class file) -> text
        unpacked = 0
        for i, layer in enumerate(image["Layers"]):
            if layer not in members:
                errors.append(f"layer {layer} is listed but not in the tar")
                continue
            raw = outer.extractfile(layer).read()
            data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            unpacked += len(data)
            digest = "sha256:" + hashlib.sha256(data).hexdigest()
            if i < len(diff_ids) and digest != diff_ids[i]:
                errors.append(f"layer {i} ({layer[:19]}...) has diff_id {digest[:19]}..., the config says {diff_ids[i][:19]}...")
            with tarfile.open(fileobj=io.BytesIO(data)) as lt:
                for m in lt.getmembers():
                    name = posixpath.normpath(m.name.lstrip("/"))
                    files[name] = (m, i)
                    if name.startswith("app/jib-") and m.isfile():
                        jib_files[name] = lt.extractfile(m).read().decode()
        tar_size = os.path.getsize(a.image)

    def lookup(path: str):
        entry = files.get(posixpath.normpath(path.lstrip("/")))
        return entry[0] if entry else None

    # The user: numeric, not root, the manifests' runAsUser:runAsGroup.
    user = c.get("User", "")
    parts = user.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        errors.append(f"User must be numeric UID:GID (Kubernetes' runAsNonRoot cannot check a name), got '{user}'")
        uid = gid = None
    else:
        uid, gid = int(parts[0]), int(parts[1])
        if uid == 0:
            errors.append("User is root (uid 0)")
    if a.expect_user and user != a.expect_user:
        errors.append(f"User is '{user}', the Kubernetes manifests run as {a.expect_user}")

    # The entrypoint: an executable of the image; its class path file names files of the image.
    entry = c.get("Entrypoint") or []
    if not entry or not entry[0].startswith("/"):
        errors.append(f"Entrypoint must start with an absolute path (no shell, no PATH lookup), got {entry}")
    else:
        m = lookup(entry[0])
        if m is None or not m.isfile() or not m.mode & 0o111:
            errors.append(f"Entrypoint {entry[0]} is not an executable file of the image")
    if "-cp" in entry and entry.index("-cp") + 1 < len(entry) and entry[entry.index("-cp") + 1].startswith("@"):
        cp_file = entry[entry.index("-cp") + 1][1:]
        text = jib_files.get(cp_file.lstrip("/"))
        if text is None:
            errors.append(f"the class path file {cp_file} is not in the image")
        else:
            missing = [p for p in text.strip().split(":") if lookup(p) is None]
            if missing:
                errors.append(f"{len(missing)} class path entries are not in the image, e.g. {missing[:3]}")

    # Serving on the exposed port.
    cmd = c.get("Cmd") or []
    ports = sorted((c.get("ExposedPorts") or {}).keys())
    if not cmd or cmd[0] != "serve":
        errors.append(f"Cmd must run the server (serve ...), got {cmd}")
    if a.expect_port is not None:
        if "--port" not in cmd or cmd[cmd.index("--port") + 1:cmd.index("--port") + 2] != [str(a.expect_port)]:
            errors.append(f"Cmd must serve on port {a.expect_port} (--port {a.expect_port}), got {cmd}")
        if f"{a.expect_port}/tcp" not in ports:
            errors.append(f"ExposedPorts must include {a.expect_port}/tcp, got {ports}")
        if "--host" not in cmd or cmd[cmd.index("--host") + 1:cmd.index("--host") + 2] != ["0.0.0.0"]:
            errors.append(f"Cmd must listen on every interface (--host 0.0.0.0) to be reachable in a pod, got {cmd}")

    # Labels: the version and the commit, as BuildInfo reports them.
    labels = c.get("Labels") or {}
    version = labels.get("org.opencontainers.image.version")
    revision = labels.get("org.opencontainers.image.revision")
    code = labels.get("dev.kindred.code-version")
    if not version or not revision or not code:
        errors.append(f"labels org.opencontainers.image.version, .revision and dev.kindred.code-version are needed, got {labels}")
    elif code not in (f"{version}+{revision}", f"{version}+{revision}-dirty"):
        errors.append(f"label dev.kindred.code-version '{code}' does not match version '{version}' and revision '{revision}'")
    if a.expect_revision and revision != a.expect_revision:
        errors.append(f"label org.opencontainers.image.revision is '{revision}', the checkout is at {a.expect_revision}")
    if a.expect_tag and a.expect_tag not in image.get("RepoTags", []):
        errors.append(f"the image is tagged {image.get('RepoTags')}, the Kubernetes manifests name {a.expect_tag}")

    # The working directory: present, and writable by the user.
    workdir = c.get("WorkingDir") or "/"
    w = lookup(workdir)
    if w is None or not w.isdir():
        errors.append(f"WorkingDir {workdir} is not a directory of the image")
    elif uid is not None and not (w.mode & 0o002 or (w.uid == uid and w.mode & 0o200)):
        errors.append(f"WorkingDir {workdir} (mode {w.mode:o}, owner {w.uid}) is not writable by uid {uid}")

    # Every file where it belongs; nothing set-uid.
    unexpected = sorted(p for p in files if p != "." and p not in PARENTS
                        and not any(p == r or p.startswith(r + "/") for r in ALLOWED))
    if unexpected:
        errors.append(f"{len(unexpected)} paths outside {ALLOWED}: {unexpected[:5]}")
    setid = sorted(p for p, (m, _) in files.items() if m.mode & (stat.S_ISUID | stat.S_ISGID))
    if setid:
        errors.append(f"set-uid or set-gid files: {setid[:5]}")

    def area(prefixes):
        return sum(m.size for p, (m, _) in files.items() if m.isfile()
                   and any(p == r or p.startswith(r + "/") for r in prefixes))

    print(f"image {', '.join(image.get('RepoTags', []))}: {len(image['Layers'])} layers, "
          f"{mib(tar_size)} as a tar (layers compressed), {mib(unpacked)} unpacked; "
          f"Java runtime {mib(area(['opt/java']))}, shared libraries {mib(area(['lib', 'lib64', 'usr/lib', 'usr/lib64']))}, "
          f"fonts {mib(area(['usr/share/fonts', 'etc/fonts']))}, application {mib(area(['app']))}")
    print(f"  user {user}, workdir {workdir}, ports {', '.join(ports)}, labels version={version} revision={revision}")
    print(f"  entrypoint {' '.join(entry)}")
    print(f"  args {' '.join(cmd)}")

    if a.run_spec:
        os.makedirs(a.run_spec, exist_ok=True)
        with open(os.path.join(a.run_spec, "layers"), "w") as f:
            f.write("".join(layer + "\n" for layer in image["Layers"]))
        with open(os.path.join(a.run_spec, "argv"), "w") as f:
            f.write("".join(x + "\0" for x in entry + cmd))
        with open(os.path.join(a.run_spec, "env"), "w") as f:
            f.write("".join(x + "\0" for x in c.get("Env") or []))
        with open(os.path.join(a.run_spec, "user"), "w") as f:
            f.write(user + "\n")
        with open(os.path.join(a.run_spec, "workdir"), "w") as f:
            f.write(workdir + "\n")
        with open(os.path.join(a.run_spec, "code-version"), "w") as f:
            f.write(f"{code}\n")

    for e in errors:
        print(f"{a.image}: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
