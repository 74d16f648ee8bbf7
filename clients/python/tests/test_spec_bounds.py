"""Every observation of every built-in world arrives with finite bounds in the spec, and the
spaces use them (not the float32 range the client falls back on when a spec has none)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kindred import spaces as kspaces

from conftest import WORLDS

#: world/observation -> why it may stay unbounded (none so far; the server's SpecBoundsTest
#: keeps the same list).
UNBOUNDED = {}


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_every_observation_has_finite_spec_bounds(client, world):
    env = client.make_vector_env(world, WORLDS[world], num_copies=2, seed=4)
    try:
        space = kspaces.observation_space(env.observation_infos)
        obs, _ = env.reset()
        for name, info in env.observation_infos.items():
            if f"{world}/{name}" in UNBOUNDED:
                continue
            assert info.low is not None and info.high is not None, f"{world}: {name} has no bounds in the spec"
            assert math.isfinite(info.low) and math.isfinite(info.high) and info.low <= info.high, (world, name)
            box = space[name]
            low, high = kspaces.finite_bounds(info)
            assert np.all(box.low == np.asarray(low, dtype=box.dtype)), (world, name, box)
            assert np.all(box.high == np.asarray(high, dtype=box.dtype)), (world, name, box)
            assert np.all(box.low >= np.asarray(info.bounds()[0], dtype=box.dtype)), (world, name)
            assert np.all(box.high <= np.asarray(info.bounds()[1], dtype=box.dtype)), (world, name)
            assert np.all(np.abs(box.high) < kspaces.FLOAT_LIMIT) and np.all(np.abs(box.low) < kspaces.FLOAT_LIMIT)
            per_block = obs[name].reshape((-1,) + box.shape)
            assert all(box.contains(block) for block in per_block), (world, name)
    finally:
        env.close()


def test_the_energy_worlds_globals_have_each_features_own_bounds(client):
    config = {"max_energy": 300, "max_inventory": 7, "altar_reward": [2, 4], "max_steps": 30}
    env = client.make_vector_env("energy.s3", config, num_copies=2, seed=4)
    try:
        info = env.observation_infos["globals"]
        box = kspaces.observation_space(env.observation_infos)["globals"]
        names = list(info.feature_names)
        expected = {"energy": (0, 300), "green": (0, 7), "yellow": (0, 7), "orientation": (0, 3),
                    "energy_fraction": (0, 1), "progress": (0, 1), "economy.altar_reward": (2, 4)}
        for feature, (lo, hi) in expected.items():
            k = names.index(feature)
            assert (box.low[k], box.high[k]) == (lo, hi), (feature, box.low[k], box.high[k])
        assert box.high.max() == info.high and box.low.min() == info.low
        k = names.index("economy.noop_cost")  # fixed at 0: the tensor's bounds (no low == high Box element)
        assert (box.low[k], box.high[k]) == (info.low, info.high)
        obs, _ = env.reset()
        for _ in range(30):
            assert all(box.contains(g) for g in obs["globals"].reshape(-1, len(names)))
            obs, *_ = env.step(env.sample_actions())
    finally:
        env.close()
