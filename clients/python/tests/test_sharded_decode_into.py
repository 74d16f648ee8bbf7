"""``ShardedVectorEnv.step(actions, out=...)`` and ``reset(out=...)``: each shard decodes straight
into its rows of arrays the caller owns, bit for bit what the allocating path gives, without an
observation-sized allocation or concatenation per step."""
from __future__ import annotations


import numpy as np
import pytest

import kindred
from conftest import WORLDS
from kindred.testing import LocalServer
from test_decode_into import S1_ROOM, assert_no_observation_sized_allocation, assert_same, read_only


@pytest.fixture(scope="module")
def targets(server_target):
    """Three servers: the session's and two of this module's."""
    started = [LocalServer() for _ in range(2)]
    try:
        for s in started:
            s.start()
        yield [server_target] + [s.target for s in started]
    finally:
        for s in started:
            s.stop()


def shard_answers(env):
    """Makes every shard of ``env`` keep the observations its step/reset returns (in the
    returned list, one dict per shard call, with the shard's index)."""
    got = []
    for s, shard in enumerate(env.envs):
        def spy(method, s=s):
            def call(*args, **kwargs):
                result = method(*args, **kwargs)
                got.append((s, result[0]))
                return result
            return call
        shard.step = spy(shard.step)
        shard.reset = spy(shard.reset)
    return got


def assert_same_result(got, expected, what):
    """Every array and value of two reset (obs, info) or step results are equal, bit for bit."""
    assert len(got) == len(expected), what
    *parts, info = got
    *parts2, info2 = expected
    obs, obs2 = parts[0], parts2[0]
    assert list(obs) == list(obs2), what
    for name in obs2:
        assert_same(obs[name], obs2[name], f"{name} {what}")
    for a, b in zip(parts[1:], parts2[1:]):
        assert_same(a, b, f"rewards/flags {what}")
    for key in ("action_success", "reset_mask"):
        assert_same(info[key], info2[key], f"{key} {what}")
    assert info["session_step"] == info2["session_step"], what
    strip = [{k: v for k, v in e.items() if k != "returns"} for e in info["episodes"]]
    assert strip == [{k: v for k, v in e.items() if k != "returns"} for e in info2["episodes"]], what
    for e, e2 in zip(info["episodes"], info2["episodes"]):
        assert_same(e["returns"], e2["returns"], f"episode returns {what}")
    assert ("final_observations" in info) == ("final_observations" in info2), what
    for name, a in info.get("final_observations", {}).items():
        assert_same(a, info2["final_observations"][name], f"final {name} {what}")


@pytest.mark.parametrize("world,config,sparse", [
    ("energy.room", {**WORLDS["energy.room"], "max_steps": 12}, True),
    ("energy.room", {**WORLDS["energy.room"], "max_steps": 12}, False),
    ("spin.lattice", {**WORLDS["spin.lattice"], "max_steps": 9}, True),  # per-copy float64 and int8 tensors
])
def test_out_gives_the_allocating_path_bit_for_bit(targets, world, config, sparse):
    kwargs = dict(num_copies=7, seed=21, sparse_observations=sparse, autoreset="same_step", timeout=30)
    with kindred.ShardedVectorEnv(targets, world, config, **kwargs) as into, \
            kindred.ShardedVectorEnv(targets, world, config, **kwargs) as plain:
        assert [s.copies for s in into.shards] == [3, 2, 2]  # uneven shards
        answers = shard_answers(into)
        buffers = [into.observation_buffers(), into.observation_buffers()]  # alternating: each step
        for b in buffers:                                                   # writes the other one
            for a in b.values():
                a[...] = 1 if a.dtype.kind in "iu" else -3.5  # garbage the decode must overwrite
        rng = np.random.default_rng(7)
        finals = 0
        for step in range(45):
            del answers[:]
            out = buffers[step % 2]
            if step == 0:
                got, expected = into.reset(out=out), plain.reset()
            elif step == 20:
                got, expected = into.reset(seed=99, out=out), plain.reset(seed=99)
            elif step == 30:  # the middle shard is not called: its rows get its last observations
                got, expected = into.reset(copies=[1, 5, 6], out=out), plain.reset(copies=[1, 5, 6])
            else:
                actions = into.sample_actions(rng)
                got, expected = into.step(actions, out=out), plain.step(actions)
            assert_same_result(got, expected, f"at step {step}")
            obs, info = got[0], got[-1]
            for name in out:
                assert obs[name] is out[name], f"{name}: the caller's array is returned"
            # Each shard called decoded into its own rows of the caller's arrays: nothing concatenated.
            assert sorted(s for s, _ in answers) == ([0, 2] if step == 30 else [0, 1, 2])
            for s, shard_obs in answers:
                rows = slice(into.shards[s].first_copy, into.shards[s].first_copy + into.shards[s].copies)
                for name in out:
                    assert shard_obs[name].ctypes.data == out[name][rows].ctypes.data, (name, s)
            if "final_observations" in info:  # decoded as without out, never into the caller's arrays
                finals += 1
                for name, a in info["final_observations"].items():
                    assert not np.shares_memory(a, out[name]), name
        assert finals >= 3, "the episodes ended and autoreset within the run"


