#!/usr/bin/env python3
"""Decode benchmark: how long the Python client takes to turn one step's response into numpy
observations, without ``out=`` and with it, on responses recorded from a real session.

    python clients/python/bench/bench_decode.py                  # private server from the jar
    python clients/python/bench/bench_decode.py --copies 32 --responses 200 --rounds 7

The session is S1-like (``energy.room`` with the S1 scenario's room: 20 agents on 40x40, see
docs/benchmarks.md), ``--copies`` copies, sparse observations, uniformly random actions from a
fixed seed. ``--responses`` consecutive step responses are recorded, then decoded again and
again, without the server: each round decodes the whole sequence once per variant, in a
rotating order (round r starts at variant r mod 4), so that a busy machine weighs on all alike.
Rows give the median over rounds of microseconds per response.

Variants:
  before          the decode of the client before ``out=``: a zeroed array, the scatter, a
                  ``.tobytes()`` copy and a read-only view of it (kept here as the baseline)
  alloc           ``VectorEnv`` without ``out=`` (new arrays per step)
  out-fill        ``out=`` caller-owned arrays: a sparse tensor is cleared with ``fill(0)``
  out-offsets     as out-fill, zeroing only the offsets the previous decode set (what the Java
                  client does when its batch vouches that nobody wrote the buffer since). The
                  Python client does not do this: numpy cannot tell whether the caller wrote
                  into the array in between; this row is the gain that would buy.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

import kindred
from kindred._client import _bytes_of
from kindred.testing import LocalServer
from kindred.v1 import env_service_pb2 as pb

#: The S1 scenario's room (env-server EnergyWorldType.S1) as an energy.room configuration.
S1_ROOM = {"agents": 20, "width": 40, "height": 40, "altars": 5, "converters": 10, "green_generators": 25,
           "yellow_generators": 25, "walls": 40}

VARIANTS = ("before", "alloc", "out-fill", "out-offsets")


def record(target, copies, responses, seed):
    """An open session and ``responses`` consecutive step responses of it."""
    client = kindred.Client(target)
    env = client.make_vector_env("energy.room", S1_ROOM, num_copies=copies, seed=seed, sparse_observations=True)
    env.reset()
    rng = np.random.default_rng(seed)
    got = []
    decode = env._decode
    env._decode = lambda r, out=None: (got.append(r), decode(r, out))[1]
    for _ in range(responses):
        env.step(env.sample_actions(rng))
    del env._decode
    return client, env, got


def decode_before(env, tensors):
    """The client's decode before ``out=`` (zeros, scatter, ``.tobytes()``, a view)."""
    obs = {}
    for t in tensors:
        info = env.observation_infos[t.name]
        data = t.data
        if t.encoding == pb.TENSOR_ENCODING_SPARSE_BYTES:
            n = info.size * info.dtype.itemsize
            offsets = np.frombuffer(t.sparse_offsets, dtype="<u4")
            values = np.frombuffer(t.data, dtype=np.uint8)
            if len(offsets) != len(values) or (len(offsets) and (offsets[-1] >= n or (np.diff(offsets.astype(np.int64)) <= 0).any())):
                raise ValueError("malformed")
            dense = np.zeros(n, dtype=np.uint8)
            dense[offsets] = values
            data = dense.tobytes()
        obs[t.name] = np.frombuffer(data, dtype=info.dtype).reshape(info.batch_shape)
    return obs


class ZeroPreviousOffsets:
    """out-offsets: per sparse observation, the offsets the previous decode set; only those are
    zeroed before the next scatter."""

    def __init__(self, env, out):
        self.env, self.out = env, out
        self.previous = {name: np.empty(0, np.intp) for name in out}
        self.flat = {name: _bytes_of(a) for name, a in out.items()}

    def __call__(self, tensors):
        env, scratch = self.env, self.env._scratch
        for t in tensors:
            flat = self.flat[t.name]
            if t.encoding == pb.TENSOR_ENCODING_SPARSE_BYTES:
                flat[self.previous[t.name]] = 0
                scratch.scatter(t.name, t.sparse_offsets, t.data, flat)
                index = scratch.index[:len(t.data)]
                kept = self.previous[t.name]
                if kept.size != index.size:
                    kept = self.previous[t.name] = np.empty(index.size, np.intp)
                np.copyto(kept, index)
            else:
                flat[:] = np.frombuffer(t.data, dtype=np.uint8)
                self.previous[t.name] = self.previous[t.name][:0]
        return self.out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", help="server address; default: start a private server from the jar")
    p.add_argument("--copies", type=int, default=32)
    p.add_argument("--responses", type=int, default=200)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="one JSON row per variant")
    args = p.parse_args(argv)
    if args.target:
        return run(args, args.target)
    with LocalServer() as server:
        return run(args, server.target)


def run(args, target) -> int:
    client, env, responses = record(target, args.copies, args.responses, args.seed)
    try:
        out_fill = env.observation_buffers()
        offsets = ZeroPreviousOffsets(env, env.observation_buffers())
        decoders = {
            "before": lambda r: decode_before(env, r.observations),
            "alloc": lambda r: env._tensors(r.observations),
            "out-fill": lambda r: env._tensors(r.observations, out_fill),
            "out-offsets": lambda r: offsets(r.observations),
        }
        # Every variant decodes the same values (checked once, on the whole sequence).
        for r in responses:
            a = [decoders[v](r) for v in VARIANTS]
            for name in a[0]:
                for other in a[1:]:
                    if not np.array_equal(a[0][name], other[name]):
                        raise AssertionError(f"variants disagree on '{name}'")
        times = {v: [] for v in VARIANTS}
        for rnd in range(args.rounds):
            order = VARIANTS[rnd % len(VARIANTS):] + VARIANTS[:rnd % len(VARIANTS)]
            for v in order:
                decode = decoders[v]
                t0 = time.perf_counter()
                for r in responses:
                    decode(r)
                times[v].append((time.perf_counter() - t0) / len(responses) * 1e6)
        grid = responses[-1].observations[0]
        info = env.observation_infos[grid.name]
        load = os.getloadavg()
        print(f"# energy.room S1 room, {args.copies} copies, {len(responses)} responses x {args.rounds} rounds; "
              f"'{grid.name}' {info.size * info.dtype.itemsize:,} bytes dense, {len(grid.data):,} nonzero in the last "
              f"response; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        for v in VARIANTS:
            ts = times[v]
            row = {"name": f"client.python.decode.{v}", "unit": "us/response", "median": statistics.median(ts),
                   "min": min(ts), "max": max(ts), "rounds": len(ts), "copies": args.copies}
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{v:12s} {row['median']:9.1f} us per response (min {row['min']:.1f}, max {row['max']:.1f})",
                      flush=True)
    finally:
        env.close()
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
