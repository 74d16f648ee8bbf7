"""``step(actions, out=...)`` and ``reset(out=...)``: observations decoded straight into arrays
the caller owns, bit for bit what the plain decode gives, without per-step allocation."""
from __future__ import annotations

import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import kindred
from conftest import WORLDS
from kindred.v1 import env_service_pb2 as pb

# The S1 scenario's room (docs/benchmarks.md) as energy.room: its grid is ~98% zero bytes.
S1_ROOM = {"agents": 20, "width": 40, "height": 40, "altars": 5, "converters": 10, "green_generators": 25,
           "yellow_generators": 25, "walls": 40}


def reference_decode(env, tensors):
    """The readable decode the client's fast one must equal: per tensor, a zeroed byte array
    with each listed byte set (sparse), or the bytes themselves (raw), read as the spec's dtype
    and batch shape."""
    out = {}
    for t in tensors:
        info = env.observation_infos[t.name]
        if t.encoding == pb.TENSOR_ENCODING_SPARSE_BYTES:
            dense = bytearray(info.size * info.dtype.itemsize)
            offsets = np.frombuffer(t.sparse_offsets, dtype="<u4")
            for offset, value in zip(offsets.tolist(), t.data):
                dense[offset] = value
            data = bytes(dense)
        else:
            assert t.encoding == pb.TENSOR_ENCODING_RAW
            data = t.data
        out[t.name] = np.frombuffer(data, dtype=info.dtype).reshape(info.batch_shape)
    return out


def recording(env):
    """Makes ``env`` keep every response it decodes (in the returned list)."""
    got = []
    decode = env._decode

    def spy(r, out=None):
        got.append(r)
        return decode(r, out)

    env._decode = spy
    return got


def read_only(a):
    a.flags.writeable = False
    return a


def assert_same(a, b, what):
    assert a.dtype == b.dtype and a.shape == b.shape, what
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8), err_msg=what)  # bit for bit


@pytest.mark.parametrize("world,config,sparse", [
    ("energy.room", {**WORLDS["energy.room"], "max_steps": 12}, True),
    ("energy.room", {**WORLDS["energy.room"], "max_steps": 12}, False),
    ("spin.lattice", {**WORLDS["spin.lattice"], "max_steps": 9}, True),  # per-copy float64 and int8 tensors
])
def test_out_decodes_what_the_plain_decode_gives_bit_for_bit(client, world, config, sparse):
    rng = np.random.default_rng(7)
    kwargs = dict(num_copies=3, seed=21, sparse_observations=sparse, autoreset="same_step")
    with client.make_vector_env(world, config, **kwargs) as into, client.make_vector_env(world, config, **kwargs) as plain:
        responses = recording(into)
        out = into.observation_buffers()
        for name, a in out.items():
            a[...] = 1 if a.dtype.kind in "iu" else -3.5  # garbage the decode must overwrite
        obs, _ = into.reset(out=out)
        expected, _ = plain.reset()
        finals = 0
        for step in range(40):
            assert set(obs) == set(expected) == set(out)
            for name in expected:
                assert obs[name] is out[name], f"{name}: the caller's array is returned"
                assert_same(obs[name], expected[name], f"{name} at step {step}")
                assert_same(obs[name], reference_decode(into, responses[-1].observations)[name], f"{name} at step {step}")
            actions = into.sample_actions(rng)
            obs, rewards, terminated, truncated, info = into.step(actions, out=out)
            expected, r2, t2, u2, info2 = plain.step(actions)
            np.testing.assert_array_equal(rewards, r2)
            np.testing.assert_array_equal(terminated | truncated, t2 | u2)
            assert ("final_observations" in info) == ("final_observations" in info2)
            if "final_observations" in info:  # decoded as without out, never into the caller's arrays
                finals += 1
                reference = reference_decode(into, responses[-1].final_observations)
                for name, a in info["final_observations"].items():
                    assert a is not out[name] and not np.shares_memory(a, out[name]), name
                    assert_same(a, info2["final_observations"][name], f"final {name} at step {step}")
                    assert_same(a, reference[name], f"final {name} at step {step}")
        assert finals >= 3, "the episodes ended and autoreset within the run"
        used = {t.encoding for r in responses for t in r.observations}
        assert (pb.TENSOR_ENCODING_SPARSE_BYTES in used) == sparse, used


def test_observations_not_in_out_are_decoded_as_before(client):
    config = WORLDS["energy.room"]
    with client.make_vector_env("energy.room", config, num_copies=2, seed=3) as env:
        grid = np.zeros(env.observation_infos["grid"].batch_shape, np.uint8)
        obs, _ = env.reset(out={"grid": grid})
        assert obs["grid"] is grid
        for name in ("globals", "action_mask"):
            assert not obs[name].flags.writeable and obs[name].base is not None, name
        obs, *_ = env.step(np.zeros(env.action_shape, np.int32), out={"grid": grid})
        assert obs["grid"] is grid and list(obs) == list(env.observation_infos)
        # without out, a sparse tensor is an array of its own, read-only like the raw ones
        obs, *_ = env.step(np.zeros(env.action_shape, np.int32))
        assert obs["grid"] is not grid and not obs["grid"].flags.writeable


