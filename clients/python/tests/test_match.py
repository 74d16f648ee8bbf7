"""Matches through the Python client: seats driven concurrently reproduce a single controller bit
for bit; every seat error leaves the match playable; deadlines, absent seats, leaving; the seat's
PettingZoo env; the match examples.

Two seats driven from one process must submit concurrently (each step answers only once the
whole world has stepped), so the tests step seats from threads.
"""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

import kindred
from kindred.v1 import env_service_pb2 as pb
from conftest import WORLDS

# The energy room with 6 agents in 2 teams; short episodes, so that autoresets happen.
ROOM6 = {**WORLDS["energy.room"], "agents": 6, "max_steps": 9}
# Seat orders that differ from the world's, so that slicing in the wrong order shows.
SEATS = {"red": [3, 0, 4], "blue": [1, 5, 2]}
GENEROUS = kindred.MatchOptions(max_action_time_ms=60_000)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def other_client(server_target):
    """A second client: its own connection, so a second controller for the server."""
    c = kindred.Client(server_target, timeout=30)
    yield c
    c.close()


@pytest.fixture
def pool():
    with ThreadPoolExecutor(4) as p:
        yield p


def step_all(pool, seats_and_actions):
    """Steps every seat concurrently; their results in the same order."""
    futures = [pool.submit(env.step, actions) for env, actions in seats_and_actions]
    return [f.result(timeout=60) for f in futures]


def assert_slice(seat_result, full_result, agents, infos):
    """A seat's batch is the single controller's batch sliced to the seat's agents, bit for bit."""
    obs, rewards, terminated, truncated, info = seat_result
    f_obs, f_rewards, f_terminated, f_truncated, f_info = full_result
    assert list(obs) == [n for n in infos]
    for name, t in infos.items():
        want = f_obs[name][:, agents] if t.scope == "agent" else f_obs[name]
        assert obs[name].dtype == want.dtype and obs[name].shape == want.shape, name
        assert obs[name].tobytes() == np.ascontiguousarray(want).tobytes(), name
    assert rewards.tobytes() == np.ascontiguousarray(f_rewards[:, agents]).tobytes()
    np.testing.assert_array_equal(terminated, f_terminated)
    np.testing.assert_array_equal(truncated, f_truncated)
    np.testing.assert_array_equal(info["action_success"], f_info["action_success"][:, agents])
    np.testing.assert_array_equal(info["reset_mask"], f_info["reset_mask"])
    assert info["session_step"] == f_info["session_step"]
    assert len(info["episodes"]) == len(f_info["episodes"])
    for e, f in zip(info["episodes"], f_info["episodes"]):
        assert (e["copy"], e["episode"], e["length"], e["terminated"], e["truncated"]) == \
               (f["copy"], f["episode"], f["length"], f["terminated"], f["truncated"])
        np.testing.assert_array_equal(e["returns"], f["returns"][agents])


