"""A sharded environment over three local servers equals, copy for copy and bit for bit, the same
environment on one server; a server that dies is named with the copies it held."""
from __future__ import annotations

import numpy as np
import pytest

import kindred
from kindred.testing import LocalServer

ENERGY = {"max_steps": 9, "kinship": "teams", "groups": 2}


@pytest.fixture(scope="module")
def servers():
    started = [LocalServer() for _ in range(3)]
    try:
        for s in started:
            s.start()
        yield started
    finally:
        for s in started:
            s.stop()


def _snapshot(result) -> list:
    """Every array and value of a reset (obs, info) or step result, as bytes / plain values."""
    if len(result) == 2:
        obs, info = result
        rest = []
    else:
        obs, *rest, info = result
    out = [(k, np.ascontiguousarray(v).tobytes()) for k, v in sorted(obs.items())]
    out += [np.ascontiguousarray(x).tobytes() for x in rest]
    for k in ("action_success", "reset_mask"):
        out.append(np.ascontiguousarray(info[k]).tobytes())
    out.append([(e["copy"], e["episode"], e["length"], e["terminated"], e["truncated"], e["returns"].tobytes(),
                 e["agent_stats"], e["stats"]) for e in info["episodes"]])
    out.append(info["session_step"])
    if "final_observations" in info:
        out += [(k, np.ascontiguousarray(v).tobytes()) for k, v in sorted(info["final_observations"].items())]
    return out


def _run(env, actions) -> list:
    out = [_snapshot(env.reset())]
    for i, a in enumerate(actions):
        if i == 20:
            out.append(_snapshot(env.reset(seed=99)))
        elif i == 30:
            out.append(_snapshot(env.reset(copies=[1, 5, 6])))
        out.append(_snapshot(env.step(a)))
    return out


@pytest.mark.parametrize("world,config", [("energy.s1", ENERGY), ("spin.lattice", {"max_steps": 6})])
@pytest.mark.parametrize("autoreset", ["next_step", "same_step"])
def test_sharded_trajectory_equals_single_server(servers, world, config, autoreset):
    copies = 7  # 3 + 2 + 2: uneven shards
    with kindred.Client(servers[0].target, timeout=30) as c:
        with c.make_vector_env(world, config, copies, seed=2024, autoreset=autoreset) as single:
            rng = np.random.default_rng(5)
            actions = [rng.integers(0, single.action_nvec, size=single.action_shape) for _ in range(45)]
            expected = _run(single, actions)
    targets = [s.target for s in servers]
    with kindred.ShardedVectorEnv(targets, world, config, copies, seed=2024, autoreset=autoreset) as sharded:
        assert [s.copies for s in sharded.shards] == [3, 2, 2]
        got = _run(sharded, actions)
    assert len(got) == len(expected)
    for i, (e, g) in enumerate(zip(expected, got)):
        assert e == g, f"step {i} differs"


def test_a_new_seed_must_reach_every_shard(servers):
    with kindred.ShardedVectorEnv([s.target for s in servers], "energy.s1", ENERGY, 6, seed=3) as env:
        env.reset()
        with pytest.raises(kindred.KindredError) as e:
            env.reset(seed=5, copies=[0, 1])
        assert e.value.code == "INVALID_ARGUMENT"
        assert "copies 2-3" in e.value.message


def test_a_dead_server_is_named_with_its_copies():
    own = [LocalServer().start() for _ in range(3)]
    try:
        with kindred.ShardedVectorEnv([s.target for s in own], "energy.s1", ENERGY, 6, seed=3, timeout=20) as env:
            env.reset()
            env.step(np.zeros(env.action_shape, dtype=np.int32))
            own[1].proc.kill()
            own[1].proc.wait(10)
            with pytest.raises(kindred.KindredError) as e:
                for _ in range(5):
                    env.step(np.zeros(env.action_shape, dtype=np.int32))
            assert f"server {own[1].target}" in e.value.message and "copies 2-3" in e.value.message, str(e.value)
            assert e.value.code in ("UNAVAILABLE", "CANCELLED", "INTERNAL"), str(e.value)
    finally:
        for s in own:
            s.stop()


def test_resolve_all_lists_every_address():
    assert kindred.resolve_all("localhost:50051")[0].endswith(":50051")
    with pytest.raises(kindred.KindredError) as e:
        kindred.resolve_all("localhost")
    assert e.value.code == "INVALID_ARGUMENT"


def test_a_partial_reset_first_fails_before_any_shard_is_called(servers):
    with kindred.ShardedVectorEnv([s.target for s in servers], "energy.s1", ENERGY, 6, seed=3) as env:
        with pytest.raises(kindred.KindredError, match="reset all copies before resetting some") as e:
            env.reset(copies=[0, 1])
        assert e.value.code == "FAILED_PRECONDITION"
        assert [shard._session_step for shard in env.envs] == [None, None, None], "no shard was reset"
        env.reset()
        env.reset(copies=[0, 1])  # once every copy has been reset


def test_an_action_out_of_range_in_the_last_shard_steps_no_shard(servers):
    with kindred.ShardedVectorEnv([s.target for s in servers], "energy.s1", ENERGY, 6, seed=3) as env:
        env.reset()
        a = np.zeros(env.action_shape, np.int32)
        a[5, 2, 0] = env.action_nvec[0]
        before = [shard._session_step for shard in env.envs]
        with pytest.raises(kindred.KindredError, match=r"copy 5, agent 2, dimension '\w+' has value") as e:
            env.step(a)
        assert e.value.code == "INVALID_ARGUMENT"
        assert [shard._session_step for shard in env.envs] == before, "no shard stepped"
        a[5, 2, 0] = -1
        with pytest.raises(kindred.KindredError, match="has value -1"):
            env.step(a)
        a[5, 2, 0] = 0
        assert env.step(a)[4]["session_step"] == before[0] + 1  # and on from there, in step
