"""Cross-language determinism: the same seed and actions give identical per-step hashes
through every client language.

Each participant is a command implementing the contract of ``kindred/crosslang.py`` (flags
``--target --world --config --copies --seed --steps``; prints ``"<t> <sha256>"`` per step).
To add a language, add an entry to PARTICIPANTS returning its command (and the working
directory to run it in), e.g. for Go:

    "go": lambda: (["go", "run", "./clients/go/cmd/trajectory-hash"], REPO),

The test compares every participant's output with the Python client's, line by line.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kindred.testing import find_server_jar
from conftest import WORLDS

REPO = Path(__file__).resolve().parents[3]


def _java():
    return [shutil.which("java") or "java", "-cp", str(find_server_jar()), "dev.kindred.crosslang.TrajectoryHash"], REPO


def _python():
    return [sys.executable, "-m", "kindred.crosslang"], REPO


# name -> () -> (command, cwd). Python is the reference; every other one must match it.
PARTICIPANTS = {
    "python": _python,
    "java": _java,
    "go": lambda: (["bash", str(REPO / "clients" / "go" / "run-trajectory-hash.sh")], REPO),
}

CASES = [
    # (world, config, copies, seed, steps): episodes short enough that autoreset happens
    ("spin.lattice", {**WORLDS["spin.lattice"], "max_steps": 7}, 3, 42, 20),
    ("spin.boltzmann", {**WORLDS["spin.boltzmann"], "max_steps": 5, "schedule": "synchronous"}, 2, 2**63 + 5, 12),
    ("spin.random_regular", {**WORLDS["spin.random_regular"], "sweeps_per_step": 2}, 4, 7, 10),
]


def run_participant(name, target, world, config, copies, seed, steps):
    cmd, cwd = PARTICIPANTS[name]()
    args = cmd + ["--target", target, "--world", world, "--config", json.dumps(config),
                  "--copies", str(copies), "--seed", str(seed), "--steps", str(steps)]
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, f"{name} participant failed ({' '.join(cmd)}):\n{p.stderr[-3000:]}"
    lines = p.stdout.strip().splitlines()
    assert len(lines) == steps + 1, f"{name}: expected {steps + 1} lines, got:\n{p.stdout[-2000:]}"
    return lines


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_same_hashes_in_every_language(server_target, case):
    world, config, copies, seed, steps = case
    outputs = {name: run_participant(name, server_target, world, config, copies, seed, steps) for name in PARTICIPANTS}
    reference = outputs["python"]
    assert len(set(reference)) > steps // 2  # the trajectory actually moves
    for name, lines in outputs.items():
        for ref, got in zip(reference, lines):
            assert got == ref, f"{name} differs from python at step {ref.split()[0]}: {got} != {ref}"


def test_hashes_depend_on_the_seed(server_target):
    world, config, copies, seed, steps = CASES[0]
    a = run_participant("python", server_target, world, config, copies, seed, 3)
    b = run_participant("python", server_target, world, config, copies, seed + 1, 3)
    assert a != b
