#!/usr/bin/env python3
"""Client benchmark: batched steps per second through the Python client and through the Java
client, against the same server, in interleaved rounds of one run.

    python clients/python/bench/bench_clients.py                       # private server from the jar
    python clients/python/bench/bench_clients.py --target localhost:50051 --copies 1,64 --json

For each number of copies, four sessions stay open side by side: Python over the step stream
(the default) and over unary Step calls, and the same two through the Java client, which runs in
one JVM for the whole run (``dev.kindred.crosslang.ClientBench`` in the server jar, driven round
by round over its stdin). Each session gets fixed valid actions and ``--warmup`` untimed steps;
then ``--runs`` rounds, each timing ``--steps`` batched steps of every session: per transport
Python and Java back to back, Python first in even rounds and Java first in odd ones, so that a
busy machine weighs on both sides alike. A batched step advances every copy once. Rows give
the median round per side and, for Python, the ratio of its median to Java's.

``--libraries`` adds the RL-library adapters over one batched session (needs the RL venv:
``./kindred bench clients --libraries`` uses the one scripts/test-rl.sh installs): agent-steps/s
of the raw ``VectorEnv``, ``kindred.SB3VecEnv`` (step_async + step_wait), ``kindred.RLlibMultiAgentEnv``
(step with an action dict; reset when the episode ends, as RLlib does) and ``kindred.PufferEnv``,
each with the same world, copies, fixed actions and observations (the world's per-agent ones),
with the ratio adapter / raw.

``--out-buffers`` adds two Python sessions that decode into caller-owned arrays
(``env.step(actions, out=buffers)``, rows ``client.python-out.*``), timed in the same rounds right
after the plain Python ones (before them in odd rounds), with their ratio to the plain Python row.

``--pipelined`` adds a Python side with the same copies as two sessions of half as many, each with
one step always in flight (``send``/``recv``: the server steps one half while the client handles
the other's answer, as EnvPool's and PufferLib's asynchronous modes do; rows
``client.python-halves.stream.*``, one batched step = every copy once), timed in the same rounds
right after the plain Python stream, with its ratio to the plain Python row. ``--policy-ms T``
makes the Python sides sleep T ms per batched step (T/2 per half, between its ``recv`` and its
``send``): a policy's forward pass that leaves the CPU free (a GPU's), during which the server
steps the other half.

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
import tempfile
import time

import numpy as np

import kindred
from kindred.testing import LocalServer, find_server_jar

DEFAULT_CONFIG = {"width": 32, "height": 32, "beta": 0.44, "controlled": list(range(0, 1024, 64)), "max_steps": 1000}


class PythonSide:
    """One session through the Python client, with fixed valid actions."""

    def __init__(self, client, world, config, copies, streaming, out_buffers=False, policy_s=0.0):
        self.env = client.make_vector_env(world, config, num_copies=copies, seed=1, streaming=streaming)
        self.policy_s = policy_s
        self.actions = (np.arange(int(np.prod(self.env.action_shape))) % 2).astype(np.int32).reshape(
            self.env.action_shape)
        # With out_buffers every step decodes into these arrays (step(actions, out=...)).
        self.out = self.env.observation_buffers() if out_buffers else None
        self.env.reset(out=self.out)

    def warmup(self, steps):
        for _ in range(steps):
            self.env.step(self.actions, out=self.out)

    def time(self, steps):
        env, actions, out, policy = self.env, self.actions, self.out, self.policy_s
        t0 = time.perf_counter()
        for _ in range(steps):
            env.step(actions, out=out)
            if policy:
                time.sleep(policy)  # the policy's time per batched step (--policy-ms)
        return steps / (time.perf_counter() - t0)

    def close(self):
        self.env.close()


class PipelinedPythonSide:
    """The same copies as two sessions of half as many (seeds 1 and 2), each with one step always in
    flight: per batched step, each half's answer is received and its next step sent at once, so
    the server steps one half while the client handles the other."""

    def __init__(self, client, world, config, copies, policy_s=0.0):
        self.policy_s = policy_s
        if copies < 2:
            raise ValueError(f"--pipelined needs at least 2 copies to split in halves; got {copies}")
        sizes = (copies // 2, copies - copies // 2)
        self.halves = [client.make_vector_env(world, config, num_copies=n, seed=1 + h, streaming=True)
                       for h, n in enumerate(sizes)]
        self.actions = [(np.arange(int(np.prod(e.action_shape))) % 2).astype(np.int32).reshape(e.action_shape)
                        for e in self.halves]
        for e, a in zip(self.halves, self.actions):
            e.reset()
            e.send(a)

    def warmup(self, steps):
        self.time(steps)

    def time(self, steps):
        pairs = list(zip(self.halves, self.actions))
        half_policy = self.policy_s / 2  # the policy acts on half the copies at a time
        t0 = time.perf_counter()
        for _ in range(steps):
            for env, actions in pairs:
                env.recv()
                if half_policy:
                    time.sleep(half_policy)
                env.send(actions)
        return steps / (time.perf_counter() - t0)

    def close(self):
        for e in self.halves:
            e.close()  # abandons the step in flight


class JavaClient:
    """The Java client's bench process (``dev.kindred.crosslang.ClientBench``): one JVM for the
    whole run, its sessions opened, warmed up and timed one command line at a time."""

    def __init__(self, jar, target, world, config):
        cmd = [shutil.which("java") or "java", "-cp", str(jar), "dev.kindred.crosslang.ClientBench",
               "--target", target, "--world", world, "--config", json.dumps(config)]
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                     text=True, bufsize=1)
        ready = self._reply()
        if not ready.startswith("ready "):
            self._fail(f"expected 'ready PID', got {ready!r}")
        self.pid = int(ready.split()[1])
        self._sessions = 0

    def _reply(self):
        line = self.proc.stdout.readline()
        if not line:
            self._fail("the Java client bench exited")
        line = line.strip()
        if line.startswith("error "):
            self._fail(line[len("error "):])
        return line

    def _fail(self, message):
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._stderr.seek(0)
        raise RuntimeError(f"Java client bench failed: {message}\n{self._stderr.read()[-3000:]}")

    def request(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self._reply()

    def session(self, copies, streaming):
        self._sessions += 1
        return JavaSide(self, f"s{self._sessions}", copies, streaming)

    def close(self):
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()  # end of input: it closes its sessions and exits
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc.stdout.close()
        self._stderr.close()
        return code


class JavaSide:
    """One session of the Java client's bench process."""

    def __init__(self, java, name, copies, streaming):
        self.java = java
        self.name = name
        java.request(f"open {name} {copies} {'stream' if streaming else 'unary'}")

    def warmup(self, steps):
        self.java.request(f"warmup {self.name} {steps}")

    def time(self, steps):
        reply = self.java.request(f"time {self.name} {steps}")
        if not reply.startswith("steps_per_s "):
            raise RuntimeError(f"Java client bench: expected 'steps_per_s RATE', got {reply!r}")
        return float(reply.split()[1])

    def close(self):
        self.java.request(f"close {self.name}")


