"""Cross-language matches: seat brains in different client languages play one match together,
and each prints exactly the lines of a single-controller run sliced to its seat.

The seat brain contract is documented in ``kindred/crosslang.py`` (flags ``--target --session
--seat --token --steps``; prints ``"<t> <sha256>"`` per step). Every brain runs in its own
process, all at once: a match steps only when every seat has submitted. The reference lines
come from one single-controller run of the same world, configuration, copies and seed
(``kindred.crosslang.seat_trajectory_hashes``). Afterwards the match must have taken exactly
``steps`` world steps: a seat that had timed out would have pushed it further.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import kindred
from kindred.crosslang import actions_at, seat_trajectory_hashes
from kindred.testing import find_server_jar
from conftest import WORLDS

REPO = Path(__file__).resolve().parents[3]
JAVA_SEAT_BRAIN = "dev.kindred.crosslang.SeatBrain"
GO_SEAT_BRAIN = REPO / "clients" / "go" / "run-seat-brain.sh"

ROOM6 = {**WORLDS["energy.room"], "agents": 6, "max_steps": 8}
THREE = {"java": [0, 3], "python": [1, 4], "go": [2, 5]}
# Join and step timeouts are for slow starts (a JVM, a Go build); no step may time out.
GENEROUS = kindred.MatchOptions(max_action_time_ms=600_000)


def _python():
    return [sys.executable, "-m", "kindred.crosslang", "seat"]


def _java():
    jar = find_server_jar()
    with zipfile.ZipFile(jar) as z:
        if JAVA_SEAT_BRAIN.replace(".", "/") + ".class" not in z.namelist():
            pytest.skip(f"the Java seat brain {JAVA_SEAT_BRAIN} is not in {jar} yet")
    return [shutil.which("java") or "java", "-cp", str(jar), JAVA_SEAT_BRAIN]


def _go():
    if not GO_SEAT_BRAIN.is_file():
        pytest.skip(f"the Go seat brain {GO_SEAT_BRAIN.relative_to(REPO)} does not exist yet")
    if shutil.which("go") is None:
        pytest.skip("'go' is not installed")
    return ["bash", str(GO_SEAT_BRAIN)]


# language -> () -> command (skips when the participant is missing)
BRAINS = {"python": _python, "java": _java, "go": _go}


def play(target, match, commands, steps):
    """Runs one seat brain per seat, concurrently; each seat's output lines."""
    procs = {}
    try:
        for seat, cmd in commands.items():
            procs[seat] = subprocess.Popen(
                cmd + ["--target", target, "--session", match.session_id, "--seat", seat,
                       "--token", match.seats[seat].token, "--steps", str(steps)],
                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = {}
        for seat, p in procs.items():
            out, err = p.communicate(timeout=600)
            assert p.returncode == 0, f"seat brain of '{seat}' ({' '.join(commands[seat])}) failed:\n{err[-3000:]}"
            lines[seat] = out.strip().splitlines()
            assert len(lines[seat]) == steps + 1, f"{seat}: expected {steps + 1} lines, got:\n{out[-2000:]}"
        return lines
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()


def check(client, target, world, config, seats, copies, seed, steps, commands, withhold=None):
    match = client.create_match(world, config, seats, num_copies=copies, seed=seed, options=GENEROUS,
                                withhold_observations=withhold)
    try:
        lines = play(target, match, commands, steps)
    finally:
        match.close()
    assert match.close_response.session_steps == steps  # nobody timed out: exactly one world step per call
    reference = seat_trajectory_hashes(target, world, config, copies, seed, steps, seats, withhold)
    for seat in seats:
        assert len(set(reference[seat])) > steps // 2  # the trajectory actually moves
        for ref, got in zip(reference[seat], lines[seat]):
            assert got == ref, f"seat '{seat}' ({commands[seat][-1]}) differs at step {ref.split()[0]}: {got} != {ref}"
    return reference


def test_python_seat_brains_reproduce_the_sliced_single_controller(client, server_target):
    commands = {seat: _python() for seat in THREE}
    reference = check(client, server_target, "energy.room", ROOM6, THREE, 2, 7, 20, commands)
    assert len({tuple(r) for r in reference.values()}) == 3  # each seat sees its own part


def test_copy_scope_and_withheld_observations(client, server_target):
    # spin.lattice has copy-scope observations (spins, magnetisation): whole for every seat,
    # except what a seat has withheld.
    config = {**WORLDS["spin.lattice"], "controlled": [0, 7, 12], "max_steps": 6}
    seats = {"pair": [2, 0], "one": [1]}
    check(client, server_target, "spin.lattice", config, seats, 3, 2**63 + 5, 12,
          {seat: _python() for seat in seats}, withhold={"one": ["spins"]})


def test_three_languages_play_one_match(client, server_target):
    commands = {seat: BRAINS[seat]() for seat in THREE}  # the seats are named after their languages
    check(client, server_target, "energy.room", ROOM6, THREE, 2, 7, 20, commands)


def test_a_seats_actions_are_the_world_actions_of_its_agents():
    nvec = (8, 9)
    world = actions_at(5, 3, 6, nvec)
    np.testing.assert_array_equal(actions_at(5, 3, [4, 1], nvec), world[:, [4, 1]])
    np.testing.assert_array_equal(actions_at(5, 3, range(6), nvec), world)
