"""The Python envs as drop-ins for RL libraries: pickling (multiprocessing), the flat layout,
Gymnasium's episode statistics, and gym.make / gym.make_vec."""
from __future__ import annotations

import copy
import multiprocessing
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.wrappers import RecordEpisodeStatistics
from gymnasium.wrappers.vector import RecordEpisodeStatistics as VectorRecordEpisodeStatistics
from pettingzoo.test import parallel_api_test
from pettingzoo.utils.conversions import parallel_to_aec

import kindred
from kindred.spaces import ObservationLayout
from conftest import SINGLE_AGENT, WORLDS

LATTICE = {**SINGLE_AGENT["spin.lattice"], "max_steps": 5}


def trajectory(env, seed, steps=8):
    """Observations and rewards of GymEnv ``env`` under fixed actions (reset when an episode ends)."""
    out = []
    obs, _ = env.reset(seed=seed)
    for t in range(steps):
        obs, r, term, trunc, _ = env.step(t % 2)
        out.append((np.asarray(obs).tolist() if not isinstance(obs, dict)
                    else {k: v.tolist() for k, v in obs.items()}, r))
        if term or trunc:
            env.reset()
    return out


def _child(env, seed, queue):
    queue.put(trajectory(env, seed))
    env.close()


# -- 1. pickling -----------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["dict", "flat"])
def test_gym_env_pickles_and_plays_the_same_in_a_spawned_process(server_target, layout):
    env = kindred.GymEnv(server_target, "spin.lattice", LATTICE, seed=3, observation_layout=layout)
    try:
        blob = pickle.dumps(env)
        assert b"Channel" not in blob and b"BaseClient" not in blob  # a recipe, not a channel
        expected = trajectory(env, seed=11)
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        p = ctx.Process(target=_child, args=(env, 11, queue))
        p.start()
        got = queue.get(timeout=120)
        p.join(60)
        assert p.exitcode == 0
        assert got == expected
        # In this process too, and a deep copy: fresh sessions, the same spaces.
        clone, twin = pickle.loads(blob), copy.deepcopy(env)
        assert clone.observation_space == env.observation_space and clone.action_space == env.action_space
        assert trajectory(clone, seed=11) == expected == trajectory(twin, seed=11)
        assert clone.vector_env.session_id != env.vector_env.session_id
        clone.close(), twin.close()
    finally:
        env.close()


def test_a_client_given_by_the_caller_pickles_as_its_settings(client):
    env = kindred.GymEnv(client, "spin.lattice", LATTICE)
    try:
        clone = pickle.loads(pickle.dumps(env))
        assert clone._recipe[0] == client.target and clone._recipe[1]["timeout"] == client.timeout
        assert clone._session is None and clone._client is None  # lazy: nothing opened yet
        clone.reset(seed=1)
        assert clone._client is not client and clone._owns_client
        clone.close()
        assert clone.vector_env.closed and clone._client.closed
    finally:
        env.close()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client)


def test_an_unused_clone_closes_without_connecting(server_target):
    env = kindred.GymEnv(server_target, "spin.lattice", LATTICE)
    clone = pickle.loads(pickle.dumps(env))
    env.close()
    clone.close()
    assert clone._session is None
    with pytest.raises(ValueError, match="was closed"):
        clone.reset()


def test_async_vector_env_with_spawn(server_target):
    env = kindred.GymEnv(server_target, "spin.lattice", LATTICE)
    vec = gym.vector.AsyncVectorEnv([lambda e=env: copy.deepcopy(e)] * 2, context="spawn", shared_memory=False)
    try:
        obs, _ = vec.reset(seed=[7, 7])
        single, _ = env.reset(seed=7)
        for name in single:
            np.testing.assert_array_equal(obs[name][0], single[name])
            np.testing.assert_array_equal(obs[name][1], single[name])
        for t in range(3):
            obs, r, *_ = vec.step(np.array([1, 1]))
            single, r1, *_ = env.step(1)
            assert r[0] == r[1] == pytest.approx(r1)
    finally:
        vec.close()
        env.close()


def test_vector_and_pettingzoo_envs_pickle(server_target):
    vec = kindred.GymVectorEnv(server_target, "spin.lattice", LATTICE, num_envs=3, seed=2)
    par = kindred.ParallelEnv(server_target, "spin.lattice", WORLDS["spin.lattice"], seed=2)
    try:
        vclone = pickle.loads(pickle.dumps(vec))
        a, _ = vec.reset(seed=4)
        b, _ = vclone.reset(seed=4)
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])
        actions = np.array([1, 0, 1])
        np.testing.assert_array_equal(vec.step(actions)[1], vclone.step(actions)[1])
        vclone.close()

        aec = parallel_to_aec(par)
        for original in (par, aec):
            clone = pickle.loads(pickle.dumps(original))
            assert clone.possible_agents == par.possible_agents
            clone.reset(seed=5)
            clone.close()
        pclone = pickle.loads(pickle.dumps(par))
        o1, _ = par.reset(seed=5)
        o2, _ = pclone.reset(seed=5)
        assert {a: {k: v.tolist() for k, v in o.items()} for a, o in o1.items()} == \
               {a: {k: v.tolist() for k, v in o.items()} for a, o in o2.items()}
        step = {a: 1 for a in par.agents}
        assert par.step(step)[1] == pclone.step(step)[1]
        pclone.close()
    finally:
        vec.close()
        par.close()


