"""The distribution installs on a machine without the repository.

Copies the package's sources and the protos to a temporary folder (so the build cannot reach
the repository), builds an sdist there and a wheel *from that sdist* (``python -m build``: the
sdist must carry everything a build needs), checks what each archive holds, then installs the
wheel into a fresh virtual environment with its dependencies (pinned to this environment's
versions, so pip takes them from its cache), and from a folder outside the repository imports
``kindred`` and steps a world on the test server. About 20-40 s; needs ``build`` (in the test
extras) and the PyPI index or pip's cache for the dependencies.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1]
ROOT = PKG.parents[1]
DIST_NAME = "kindred-env"
DEPENDENCIES = ("grpcio", "protobuf", "numpy", "gymnasium")


def run(cmd, cwd, timeout=300):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout


def copy_sources(dest: Path) -> Path:
    """clients/python (sources and build files only) and proto/, laid out as in the repository."""
    pkg = dest / "clients" / "python"
    shutil.copytree(PKG / "kindred", pkg / "kindred",
                    ignore=shutil.ignore_patterns("__pycache__", "*_pb2*.py", "*_pb2*.pyi"))
    for f in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(PKG / f, pkg / f)
    shutil.copytree(ROOT / "proto", dest / "proto")
    return pkg


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    work = tmp_path_factory.mktemp("build")
    pkg = copy_sources(work / "src")
    out = work / "dist"
    # No isolation: the build uses this environment's setuptools and grpcio-tools (offline).
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, pkg], cwd=work)
    sdists = list(out.glob("kindred_env-*.tar.gz"))
    wheels = list(out.glob("kindred_env-*-py3-none-any.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, f"expected one sdist and one wheel, got {sorted(out.iterdir())}"
    return sdists[0], wheels[0]


def test_the_sdist_carries_the_protos_and_the_wheel_the_generated_code(dists):
    sdist, wheel = dists
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    for p in ("proto/kindred/v1/spec.proto", "proto/kindred/v1/env_service.proto", "setup.py", "pyproject.toml",
              "kindred/__init__.py"):
        assert p in names, f"{p} missing from the sdist {sdist.name}"
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = z.read(metadata).decode()
    for m in ("spec_pb2", "env_service_pb2", "env_service_pb2_grpc"):
        assert f"kindred/v1/{m}.py" in names, f"kindred/v1/{m}.py missing from the wheel {wheel.name}"
    assert f"Name: {DIST_NAME}\n" in meta
    for dep in DEPENDENCIES:
        assert f"Requires-Dist: {dep}" in meta, f"the wheel does not require {dep}"
    assert not any(n.startswith(("tests/", "proto/")) for n in names), "the wheel carries test or proto files"


def test_the_wheel_installs_into_a_fresh_venv_and_steps_a_world(dists, tmp_path, server_target):
    _, wheel = dists
    # A folder with nothing but the wheel: the repository is out of reach.
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.copy2(wheel, alone / wheel.name)
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    # Pin the dependencies to the versions of this environment, so pip takes them from its cache.
    from importlib.metadata import version

    constraints = alone / "constraints.txt"
    constraints.write_text("".join(f"{d}=={version(d)}\n" for d in DEPENDENCIES))
    run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", constraints, alone / wheel.name],
        cwd=alone)
    script = alone / "step_once.py"
    script.write_text(textwrap.dedent(f"""
        import importlib.metadata, sys
        import kindred
        from kindred.v1 import env_service_pb2_grpc
        assert kindred.__file__.startswith({str(env)!r}), kindred.__file__
        assert importlib.metadata.distribution({DIST_NAME!r}).files, "no {DIST_NAME} distribution"
        with kindred.Client({server_target!r}, timeout=30) as client:
            env = client.make_vector_env("spin.lattice", {{"width": 4, "height": 4, "controlled": [0]}},
                                         num_copies=2, seed=1)
            obs, info = env.reset()
            obs, rewards, terminated, truncated, info = env.step(env.sample_actions())
            print("stepped", rewards.shape, obs["spins"].shape)
            env.close()
    """))
    out = run([py, "-I", script], cwd=alone)  # -I: no user site, no cwd on the path beyond the script's
    assert "stepped (2, 1) (2, 16)" in out, out


def test_no_install_hint_names_the_unrelated_kindred_project():
    # "kindred" on PyPI is another project: every hint must say kindred-env (or a local path).
    import re

    hint = re.compile(r"pip3? install\s+(-\S+\s+)*['\"]?kindred(\[|['\"`\s]|$)")
    files = [*(PKG / "kindred").rglob("*.py"), PKG / "README.md", ROOT / "README.md", *(ROOT / "docs").rglob("*.md"),
             *(ROOT / "scripts").glob("*.sh"), ROOT / "kindred"]
    bad = [f"{f.relative_to(ROOT)}:{i}: {line.strip()}" for f in files if f.is_file()
           for i, line in enumerate(f.read_text(errors="replace").splitlines(), 1)
           if hint.search(line) and "never" not in line]
    assert bad == [], "install hints that would fetch the unrelated PyPI project 'kindred':\n" + "\n".join(bad)
