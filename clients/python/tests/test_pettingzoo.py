"""PettingZoo's own checkers against kindred.ParallelEnv, for each world."""
from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import parallel_api_test, parallel_seed_test

import kindred
from conftest import WORLDS


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_parallel_api_test(client, world):
    env = kindred.ParallelEnv(client, world, WORLDS[world], seed=1)
    try:
        parallel_api_test(env, num_cycles=100)
    finally:
        env.close()
    assert env.vector_env.closed


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_parallel_seed_test(server_target, world):
    # Each env owns its client (a target string), as a user would write it.
    parallel_seed_test(lambda: kindred.ParallelEnv(server_target, world, WORLDS[world]), num_cycles=50)


def test_spaces_come_from_the_spec(client):
    env = client.make_parallel_env("spin.lattice", WORLDS["spin.lattice"])
    try:
        assert env.possible_agents == ["spin_0", "spin_7"]
        space = env.observation_space("spin_0")
        assert isinstance(space, spaces.Dict)
        assert space["neighbour_spins"].dtype == np.int8 and space["neighbour_spins"].shape == (4,)
        assert space["neighbour_spins"].low.min() == -1 and space["neighbour_spins"].high.max() == 1
        assert space["own_spin"].shape == (1,)  # a scalar is shape (1,)
        assert space["spins"].shape == (30,)  # per-copy tensors are included
        assert space["magnetisation"].dtype == np.float64
        assert env.action_space("spin_0") == spaces.Discrete(2)
        obs, infos = env.reset(seed=4)
        assert set(obs) == set(env.agents) == set(env.possible_agents)
        for agent in env.agents:
            assert obs[agent] in env.observation_space(agent)
        obs, rew, term, trunc, info = env.step({a: 1 for a in env.agents})
        assert all(isinstance(r, float) and r <= 0 for r in rew.values())
        assert info["spin_0"]["action_success"] in (True, False)
        with pytest.raises(ValueError, match="no action for live agent"):
            env.step({"spin_0": 1})
        with pytest.raises(ValueError, match="unknown agent"):
            env.step({"spin_0": 1, "spin_7": 0, "spin_3": 0})
        with pytest.raises(ValueError, match="must be integer"):
            env.step({"spin_0": 0.5, "spin_7": 0})
    finally:
        env.close()


def test_episode_end_empties_agents(client):
    env = client.make_parallel_env("spin.sk", {**WORLDS["spin.sk"], "max_steps": 3})
    try:
        env.reset(seed=0)
        for _ in range(3):
            _, _, term, trunc, info = env.step({a: 0 for a in env.agents})
        assert all(trunc.values()) and env.agents == []
        assert info["spin_0"]["kindred_episode"]["length"] == 3
        env.reset()
        assert env.agents == env.possible_agents
    finally:
        env.close()
