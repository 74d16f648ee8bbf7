"""render(): frames and text drawn by the server's renderer, through Gymnasium's and
PettingZoo's conventions and their own tools (env checkers, RecordVideo)."""
from __future__ import annotations

import glob
import warnings

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.wrappers import RecordVideo

import kindred

SPIN = {"width": 8, "height": 6, "controlled": [0, 9], "beta": 0.6, "max_steps": 30}
UP, DOWN = (0xD1, 0x49, 0x5B), (0x2E, 0x86, 0xAB)


def _cells(text: str):
    """The spin grid of an ansi picture (after its title line)."""
    return [line for line in text.splitlines()[1:] if line]


def test_vector_env_frames_agree_with_the_text_picture(client):
    env = client.make_vector_env("spin.lattice", SPIN, num_copies=2, seed=4)
    try:
        env.reset()
        for step in range(3):
            for copy in range(2):
                frame = env.render(copy, cell_pixels=4)
                text = env.render(copy, mode="ansi")
                assert frame.dtype == np.uint8 and frame.shape == (6 * 4, 8 * 4, 3)
                assert text.startswith(f"step {step} magnetisation ")
                rows = _cells(text)
                assert len(rows) == 6 and all(len(r) == 8 for r in rows)
                for y, row in enumerate(rows):
                    for x, c in enumerate(row):
                        # a cell's corner pixel has the spin's colour; controlled spins are U/D
                        assert tuple(frame[y * 4, x * 4]) == (UP if c in "+U" else DOWN), (copy, x, y, text)
                        assert (c in "UD") == (y * 8 + x in (0, 9))
            env.step(env.sample_actions(np.random.default_rng(step)))
        magnetisation = float(text.splitlines()[0].split()[-1])
        rows = _cells(text)
        ups = sum(row.count("+") + row.count("U") for row in rows)
        assert magnetisation == pytest.approx((2 * ups - 48) / 48, abs=1e-4)
    finally:
        env.close()


def test_gym_env_renders_rgb_and_ansi_and_passes_the_render_check(client):
    config = {**SPIN, "controlled": [3]}
    for mode in ("rgb_array", "ansi"):
        env = kindred.GymEnv(client, "spin.lattice", config, seed=1, render_mode=mode)
        try:
            assert env.metadata["render_modes"] == ["rgb_array", "ansi"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_env(env)  # includes Gymnasium's render check for this mode
            env.reset(seed=1)
            out = env.render()
            if mode == "rgb_array":
                assert out.shape == (6 * 8, 8 * 8, 3) and out.dtype == np.uint8
            else:
                assert isinstance(out, str) and len(_cells(out)) == 6
        finally:
            env.close()
    plain = kindred.GymEnv(client, "spin.lattice", config)
    try:
        plain.reset()
        assert plain.render() is None  # Gymnasium's convention without a render mode
    finally:
        plain.close()


def test_parallel_env_renders_the_energy_world(client):
    env = kindred.ParallelEnv(client, "energy.s3", {"max_steps": 10}, seed=3, render_mode="ansi")
    try:
        env.reset(seed=3)
        before = env.render()
        assert before.startswith("step 0/10\n") and "agent 0 at (" in before
        env.step({a: env.action_space(a).sample() for a in env.agents})
        assert env.render().startswith("step 1/10\n")
        frame = env.vector_env.render(0, cell_pixels=8)
        assert frame.shape[1] == 25 * 8 and frame.shape[0] > 25 * 8  # title and legend around the map
        assert frame.reshape(-1, 3).std(axis=0).max() > 10  # a picture, not a blank
    finally:
        env.close()


def test_unknown_render_modes_are_refused_before_anything_opens(client):
    before = client.open_sessions
    with pytest.raises(ValueError, match=r"unknown render_mode 'human'; Kindred renders \['rgb_array', 'ansi'\]"):
        kindred.GymEnv(client, "spin.lattice", {**SPIN, "controlled": [0]}, render_mode="human")
    with pytest.raises(ValueError, match="unknown render_mode 'rgb'"):
        kindred.ParallelEnv(client, "spin.lattice", SPIN, render_mode="rgb")
    assert client.open_sessions == before
    env = client.make_vector_env("spin.lattice", SPIN)
    try:
        env.reset()
        with pytest.raises(ValueError, match="unknown render mode 'png'"):
            env.render(0, mode="png")
        with pytest.raises(kindred.KindredError, match="copy 1 is out of range"):
            env.render(1)
        with pytest.raises(kindred.KindredError, match="cell_pixels must be in 1..64"):
            env.render(0, cell_pixels=65)
    finally:
        env.close()


def test_record_video_writes_a_video(client, tmp_path):
    env = kindred.GymEnv(client, "spin.lattice", {**SPIN, "controlled": [3], "max_steps": 12}, seed=5,
                         render_mode="rgb_array")
    env = RecordVideo(env, str(tmp_path), episode_trigger=lambda e: True, disable_logger=True)
    try:
        env.reset(seed=5)
        done = False
        while not done:
            _, _, term, trunc, _ = env.step(env.action_space.sample())
            done = term or trunc
    finally:
        env.close()
    videos = glob.glob(str(tmp_path / "*.mp4"))
    assert len(videos) == 1, videos
    from moviepy import VideoFileClip

    with VideoFileClip(videos[0]) as clip:
        assert clip.size == [8 * 8, 6 * 8]
        assert clip.duration == pytest.approx(13 / 10, abs=0.15)  # reset frame + 12 steps at 10 fps
