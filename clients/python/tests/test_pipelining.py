"""``send(actions)`` / ``recv()``: steps in flight on a session's StepStream, answered in order,
exactly as ``step`` would answer them; and the rules around them."""
from __future__ import annotations

import numpy as np
import pytest

import kindred
from conftest import WORLDS

CONFIG = {**WORLDS["energy.room"], "max_steps": 7}  # short episodes: autoresets inside the runs


def assert_same_result(got, expected, what):
    obs, rewards, terminated, truncated, info = got
    obs2, rewards2, terminated2, truncated2, info2 = expected
    assert set(obs) == set(obs2), what
    for name in obs:
        np.testing.assert_array_equal(obs[name].view(np.uint8), obs2[name].view(np.uint8), err_msg=f"{what}: {name}")
    np.testing.assert_array_equal(rewards, rewards2, err_msg=what)
    np.testing.assert_array_equal(terminated, terminated2, err_msg=what)
    np.testing.assert_array_equal(truncated, truncated2, err_msg=what)
    assert info["session_step"] == info2["session_step"], what
    assert [e["returns"].tolist() for e in info["episodes"]] == [e["returns"].tolist() for e in info2["episodes"]], what


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_steps_in_flight_are_answered_as_step_answers_them(client, depth):
    rng = np.random.default_rng(depth)
    kwargs = dict(num_copies=2, seed=5)
    with client.make_vector_env("energy.room", CONFIG, **kwargs) as piped, \
            client.make_vector_env("energy.room", CONFIG, **kwargs) as stepped:
        piped.reset()
        stepped.reset()
        actions = [piped.sample_actions(rng) for _ in range(30)]
        out = piped.observation_buffers()
        received = 0
        for a in actions:
            piped.send(a)
            if piped.in_flight == depth:
                got = piped.recv(out=out)
                assert got[0]["grid"] is out["grid"], "decoded into the caller's array"
                assert_same_result(got, stepped.step(actions[received]), f"step {received}, {depth} in flight")
                received += 1
        while piped.in_flight:
            assert_same_result(piped.recv(), stepped.step(actions[received]), f"step {received}, draining")
            received += 1
        assert received == len(actions)
        # and on from there with plain steps
        assert_same_result(piped.step(actions[0]), stepped.step(actions[0]), "a plain step after pipelining")


def test_two_halves_pipelined_follow_their_own_trajectories(client):
    """The asynchronous pattern: one half steps on the server while the other is handled."""
    rng = np.random.default_rng(3)
    halves = [client.make_vector_env("energy.room", CONFIG, num_copies=2, seed=s) for s in (10, 11)]
    alone = [client.make_vector_env("energy.room", CONFIG, num_copies=2, seed=s) for s in (10, 11)]
    try:
        for h in halves + alone:
            h.reset()
        plan = [[h.sample_actions(rng) for _ in range(20)] for h in halves]
        for h, p in zip(halves, plan):
            h.send(p[0])
        for k in range(1, 20):
            for i, h in enumerate(halves):
                got = h.recv()
                assert_same_result(got, alone[i].step(plan[i][k - 1]), f"half {i} step {k - 1}")
                h.send(plan[i][k])
        for i, h in enumerate(halves):
            assert_same_result(h.recv(), alone[i].step(plan[i][19]), f"half {i} last step")
    finally:
        for h in halves + alone:
            h.close()


def test_rules_while_steps_are_in_flight(client):
    with client.make_vector_env("energy.room", CONFIG, num_copies=2, seed=1) as env:
        env.reset()
        with pytest.raises(RuntimeError, match="nothing is in flight"):
            env.recv()
        a = np.zeros(env.action_shape, np.int32)
        env.send(a)
        with pytest.raises(RuntimeError, match=r"step\(\) while 1 step\(s\) sent with send\(\) are in flight"):
            env.step(a)
        with pytest.raises(RuntimeError, match=r"reset\(\) while 1 step"):
            env.reset()
        with pytest.raises(ValueError, match="actions must have shape"):
            env.send(a[:1])  # refused before anything is sent
        assert env.in_flight == 1
        assert env.recv()[4]["session_step"] == 1
        assert env.in_flight == 0
        env.send(a)
    # closed with a step in flight: abandoned, no hang, and the environment says so
    assert env.closed and env.in_flight == 0
    with pytest.raises(kindred.KindredError) as e:
        env.send(a)
    assert e.value.code == "NOT_FOUND"


def test_a_failed_step_ends_the_stream_and_drops_the_later_ones(client):
    with client.make_vector_env("energy.room", CONFIG, num_copies=2, seed=2) as env, \
            client.make_vector_env("energy.room", CONFIG, num_copies=2, seed=2) as ref:
        env.reset()
        ref.reset()
        a = np.ones(env.action_shape, np.int32)
        env.send(a)
        bad = a.copy()
        bad[1, 0, 0] = env.action_nvec[0]  # out of range: the server refuses the step
        env.send(bad)
        env.send(a)
        assert env.in_flight == 3
        assert_same_result(env.recv(), ref.step(a), "the step before the failed one took effect")
        with pytest.raises(kindred.KindredError) as e:
            env.recv()
        assert e.value.code == "INVALID_ARGUMENT" and "copy 1" in e.value.message, e.value
        assert env.in_flight == 0, "the steps after the failed one were dropped"
        # The next send opens a new stream; the session is where the failed step found it.
        env.send(a)
        assert_same_result(env.recv(), ref.step(a), "the session goes on from before the failed step")


def test_seats_refuse_send(client):
    match = client.create_match("energy.room", WORLDS["energy.room"], {"a": [0, 2], "b": [1]}, num_copies=1, seed=4)
    try:
        seat = match.join("a")
        with pytest.raises(RuntimeError, match="expected_step|expects"):
            seat.send(np.zeros(seat.action_shape, np.int32))
    finally:
        match.close()
