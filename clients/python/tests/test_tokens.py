"""Token observations of the energy world (``observation = tokens``) through the Python client.

The tokens are one more uint8 tensor, ``[copies, agents, token_budget, 3]``: they need nothing
from the client beyond its spec-driven decoding. Decoded back into the window
(``grid[feature, row, column] = value`` per used slot, location ``row << 4 | column``), they are
the ``grid`` observation of the same world, seed and actions.
"""
from __future__ import annotations

import numpy as np

CONFIG = {"kinship": "random", "groups": 2, "max_steps": 25, "view_size": 9}


def decode(tokens: np.ndarray, view: int, channels: int) -> np.ndarray:
    """[..., budget, 3] tokens to [..., channels, view, view] grids."""
    lead = tokens.shape[:-2]
    flat = tokens.reshape(-1, tokens.shape[-2], 3)
    grid = np.zeros((flat.shape[0], channels, view, view), dtype=np.uint8)
    for k, window in enumerate(flat):
        used = window[window[:, 0] != 0xFF]
        grid[k, used[:, 1], used[:, 0] >> 4, used[:, 0] & 15] = used[:, 2]
    return grid.reshape(lead + (channels, view, view))


def test_tokens_decode_to_the_grid_of_the_same_trajectory(client):
    budget = 120
    with client.make_vector_env("energy.s3", {**CONFIG, "observation": "tokens", "token_budget": budget},
                                num_copies=2, seed=7) as tok, \
            client.make_vector_env("energy.s3", CONFIG, num_copies=2, seed=7) as dense:
        spec = tok.observation_infos["tokens"]
        assert spec.dtype == np.uint8 and spec.shape == (budget, 3)
        assert "grid" not in tok.observation_infos
        channels = dense.observation_infos["grid"].shape[0]
        assert spec.feature_names == dense.observation_infos["grid"].feature_names  # feature id = channel
        t_obs, _ = tok.reset()
        g_obs, _ = dense.reset()
        rng = np.random.default_rng(3)
        ended = 0
        for step in range(60):
            tokens = t_obs["tokens"]
            assert tokens.shape == (2, tok.num_agents, budget, 3) and tokens.dtype == np.uint8
            used = tokens[..., 0] != 0xFF
            # Used slots first, then 255 throughout.
            assert (np.sort(~used, axis=-1) == ~used).all()
            assert (tokens[~used] == 0xFF).all()
            np.testing.assert_array_equal(decode(tokens, 9, channels), g_obs["grid"], err_msg=f"step {step}")
            actions = tok.sample_actions(rng)
            t_obs, _, _, t_trunc, t_info = tok.step(actions)
            g_obs, _, _, _, _ = dense.step(actions)
            for episode in t_info["episodes"]:
                ended += 1
                assert all(stats["tokens_dropped"] == 0 for stats in episode["agent_stats"])
        assert ended > 0
