#!/usr/bin/env python3
"""Client benchmark: batched steps per second through the Python client and through the Java
client, against the same server in the same run.

    python clients/python/bench/bench_clients.py                       # private server from the jar
    python clients/python/bench/bench_clients.py --target localhost:50051 --copies 1,64 --json

Each measurement: one session of ``copies`` copies, fixed valid actions, ``--warmup`` steps,
then ``--runs`` timed runs of ``--steps`` steps. A batched step advances every copy once.
Python is measured over the step stream (the default) and unary Step calls; Java through
``dev.kindred.crosslang.ClientBench`` in the server jar (streaming and unary).

``--libraries`` adds the RL-library adapters over one batched session (needs the RL venv:
``./kindred bench clients --libraries`` uses the one scripts/test-rl.sh installs): agent-steps/s
of the raw ``VectorEnv``, ``kindred.SB3VecEnv`` (step_async + step_wait), ``kindred.RLlibMultiAgentEnv``
(step with an action dict; reset when the episode ends, as RLlib does) and ``kindred.PufferEnv``,
each with the same world, copies, fixed actions and observations (the world's per-agent ones),
with the ratio adapter / raw.

``--json`` prints one JSON object per line: name, unit, median, min, max, runs, config, version.
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

import kindred
from kindred.testing import LocalServer, find_server_jar

DEFAULT_CONFIG = {"width": 32, "height": 32, "beta": 0.44, "controlled": list(range(0, 1024, 64)), "max_steps": 1000}


def bench_python(target, world, config, copies, steps, warmup, runs, streaming):
    with kindred.Client(target) as client:
        env = client.make_vector_env(world, config, num_copies=copies, seed=1, streaming=streaming)
        actions = (np.arange(int(np.prod(env.action_shape))) % 2).astype(np.int32).reshape(env.action_shape)
        env.reset()
        for _ in range(warmup):
            env.step(actions)
        rates = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for _ in range(steps):
                env.step(actions)
            rates.append(steps / (time.perf_counter() - t0))
        env.close()
        return rates


def bench_java(target, world, config, copies, steps, warmup, runs, streaming, jar):
    cmd = [shutil.which("java") or "java", "-cp", str(jar), "dev.kindred.crosslang.ClientBench",
           "--target", target, "--world", world, "--config", json.dumps(config), "--copies", str(copies),
           "--steps", str(steps), "--warmup", str(warmup), "--runs", str(runs), "--streaming", str(streaming).lower()]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"Java client bench failed:\n{p.stderr[-3000:]}")
    return [float(line.split()[1]) for line in p.stdout.splitlines() if line.startswith("steps_per_s ")]


LIBRARIES = ("vector", "sb3", "rllib", "puffer")


def agent_observations(target, world, config):
    """The names of the world's per-agent observations (what the adapters give each agent)."""
    with kindred.Client(target) as client:
        env = client.make_vector_env(world, config, num_copies=1)
        names = [name for name, t in env.observation_infos.items() if t.scope == "agent"]
        env.close()
    return names


def open_library(client, world, config, copies, library, observations):
    """(step, agents, env) of one adapter (``library``), or of the raw VectorEnv ("vector"):
    ``step()`` advances every copy once with fixed actions."""
    if library == "vector":
        env = client.make_vector_env(world, config, num_copies=copies, seed=1, observations=observations)
        actions = (np.arange(int(np.prod(env.action_shape))) % 2).astype(np.int32).reshape(env.action_shape)
        agents = env.num_copies * env.num_agents
        env.reset()

        def step():
            env.step(actions)
    elif library == "sb3":
        env = kindred.SB3VecEnv(client, world, config, num_copies=copies, seed=1, observations=observations)
        agents = env.num_envs
        actions = np.arange(agents) % 2
        env.reset()

        def step():
            env.step_async(actions)
            env.step_wait()
    elif library == "rllib":
        env = kindred.RLlibMultiAgentEnv(address=client.target, world=world, world_config=config,
                                         num_copies=copies, seed=1, observations=observations)
        agents = env.size
        action_dict = {agent: i % 2 for i, agent in enumerate(env.agent_ids)}
        env.reset()

        def step():
            _, _, terminateds, truncateds, _ = env.step(action_dict)
            if terminateds["__all__"] or truncateds["__all__"]:
                env.reset()
    elif library == "puffer":
        env = kindred.PufferEnv(client, world, config, num_copies=copies, seed=1, observations=observations)
        agents = env.num_agents
        actions = (np.arange(agents) % 2).astype(np.int32)
        env.reset()

        def step():
            env.step(actions)
    else:
        raise ValueError(f"unknown library {library!r}; known: {', '.join(LIBRARIES)}")
    return step, agents, env