@pytest.mark.parametrize("transport", ["stream", "unary", "mixed"])
def test_two_seats_reproduce_a_single_controller(client, other_client, pool, transport):
    match = client.create_match("energy.room", ROOM6, SEATS, num_copies=2, seed=7, options=GENEROUS)
    streaming = {"stream": (True, True), "unary": (False, False), "mixed": (True, False)}[transport]
    red = match.join("red", streaming=streaming[0])
    blue = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token, streaming=streaming[1])
    single = client.make_vector_env("energy.room", ROOM6, num_copies=2, seed=7)
    try:
        assert match.num_agents == 6 and [g.agents for g in match.seats.values()] == [(3, 0, 4), (1, 5, 2)]
        assert all(len(g.token) == 32 and int(g.token, 16) >= 0 for g in match.seats.values())
        assert "token" not in repr(match.seats["red"])
        assert red.agents == (3, 0, 4) and red.num_agents == 3 and red.action_shape == (2, 3, 2)
        assert red.agent_names == ["agent_3", "agent_0", "agent_4"]
        assert red.seats == {"red": (3, 0, 4), "blue": (1, 5, 2)}
        assert red.options.max_action_time_ms == 60_000
        full = single._decode(single._call("Reset", pb.ResetRequest(session_id=single.session_id, seed=7)))
        for env, agents in ((red, SEATS["red"]), (blue, SEATS["blue"])):
            assert_slice(env.latest, full, agents, env.observation_infos)
            assert env.reset()[0] is env.join_observation
            assert "match" not in env.latest[4]  # the join observation is no step
        rng = np.random.default_rng(11)
        ended = 0
        failed = {seat: np.zeros(2, np.int64) for seat in SEATS}  # per copy, in the running episode
        for t in range(1, 25):
            actions = rng.integers(0, single.action_nvec, size=single.action_shape, dtype=np.int32)
            got = step_all(pool, [(red, actions[:, SEATS["red"]]), (blue, actions[:, SEATS["blue"]])])
            full = single.step(actions)
            acted = ~full[4]["reset_mask"]  # an autoreset step takes no actions
            for seat, agents in SEATS.items():
                failed[seat] += (~full[4]["action_success"][:, agents]).sum(axis=1) * acted
            for env, result in zip((red, blue), got):
                assert_slice(result, full, SEATS[env.seat], env.observation_infos)
                info = result[4]
                assert info["session_step"] == t
                assert info["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "SUBMITTED"}
                assert 0 <= info["match"]["wait_micros"] < 60_000_000
                for e in info["episodes"]:
                    assert list(e["seats"]) == ["red", "blue"]
                    for seat, counts in e["seats"].items():
                        assert counts == {"submitted": e["length"], "timed_out": 0, "absent": 0,
                                          "actions_failed": failed[seat][e["copy"]]}
            for e in full[4]["episodes"]:
                ended += 1
                for seat in SEATS:
                    failed[seat][e["copy"]] = 0
        assert ended >= 4  # both copies went through autoresets
    finally:
        single.close()
        red.leave()
        blue.leave()
        match.close()
    assert match.close_response.session_steps == 24


def test_same_step_autoreset_slices_the_final_observations(client, other_client, pool):
    config = {**ROOM6, "max_steps": 3}
    match = client.create_match("energy.room", config, SEATS, seed=3, autoreset="same_step", options=GENEROUS)
    red = match.join("red")
    blue = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token)
    with client.make_vector_env("energy.room", config, seed=3, autoreset="same_step") as single:
        single.reset(seed=3)
        for t in range(1, 5):
            actions = np.zeros(single.action_shape, np.int32)
            got = step_all(pool, [(red, actions[:, SEATS["red"]]), (blue, actions[:, SEATS["blue"]])])
            full = single.step(actions)
            for env, result in zip((red, blue), got):
                assert_slice(result, full, SEATS[env.seat], env.observation_infos)
                assert ("final_observations" in result[4]) == ("final_observations" in full[4])
                assert bool(result[2][0] or result[3][0]) == (t == 3)
                for name, f in full[4].get("final_observations", {}).items():
                    want = f[:, SEATS[env.seat]] if env.observation_infos[name].scope == "agent" else f
                    np.testing.assert_array_equal(result[4]["final_observations"][name], want)
                    assert result[4]["final_observations"][name].any() == (t == 3)  # zeros but where one ended
    match.close()