# -- 2. layouts -------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["dict", "flat"])
@pytest.mark.parametrize("world", sorted(SINGLE_AGENT))
def test_check_env_without_warnings(client, world, layout):
    env = kindred.GymEnv(client, world, SINGLE_AGENT[world], seed=2, observation_layout=layout)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_env(env, skip_render_check=True)
        assert [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)] == []
        spaces = [env.observation_space] if layout == "flat" else list(env.observation_space.values())
        for box in spaces:
            assert box.shape != () and np.isfinite(box.low).all() and np.isfinite(box.high).all(), box
    finally:
        env.close()


@pytest.mark.parametrize("world", ["spin.lattice", "energy.room"])
def test_parallel_api_test_flat(client, world):
    env = kindred.ParallelEnv(client, world, WORLDS[world], seed=1, observation_layout="flat")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parallel_api_test(env, num_cycles=30)
        assert [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)] == []
    finally:
        env.close()


@pytest.mark.parametrize("world", sorted(SINGLE_AGENT))
def test_flat_and_dict_round_trip(client, world):
    flat = kindred.GymEnv(client, world, SINGLE_AGENT[world], seed=4, observation_layout="flat")
    as_dict = kindred.GymEnv(client, world, SINGLE_AGENT[world], seed=4)
    try:
        f, _ = flat.reset(seed=9)
        d, _ = as_dict.reset(seed=9)
        assert f.dtype == np.float32 and f.shape == flat.observation_space.shape == (len(flat.layout.feature_names),)
        back = flat.layout.unflatten(f)
        assert list(back) == list(d)
        for name in d:
            assert back[name].dtype == d[name].dtype and back[name].shape == d[name].shape
            if d[name].dtype == np.float64:
                np.testing.assert_allclose(back[name], d[name], rtol=1e-6)
            else:
                np.testing.assert_array_equal(back[name], d[name])
        np.testing.assert_array_equal(flat.layout.flatten(d), f)
        assert back in as_dict.observation_space
    finally:
        flat.close()
        as_dict.close()


def test_feature_order_is_the_spec_order_row_major(client):
    env = kindred.GymEnv(client, "spin.lattice", LATTICE, observation_layout="flat")
    try:
        infos = env.vector_env.observation_infos
        layout = env.layout
        expected = []
        for name, t in infos.items():
            if t.shape == ():
                expected.append(name)
            else:
                assert len(t.shape) == 1  # the lattice's tensors are vectors
                expected += [f"{name}[{i}]" for i in range(t.shape[0])]
        assert list(layout.feature_names) == expected
        obs, _ = env.reset(seed=1)
        raw, _ = env.vector_env.reset(seed=1)
        at = 0
        for name, t in infos.items():
            n = int(np.prod(t.shape or (1,)))
            scope_index = (0, 0) if t.scope == "agent" else (0,)
            np.testing.assert_allclose(obs[at:at + n], np.asarray(raw[name][scope_index]).reshape(-1), rtol=1e-6)
            at += n
        assert at == obs.size
    finally:
        env.close()


def test_energy_feature_names_come_from_the_spec(client):
    layout_env = kindred.GymEnv(client, "energy.room", SINGLE_AGENT["energy.room"], observation_layout="flat")
    try:
        infos = layout_env.vector_env.observation_infos
        named = [t for t in infos.values() if t.feature_names and len(t.feature_names) == (t.shape or (1,))[-1]]
        for t in named:
            assert any(f.startswith(t.name) and f.endswith(f"[{t.feature_names[0]}]")
                       for f in layout_env.layout.feature_names)
    finally:
        layout_env.close()


def test_layout_errors(client):
    with pytest.raises(ValueError, match="observation_layout must be one of"):
        kindred.GymEnv(client, "spin.lattice", LATTICE, observation_layout="flattened")
    assert client.open_sessions == 0
    with pytest.raises(ValueError, match="observation_layout must be one of"):
        ObservationLayout({}, True, "flattened")
    env = kindred.GymEnv(client, "spin.lattice", LATTICE, observation_layout="flat")
    try:
        with pytest.raises(ValueError, match="elements in its last axis"):
            env.layout.unflatten(np.zeros(3))
    finally:
        env.close()


# -- 3. episode statistics --------------------------------------------------------------------

def test_record_episode_statistics_around_gym_env(client):
    env = RecordEpisodeStatistics(kindred.GymEnv(client, "spin.lattice", LATTICE))
    try:
        env.reset(seed=2)
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, info = env.step(env.action_space.sample())
            total += r
            done = term or trunc
        assert info["episode"]["l"] == info["kindred_episode"]["length"] == 5
        assert info["episode"]["r"] == pytest.approx(info["kindred_episode"]["return"], rel=1e-5)
        assert info["kindred_episode"]["return"] == pytest.approx(total, rel=1e-5)
    finally:
        env.close()


