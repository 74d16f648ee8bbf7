"""The action spec's valid combinations and the energy world's ``action_mask`` observation, as
the Python client and its Gymnasium and PettingZoo adapters expose them."""
from __future__ import annotations

import math

import numpy as np
from gymnasium import spaces

import kindred
from kindred.spaces import JointMaskMultiDiscrete

# Arguments each action defines: noop, move, rotate, use, attack, shield, swap, give.
DEFINED = (1, 2, 4, 1, 9, 1, 1, 3)
NOOP, ROTATE, SHIELD = 0, 2, 5
GLOBAL_ENERGY, GLOBAL_ECONOMY, GLOBAL_BODY = 0, 13, 36  # offsets in the energy world's globals

# A lean economy: the agent runs out of energy within the episode.
LEAN = {"max_steps": 300, "initial_energy": [100, 150], "noop_cost": [1], "move_cost": [1, 4],
        "rotate_cost": [0, 3], "use_cost": [1, 2], "attack_cost": [1, 3], "shield_cost": [1, 5],
        "swap_cost": [1, 2], "give_cost": [1, 2], "shield_upkeep": [0, 2],
        "body_profiles": [[1.0, 1.5, 0.5, 1.0, 2.0, 1.0, 1.0, 1.0]]}


def test_the_action_spec_lists_the_canonical_pairs_and_names_the_mask(client):
    env = client.make_vector_env("energy.alone", {"max_steps": 10}, num_copies=2, seed=1)
    try:
        info = env.action_info
        assert isinstance(info, kindred.ActionInfo)
        assert info.nvec == (8, 9) and info.names == ("action", "argument")
        assert info.valid_combinations == tuple((a, g) for a, n in enumerate(DEFINED) for g in range(n))
        assert len(info.valid_combinations) == 22
        assert info.action_mask_observation == "action_mask"
        assert info.combinations == 72
        assert info.flat_index([7, 2]) == 65
        np.testing.assert_array_equal(info.unflatten([0, 65]), [[0, 0], [7, 2]])
        mask = env.observation_infos["action_mask"]
        assert mask.dtype == np.uint8 and mask.shape == (72,) and mask.scope == "agent"
        assert (mask.low, mask.high) == (0, 1)
        obs, _ = env.reset()
        assert obs["action_mask"].shape == (2, 1, 72)
        # Every canonical pair and nothing else, for a fresh agent with energy to spare.
        canonical = np.zeros(72, dtype=np.uint8)
        canonical[[info.flat_index(c) for c in info.valid_combinations]] = 1
        np.testing.assert_array_equal(obs["action_mask"][0, 0], canonical)
    finally:
        env.close()


def test_a_world_without_a_mask_says_so(client):
    env = client.make_vector_env("spin.lattice", {"width": 4, "height": 4, "controlled": [0]}, num_copies=1)
    try:
        assert env.action_info.valid_combinations == ()
        assert env.action_info.action_mask_observation == ""
    finally:
        env.close()


def test_gymnasium_and_pettingzoo_observations_carry_the_mask(client):
    gym_env = kindred.GymEnv(client, "energy.alone", {"max_steps": 20}, seed=3)
    try:
        space = gym_env.observation_space["action_mask"]
        assert space == spaces.Box(0, 1, (72,), np.uint8)
        obs, _ = gym_env.reset(seed=3)
        assert obs["action_mask"] in space and obs["action_mask"].sum() == 22
    finally:
        gym_env.close()
    pz = kindred.ParallelEnv(client, "energy.room", {"agents": 3, "width": 10, "height": 10, "max_steps": 20}, seed=4)
    try:
        obs, _ = pz.reset(seed=4)
        for agent in pz.agents:
            assert pz.observation_space(agent)["action_mask"] == spaces.Box(0, 1, (72,), np.uint8)
            assert obs[agent]["action_mask"] in pz.observation_space(agent)["action_mask"]
        obs, *_ = pz.step({a: np.array([0, 0]) for a in pz.agents})
        assert all("action_mask" in o for o in obs.values())
        # The action space samples from the joint mask, as PettingZoo's own tests call it.
        agent = pz.agents[0]
        space = pz.action_space(agent)
        assert isinstance(space, JointMaskMultiDiscrete) and space == spaces.MultiDiscrete([8, 9])
        space.seed(1)
        only = np.zeros(72, dtype=np.uint8)
        only[[2 * 9 + 3, 7 * 9 + 1]] = 1  # rotate left, give a green crystal
        picks = {tuple(int(v) for v in space.sample(mask=only)) for _ in range(50)}
        assert picks == {(2, 3), (7, 1)}
        for _ in range(20):
            action = space.sample(mask=obs[agent]["action_mask"])
            assert action in space and obs[agent]["action_mask"][action[0] * 9 + action[1]] == 1
        assert space.sample() in space
    finally:
        pz.close()


def test_sampling_only_masked_pairs_never_fails_for_lack_of_energy_or_argument(client):
    """An episode of energy.alone in which the agent picks uniformly among the pairs its mask
    allows: every pick has an argument its action defines and an energy cost the agent can pay
    (read from its globals: round(economy x body)); noop, rotate and shield, which do not depend
    on where the agent stands, always succeed (except noop kept as the only choice of an agent
    too poor for anything)."""
    env = kindred.GymEnv(client, "energy.alone", LEAN, seed=5)
    rng = np.random.default_rng(5)
    info = env.vector_env.action_info
    try:
        obs, _ = env.reset(seed=5)
        steps = picks_checked = broke = 0
        done = False
        while not done:
            mask = obs["action_mask"]
            allowed = np.flatnonzero(mask)
            assert len(allowed) >= 1
            action, argument = (int(v) for v in info.unflatten(rng.choice(allowed)))
            assert argument < DEFINED[action], f"{(action, argument)} is not canonical"
            g = obs["globals"]
            energy = g[GLOBAL_ENERGY]
            cost = math.floor(g[GLOBAL_ECONOMY + action] * g[GLOBAL_BODY + action] + 0.5)
            fallback = len(allowed) == 1 and action == NOOP and energy < cost
            broke += fallback
            if not fallback:
                assert energy >= cost, f"step {steps}: {(action, argument)} costs {cost}, the agent has {energy}"
            obs, _, terminated, truncated, step_info = env.step(np.array([action, argument]))
            if action in (NOOP, ROTATE, SHIELD) and not fallback:
                assert step_info["action_success"], f"step {steps}: {(action, argument)} failed"
                picks_checked += 1
            steps += 1
            done = terminated or truncated
        assert steps == LEAN["max_steps"]
        assert picks_checked > 20, picks_checked
        assert broke > 0, "the lean economy should leave the agent with nothing to pay for"
    finally:
        env.close()