def test_withheld_observations_and_seat_per_agent(client, other_client, pool):
    lattice = WORLDS["spin.lattice"]  # controlled spins 0 and 7; copy-scope spins and magnetisation
    match = client.create_match("spin.lattice", lattice, {"a": [1], "b": [0]}, withhold_observations={"b": ["spins"]},
                                num_copies=3, seed=5)
    a = match.join("a")
    b = other_client.join_seat(match.session_id, "b", match.seats["b"].token)
    assert "spins" in a.observation_infos and "spins" not in b.observation_infos
    assert b.withheld_observations == ("spins",) and a.withheld_observations == ()
    assert b.observation_infos["magnetisation"].batch_shape == (3,)
    ra, rb = step_all(pool, [(a, np.ones((3, 1), np.int32)), (b, np.zeros((3, 1), np.int32))])
    assert "spins" not in rb[0] and ra[0]["spins"].shape == (3, 30)
    np.testing.assert_array_equal(ra[0]["magnetisation"], rb[0]["magnetisation"])
    match.close()
    every = client.create_match("spin.lattice", lattice, seat_per_agent=True)
    assert {name: g.agents for name, g in every.seats.items()} == {"spin_0": (0,), "spin_7": (1,)}
    every.close()
    with pytest.raises(ValueError, match="not both"):
        client.create_match("spin.lattice", lattice, {"a": [0, 1]}, seat_per_agent=True)
    with pytest.raises(ValueError, match="needs seats"):
        client.create_match("spin.lattice", lattice)
    with pytest.raises(ValueError, match=r"seat\(s\) \['c'\]"):
        client.create_match("spin.lattice", lattice, {"a": [0, 1]}, withhold_observations={"c": ["spins"]})


def expect_error(code, says, call, *args, **kwargs):
    """``call(*args, **kwargs)`` fails with ``code``, its message containing ``says`` (when given)."""
    with pytest.raises(kindred.KindredError) as e:
        call(*args, **kwargs)
    assert e.value.code == code, e.value
    if says:
        assert says in e.value.message, e.value.message
    return e.value