def test_observations_not_in_out_are_concatenated_as_before(targets):
    with kindred.ShardedVectorEnv(targets, "energy.room", WORLDS["energy.room"], 5, seed=3) as env:
        grid = env.observation_buffers()["grid"]
        obs, _ = env.reset(out={"grid": grid})
        assert obs["grid"] is grid and list(obs) == list(env.observation_infos)
        obs, *_ = env.step(np.zeros(env.action_shape, np.int32), out={"grid": grid})
        assert obs["grid"] is grid
        for name in ("globals", "action_mask"):
            assert obs[name].shape == env.observation_infos[name].batch_shape and not np.shares_memory(obs[name], grid)
        obs, *_ = env.step(np.zeros(env.action_shape, np.int32))
        assert obs["grid"] is not grid


def test_observation_buffers_and_infos_count_every_copy(targets):
    with kindred.ShardedVectorEnv(targets, "spin.lattice", WORLDS["spin.lattice"], 7) as env:
        buffers = env.observation_buffers()
        assert list(buffers) == list(env.observation_infos) == list(env.envs[0].observation_infos)
        for name, info in env.observation_infos.items():
            shard = env.envs[0].observation_infos[name]
            assert info.batch_shape == (7,) + shard.batch_shape[1:] and info.size == 7 * shard.size // 3
            a = buffers[name]
            assert a.shape == info.batch_shape and a.dtype == info.dtype and a.flags.writeable and not a.any()
        obs, _ = env.reset()
        assert {n: a.shape for n, a in obs.items()} == {n: i.batch_shape for n, i in env.observation_infos.items()}


def test_bad_out_arrays_are_precise_errors_before_anything_is_sent(targets):
    with kindred.ShardedVectorEnv(targets, "energy.room", WORLDS["energy.room"], 5, seed=3) as env:
        env.reset()
        shape = env.observation_infos["grid"].batch_shape
        assert shape[0] == 5
        shard_shape = env.envs[0].observation_infos["grid"].batch_shape  # one shard's rows: 2 copies
        actions = np.zeros(env.action_shape, np.int32)
        cases = [
            (ValueError, r"out: 'nope' is not an observation of this session \(it has grid, globals, action_mask\)",
             {"nope": np.zeros(3)}),
            (TypeError, r"out\['grid'\] has dtype float32; the observation is uint8",
             {"grid": np.zeros(shape, np.float32)}),
            (ValueError, r"out\['grid'\] has shape \[2, 3, 17, 5, 5\]; the observation is \[5, 3, 17, 5, 5\]",
             {"grid": np.zeros(shard_shape, np.uint8)}),
            (ValueError, r"out\['grid'\] must be C-contiguous", {"grid": np.zeros(shape[::-1], np.uint8).T}),
            (ValueError, r"out\['grid'\] is read-only", {"grid": read_only(np.zeros(shape, np.uint8))}),
            (TypeError, r"out\['grid'\] must be a numpy array, got list", {"grid": [0] * 4}),
            (TypeError, r"out must be a dict of observation name -> numpy array, got ndarray", np.zeros(shape, np.uint8)),
        ]
        for error, message, out in cases:
            with pytest.raises(error, match=message) as e:
                env.step(actions, out=out)
            assert len(str(e.value)) < 200  # never an array's dump
            for kwargs in ({}, {"seed": 4}, {"copies": [0]}):
                with pytest.raises(error, match=message):
                    env.reset(out=out, **kwargs)
        info = env.step(actions)[4]
        assert info["session_step"] == 1, "no failed call reached a server"
        assert [e._session_step for e in env.envs] == [1, 1, 1], "nor any shard"


def test_no_observation_sized_allocation_per_step(targets):
    """With ``out`` a step allocates far less than the observation's size (the shards decode into
    the caller's rows), without it more (the shards' arrays and their concatenation)."""
    with kindred.ShardedVectorEnv(targets, "energy.room", S1_ROOM, 3, seed=5, observations=["grid"]) as env:
        # 3 copies x 20 agents x 17 x 11 x 11 = 123,420 bytes. The three shards' responses are in
        # flight at once and their bytes are traced (14-31 kB per step seen), hence half, not a quarter.
        assert_no_observation_sized_allocation(env, below=1 / 2)