def test_episode_info_option_gives_monitor_keys(client):
    env = kindred.GymEnv(client, "spin.lattice", LATTICE, episode_info=True)
    try:
        env.reset(seed=2)
        for _ in range(5):
            _, _, _, trunc, info = env.step(0)
        assert trunc and set(info["episode"]) == {"r", "l", "t"} and info["episode"]["l"] == 5
        assert info["episode"]["r"] == info["kindred_episode"]["return"]
    finally:
        env.close()


def test_record_episode_statistics_around_gym_vector_env(client):
    env = VectorRecordEpisodeStatistics(kindred.GymVectorEnv(client, "spin.lattice", LATTICE, num_envs=3))
    try:
        env.reset(seed=2)
        returns = np.zeros(3)
        for t in range(5):
            _, r, term, trunc, info = env.step(np.array([0, 1, t % 2]))
            returns += r
        assert trunc.all() and info["_episode"].all() and info["_kindred_episode"].all()
        np.testing.assert_array_equal(info["episode"]["l"], info["kindred_episode"]["length"])
        np.testing.assert_allclose(info["episode"]["r"], info["kindred_episode"]["return"], rtol=1e-5)
        np.testing.assert_allclose(info["kindred_episode"]["return"], returns, rtol=1e-5)
    finally:
        env.close()


# -- 5. gym.make and gym.make_vec ---------------------------------------------------------------

def test_ids_are_registered_without_a_server():
    assert "kindred/spin.lattice-v0" in gym.registry and "kindred/energy.room-v0" in gym.registry
    assert gym.registry["kindred/spin.sk-v0"].vector_entry_point is not None
    with pytest.raises(ValueError, match="address="):
        gym.make("kindred/spin.lattice-v0", config=LATTICE)


def test_gym_make(server_target):
    env = gym.make("kindred/spin.lattice-v0", address=server_target, config=LATTICE)
    try:
        assert isinstance(env.unwrapped, kindred.GymEnv)
        obs, _ = env.reset(seed=3)
        assert obs in env.observation_space
        env.step(env.action_space.sample())
    finally:
        env.close()


def test_gym_make_vec_uses_one_batched_session(server_target):
    env = gym.make_vec("kindred/spin.lattice-v0", num_envs=4, address=server_target, config=LATTICE)
    try:
        assert isinstance(env, kindred.GymVectorEnv) and env.vector_env.num_copies == 4
        obs, _ = env.reset(seed=[3, 4, 5, 6])
        single = kindred.GymEnv(server_target, "spin.lattice", LATTICE)
        try:
            for i, s in enumerate([3, 4, 5, 6]):
                # sub-env i with seed s starts what copy i of a session seeded s starts
                ref = kindred.GymVectorEnv(server_target, "spin.lattice", LATTICE, num_envs=4)
                expected, _ = ref.reset(seed=s)
                ref.close()
                np.testing.assert_array_equal(obs["spins"][i], expected["spins"][i])
        finally:
            single.close()
        again, _ = env.reset(seed=[3, 4, 5, 6])
        np.testing.assert_array_equal(again["spins"], obs["spins"])
        with pytest.raises(ValueError, match="one seed per"):
            env.reset(seed=[1, 2])
        with pytest.raises(ValueError, match="appear once"):
            env.reset(seed=[1, 1, 2, 2])
    finally:
        env.close()


def test_reset_mask_resets_only_the_masked_copies(client):
    env = kindred.GymVectorEnv(client, "spin.lattice", {**LATTICE, "max_steps": 50}, num_envs=3)
    try:
        env.reset(seed=1)
        for _ in range(3):
            before, *_ = env.step(np.array([1, 1, 1]))
        mask = np.array([False, True, False])
        obs, info = env.reset(options={"reset_mask": mask})
        np.testing.assert_array_equal(info["reset_mask"], mask)
        for i in (0, 2):
            np.testing.assert_array_equal(obs["spins"][i], before["spins"][i])
        session_steps = env.vector_env._session_step
        obs2, info2 = env.reset(options={"reset_mask": np.zeros(3, dtype=bool)})
        np.testing.assert_array_equal(obs2["spins"], obs["spins"])
        assert env.vector_env._session_step == session_steps  # nothing was sent
        with pytest.raises(ValueError, match="bool array of shape"):
            env.reset(options={"reset_mask": [1, 0, 1]})
        with pytest.raises(ValueError, match="knows the option 'reset_mask' only"):
            env.reset(options={"reset_masks": mask})
    finally:
        env.close()


def test_readme_example_runs_verbatim(server_target, capsys):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### RL libraries"):]
    code = section[section.index("```python\n") + len("```python\n"):section.index("```\n", section.index("```python"))]
    exec(compile(code, "README.md", "exec"), {"TARGET": server_target})
    r, kindred_return = capsys.readouterr().out.split()
    assert float(r) == pytest.approx(float(kindred_return), rel=1e-5)