def test_every_seat_error_leaves_the_match_playable(client, other_client, server_target, pool):
    match = client.create_match("energy.room", ROOM6, SEATS, num_copies=2, seed=1, options=GENEROUS)
    red = match.join("red")
    blue = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token, streaming=False)
    zeros = {env.seat: np.zeros(env.action_shape, np.int32) for env in (red, blue)}
    step = [0]

    def playable():
        got = step_all(pool, [(red, zeros["red"]), (blue, zeros["blue"])])
        step[0] += 1
        assert [r[4]["session_step"] for r in got] == [step[0]] * 2
        assert all(r[4]["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "SUBMITTED"} for r in got)

    def step_seat(seat="red", token=None, actions=zeros["red"].tobytes(), session=None):
        """A raw StepSeat (around the SeatEnv's checks); red's token unless told."""
        return client._call("StepSeat", pb.StepSeatRequest(
            session_id=session or match.session_id, seat=seat, join_token=token or match.seats["red"].token,
            actions=actions))

    playable()
    token = match.seats["red"].token
    # NOT_FOUND: unknown session, unknown seat
    unknown = "0" * 32 if match.session_id != "0" * 32 else "1" * 32  # well-formed, unknown
    expect_error("NOT_FOUND", None, client.join_seat, unknown, "red", token)
    expect_error("NOT_FOUND", "green", client.join_seat, match.session_id, "green", token)
    expect_error("NOT_FOUND", "seat 'green' not found", step_seat, "green")
    playable()
    # PERMISSION_DENIED: a wrong token, to join and to step
    wrong = "f" * 32 if token != "f" * 32 else "e" * 32
    expect_error("PERMISSION_DENIED", "wrong join token", client.join_seat, match.session_id, "red", wrong)
    expect_error("PERMISSION_DENIED", None, step_seat, "red", wrong)
    playable()
    # ALREADY_EXISTS: another controller (a third connection) joins a held seat
    with kindred.Client(server_target, timeout=30) as third:
        expect_error("ALREADY_EXISTS", "red", third.join_seat, match.session_id, "red", token)
    playable()
    # INVALID_ARGUMENT: the whole world's shape, a value out of range (the server's); a wrong
    # shape is refused before anything is sent (ValueError)
    whole = np.zeros((2, 6, 2), np.int32).tobytes()
    expect_error("INVALID_ARGUMENT", "[2 copies, 3 agents, 2", step_seat, "red", None, whole)
    with pytest.raises(ValueError, match=r"shape \[2, 3, 2\]"):
        red.step(np.zeros((2, 6, 2), np.int32))
    bad = zeros["red"].copy()
    bad[1, 2, 0] = 8
    expect_error("INVALID_ARGUMENT", "8", red.step, bad)  # over red's stream: the stream reopens
    playable()
    # FAILED_PRECONDITION: a second submission for the same world step
    pending = pool.submit(red.step, zeros["red"])
    time.sleep(1.0)  # for the submission to reach the server
    assert not pending.done()  # waits for blue
    expect_error("FAILED_PRECONDITION", "already submitted", step_seat)
    blue.step(zeros["blue"])
    assert pending.result(timeout=30)[4]["session_step"] == step[0] + 1
    step[0] += 1
    playable()
    # FAILED_PRECONDITION: plain Reset/Step on a match, seat calls on a plain session
    expect_error("FAILED_PRECONDITION", "is a match", client._call, "Reset", pb.ResetRequest(session_id=match.session_id))
    expect_error("FAILED_PRECONDITION", "is a match", client._call, "Step",
                 pb.StepRequest(session_id=match.session_id, actions=np.zeros((2, 6, 2), np.int32).tobytes()))
    with client.make_vector_env("energy.room", ROOM6, num_copies=2) as plain:
        expect_error("FAILED_PRECONDITION", "without seats", client.join_seat, plain.session_id, "red", token)
        expect_error("FAILED_PRECONDITION", "without seats", step_seat, "red", None, zeros["red"].tobytes(), plain.session_id)
    playable()
    # A match's world autoresets: disabled is refused
    expect_error("INVALID_ARGUMENT", "autoreset", client.create_match, "energy.room", ROOM6, SEATS, autoreset="disabled")
    match.close()
    expect_error("NOT_FOUND", None, red.step, zeros["red"])  # the match is gone for its seats


def test_a_silent_seat_times_out_and_plays_the_fallback(client, other_client, pool):
    config = {**ROOM6, "max_steps": 4}
    match = client.create_match("energy.room", config, SEATS, num_copies=2, seed=9,
                                options=kindred.MatchOptions(max_action_time_ms=300))
    red = match.join("red")
    silent = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token)  # never steps
    single = client.make_vector_env("energy.room", config, num_copies=2, seed=9)
    single.reset(seed=9)
    rng = np.random.default_rng(2)
    try:
        for t in range(1, 6):
            actions = rng.integers(0, single.action_nvec, size=single.action_shape, dtype=np.int32)
            t0 = time.monotonic()
            got = red.step(actions[:, SEATS["red"]])
            elapsed = time.monotonic() - t0
            assert 0.28 <= elapsed < 2.0, f"step {t} took {elapsed:.3f} s with a 300 ms deadline"
            assert got[4]["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "TIMED_OUT"}
            assert 290_000 <= got[4]["match"]["wait_micros"] < 1_000_000
            # The fallback (noop) for blue's agents: a single controller applying zeros for them agrees.
            actions[:, SEATS["blue"]] = 0
            assert_slice(got, single.step(actions), SEATS["red"], red.observation_infos)
            for e in got[4]["episodes"]:
                assert e["seats"]["blue"] == {"submitted": 0, "timed_out": e["length"], "absent": 0,
                                              "actions_failed": e["seats"]["blue"]["actions_failed"]}
                assert e["seats"]["red"]["submitted"] == e["length"]
        assert silent.latest[4]["session_step"] == 0  # the silent seat saw nothing since it joined
        # Now it submits (for step 1, five steps late): answered at once with its part of the latest
        # step, its actions not applied; then it plays the next step with red.
        t0 = time.monotonic()
        late = silent.step(np.ones(silent.action_shape, np.int32))
        assert time.monotonic() - t0 < 0.25
        assert late[4]["session_step"] == 5 and late[4]["match"]["outcomes"]["blue"] == "TIMED_OUT"
        actions = rng.integers(0, single.action_nvec, size=single.action_shape, dtype=np.int32)
        got = step_all(pool, [(red, actions[:, SEATS["red"]]), (silent, actions[:, SEATS["blue"]])])
        assert got[0][4]["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "SUBMITTED"}
        full = single.step(actions)
        assert_slice(got[0], full, SEATS["red"], red.observation_infos)
        assert_slice(got[1], full, SEATS["blue"], silent.observation_infos)
    finally:
        single.close()
        match.close()


def test_absent_seats_leaving_and_joining_again(client, other_client, server_target, pool):
    match = client.create_match("energy.room", ROOM6, SEATS, seed=4,
                                options=kindred.MatchOptions(max_action_time_ms=60_000, start_before_all_joined=True))
    red = match.join("red")
    zeros = np.zeros(red.action_shape, np.int32)
    t0 = time.monotonic()
    info = red.step(zeros)[4]
    assert time.monotonic() - t0 < 10  # an absent seat is not waited for
    assert info["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "ABSENT"}
    blue = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token)
    assert blue.latest[4]["session_step"] == 1  # joins at the match's latest step
    got = step_all(pool, [(red, zeros), (blue, zeros)])
    assert got[0][4]["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "SUBMITTED"}
    blue.leave()
    assert blue.closed
    expect_error("NOT_FOUND", "left by this client", blue.step, zeros)
    assert red.step(zeros)[4]["match"]["outcomes"] == {"red": "SUBMITTED", "blue": "ABSENT"}
    with kindred.Client(server_target, timeout=30) as third:  # the seat is free again
        again = third.join_seat(match.session_id, "blue", match.seats["blue"].token)
        got = step_all(pool, [(red, zeros), (again, zeros)])
        assert got[1][4]["session_step"] == 4
    # closing the client left the seat
    assert red.step(zeros)[4]["match"]["outcomes"]["blue"] == "ABSENT"
    match.close()


def test_the_first_step_waits_until_every_seat_has_joined(client, other_client, pool):
    match = client.create_match("energy.room", ROOM6, SEATS, options=GENEROUS)
    red = match.join("red")
    first = pool.submit(red.step, np.zeros(red.action_shape, np.int32))
    time.sleep(0.6)
    assert not first.done()
    blue = other_client.join_seat(match.session_id, "blue", match.seats["blue"].token)
    time.sleep(0.3)
    assert not first.done()  # blue joined but has not submitted
    blue.step(np.zeros(blue.action_shape, np.int32))
    assert first.result(timeout=30)[4]["session_step"] == 1
    match.close()


def test_seat_parallel_env_passes_the_pettingzoo_api_test(client):
    config = {**ROOM6, "max_steps": 15}
    match = client.create_match("energy.room", config, {"me": [1, 3, 5], "them": [0, 2, 4]}, seed=2,
                                options=kindred.MatchOptions(start_before_all_joined=True))
    env = kindred.SeatParallelEnv(client, match.session_id, "me", match.seats["me"].token)
    try:
        assert env.possible_agents == ["agent_1", "agent_3", "agent_5"]
        parallel_api_test(env, num_cycles=40)
        assert env.seat_env.latest[4]["session_step"] >= 16  # the episodes really ran
    finally:
        env.close()
    assert env.seat_env.closed
    match.close()


@pytest.mark.parametrize("autoreset", ["next_step", "same_step"])
def test_seat_parallel_env_episodes(client, autoreset):
    config = {**ROOM6, "max_steps": 3}
    match = client.create_match("energy.room", config, {"me": [2, 0], "them": [1, 3, 4, 5]}, seed=8,
                                autoreset=autoreset, options=kindred.MatchOptions(start_before_all_joined=True))
    env = kindred.SeatParallelEnv(client, match.session_id, "me", match.seats["me"].token, streaming=False)
    try:
        seat = env.seat_env
        obs, infos = env.reset(seed=123)  # the seed is ignored: the match was seeded at creation
        np.testing.assert_array_equal(obs["agent_2"]["grid"], seat.join_observation["grid"][0, 0])
        for episode in range(2):
            for t in range(3):
                obs, rew, terms, truncs, infos = env.step({a: env.action_space(a).sample(obs[a]["action_mask"])
                                                           for a in env.agents})
            assert env.agents == [] and all(truncs.values())
            assert infos["agent_0"]["kindred_episode"]["length"] == 3
            assert infos["agent_0"]["kindred_episode"]["seats"]["them"]["absent"] == 3
            assert infos["agent_0"]["match"]["outcomes"] == {"me": "SUBMITTED", "them": "ABSENT"}
            with pytest.raises(ValueError, match="call reset"):
                env.step({})
            step_before = seat.latest[4]["session_step"]
            last = obs
            obs, _ = env.reset()
            assert env.agents == ["agent_2", "agent_0"]
            if autoreset == "next_step":  # reset() took the autoreset step
                assert seat.latest[4]["session_step"] == step_before + 1 and seat.latest[4]["reset_mask"][0]
            else:  # the ending step returned the ended episode's last observations, and the next one's first
                assert seat.latest[4]["session_step"] == step_before
                np.testing.assert_array_equal(last["agent_0"]["grid"],
                                              seat.latest[4]["final_observations"]["grid"][0, 1])
            np.testing.assert_array_equal(obs["agent_0"]["grid"], seat.latest[0]["grid"][0, 1])
    finally:
        env.close()
        match.close()


def test_remote_brain_plays_a_match_created_by_create_match(server_target):
    create = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "create_match.py"), "--target", server_target, "--json", "--copies", "2",
         "--config", json.dumps({**ROOM6, "max_steps": 10}), "--seats", json.dumps(SEATS), "--seed", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = create.stdout.readline()
        assert line, create.stderr.read()
        made = json.loads(line)
        assert made["target"] == server_target and set(made["seats"]) == {"red", "blue"}
        brains = [subprocess.Popen([sys.executable, str(EXAMPLES / "remote_brain.py"), "--host", server_target,
                                    "--session", made["session"], "--seat", seat, "--token", grant["token"],
                                    *limit, "--seed", "1"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for (seat, grant), limit in zip(made["seats"].items(), (["--episodes", "4"], ["--steps", "25"]))]
        outs = [b.communicate(timeout=120) for b in brains]
        for b, (out, err) in zip(brains, outs):
            assert b.returncode == 0, err[-3000:]
            assert "episode 1 (copy" in out and "summary: seat" in out, out
            assert "timed out/absent steps: red 0/" in out
        red_out, blue_out = outs[0][0], outs[1][0]
        assert "4 episodes finished" in red_out  # red stops after 4 episodes (both copies end at step 10)...
        assert "summary: seat blue, 25 steps" in blue_out  # ... blue after 25 steps: it played on alone
        assert "red 0/0, blue 0/0" in red_out  # both seats played every step of the first episodes
        create.send_signal(signal.SIGTERM)
        _, err = create.communicate(timeout=30)
        assert create.returncode == 0 and "match closed after 25 steps" in err, err
    finally:
        if create.poll() is None:
            create.kill()


def test_remote_brain_help():
    p = subprocess.run([sys.executable, str(EXAMPLES / "remote_brain.py"), "--help"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0
    for flag in ("--host", "--session", "--seat", "--token", "--episodes", "--steps"):
        assert flag in p.stdout


def test_a_match_closes_with_its_client_unless_detached(server_target, client):
    for detached in (False, True):
        with kindred.Client(server_target, timeout=30) as creator:
            match = creator.create_match("energy.room", ROOM6, SEATS, detached=detached)
            assert creator.open_sessions == (0 if detached else 1)
        if detached:  # still there for its seats (until the server's idle timeout)
            seat = client.join_seat(match.session_id, "red", match.seats["red"].token)
            assert seat.latest[4]["session_step"] == 0
            seat.leave()
        else:
            expect_error("NOT_FOUND", None, client.join_seat, match.session_id, "red", match.seats["red"].token)
