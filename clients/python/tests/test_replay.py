"""Server-side recording from Python: record= on make_vector_env and the adapters, fetch_replay /
save_replay, and kindred.replay reading (and refusing) replay files."""
from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pytest

import kindred
from kindred import replay

ENERGY = {"max_steps": 20}


def _rewrite(data: bytes, edit, rehash: bool = True) -> bytes:
    """The replay with its lines edited by ``edit(lines)`` (trailer excluded), hash redone or not."""
    lines = gzip.decompress(data).split(b"\n")[:-1]
    body, trailer = lines[:-1], lines[-1]
    body = edit(body)
    text = b"".join(l + b"\n" for l in body)
    if rehash:
        trailer = json.dumps({"content_sha256": hashlib.sha256(text).hexdigest()}).encode()
    return gzip.compress(text + trailer + b"\n")


@pytest.fixture
def recorded(client):
    """A 2-copy energy session recording copy 1, run through one 20-step episode; its rewards."""
    env = client.make_vector_env("energy.s3", ENERGY, num_copies=2, seed=3, record=[1])
    env.reset()
    rng = np.random.default_rng(5)
    rewards = []
    for _ in range(20):
        _, r, _, _, _ = env.step(env.sample_actions(rng))
        rewards.append(r[1].copy())
    yield env, rewards
    env.close()


def test_a_fetched_replay_holds_the_episode_the_client_stepped(recorded, tmp_path):
    env, rewards = recorded
    data = env.fetch_replay(1)
    r = replay.loads(data, "fetched")
    assert r.world == "energy.s3" and r.seed >= 0
    assert r.header["copy"] == 1 and r.header["recorder"] == "server" and r.header["format_version"] == 1
    assert len(r.steps) == 20 and r.end["steps"] == 20 and r.end["truncated"]
    np.testing.assert_array_equal(np.array([s["rewards"] for s in r.steps], dtype=np.float32), np.array(rewards))
    path = tmp_path / "copy1.replay.jsonl.gz"
    assert env.save_replay(1, path) == len(data)
    assert replay.read(path).content_sha256 == r.content_sha256


def test_fetching_a_copy_that_is_not_recorded_says_so(recorded):
    env, _ = recorded
    with pytest.raises(kindred.KindredError, match="copy 0 is not recorded") as e:
        env.fetch_replay(0)
    assert e.value.code == "FAILED_PRECONDITION"


def test_the_reader_refuses_truncated_changed_and_newer_files(recorded, tmp_path):
    env, _ = recorded
    data = env.fetch_replay(1)
    with pytest.raises(replay.ReplayError, match="truncated or corrupt"):
        replay.loads(data[: len(data) // 2], "cut.replay.jsonl.gz")

    def newer(lines):
        header = json.loads(lines[0])
        header["format_version"] = 2
        return [json.dumps(header).encode()] + lines[1:]

    with pytest.raises(replay.ReplayError, match="format_version 2 is newer than this reader's 1"):
        replay.loads(_rewrite(data, newer), "newer.replay.jsonl.gz")

    def changed(lines):
        step = json.loads(lines[1])
        step["rewards"][0] += 1
        return [lines[0], json.dumps(step).encode()] + lines[2:]

    with pytest.raises(replay.ReplayError, match=r"changed\.replay\.jsonl\.gz, line 23: content hash mismatch"):
        replay.loads(_rewrite(data, changed, rehash=False), "changed.replay.jsonl.gz")
    with pytest.raises(replay.ReplayError, match="no content_sha256 trailer"):
        replay.loads(gzip.compress(b"".join(l + b"\n" for l in gzip.decompress(data).split(b"\n")[:-2])), "x")


def test_record_rejects_what_names_no_copy(client):
    with pytest.raises(ValueError, match="empty list records nothing"):
        client.make_vector_env("energy.s3", ENERGY, record=[])
    with pytest.raises(kindred.KindredError, match="copy 3 is out of range"):
        client.make_vector_env("energy.s3", ENERGY, num_copies=2, record=[3])


def test_adapters_pass_record_through(server_target):
    env = kindred.ParallelEnv(server_target, "energy.s3", {"max_steps": 5}, seed=2, record="all")
    try:
        env.reset()
        for _ in range(5):
            env.step({a: env.action_space(a).sample() for a in env.agents})
        r = replay.loads(env.fetch_replay(0))
        assert len(r.steps) == 5 and r.end["truncated"]
    finally:
        env.close()


def test_watching_a_recorded_copy_follows_its_steps(client):
    env = client.make_vector_env("energy.s3", ENERGY, num_copies=1, seed=8, record="all")
    try:
        env.reset()
        env.step(env.sample_actions())
        assert [r.session_id for r in client.list_recordings()] == [env.session_id]
        lines = env.watch_recording(0)
        header = next(lines)
        assert header["format"] == "kindred-replay" and header["world"] == "energy.s3"
        assert next(lines)["t"] == 1  # the state line after step 1
        env.step(env.sample_actions())
        step = next(lines)
        assert step["t"] == 2 and len(step["rewards"]) == header["agents"]
        lines.close()
    finally:
        env.close()
