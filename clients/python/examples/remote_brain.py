#!/usr/bin/env python3
"""Plays one seat of a match: joins it with its join token, picks uniformly among the actions
each agent can take (the world's action mask when it has one, else its valid combinations, else
each dimension uniformly), prints a line per finished episode and a summary at the end.

    python clients/python/examples/create_match.py          # prints the seats' tokens
    python clients/python/examples/remote_brain.py --host localhost:50051 \\
        --session SESSION --seat red --token TOKEN --episodes 3

The seat's agents act in every copy of the match; the world steps once every held seat has
submitted (or the match's deadline passed: the late seat's agents then play the fallback).
"""
import argparse
import sys
import time

import numpy as np

import kindred


class UniformPolicy:
    """Uniform over what each agent may do: the action mask when the world has one, else the
    spec's valid combinations, else every dimension on its own."""

    def __init__(self, env: kindred.SeatEnv, rng: np.random.Generator):
        self.env = env
        self.rng = rng
        info = env.action_info
        self.mask_name = info.action_mask_observation
        self.combos = np.array(info.valid_combinations, dtype=np.int32).reshape(-1, len(info.nvec))
        # Preallocated: a random key per (copy, agent, combination), the masked maximum picks one.
        self.keys = np.empty((env.num_copies, env.num_agents, info.combinations)) if self.mask_name else None

    def __call__(self, obs) -> np.ndarray:
        env = self.env
        if self.mask_name:
            keys = self.keys
            self.rng.random(out=keys)
            keys += 1.0  # open combinations get keys in [1, 2), closed ones 0 (all closed: the noop)
            np.multiply(keys, obs[self.mask_name], out=keys)
            return env.action_info.unflatten(keys.argmax(axis=-1))
        if len(self.combos):
            return self.combos[self.rng.integers(len(self.combos), size=(env.num_copies, env.num_agents))]
        return env.sample_actions(self.rng)


def play(a: argparse.Namespace) -> int:
    with kindred.Client(a.host, timeout=a.timeout) as client:
        env = client.join_seat(a.session, a.seat, a.token, streaming=not a.unary)
        print(f"seat {env.seat}: agents {list(env.agents)} ({', '.join(env.agent_names)}) of {env.world_id}, "
              f"{env.num_copies} copies; seats {env.seats}; deadline {env.options.max_action_time_ms} ms, "
              f"fallback {env.options.fallback}", flush=True)
        policy = UniformPolicy(env, np.random.default_rng(a.seed))
        obs, _ = env.reset()  # the current observations: the match resets itself
        steps = episodes = 0
        returns = []
        own = {"SUBMITTED": 0, "TIMED_OUT": 0, "ABSENT": 0}
        waited = 0
        start = time.monotonic()
        while (a.steps is None or steps < a.steps) and (a.episodes is None or episodes < a.episodes):
            obs, rewards, terminated, truncated, info = env.step(policy(obs))
            steps += 1
            match = info.get("match", {})
            own[match.get("outcomes", {}).get(env.seat, "SUBMITTED")] += 1
            waited += match.get("wait_micros", 0)
            for e in info["episodes"]:
                episodes += 1
                mean_return = float(np.mean(e["returns"])) if len(e["returns"]) else 0.0
                returns.append(mean_return)
                counts = ", ".join(f"{name} {s['timed_out']}/{s['absent']}" for name, s in e.get("seats", {}).items())
                print(f"episode {episodes} (copy {e['copy']}): {e['length']} steps, seat mean return "
                      f"{mean_return:.3f}; timed out/absent steps: {counts}", flush=True)
        elapsed = time.monotonic() - start
        env.leave()
    mean = f"{np.mean(returns):.3f}" if returns else "n/a"
    print(f"summary: seat {a.seat}, {steps} steps in {elapsed:.1f} s, {episodes} episodes finished, mean return "
          f"{mean}; this seat submitted {own['SUBMITTED']}, timed out {own['TIMED_OUT']}; mean wait for the "
          f"slowest seat {waited / max(steps, 1) / 1000:.1f} ms", flush=True)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="localhost:50051", help="server address, HOST:PORT (default %(default)s)")
    p.add_argument("--session", required=True, help="the match's session id (create_match.py prints it)")
    p.add_argument("--seat", required=True, help="the seat's name")
    p.add_argument("--token", required=True, help="the seat's join token (32 hex digits)")
    p.add_argument("--episodes", type=int, help="stop after this many finished episodes (all copies together)")
    p.add_argument("--steps", type=int, help="stop after this many steps (default, with neither: --episodes 3)")
    p.add_argument("--seed", type=int, default=None, help="seed of the policy's random choices")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds one step may take, waiting for the other seats included (default %(default)s)")
    p.add_argument("--unary", action="store_true", help="unary StepSeat calls instead of one StepSeatStream")
    a = p.parse_args()
    if a.episodes is None and a.steps is None:
        a.episodes = 3
    try:
        return play(a)
    except kindred.KindredError as e:
        print(f"remote_brain: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
