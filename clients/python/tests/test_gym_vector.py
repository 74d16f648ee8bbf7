"""kindred.GymVectorEnv: a Gymnasium VectorEnv with NEXT_STEP autoreset."""
from __future__ import annotations

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import kindred
from conftest import SINGLE_AGENT


@pytest.mark.parametrize("world", sorted(SINGLE_AGENT))
def test_vector_env(client, world):
    config = {**SINGLE_AGENT[world], "max_steps": 3}
    env = kindred.GymVectorEnv(client, world, config, num_envs=4, seed=3)
    try:
        assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
        obs, info = env.reset(seed=5)
        assert obs in env.observation_space
        env.action_space.seed(0)
        for t in range(1, 6):
            obs, rewards, term, trunc, info = env.step(env.action_space.sample())
            assert obs in env.observation_space
            assert rewards.shape == (4,) and rewards.dtype == np.float32
            if t == 3:
                assert trunc.all() and info["_kindred_episode"].all() and (info["kindred_episode"]["length"] == 3).all()
                assert "episode" not in info  # left to RecordEpisodeStatistics
            if t == 4:
                assert info["reset_mask"].all() and not trunc.any()
        first, _ = env.reset(seed=5)
        again, _ = env.reset(seed=5)
        for name in first:
            np.testing.assert_array_equal(first[name], again[name])
    finally:
        env.close()
    assert env.vector_env.closed
