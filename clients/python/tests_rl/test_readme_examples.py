"""The README's trainer examples run verbatim (each fenced block after a
``<!-- example: NAME -->`` line), in a fresh interpreter, against the test server, with a short
budget (``KINDRED_EXAMPLE_STEPS``)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"<!-- example: (\w+) -->\n```python\n(.*?)```\n", re.S)
EXAMPLES = dict(BLOCK.findall(README.read_text(encoding="utf-8")))
#: what each example prints at its end
PRINTS = {"sb3": "SB3: mean episode return", "rllib": "RLlib: mean episode return",
          "pufferlib": "PufferLib: mean episode return", "supersuit": "SuperSuit: 32 SB3 envs"}


def test_the_readme_has_every_example():
    assert sorted(EXAMPLES) == sorted(PRINTS)


@pytest.mark.parametrize("name", sorted(PRINTS))
def test_example_runs_verbatim(server_target, name, tmp_path):
    # SB3_LOGDIR: SB3's logger makes its folder in the test's tmp_path, not in the system's /tmp
    env = {**os.environ, "KINDRED_ADDRESS": server_target, "KINDRED_EXAMPLE_STEPS": "4096", "SB3_LOGDIR": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", EXAMPLES[name]], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    assert PRINTS[name] in p.stdout, p.stdout[-2000:]