def test_bad_out_arrays_are_precise_errors_before_the_step_is_sent(client):
    config = WORLDS["energy.room"]
    with client.make_vector_env("energy.room", config, num_copies=2, seed=3) as env:
        env.reset()
        shape = env.observation_infos["grid"].batch_shape
        actions = np.zeros(env.action_shape, np.int32)
        cases = [
            (ValueError, r"out: 'nope' is not an observation of this session \(it has grid, globals, action_mask\)",
             {"nope": np.zeros(3)}),
            (TypeError, r"out\['grid'\] has dtype float32; the observation is uint8",
             {"grid": np.zeros(shape, np.float32)}),
            (ValueError, r"out\['grid'\] has shape \[2, 3, 17\]; the observation is \[2, 3, 17, 5, 5\]",
             {"grid": np.zeros(shape[:3], np.uint8)}),
            (ValueError, r"out\['grid'\] must be C-contiguous", {"grid": np.zeros(shape[::-1], np.uint8).T}),
            (ValueError, r"out\['grid'\] is read-only", {"grid": read_only(np.zeros(shape, np.uint8))}),
            (TypeError, r"out\['grid'\] must be a numpy array, got list", {"grid": [0] * 4}),
            (TypeError, r"out must be a dict of observation name -> numpy array, got ndarray", np.zeros(shape, np.uint8)),
        ]
        for error, message, out in cases:
            with pytest.raises(error, match=message) as e:
                env.step(actions, out=out)
            assert len(str(e.value)) < 200  # never an array's dump
            with pytest.raises(error, match=message):
                env.reset(out=out)
        assert env.step(actions)[4]["session_step"] == 1, "no failed call reached the server"


def assert_no_observation_sized_allocation(env, below=1 / 4):
    """Traced memory (numpy's arrays and every Python object, in every thread: the responses'
    bytes included) peaks per step of ``env`` below ``below`` of the grid's size with ``out``, and
    above the grid's size without."""
    out = env.observation_buffers()
    size = out["grid"].nbytes
    actions = np.zeros(env.action_shape, np.int32)
    env.reset(out=out)
    for _ in range(3):
        env.step(actions, out=out)

    def peak_per_step(buffers, steps=10):
        peaks = []
        for _ in range(steps):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            obs, *_ = env.step(actions, out=buffers)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            if buffers is not None:
                assert obs["grid"] is buffers["grid"]
            del obs
        return max(peaks)

    tracemalloc.start()
    try:
        with_out, without = peak_per_step(out), peak_per_step(None)
    finally:
        tracemalloc.stop()
    assert without > size, (without, size)  # the measurement sees a fresh grid
    assert with_out < size * below, (with_out, size)


@pytest.mark.parametrize("streaming", [True, False])
def test_no_observation_sized_allocation_per_step(client, streaming):
    """With ``out`` a step allocates far less than the observation's size, without it more."""
    with client.make_vector_env("energy.room", S1_ROOM, num_copies=2, seed=5, observations=["grid"],
                                streaming=streaming) as env:
        assert_no_observation_sized_allocation(env)  # 2 copies x 20 agents x 17 x 11 x 11 = 82,280 bytes


def test_seat_steps_and_reset_into_out(client, server_target):
    match = client.create_match("energy.room", WORLDS["energy.room"], {"a": [0, 2], "b": [1]}, num_copies=2, seed=4)
    with kindred.Client(server_target, timeout=30) as other_client:
        try:
            seat = match.join("a")
            other = other_client.join_seat(match.session_id, "b", match.seats["b"].token)
            out = seat.observation_buffers()
            obs, _ = seat.reset(out=out)
            assert all(obs[n] is out[n] for n in out)
            for name in out:
                assert_same(out[name], seat.join_observation[name], f"join observation {name}")
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(other.step, np.zeros(other.action_shape, np.int32))
                obs, *_ = seat.step(np.zeros(seat.action_shape, np.int32), out=out)
                pending.result()
            assert obs["grid"] is out["grid"] and seat.reset(out=out)[0]["grid"] is out["grid"]
        finally:
            match.close()


def test_observation_buffers_match_the_spec(client):
    with client.make_vector_env("spin.lattice", WORLDS["spin.lattice"], num_copies=3) as env:
        buffers = env.observation_buffers()
        assert list(buffers) == list(env.observation_infos)
        for name, info in env.observation_infos.items():
            a = buffers[name]
            assert a.shape == info.batch_shape and a.dtype == info.dtype and a.flags.writeable and not a.any()
        assert kindred.VectorEnv.observation_buffers.__doc__


@pytest.mark.parametrize("offsets,values,why", [
    ([3, 3], [1, 2], "repeated offset"),
    ([5, 2], [1, 2], "decreasing offsets"),
    ([0, 24], [1, 2], "offset past the end"),
    ([0, 1], [1], "fewer values than offsets"),
])
def test_malformed_sparse_tensors_are_internal_errors(offsets, values, why):
    from kindred._client import _Scratch

    flat = np.zeros(24, np.uint8)
    with pytest.raises(kindred.KindredError, match="observation 'x': malformed sparse encoding") as e:
        _Scratch().scatter("x", np.array(offsets, "<u4").tobytes(), bytes(values), flat)
    assert e.value.code == "INTERNAL", why
    scratch = _Scratch()
    scratch.scatter("x", np.array([2, 23], "<u4").tobytes(), bytes([7, 9]), flat)  # well-formed
    assert flat[2] == 7 and flat[23] == 9 and flat.sum() == 16
