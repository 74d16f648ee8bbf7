"""kindred.RLlibMultiAgentEnv: an RLlib MultiAgentEnv (new API stack) over one batched session."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

import kindred
from kindred.spaces import ObservationLayout

from conftest import CONFIG, OBSERVATIONS, WORLD, align, evaluate, random_policy, rllib_policy

SHORT = {**CONFIG, "max_steps": 4}


def env_config(target, world_config, copies, seed=0):
    return {"address": target, "world": WORLD, "world_config": world_config, "num_copies": copies, "seed": seed,
            "observations": OBSERVATIONS}


def test_agents_of_every_copy_and_rllibs_checker(server_target):
    from ray.rllib.utils.pre_checks.env import check_multiagent_environments

    env = kindred.RLlibMultiAgentEnv(env_config(server_target, SHORT, copies=2, seed=5))
    check_multiagent_environments(env)
    with kindred.Client(server_target) as client:
        raw = client.make_vector_env(WORLD, SHORT, num_copies=2, seed=5, autoreset="same_step", observations=OBSERVATIONS)
        layout = ObservationLayout(raw.observation_infos, False, "flat")
        names = raw.agent_names
        ids = [f"{c}/{n}" for c in range(2) for n in names]
        assert env.possible_agents == ids and env.agents == ids

        def by_id(obs):
            return {f"{c}/{n}": layout.observation(obs, c, a) for c in range(2) for a, n in enumerate(names)}

        obs, infos = env.reset(seed=9)
        raw_obs, _ = raw.reset(seed=9)
        assert obs.keys() == by_id(raw_obs).keys()
        for k, v in by_id(raw_obs).items():
            np.testing.assert_array_equal(obs[k], v)
        rng = np.random.default_rng(2)
        returns = dict.fromkeys(ids, 0.0)
        for t in range(SHORT["max_steps"]):
            actions = {i: int(rng.integers(0, 2)) for i in ids}
            obs, rewards, terminateds, truncateds, infos = env.step(actions)
            raw_actions = np.array([[actions[f"{c}/{n}"] for n in names] for c in range(2)], dtype=np.int32)[..., None]
            raw_obs, raw_rewards, terminated, truncated, info = raw.step(raw_actions)
            last = t == SHORT["max_steps"] - 1
            # the episode's last step shows the ended episode's last observation (RLlib resets)
            expected = by_id(info["final_observations"] if last else raw_obs)
            for k in ids:
                np.testing.assert_array_equal(obs[k], expected[k])
                assert rewards[k] == pytest.approx(float(raw_rewards[ids.index(k) // len(names), ids.index(k) % len(names)]))
                returns[k] += rewards[k]
            assert truncateds["__all__"] is last and terminateds["__all__"] is False
            if last:
                assert all(truncateds[k] and not terminateds[k] for k in ids)
                assert {k: infos[k]["kindred_episode"]["return"] for k in ids} == pytest.approx(returns, rel=1e-5)
        raw.close()
    with pytest.raises(ValueError, match=r"unknown agent id\(s\) 'x'"):
        env.step({"x": 0})
    with pytest.raises(ValueError, match="needs 'address'"):
        kindred.RLlibMultiAgentEnv({"world": WORLD})
    with pytest.raises(ValueError, match=r"unknown env_config keys \['wrld'\]"):
        kindred.RLlibMultiAgentEnv({"address": server_target, "wrld": WORLD})
    env.close()


def test_rllib_ppo_learns_to_lower_the_surprise(server_target):
    """RLlib's PPO (new API stack, local env runner, one shared module) closes at least half of
    the gap between random play and the align-with-the-neighbours rule (see test_sb3)."""
    import ray
    import torch
    from ray.rllib.algorithms.ppo import PPOConfig

    torch.set_num_threads(1)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        config = (
            PPOConfig()
            .environment(kindred.RLlibMultiAgentEnv, env_config=env_config(server_target, CONFIG, copies=8))
            .multi_agent(policies={"shared"}, policy_mapping_fn=lambda agent_id, episode, **kw: "shared",
                         count_steps_by="agent_steps")
            .env_runners(num_env_runners=0)
            .training(train_batch_size_per_learner=2048, minibatch_size=256, num_epochs=8, lr=3e-3)
            .debugging(seed=0)
        )
        algo = config.build_algo()
        t0 = time.monotonic()
        for _ in range(int(os.environ.get("KINDRED_RLLIB_ITERATIONS", 30))):
            result = algo.train()
        seconds = time.monotonic() - t0
        module = algo.get_module("shared")

        act = rllib_policy(module)

        torch.manual_seed(0)
        trained, trained_se = evaluate(server_target, act)
        algo.stop()
    finally:
        ray.shutdown()
    rand, rand_se = evaluate(server_target, random_policy())
    best, best_se = evaluate(server_target, align)
    steps = result["env_runners"]["num_agent_steps_sampled_lifetime"]
    print(f"RLlib PPO: {sum(steps.values()) if isinstance(steps, dict) else steps:.0f} agent-steps in {seconds:.1f} s; "
          f"reward/step random {rand:.3f}±{rand_se:.3f}, trained {trained:.3f}±{trained_se:.3f}, "
          f"align rule {best:.3f}±{best_se:.3f}")
    assert trained > rand + 0.5 * (best - rand), (rand, trained, best)


class _EndsApart:
    """A session whose copy 0 terminates after step 1 and copy 1 after step 3 (the spin worlds'
    copies end together, so the ending is staged over a real session's steps)."""

    def __init__(self, real):
        self.real, self.t = real, 0

    def reset(self, seed=None, copies=None):
        self.t = 0
        return self.real.reset(seed=seed, copies=copies)

    def step(self, actions):
        obs, rewards, _, truncated, info = self.real.step(actions)
        self.t += 1
        terminated = np.array([self.t == 1, self.t == 3])  # then copy 0 goes on (same-step autoreset)
        episodes = [{"copy": c, "returns": np.full(self.real.num_agents, -1.5), "length": self.t}
                    for c in np.flatnonzero(terminated)]
        return obs, rewards, terminated, np.zeros(2, dtype=bool), {**info, "episodes": episodes,
                                                                     "final_observations": obs}

    def close(self):
        self.real.close()


def test_copies_that_end_first_wait_for_the_last_one(server_target):
    env = kindred.RLlibMultiAgentEnv(env_config(server_target, CONFIG, copies=2))
    env._session = _EndsApart(env._session)
    first = [i for i in env.agent_ids if i.startswith("0/")]
    second = [i for i in env.agent_ids if i.startswith("1/")]
    obs, _ = env.reset()
    obs, rewards, terminateds, truncateds, infos = env.step(dict.fromkeys(obs, 1))
    assert sorted(obs) == sorted(first + second)
    assert all(terminateds[i] for i in first) and not any(i in terminateds for i in second)
    assert terminateds["__all__"] is False and infos[first[0]]["kindred_episode"] == {"return": -1.5, "length": 1}
    assert env.agents == second
    obs, rewards, terminateds, truncateds, infos = env.step(dict.fromkeys(obs, 1))  # only copy 1 goes on
    assert sorted(obs) == sorted(second) and terminateds == {"__all__": False} and truncateds == {"__all__": False}
    obs, rewards, terminateds, truncateds, infos = env.step(dict.fromkeys(second, 0))  # copy 1 ends
    assert sorted(obs) == sorted(second) and all(terminateds[i] for i in second)
    assert terminateds["__all__"] is True and truncateds["__all__"] is False
    obs, _ = env.reset()
    assert sorted(obs) == sorted(env.agent_ids) and env.agents == env.agent_ids
    env.close()
