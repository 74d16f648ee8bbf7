#!/usr/bin/env python3
"""What server-side recording (CreateSessionRequest.record) costs a step, end to end.

    python clients/python/bench/bench_recording.py                  # private server from the jar
    python clients/python/bench/bench_recording.py --copies 8 --steps 500 --runs 3

Three sessions of ``--world`` with ``--copies`` copies and the same seed and actions, stepped in
turn (run 1 of each, run 2 of each, ...): not recorded, every copy recorded in memory, and
(on a second private server started with ``--record-dir`` in a temporary directory) every copy
recorded to files. Prints the median batched steps per second of each and the overhead of
recording relative to the unrecorded session; with ``--json`` one JSON object per line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

import numpy as np

import kindred
from kindred.testing import LocalServer


def measure(env, actions, steps):
    t0 = time.perf_counter()
    for _ in range(steps):
        env.step(actions)
    return steps / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--world", default="energy.s1", help="world id (default energy.s1: 20 agents, 40x40)")
    p.add_argument("--config", default='{"max_steps": 1000}', help="world configuration as JSON")
    p.add_argument("--copies", type=int, default=4, help="copies per session (default 4)")
    p.add_argument("--steps", type=int, default=400, help="steps per timed run (default 400)")
    p.add_argument("--warmup", type=int, default=200, help="untimed steps first (default 200)")
    p.add_argument("--runs", type=int, default=5, help="timed runs per session (default 5)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    args = p.parse_args()
    config = json.loads(args.config)
    with tempfile.TemporaryDirectory() as records:
        plain_server = LocalServer().start()
        dir_server = LocalServer(args=["--record-dir", records]).start()
        try:
            clients = [kindred.Client(plain_server.target), kindred.Client(dir_server.target)]
            envs = {
                "not recorded": clients[0].make_vector_env(args.world, config, num_copies=args.copies, seed=1),
                "recorded, memory": clients[0].make_vector_env(args.world, config, num_copies=args.copies, seed=1,
                                                               record="all"),
                "recorded, --record-dir": clients[1].make_vector_env(args.world, config, num_copies=args.copies,
                                                                     seed=1, record="all"),
            }
            rng = np.random.default_rng(0)
            first = next(iter(envs.values()))
            actions = first.sample_actions(rng)
            rates = {name: [] for name in envs}
            for env in envs.values():
                env.reset()
                measure(env, actions, args.warmup)
            t_start = time.perf_counter()
            for run in range(args.runs):
                for name, env in envs.items():
                    rates[name].append(measure(env, actions, args.steps))
                done = run + 1
                eta = (time.perf_counter() - t_start) / done * (args.runs - done)
                if not args.json:
                    print(f"run {done}/{args.runs} done, ETA {eta:.0f} s", flush=True)
            base = statistics.median(rates["not recorded"])
            for name, r in rates.items():
                med = statistics.median(r)
                row = {"name": name, "unit": "batched steps/s", "median": med, "min": min(r), "max": max(r),
                       "overhead_pct": 100 * (base / med - 1), "world": args.world, "config": config,
                       "copies": args.copies, "steps": args.steps, "runs": args.runs,
                       "version": plain_server.version if hasattr(plain_server, "version") else None}
                if args.json:
                    print(json.dumps(row))
                else:
                    print(f"{name:24s} {med:9.1f} steps/s (min {min(r):.1f}, max {max(r):.1f})  "
                          f"overhead {row['overhead_pct']:+.1f}%")
            for c in clients:
                c.close()
        finally:
            plain_server.stop()
            dir_server.stop()


if __name__ == "__main__":
    main()
