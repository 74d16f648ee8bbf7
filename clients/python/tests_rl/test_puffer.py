"""kindred.PufferEnv: a native PufferLib env over one batched session, and PufferLib's trainer on it."""
from __future__ import annotations

import time

import numpy as np
import pytest

import kindred
from kindred.spaces import ObservationLayout

from conftest import CONFIG, OBSERVATIONS, WORLD, align, evaluate, random_policy

SHORT = {**CONFIG, "max_steps": 4}


def test_buffers_hold_the_sessions_steps_in_place(server_target):
    import pufferlib
    import pufferlib.vector

    env = pufferlib.vector.make(
        lambda: kindred.PufferEnv(server_target, WORLD, SHORT, num_copies=3, seed=5, observations=OBSERVATIONS,
                                  reward_scale=0.5, reward_offset=1.0),
        backend=pufferlib.PufferEnv)
    assert isinstance(env, kindred.PufferEnv)  # native: PufferLib uses it as it is
    with kindred.Client(server_target) as client:
        raw = client.make_vector_env(WORLD, SHORT, num_copies=3, seed=5, autoreset="same_step", observations=OBSERVATIONS)
        layout = ObservationLayout(raw.observation_infos, False, "flat")
        agents = raw.num_agents
        assert env.num_agents == 3 * agents and env.single_observation_space.shape == (layout.size,)

        def flat(obs):
            return np.stack([layout.observation(obs, slice(None), a) for a in range(agents)], axis=1).reshape(-1, layout.size)

        buffer = env.observations
        obs, infos = env.reset(seed=5)
        raw_obs, _ = raw.reset()
        assert obs is buffer and infos == []
        np.testing.assert_array_equal(obs, flat(raw_obs))
        rng = np.random.default_rng(1)
        returns = np.zeros(env.num_agents)
        for t in range(2 * SHORT["max_steps"]):
            actions = rng.integers(0, 2, size=env.num_agents).astype(np.int32)
            obs, rewards, terminals, truncations, infos = env.step(actions)
            raw_obs, raw_rewards, terminated, truncated, info = raw.step(actions.reshape(3, agents, 1))
            assert obs is buffer
            np.testing.assert_array_equal(obs, flat(raw_obs))
            np.testing.assert_allclose(rewards, raw_rewards.reshape(-1) * 0.5 + 1.0, rtol=1e-6)
            returns += raw_rewards.reshape(-1)
            end = (t + 1) % SHORT["max_steps"] == 0
            assert truncations.tolist() == [end] * env.num_agents and not terminals.any()
            if end:  # one record: the mean over the agents whose episode ended (untransformed returns)
                assert infos == [{"episode_return": pytest.approx(returns.mean(), rel=1e-5),
                                  "episode_length": SHORT["max_steps"], "episodes": 3}]
                returns[:] = 0
            else:
                assert infos == []
        raw.close()
    with pytest.raises(ValueError, match="takes 24 actions"):
        env.step(np.zeros(5, dtype=np.int32))
    env.close()


def test_pufferlib_trainer_learns_to_lower_the_surprise(server_target, tmp_path):
    """PufferLib's trainer (pufferlib.pufferl.train, its PPO) closes at least half of the gap
    between random play and the align-with-the-neighbours rule (see test_sb3 for the measure)."""
    import pufferlib
    import pufferlib.models
    import pufferlib.pufferl
    import pufferlib.pytorch
    import pufferlib.vector
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    # PuffeRL clips rewards to [-1, 1]: the offset centres minus-surprise (-3.45 to -1.74 nats here).
    env = pufferlib.vector.make(
        lambda: kindred.PufferEnv(server_target, WORLD, CONFIG, num_copies=8, seed=0, observations=OBSERVATIONS,
                                  reward_offset=2.6),
        backend=pufferlib.PufferEnv)
    policy = pufferlib.models.Default(env, hidden_size=64)
    train = dict(seed=0, torch_deterministic=True, device="cpu", cpu_offload=False, compile=False,
                 compile_mode="default", compile_fullgraph=False, optimizer="adam", learning_rate=0.01,
                 adam_beta1=0.9, adam_beta2=0.999, adam_eps=1e-8, anneal_lr=False, precision="float32",
                 total_timesteps=30_000, batch_size=2048, bptt_horizon=32, minibatch_size=512,
                 max_minibatch_size=512, update_epochs=4, gamma=0.99, gae_lambda=0.95, clip_coef=0.2, vf_coef=0.5,
                 vf_clip_coef=0.2, ent_coef=0.0, max_grad_norm=0.5, use_rnn=False, prio_alpha=0.0, prio_beta0=1.0,
                 vtrace_rho_clip=1.0, vtrace_c_clip=1.0, checkpoint_interval=1000, data_dir=str(tmp_path))
    t0 = time.monotonic()
    logs = pufferlib.pufferl.train("kindred", args={"train": train, "wandb": False, "neptune": False},
                                   vecenv=env, policy=policy)
    seconds = time.monotonic() - t0
    assert any("environment/episode_return" in log for log in logs)  # the trainer saw the episode records

    def act(flat):
        with torch.no_grad():
            logits, _ = policy.forward_eval(torch.as_tensor(flat))
            return pufferlib.pytorch.sample_logits(logits)[0].numpy()

    trained, trained_se = evaluate(server_target, act)
    rand, rand_se = evaluate(server_target, random_policy())
    best, best_se = evaluate(server_target, align)
    print(f"PuffeRL: {logs[-1]['agent_steps']} agent-steps in {seconds:.1f} s; reward/step random {rand:.3f}±{rand_se:.3f}, "
          f"trained {trained:.3f}±{trained_se:.3f}, align rule {best:.3f}±{best_se:.3f}")
    assert trained > rand + 0.5 * (best - rand), (rand, trained, best)