def bench_libraries(target, world, config, copies, steps, warmup, runs, observations):
    """Agent-steps per second of the raw VectorEnv and of each adapter: each run steps them in
    turns, 20 steps of each at a time, so that a busy machine weighs on all alike."""
    with kindred.Client(target) as client:
        opened = {lib: open_library(client, world, config, copies, lib, observations) for lib in LIBRARIES}
        # Time spent inside each adapter's VectorEnv.step: the rest of a step is the adapter's own
        # work, a figure the machine's load disturbs much less than the round trip.
        inner = dict.fromkeys(LIBRARIES, 0.0)
        for lib, (_, _, env) in opened.items():
            if lib != "vector":
                session = env.vector_env
                session.step = _timed(session.step, inner, lib)
        for step, _, _ in opened.values():
            for _ in range(warmup):
                step()
        rates = {lib: [] for lib in LIBRARIES}
        own: dict = {}  # library -> microseconds per step outside VectorEnv.step, per run
        chunk = 20
        for _ in range(runs):
            elapsed = dict.fromkeys(LIBRARIES, 0.0)
            done = 0
            while done < steps:  # chunks of steps, library after library
                n = min(chunk, steps - done)
                for lib, (step, _, _) in opened.items():
                    t0 = time.perf_counter()
                    for _ in range(n):
                        step()
                    elapsed[lib] += time.perf_counter() - t0
                done += n
            for lib, (_, agents, _) in opened.items():
                rates[lib].append(steps * agents / elapsed[lib])
                if lib != "vector":
                    own.setdefault(lib, []).append((elapsed[lib] - inner[lib]) / steps * 1e6)
                inner[lib] = 0.0
        for _, _, env in opened.values():
            env.close()
        return rates, own, opened["vector"][1]


def _timed(step, inner, lib):
    def timed(actions):
        t0 = time.perf_counter()
        try:
            return step(actions)
        finally:
            inner[lib] += time.perf_counter() - t0
    return timed


def run_libraries(args, target, version, config):
    # The adapters import PyTorch (and RLlib, Ray): some 300,000 objects that every full garbage
    # collection would scan again, at random points of whichever step allocates. Freeze them,
    # as a long-running trainer may (gc.freeze()), so that the runs measure the steps.
    for name in ("SB3VecEnv", "RLlibMultiAgentEnv", "PufferEnv"):
        getattr(kindred, name)
    gc.collect()
    gc.freeze()
    observations = agent_observations(target, args.world, config)
    rows = []
    for copies in [int(x) for x in args.copies.split(",")]:
        raw = None
        by_library, own, total_agents = bench_libraries(target, args.world, config, copies, args.steps, args.warmup, args.runs,
                                          observations)
        for library in LIBRARIES:
            rates = by_library[library]
            row = {
                "name": f"client.python.{library}.{args.world}.copies{copies}",
                "unit": "agent-steps/s",
                "median": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
                "runs": len(rates),
                "config": {"world": args.world, "world_config": config, "copies": copies, "steps": args.steps,
                           "warmup": args.warmup, "client": "python", "adapter": library, "observations": observations,
                           "target": target},
                "version": version,
            }
            raw = row["median"] if library == "vector" else raw
            row["ratio_to_vector"] = row["median"] / raw
            if library in own:
                row["adapter_us_per_step"] = statistics.median(own[library])
                raw_us = total_agents / raw * 1e6  # one raw batched step
                row["ratio_by_own_work"] = raw_us / (raw_us + row["adapter_us_per_step"])
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                extra = (f"; its own work {row['adapter_us_per_step']:.0f} us per step, "
                         f"{row['ratio_by_own_work']:.2f} by its own work alone" if "adapter_us_per_step" in row else "")
                print(f"{library:6s} copies={copies:5d}: {row['median']:11,.0f} agent-steps/s (min {row['min']:,.0f}, "
                      f"max {row['max']:,.0f}); {row['ratio_to_vector']:.2f} of the raw VectorEnv{extra}", flush=True)
    return rows


