"""Gymnasium's own checker against kindred.GymEnv (one controlled spin), for each world."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import kindred
from conftest import SINGLE_AGENT, WORLDS


@pytest.mark.parametrize("world", sorted(SINGLE_AGENT))
def test_check_env(client, world):
    env = kindred.GymEnv(client, world, SINGLE_AGENT[world], seed=2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "not float32" and "no render modes" notices
            check_env(env, skip_render_check=True)
    finally:
        env.close()


def test_episode_and_seed(server_target):
    config = {**SINGLE_AGENT["spin.lattice"], "max_steps": 4}
    with kindred.Client(server_target) as client:
        env = client.make_gym_env("spin.lattice", config)
        obs, info = env.reset(seed=10)
        first = obs["spins"].copy()
        steps = 0
        done = False
        total = 0.0
        while not done:
            obs, r, term, trunc, info = env.step(env.action_space.sample())
            total += r
            steps += 1
            done = term or trunc
        assert steps == 4 and trunc
        assert info["kindred_episode"]["length"] == 4
        assert info["kindred_episode"]["return"] == pytest.approx(total, rel=1e-5)
        obs, _ = env.reset(seed=10)
        np.testing.assert_array_equal(obs["spins"], first)
        env.close()
        assert env.vector_env.closed


def test_gym_env_needs_one_agent(client):
    with pytest.raises(ValueError, match="exactly one controlled agent"):
        kindred.GymEnv(client, "spin.lattice", WORLDS["spin.lattice"])