TRANSPORTS = ("stream", "unary")
#: the sides of a round, in the order of even rounds (odd rounds take them in reverse)
LANGS = ("python", "python-out", "python-halves", "java")


def interleaved_rounds(sides, runs, steps):
    """Times ``runs`` rounds of every side in ``sides`` ({(lang, transport): side with
    ``time(steps)``}): in each round, per transport, Python (then Python with ``out=`` buffers,
    and the two halves in flight, when present) and Java back to back, in the order of ``LANGS``
    in even rounds and the reverse in odd ones. Returns ({key: [rate per round]}, [key in the
    order timed])."""
    rates = {key: [] for key in sides}
    order = []
    for r in range(runs):
        langs = LANGS if r % 2 == 0 else LANGS[::-1]
        for transport in TRANSPORTS:
            for lang in langs:
                key = (lang, transport)
                if key in sides:
                    rates[key].append(sides[key].time(steps))
                    order.append(key)
    return rates, order


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
    java = None if args.no_java else JavaClient(find_server_jar(), target, args.world, config)
    rows = []
    try:
        for copies in [int(x) for x in args.copies.split(",")]:
            rows += measure_copies(args, target, version, config, copies, java)
    finally:
        if java is not None:
            java.close()
    if not args.json:
        for copies in sorted({r["config"]["copies"] for r in rows}):
            by = {(r["config"]["client"], r["config"]["transport"]): r["median"] for r in rows
                  if r["config"]["copies"] == copies and r["name"].split(".")[1] in ("python", "java")}
            if ("java", "stream") in by:
                print(f"copies={copies}: python/java (stream) = {by[('python', 'stream')] / by[('java', 'stream')]:.2f}, "
                      f"(unary) = {by[('python', 'unary')] / by[('java', 'unary')]:.2f} (medians of interleaved rounds)")
    return rows