def run(args, target):
    with kindred.Client(target) as c:
        server_version = c.server_info().server_version
    version = f"python-client {kindred.__version__}, server {server_version}"
    config = json.loads(args.config) if args.config else DEFAULT_CONFIG
    if args.libraries:
        return run_libraries(args, target, version, config)
    jar = None if args.no_java else find_server_jar()
    rows = []
    for copies in [int(x) for x in args.copies.split(",")]:
        cases = [("python", True), ("python", False)]
        if jar is not None:
            cases += [("java", True), ("java", False)]
        for lang, streaming in cases:
            mode = "stream" if streaming else "unary"
            if lang == "python":
                rates = bench_python(target, args.world, config, copies, args.steps, args.warmup, args.runs, streaming)
            else:
                rates = bench_java(target, args.world, config, copies, args.steps, args.warmup, args.runs, streaming, jar)
            row = {
                "name": f"client.{lang}.{mode}.{args.world}.copies{copies}",
                "unit": "steps/s",
                "median": statistics.median(rates),
                "min": min(rates),
                "max": max(rates),
                "runs": len(rates),
                "config": {"world": args.world, "world_config": config, "copies": copies, "steps": args.steps,
                           "warmup": args.warmup, "client": lang, "transport": mode, "target": target},
                "version": version,
            }
            rows.append(row)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                agents = len(config.get("controlled", [])) or 1
                print(f"{lang:6s} {mode:6s} copies={copies:5d}: {row['median']:9.0f} batched steps/s "
                      f"(min {row['min']:.0f}, max {row['max']:.0f}; {row['median'] * copies:,.0f} copy-steps/s, "
                      f"{row['median'] * copies * agents:,.0f} agent-steps/s)", flush=True)
    if not args.json:
        for copies in sorted({r["config"]["copies"] for r in rows}):
            by = {(r["config"]["client"], r["config"]["transport"]): r["median"] for r in rows if r["config"]["copies"] == copies}
            if ("java", "stream") in by:
                print(f"copies={copies}: python/java (stream) = {by[('python', 'stream')] / by[('java', 'stream')]:.2f}, "
                      f"(unary) = {by[('python', 'unary')] / by[('java', 'unary')]:.2f}")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", help="server address; default: start a private server from the jar")
    p.add_argument("--world", default="spin.lattice")
    p.add_argument("--config", help=f"world configuration as JSON (default {json.dumps(DEFAULT_CONFIG)[:60]}...)")
    p.add_argument("--copies", default="1,64", help="comma-separated numbers of copies")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json", action="store_true", help="one JSON row per measurement")
    p.add_argument("--no-java", action="store_true", help="skip the Java client")
    p.add_argument("--libraries", action="store_true",
                   help="instead: the SB3, RLlib and PufferLib adapters against the raw VectorEnv (agent-steps/s)")
    args = p.parse_args(argv)
    if args.target:
        run(args, args.target)
    else:
        with LocalServer() as server:
            run(args, server.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
