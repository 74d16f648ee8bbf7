"""Cross-language determinism: the reference trajectory hasher (Python participant).

Every client language provides a program with the same contract, and the test
(clients/python/tests/test_crosslang.py) checks that all of them print identical lines:

    <program> --target HOST:PORT --world ID --config JSON --copies N --seed S --steps T

* Create a session (autoreset NEXT_STEP, all observations), ``Reset(seed=S)``, then T steps.
* Action of copy c, agent a, dimension d at step t (1-based):
  ``(t*7919 + c*104729 + a*1299709 + d*15485863 + 12345) mod num_values(d)`` (64-bit ints).
* Print line t (0 for the reset) as ``"<t> <sha256 hex>"``: SHA-256 of, in order, every
  observation tensor's packed little-endian bytes in spec order, the rewards (float32 LE,
  [copies, agents]), terminated and truncated (one byte 0/1 per copy).

Participants: Python ``python -m kindred.crosslang ...``; Java
``java -cp env-server/target/kindred-server.jar dev.kindred.crosslang.TrajectoryHash ...``;
Go ``clients/go/run-trajectory-hash.sh ...`` (``clients/go/cmd/trajectory-hash``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any, List, Mapping, Optional

import numpy as np

from ._client import BaseClient
from .v1 import env_service_pb2 as pb


def actions_at(t: int, copies: int, agents: int, nvec) -> np.ndarray:
    """The contract's action array for step t, int32 [copies, agents, dims]."""
    nvec = np.asarray(nvec, dtype=np.int64)
    c = np.arange(copies, dtype=np.int64)[:, None, None]
    a = np.arange(agents, dtype=np.int64)[None, :, None]
    d = np.arange(len(nvec), dtype=np.int64)[None, None, :]
    v = t * 7919 + c * 104729 + a * 1299709 + d * 15485863 + 12345
    return np.mod(v, nvec[None, None, :]).astype(np.int32)


def step_hash(obs: Mapping[str, np.ndarray], rewards: np.ndarray, terminated: np.ndarray,
              truncated: np.ndarray, order) -> str:
    h = hashlib.sha256()
    for name in order:
        h.update(np.ascontiguousarray(obs[name]).tobytes())
    h.update(np.ascontiguousarray(rewards, dtype="<f4").tobytes())
    h.update(np.asarray(terminated, dtype=np.uint8).tobytes())
    h.update(np.asarray(truncated, dtype=np.uint8).tobytes())
    return h.hexdigest()


def trajectory_hashes(target: str, world: str, config: Optional[Mapping[str, Any]], copies: int, seed: int,
                      steps: int) -> List[str]:
    """The contract's output lines, computed through the Python client."""
    with BaseClient(target) as client:
        env = client.make_vector_env(world, config, num_copies=copies, seed=seed, autoreset="next_step")
        order = list(env.observation_infos)
        lines = []
        # The reset's own rewards and flags (zeros), decoded like a step's.
        obs, r, term, trunc, _ = env._decode(env._call("Reset", pb.ResetRequest(session_id=env.session_id, seed=seed)))
        lines.append(f"0 {step_hash(obs, r, term, trunc, order)}")
        for t in range(1, steps + 1):
            obs, r, term, trunc, info = env.step(actions_at(t, copies, env.num_agents, env.action_nvec))
            lines.append(f"{t} {step_hash(obs, r, term, trunc, order)}")
        env.close()
        return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m kindred.crosslang", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="localhost:50051")
    p.add_argument("--world", default="spin.lattice")
    p.add_argument("--config", default="{}")
    p.add_argument("--copies", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=10)
    a = p.parse_args(argv)
    lines = trajectory_hashes(a.target, a.world, json.loads(a.config), a.copies, a.seed, a.steps)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
