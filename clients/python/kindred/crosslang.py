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

Seat brains (clients/python/tests/test_match_crosslang.py): the same contract played by the
seats of a match, one participant per seat:

    <program> --target HOST:PORT --session ID --seat NAME --token TOKEN --steps T

* JoinSession; line 0 hashes the join observation, then T StepSeat calls, line t hashing step
  t's response (the seat's batch: its observations in the seat spec's order, its rewards
  [copies, seat agents], terminated, truncated).
* The action of seat agent j is the formula above with ``a`` = its WORLD agent index
  (``SeatLayout.agents[j]``), so a match played by seat brains applies exactly the actions of a
  single-controller run, and each seat's lines equal that run's batches sliced to the seat's
  agents (``seat_trajectory_hashes``).

Participants: Python ``python -m kindred.crosslang seat ...``; Java
``java -cp env-server/target/kindred-server.jar dev.kindred.crosslang.SeatBrain ...``; Go
``clients/go/run-seat-brain.sh ...``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._client import BaseClient
from ._match import join_seat
from ._spec import AGENT
from .v1 import env_service_pb2 as pb


def actions_at(t: int, copies: int, agents: Union[int, Sequence[int]], nvec) -> np.ndarray:
    """The contract's action array for step t, int32 [copies, agents, dims]; ``agents`` is the
    number of agents (world indices 0..n-1) or a seat's world agent indices, in seat order."""
    nvec = np.asarray(nvec, dtype=np.int64)
    c = np.arange(copies, dtype=np.int64)[:, None, None]
    index = np.arange(agents) if np.ndim(agents) == 0 else np.asarray(agents)
    a = index.astype(np.int64)[None, :, None]
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


def _single_controller(target: str, world: str, config: Optional[Mapping[str, Any]], copies: int, seed: int,
                       steps: int) -> Iterator[Tuple[Any, Tuple]]:
    """The contract's single-controller run: (the session's VectorEnv, the decoded batch) of the
    reset (t = 0) and of every step."""
    with BaseClient(target) as client:
        env = client.make_vector_env(world, config, num_copies=copies, seed=seed, autoreset="next_step")
        # The reset's own rewards and flags (zeros), decoded like a step's.
        yield env, env._decode(env._call("Reset", pb.ResetRequest(session_id=env.session_id, seed=seed)))
        for t in range(1, steps + 1):
            yield env, env.step(actions_at(t, copies, env.num_agents, env.action_nvec))
        env.close()


def trajectory_hashes(target: str, world: str, config: Optional[Mapping[str, Any]], copies: int, seed: int,
                      steps: int) -> List[str]:
    """The contract's output lines, computed through the Python client."""
    lines = []
    for t, (env, (obs, r, term, trunc, _)) in enumerate(_single_controller(target, world, config, copies, seed, steps)):
        lines.append(f"{t} {step_hash(obs, r, term, trunc, list(env.observation_infos))}")
    return lines


def seat_trajectory_hashes(target: str, world: str, config: Optional[Mapping[str, Any]], copies: int, seed: int,
                           steps: int, seats: Mapping[str, Sequence[int]],
                           withhold_observations: Optional[Mapping[str, Sequence[str]]] = None) -> Dict[str, List[str]]:
    """What each seat brain of a match over (world, config, copies, seed) must print, computed
    from one single-controller run: every batch sliced to each seat's agents (agent-scope
    tensors: the seat's rows in seat order; copy-scope tensors whole, less those withheld from
    the seat; rewards: the seat's columns)."""
    withheld = {name: set(names) for name, names in (withhold_observations or {}).items()}
    lines: Dict[str, List[str]] = {name: [] for name in seats}
    for t, (env, (obs, r, term, trunc, _)) in enumerate(_single_controller(target, world, config, copies, seed, steps)):
        for name, agents in seats.items():
            rows = list(agents)
            order = [n for n in env.observation_infos if n not in withheld.get(name, ())]
            sliced = {n: obs[n][:, rows] if env.observation_infos[n].scope == AGENT else obs[n] for n in order}
            lines[name].append(f"{t} {step_hash(sliced, r[:, rows], term, trunc, order)}")
    return lines


def seat_hashes(target: str, session_id: str, seat: str, token: str, steps: int) -> List[str]:
    """The seat brain's output lines: joins the seat, plays its part of the contract's actions
    for ``steps`` unary StepSeat calls, leaves."""
    # A step waits for every other seat (the first one until all have joined): a long timeout.
    with BaseClient(target, timeout=600) as client:
        env = join_seat(client, session_id, seat, token, streaming=False)
        order = list(env.observation_infos)
        obs, r, term, trunc, _ = env.latest
        lines = [f"0 {step_hash(obs, r, term, trunc, order)}"]
        for t in range(1, steps + 1):
            obs, r, term, trunc, _ = env.step(actions_at(t, env.num_copies, env.agents, env.action_nvec))
            lines.append(f"{t} {step_hash(obs, r, term, trunc, order)}")
        env.leave()
        return lines


def seat_main(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m kindred.crosslang seat",
                                description="The Python seat brain of the cross-language match contract: joins a "
                                            "seat, plays the contract's actions, prints one SHA-256 per step.")
    p.add_argument("--target", default="localhost:50051", help="the server (host:port)")
    p.add_argument("--session", required=True, help="the match's session id")
    p.add_argument("--seat", required=True, help="the seat's name")
    p.add_argument("--token", required=True, help="the seat's join token")
    p.add_argument("--steps", type=int, default=10, help="StepSeat calls after the join")
    a = p.parse_args(argv)
    lines = seat_hashes(a.target, a.session, a.seat, a.token, a.steps)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["seat"]:
        return seat_main(argv[1:])
    p = argparse.ArgumentParser(prog="python -m kindred.crosslang", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="python -m kindred.crosslang seat --help: the seat brain's flags")
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
