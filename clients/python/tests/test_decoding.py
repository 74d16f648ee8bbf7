"""VectorEnv against the real server: spec-driven decoding, autoreset modes, seeds, resets."""
from __future__ import annotations

import numpy as np
import pytest

import kindred
from conftest import WORLDS


@pytest.mark.parametrize("world", sorted(WORLDS))
def test_shapes_and_dtypes_follow_the_spec(client, world):
    config = WORLDS[world]
    with client.make_vector_env(world, config, num_copies=3, seed=5) as env:
        if world.startswith("spin."):
            assert env.num_agents == len(config["controlled"])
            assert env.agent_names == [f"spin_{i}" for i in config["controlled"]]
        assert len(env.agent_names) == env.num_agents > 0
        assert env.action_shape == (3, env.num_agents, len(env.spec.actions.dimensions))
        obs, info = env.reset()
        assert list(obs) == [t.name for t in env.spec.observations]
        for name, t in env.observation_infos.items():
            arr = obs[name]
            assert arr.dtype == t.dtype, name
            lead = (3, env.num_agents) if t.scope == "agent" else (3,)
            assert arr.shape == lead + t.shape, name
            if t.low is not None:
                assert (arr >= t.low).all(), name
            if t.high is not None:
                assert (arr <= t.high).all(), name
        assert info["reset_mask"].dtype == np.bool_ and info["reset_mask"].all()
        obs, rewards, terminated, truncated, info = env.step(env.sample_actions(np.random.default_rng(0)))
        assert rewards.dtype == np.float32 and rewards.shape == (3, env.num_agents)
        if world.startswith("spin."):
            assert (rewards <= 0).all()  # minus surprise
        assert terminated.dtype == np.bool_ and terminated.shape == (3,)
        assert truncated.dtype == np.bool_ and truncated.shape == (3,)
        assert info["action_success"].shape == (3, env.num_agents)
        assert info["session_step"] == 1


def test_values_are_consistent_across_tensors(client):
    config = {"width": 6, "height": 4, "controlled": [0, 7, 13]}
    with client.make_vector_env("spin.lattice", config, num_copies=4, seed=11) as env:
        env.reset()
        for t in range(5):
            actions = np.full(env.action_shape, t % 2, dtype=np.int32)
            obs, rewards, *_ = env.step(actions)
            spins = obs["spins"]
            assert set(np.unique(spins)) <= {-1, 1}
            np.testing.assert_allclose(obs["magnetisation"], spins.mean(axis=1), atol=1e-12)
            # own_spin of agent k is the configuration at its site
            np.testing.assert_array_equal(obs["own_spin"], spins[:, config["controlled"]])
            # the reward is minus the agent's entry of the per-copy surprise tensor
            np.testing.assert_allclose(rewards, -obs["surprise"][:, config["controlled"]], rtol=1e-6)


def test_arrays_are_zero_copy_views(client):
    with client.make_vector_env("spin.lattice", WORLDS["spin.lattice"], num_copies=2, seed=1) as env:
        obs, _ = env.reset()
        assert not obs["spins"].flags.writeable  # np.frombuffer over the response bytes
        assert obs["spins"].base is not None


def test_list_worlds_and_server_info(client):
    ids = client.world_ids()
    assert set(WORLDS) <= set(ids)
    info = client.server_info()
    assert info.protocol == kindred.PROTOCOL
    assert set(info.world_ids) == set(ids)
    cfg = client.default_config("spin.lattice")
    assert cfg["width"] == 32
    with pytest.raises(kindred.KindredError, match="unknown world 'spin.nope'.*spin.lattice") as e:
        client.default_config("spin.nope")
    assert e.value.code == "NOT_FOUND"


def test_list_worlds_summary_and_selection(client):
    full = client.list_worlds()
    summary = client.list_worlds(summary=True)
    assert [w.id for w in summary] == [w.id for w in full]
    assert all(not w.parameters and not w.HasField("default_config") and w.title for w in summary)
    assert sum(w.ByteSize() for w in summary) * 5 < sum(w.ByteSize() for w in full)
    picked = client.list_worlds(["energy.s3", "spin.lattice"])
    assert [w.id for w in picked] == ["energy.s3", "spin.lattice"] and picked[0].parameters


def test_requested_observations_only(client):
    with client.make_vector_env("spin.lattice", WORLDS["spin.lattice"], num_copies=2,
                                observations=["own_spin", "magnetisation"]) as env:
        obs, _ = env.reset()
        assert list(obs) == ["own_spin", "magnetisation"]
        obs, *_ = env.step(np.zeros(env.action_shape, np.int32))
        assert obs["own_spin"].shape == (2, 2)


def test_no_agents(client):
    with client.make_vector_env("spin.lattice", {"width": 4, "height": 4}, num_copies=2) as env:
        assert env.num_agents == 0 and env.action_shape == (2, 0, 1)
        env.reset()
        obs, rewards, *_ = env.step(np.zeros((2, 0, 1), np.int64))
        assert rewards.shape == (2, 0)
        assert obs["spins"].shape == (2, 16)


def test_same_seed_same_trajectory_and_reseed(client):
    config = WORLDS["spin.random_regular"]

    def run(env, seed):
        out = [env.reset(seed=seed)[0]["spins"].copy()]
        for t in range(10):
            obs, r, *_ = env.step(np.full(env.action_shape, t % 2))
            out.append(np.concatenate([obs["spins"].ravel().astype(np.float64), r.ravel()]))
        return out

    with client.make_vector_env("spin.random_regular", config, num_copies=3, seed=99) as a, \
            client.make_vector_env("spin.random_regular", config, num_copies=3, seed=1) as b:
        ra, rb = run(a, 7), run(b, 7)
        for x, y in zip(ra, rb):
            np.testing.assert_array_equal(x, y)
        rc = run(b, 8)
        assert any(not np.array_equal(x, y) for x, y in zip(ra, rc))
        # reset(seed) again restarts the stream
        for x, y in zip(ra, run(a, 7)):
            np.testing.assert_array_equal(x, y)


