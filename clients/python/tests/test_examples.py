"""The examples run against the real server."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(script, *args):
    p = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout


def test_random_agent(server_target):
    out = run("random_agent.py", "--target", server_target, "--episodes", "2",
              "--config", '{"width": 8, "height": 8, "controlled": [0, 9], "max_steps": 25}')
    assert "episode 1: 25 steps" in out and "spin_9" in out


def test_train_spin(server_target):
    out = run("train_spin.py", "--target", server_target, "--iterations", "25", "--copies", "16")
    first, last = out.strip().splitlines()[-1].split("first")[1].split("->")
    # learning makes the spins less surprised (reward = -surprise goes up)
    assert float(last.split()[-1]) > float(first.split()[-1])
