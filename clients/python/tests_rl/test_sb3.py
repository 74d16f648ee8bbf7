"""kindred.SB3VecEnv: Stable-Baselines3's VecEnv over one batched session."""
from __future__ import annotations

import pickle
import time

import numpy as np
import pytest

import kindred
from kindred.spaces import ObservationLayout

from conftest import CONFIG, OBSERVATIONS, WORLD, align, evaluate, random_policy

SHORT = {**CONFIG, "max_steps": 4}


def test_every_agent_of_every_copy_is_one_env_with_sb3_autoreset(server_target):
    """Observations, rewards, dones, terminal observations and episode records are those of a
    plain VectorEnv (same-step autoreset) given the same seed and actions, agent i of copy c at
    index c * agents + i."""
    env = kindred.SB3VecEnv(server_target, WORLD, SHORT, num_copies=3, seed=5, observations=OBSERVATIONS)
    with kindred.Client(server_target) as client:
        raw = client.make_vector_env(WORLD, SHORT, num_copies=3, seed=5, autoreset="same_step", observations=OBSERVATIONS)
        layout = ObservationLayout(raw.observation_infos, False, "flat")
        agents = raw.num_agents

        def flat(obs):
            return np.stack([layout.observation(obs, slice(None), a) for a in range(agents)], axis=1).reshape(-1, layout.size)

        assert env.num_envs == 3 * agents and env.observation_space.shape == (layout.size,)
        assert env.layout.feature_names == layout.feature_names
        obs = env.reset()
        raw_obs, _ = raw.reset()
        np.testing.assert_array_equal(obs, flat(raw_obs))
        rng = np.random.default_rng(0)
        returns = np.zeros(env.num_envs)
        for t in range(2 * SHORT["max_steps"]):
            actions = rng.integers(0, 2, size=env.num_envs)
            obs, rewards, dones, infos = env.step(actions)
            raw_obs, raw_rewards, terminated, truncated, info = raw.step(actions.reshape(3, agents, 1).astype(np.int32))
            np.testing.assert_array_equal(obs, flat(raw_obs))
            np.testing.assert_array_equal(rewards, raw_rewards.reshape(-1))
            returns += rewards
            end = (t + 1) % SHORT["max_steps"] == 0
            assert dones.tolist() == [end] * env.num_envs
            if end:
                final = flat(info["final_observations"])
                for i in range(env.num_envs):
                    np.testing.assert_array_equal(infos[i]["terminal_observation"], final[i])
                    assert infos[i]["TimeLimit.truncated"] is True  # the spin worlds end at max_steps
                    assert infos[i]["episode"]["r"] == pytest.approx(returns[i], rel=1e-5)
                    assert infos[i]["episode"]["l"] == SHORT["max_steps"]
                returns[:] = 0
            else:
                assert all(i == {} for i in infos)
        raw.close()
    env.close()


def test_per_copy_observations_are_every_agents_when_asked(server_target):
    env = kindred.SB3VecEnv(server_target, WORLD, SHORT, num_copies=2, seed=3, include_copy_observations=True)
    with kindred.Client(server_target) as client:
        raw = client.make_vector_env(WORLD, SHORT, num_copies=2, seed=3)
        layout = ObservationLayout(raw.observation_infos, True, "flat")
        assert env.layout.feature_names == layout.feature_names and "spins[0]" in layout.feature_names
        raw_obs, _ = raw.reset()
        expected = np.stack([layout.observation(raw_obs, slice(None), a) for a in range(raw.num_agents)], axis=1)
        np.testing.assert_array_equal(env.reset(), expected.reshape(-1, layout.size))
        raw.close()
    env.close()


def test_seed_pickle_and_errors(server_target):
    env = kindred.SB3VecEnv(server_target, WORLD, SHORT, num_copies=2, seed=1, observations=OBSERVATIONS)
    env.seed(77)
    first = env.reset()
    clone = pickle.loads(pickle.dumps(env))
    clone.seed(77)
    np.testing.assert_array_equal(clone.reset(), first)  # the recipe reconnects; same seed, same start
    with pytest.raises(ValueError, match="takes 16 actions"):
        env.step(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="integers"):
        env.step(np.full(env.num_envs, 0.5))
    assert env.get_attr("num_copies", [0, 1]) == [2, 2] and env.env_is_wrapped(object) == [False] * env.num_envs
    clone.close()
    env.close()


def test_sb3_ppo_learns_to_lower_the_surprise(server_target, tmp_path, monkeypatch):
    """SB3's PPO over the adapter closes at least half of the gap between uniformly random play
    and the hand-written align-with-the-neighbours rule (rewards per agent-step over 64 copies x 4
    episodes from a fixed seed; the standard errors are ~0.01, the gap ~0.67)."""
    import torch
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    monkeypatch.setenv("SB3_LOGDIR", str(tmp_path))  # SB3's logger makes its folder there, not in the system's /tmp
    env = kindred.SB3VecEnv(server_target, WORLD, CONFIG, num_copies=8, seed=0, observations=OBSERVATIONS)
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=512, n_epochs=4, learning_rate=3e-3, seed=0, verbose=0)
    t0 = time.monotonic()
    model.learn(30_000)
    seconds = time.monotonic() - t0
    assert len(model.ep_info_buffer) > 0  # SB3's logger saw the episode records ({"r", "l", "t"})
    env.close()
    trained, trained_se = evaluate(server_target, lambda f: model.predict(f, deterministic=False)[0])
    rand, rand_se = evaluate(server_target, random_policy())
    best, best_se = evaluate(server_target, align)
    print(f"SB3 PPO: 30000 agent-steps in {seconds:.1f} s; reward/step random {rand:.3f}±{rand_se:.3f}, "
          f"trained {trained:.3f}±{trained_se:.3f}, align rule {best:.3f}±{best_se:.3f}")
    assert best - rand > 0.3
    assert trained > rand + 0.5 * (best - rand), (rand, trained, best)