def test_next_step_autoreset(client):
    config = {**WORLDS["spin.lattice"], "max_steps": 3}
    with client.make_vector_env("spin.lattice", config, num_copies=2, seed=3) as env:
        assert env.autoreset == "next_step" and env.max_steps == 3
        env.reset()
        acts = np.ones(env.action_shape, np.int32)
        for t in range(1, 3):
            _, _, term, trunc, info = env.step(acts)
            assert not trunc.any() and not info["reset_mask"].any()
        _, _, term, trunc, info = env.step(acts)
        assert trunc.all() and not term.any()
        assert sorted(e["copy"] for e in info["episodes"]) == [0, 1]
        e = info["episodes"][0]
        assert e["length"] == 3 and e["truncated"] and e["returns"].shape == (2,)
        assert "mean_surprise" in e["agent_stats"][0] and "mean_magnetisation" in e["stats"]
        _, rewards, term, trunc, info = env.step(acts)  # the reset step
        assert info["reset_mask"].all() and not trunc.any() and (rewards == 0).all()


def test_same_step_autoreset_final_observations(client):
    config = {**WORLDS["spin.lattice"], "max_steps": 2}
    with client.make_vector_env("spin.lattice", config, num_copies=2, seed=3, autoreset="same_step") as env:
        env.reset()
        acts = np.zeros(env.action_shape, np.int32)
        _, _, _, trunc, info = env.step(acts)
        assert "final_observations" not in info or not trunc.any()
        obs, _, _, trunc, info = env.step(acts)
        assert trunc.all() and info["reset_mask"].all()
        final = info["final_observations"]
        assert set(final) == set(obs) and final["spins"].shape == obs["spins"].shape


def test_disabled_autoreset_requires_reset(client):
    config = {**WORLDS["spin.lattice"], "max_steps": 2}
    with client.make_vector_env("spin.lattice", config, num_copies=2, seed=3, autoreset="disabled") as env:
        env.reset()
        acts = np.zeros(env.action_shape, np.int32)
        env.step(acts)
        _, _, _, trunc, _ = env.step(acts)
        assert trunc.all()
        with pytest.raises(kindred.KindredError) as e:
            env.step(acts)
        assert e.value.code == "FAILED_PRECONDITION"
        obs, info = env.reset(copies=[0, 1])
        assert info["reset_mask"].all()
        env.step(acts)


def test_reset_listed_copies(client):
    with client.make_vector_env("spin.lattice", WORLDS["spin.lattice"], num_copies=3, seed=3) as env:
        env.reset()
        env.step(np.zeros(env.action_shape, np.int32))
        _, info = env.reset(copies=[1])
        np.testing.assert_array_equal(info["reset_mask"], [False, True, False])


def test_config_accepts_numpy_values(client):
    config = {"width": np.int64(4), "height": 4, "beta": np.float32(0.5), "controlled": np.array([0, 5])}
    with client.make_vector_env("spin.lattice", config) as env:
        assert env.config["controlled"] == [0, 5] and env.config["width"] == 4
        assert env.num_agents == 2


def test_sparse_and_raw_observations_decode_to_the_same_arrays(client):
    """The energy world's grids are mostly zeros: sent sparse, they must decode bit for bit."""
    config = WORLDS["energy.room"]
    rng = np.random.default_rng(4)
    with client.make_vector_env("energy.room", config, num_copies=2, seed=8, sparse_observations=True) as sparse, \
            client.make_vector_env("energy.room", config, num_copies=2, seed=8, sparse_observations=False) as raw:
        a, _ = sparse.reset()
        b, _ = raw.reset()
        for t in range(20):
            for name in b:
                np.testing.assert_array_equal(a[name], b[name], err_msg=f"{name} at step {t}")
            actions = sparse.sample_actions(rng)
            a = sparse.step(actions)[0]
            b = raw.step(actions)[0]
        assert (b["grid"] == 0).mean() > 0.8  # the case sparse encoding is for


def test_unary_steps_carry_expected_step_and_retries_step_once(client, monkeypatch):
    with client.make_vector_env("spin.lattice", {"width": 4, "height": 4, "controlled": [0, 5]},
                                num_copies=2, streaming=False) as env:
        sent = []
        call = env.client._call

        def spy(method, request, timeout=None):
            sent.append((method, request))
            return call(method, request, timeout)

        monkeypatch.setattr(env.client, "_call", spy)
        env.reset(seed=1)
        actions = np.ones(env.action_shape, np.int32)
        env.step(actions)
        _, _, _, _, info = env.step(actions)
        steps = [r for m, r in sent if m == "Step"]
        assert [r.expected_step for r in steps] == [1, 2]
        # Sent again (as after a timeout), the last step is answered again, not applied twice.
        again = call("Step", steps[-1])
        assert again.session_step == info["session_step"] == 2
        assert again == call("Step", steps[-1])
        _, _, _, _, info = env.step(actions)
        assert info["session_step"] == 3
        # A step the session cannot produce next is refused, naming both numbers.
        with pytest.raises(kindred.KindredError) as e:
            call("Step", steps[0])
        assert e.value.code == "FAILED_PRECONDITION"
        assert "expects step 1" in e.value.message and "at step 3" in e.value.message