def measure_copies(args, target, version, config, copies, java):
    """The rows of one number of copies: every side's sessions open together, warmed up, then
    timed in interleaved rounds."""
    with kindred.Client(target) as client:
        sides = {}
        try:
            for transport in TRANSPORTS:
                policy_s = getattr(args, "policy_ms", 0.0) / 1000
                sides[("python", transport)] = PythonSide(client, args.world, config, copies, transport == "stream",
                                                          policy_s=policy_s)
                if getattr(args, "out_buffers", False):
                    sides[("python-out", transport)] = PythonSide(client, args.world, config, copies,
                                                                  transport == "stream", out_buffers=True,
                                                                  policy_s=policy_s)
                if getattr(args, "pipelined", False) and transport == "stream":
                    sides[("python-halves", transport)] = PipelinedPythonSide(client, args.world, config, copies,
                                                                              policy_s=policy_s)
                if java is not None:
                    sides[("java", transport)] = java.session(copies, transport == "stream")
            agents = sides[("python", "stream")].env.num_agents
            for side in sides.values():
                side.warmup(args.warmup)
            rates, order = interleaved_rounds(sides, args.runs, args.steps)
        finally:
            for side in sides.values():
                side.close()
    rows = []
    for (lang, transport) in sides:
        r = rates[(lang, transport)]
        row = {
            "name": f"client.{lang}.{transport}.{args.world}.copies{copies}",
            "unit": "steps/s",
            "median": statistics.median(r),
            "min": min(r),
            "max": max(r),
            "runs": len(r),
            "config": {"world": args.world, "world_config": config, "copies": copies, "steps": args.steps,
                       "warmup": args.warmup, "client": "python" if lang.startswith("python") else lang,
                       "out_buffers": lang == "python-out", "transport": transport, "target": target,
                       "rounds": "interleaved"},
            "version": version,
            # Where this side's rounds fell in the sequence of timed rounds (0 = first).
            "round_positions": [i for i, key in enumerate(order) if key == (lang, transport)],
        }
        if lang == "java":
            row["config"]["java_pid"] = java.pid
        if lang.startswith("python") and getattr(args, "policy_ms", 0.0):
            row["config"]["policy_ms"] = args.policy_ms  # slept per batched step: a policy's time
        if lang == "python-halves":
            row["config"]["sessions"] = 2
            row["config"]["in_flight"] = "one step per half (send/recv)"
        rows.append(row)
    for row in rows:
        java_median = next((o["median"] for o in rows if o["config"]["client"] == "java"
                            and o["config"]["transport"] == row["config"]["transport"]), None)
        if row["name"].split(".")[1] in ("python", "python-out") and java_median:
            row["ratio_to_java"] = row["median"] / java_median
        if row["config"]["out_buffers"] or "sessions" in row["config"]:
            plain = next(o["median"] for o in rows if o["name"].split(".")[1] == "python"
                         and o["config"]["transport"] == row["config"]["transport"])
            row["ratio_to_python"] = row["median"] / plain
    for row in rows:
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            lang, mode = row["name"].split(".")[1], row["config"]["transport"]
            ratio = f"; {row['ratio_to_java']:.2f} of Java's" if "ratio_to_java" in row else ""
            ratio += f"; {row['ratio_to_python']:.2f} of plain Python's" if "ratio_to_python" in row else ""
            print(f"{lang:10s} {mode:6s} copies={copies:5d}: {row['median']:9.0f} batched steps/s "
                  f"(min {row['min']:.0f}, max {row['max']:.0f}; {row['median'] * copies:,.0f} copy-steps/s, "
                  f"{row['median'] * copies * agents:,.0f} agent-steps/s){ratio}", flush=True)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", help="server address; default: start a private server from the jar")
    p.add_argument("--world", default="spin.lattice")
    p.add_argument("--config", help=f"world configuration as JSON (default {json.dumps(DEFAULT_CONFIG)[:60]}...)")
    p.add_argument("--copies", default="1,64", help="comma-separated numbers of copies")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--runs", type=int, default=3, help="timed rounds per side (default 3)")
    p.add_argument("--json", action="store_true", help="one JSON row per measurement")
    p.add_argument("--no-java", action="store_true", help="skip the Java client")
    p.add_argument("--out-buffers", action="store_true",
                   help="also time Python sessions that decode into caller-owned arrays (step(actions, out=...))")
    p.add_argument("--pipelined", action="store_true",
                   help="also time the copies as two Python sessions of half as many, one step of each in flight "
                        "(send/recv)")
    p.add_argument("--policy-ms", type=float, default=0.0,
                   help="the Python sides sleep this long per batched step (half of it per half with --pipelined): "
                        "a policy's forward pass that leaves the CPU free, as a GPU's does (default 0)")
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
