"""``bench clients`` (clients/python/bench/bench_clients.py): Python and Java rounds alternate
against one server, and the Java side is one JVM for the whole run."""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from kindred.testing import find_server_jar

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_clients.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_clients", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeSide:
    def __init__(self, key, log):
        self.key = key
        self.log = log

    def time(self, steps):
        self.log.append(self.key)
        return 100.0 + len(self.log)


def test_rounds_alternate_python_and_java_with_each_going_first_in_turn():
    bench = load_bench()
    log = []
    keys = [(lang, t) for t in ("stream", "unary") for lang in ("python", "java")]
    sides = {key: FakeSide(key, log) for key in keys}
    rates, order = bench.interleaved_rounds(sides, runs=3, steps=10)
    p, j = "python", "java"
    expected = [(p, "stream"), (j, "stream"), (p, "unary"), (j, "unary"),
                (j, "stream"), (p, "stream"), (j, "unary"), (p, "unary"),
                (p, "stream"), (j, "stream"), (p, "unary"), (j, "unary")]
    assert order == expected
    assert log == expected  # the sides were timed in that order
    for key in keys:
        assert len(rates[key]) == 3
    assert rates[(p, "stream")] == [101.0, 106.0, 109.0]


def test_without_java_the_python_rounds_still_alternate_transports():
    bench = load_bench()
    log = []
    sides = {("python", t): FakeSide(("python", t), log) for t in ("stream", "unary")}
    _, order = bench.interleaved_rounds(sides, runs=2, steps=10)
    assert order == [("python", "stream"), ("python", "unary")] * 2


@pytest.mark.skipif(shutil.which("java") is None, reason="needs java for the Java client")
def test_one_run_interleaves_rounds_in_one_jvm(server_target, capsys, kindred_server):
    bench = load_bench()
    args = argparse.Namespace(world="spin.lattice", config=json.dumps({"width": 8, "height": 8, "controlled": [0, 9]}),
                              copies="1,3", steps=5, warmup=2, runs=3, json=True, no_java=False, libraries=False)
    find_server_jar()  # the Java client runs from the server's jar
    rows = bench.run(args, server_target)
    assert len(rows) == 8
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in printed] == [r["name"] for r in rows]
    pids = {r["config"]["java_pid"] for r in rows if r["config"]["client"] == "java"}
    assert len(pids) == 1, f"one JVM for every Java round, got {pids}"
    if kindred_server is not None:
        assert pids != {kindred_server.proc.pid}
    for copies in (1, 3):
        rs = {(r["config"]["client"], r["config"]["transport"]): r for r in rows if r["config"]["copies"] == copies}
        assert set(rs) == {(lang, t) for lang in ("python", "java") for t in ("stream", "unary")}
        for r in rs.values():
            assert r["runs"] == 3 and r["min"] <= r["median"] <= r["max"]
            assert r["config"]["rounds"] == "interleaved"
        # Positions in the sequence of timed rounds: per transport, the two sides back to back,
        # Python first in rounds 0 and 2, Java first in round 1.
        for t, offset in (("stream", 0), ("unary", 2)):
            assert rs[("python", t)]["round_positions"] == [offset, 4 + offset + 1, 8 + offset]
            assert rs[("java", t)]["round_positions"] == [offset + 1, 4 + offset, 8 + offset + 1]
            assert rs[("python", t)]["ratio_to_java"] == pytest.approx(
                rs[("python", t)]["median"] / rs[("java", t)]["median"])


def test_out_buffer_sides_run_in_the_same_rounds_after_plain_python_and_reversed_in_odd_rounds():
    bench = load_bench()
    log = []
    keys = [(lang, "stream") for lang in ("python", "python-out", "java")]
    sides = {key: FakeSide(key, log) for key in keys}
    _, order = bench.interleaved_rounds(sides, runs=2, steps=10)
    assert [lang for lang, _ in order] == ["python", "python-out", "java", "java", "python-out", "python"]


def test_out_buffers_rows(server_target, capsys):
    bench = load_bench()
    args = argparse.Namespace(world="energy.room", config=json.dumps({"width": 10, "height": 8, "agents": 2}),
                              copies="2", steps=5, warmup=2, runs=3, json=True, no_java=True, libraries=False,
                              out_buffers=True)
    rows = bench.run(args, server_target)
    by = {r["name"]: r for r in rows}
    assert set(by) == {f"client.{lang}.{t}.energy.room.copies2" for lang in ("python", "python-out")
                       for t in ("stream", "unary")}
    for t in ("stream", "unary"):
        out, plain = by[f"client.python-out.{t}.energy.room.copies2"], by[f"client.python.{t}.energy.room.copies2"]
        assert out["config"]["out_buffers"] and not plain["config"]["out_buffers"]
        assert out["ratio_to_python"] == pytest.approx(out["median"] / plain["median"])
        assert out["round_positions"] == [1 + (t == "unary") * 2, 4 + (t == "unary") * 2, 9 + (t == "unary") * 2]


def test_pipelined_rows_time_two_halves_in_flight(server_target):
    bench = load_bench()
    args = argparse.Namespace(world="energy.room", config=json.dumps({"width": 10, "height": 8, "agents": 2}),
                              copies="3", steps=5, warmup=2, runs=2, json=True, no_java=True, libraries=False,
                              out_buffers=False, pipelined=True, policy_ms=0.5)
    rows = bench.run(args, server_target)
    by = {r["name"]: r for r in rows}
    assert set(by) == {"client.python.stream.energy.room.copies3", "client.python.unary.energy.room.copies3",
                       "client.python-halves.stream.energy.room.copies3"}
    halves, plain = by["client.python-halves.stream.energy.room.copies3"], by["client.python.stream.energy.room.copies3"]
    assert halves["config"]["sessions"] == 2 and halves["config"]["copies"] == 3
    assert halves["config"]["policy_ms"] == plain["config"]["policy_ms"] == 0.5
    assert halves["max"] < 1000 / 0.5, "each batched step slept the policy's time (half per half)"
    assert halves["ratio_to_python"] == pytest.approx(halves["median"] / plain["median"])
    assert halves["round_positions"] == [1, 3], "right after the plain Python stream; before it in odd rounds"
    assert halves["min"] > 0


def test_a_pipelined_side_steps_each_half_once_per_batched_step(server_target):
    import kindred
    bench = load_bench()
    with kindred.Client(server_target, timeout=30) as client:
        side = bench.PipelinedPythonSide(client, "energy.room", {"width": 10, "height": 8, "agents": 2}, 5)
        try:
            assert [e.num_copies for e in side.halves] == [2, 3]
            side.time(7)
            assert [e.in_flight for e in side.halves] == [1, 1]
            assert [e.recv()[4]["session_step"] for e in side.halves] == [8, 8]  # 1 sent at start + 7 timed
        finally:
            side.close()
        with pytest.raises(ValueError, match="at least 2 copies"):
            bench.PipelinedPythonSide(client, "energy.room", {"width": 10, "height": 8, "agents": 2}, 1)
