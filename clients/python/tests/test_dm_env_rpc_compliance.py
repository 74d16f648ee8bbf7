"""DeepMind's dm_env_rpc compliance suite against the Kindred server.

Runs the published test mixins of ``dm_env_rpc.v1.compliance`` (CreateDestroyWorld,
JoinLeaveWorld, Reset, ResetWorld, Step) against the real server jar over a TCP port, with
``dm_env_rpc.v1.connection.Connection`` as the client, plus a few checks of Kindred's mapping
(reward/discount, sequence ends, the dm_env adaptor, two clients playing the seats of one world).

Self-contained: a module-scoped fixture starts ``env-server/target/kindred-server.jar``
(or ``$KINDRED_SERVER_JAR``) with ``serve --port 0`` on 127.0.0.1, reads the chosen port from
its log, and stops it at the end. Build the jar first:
``mvn -B -q -pl env-server -am -DskipTests package``.
"""

import concurrent.futures
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import tempfile
import time
import unittest

import grpc
import numpy as np
import pytest

from dm_env_rpc.v1 import compliance
from dm_env_rpc.v1 import connection as dm_env_rpc_connection
from dm_env_rpc.v1 import dm_env_adaptor
from dm_env_rpc.v1 import dm_env_rpc_pb2
from dm_env_rpc.v1 import error
from dm_env_rpc.v1 import tensor_utils

_REPO = pathlib.Path(__file__).resolve().parents[3]
_JAR = pathlib.Path(os.environ.get("KINDRED_SERVER_JAR", _REPO / "env-server" / "target" / "kindred-server.jar"))
_START_TIMEOUT_S = 60
_LISTENING = re.compile(r"listening on [^\s:]+:(\d+)")

# The port of the server the module fixture started (read by the unittest-style classes).
_server = {}


@pytest.fixture(scope="module", autouse=True)
def kindred_server():
    """Starts the Kindred server jar on a free port for this module and stops it afterwards."""
    if not _JAR.is_file():
        pytest.fail(f"server jar not found at {_JAR}; build it with "
                    "'mvn -B -q -pl env-server -am -DskipTests package' or set KINDRED_SERVER_JAR")
    java = shutil.which("java")
    if java is None:
        pytest.fail("no 'java' on PATH: the Kindred server needs Java 17+")
    log = tempfile.NamedTemporaryFile(prefix="kindred-dmenv-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [java, "-jar", str(_JAR), "serve", "--host", "127.0.0.1", "--port", "0", "--max-sessions", "64"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        port = None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while port is None and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            m = _LISTENING.search(pathlib.Path(log.name).read_text(errors="replace"))
            if m:
                port = int(m.group(1))
            else:
                time.sleep(0.1)
        if port is None:
            text = pathlib.Path(log.name).read_text(errors="replace")
            pytest.fail(f"the Kindred server did not start within {_START_TIMEOUT_S} s "
                        f"(exit code {proc.poll()}); its log:\n{text}")
        _server["port"] = port
        yield port
    finally:
        _server.clear()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        os.unlink(log.name)


def _pack(value, dtype=None):
    return tensor_utils.pack_tensor(value, dtype=dtype)


# A 4x4 lattice whose spins 0, 5 and 10 are the connection's agents (one INT32 action
# `spin`, shape [3]); the other spins are driven by the built-in agents.
_LATTICE_SETTINGS = {
    "world": _pack("spin.lattice"),
    "width": _pack(4),
    "height": _pack(4),
    "controlled": _pack(np.array([0, 5, 10], dtype=np.int64)),
    "seed": _pack(7),
}


class _ServerConnection:
    """A fresh dm_env_rpc connection (own channel and stream) per test."""

    def setUp(self):
        super().setUp()
        self._connect()

    def tearDown(self):
        try:
            super().tearDown()
            self._release()
        finally:
            self._disconnect()

    def _release(self):
        """What the test holds on the server, given back before disconnecting."""

    def _connect(self):
        self._channel = grpc.insecure_channel(f"127.0.0.1:{_server['port']}")
        grpc.channel_ready_future(self._channel).result(timeout=30)
        self._connection = dm_env_rpc_connection.Connection(self._channel)

    def _disconnect(self):
        self._connection.close()
        self._channel.close()

    @property
    def connection(self):
        return self._connection

    def _create(self, settings):
        return self._connection.send(dm_env_rpc_pb2.CreateWorldRequest(settings=settings)).world_name

    def _destroy(self, world_name):
        self._connection.send(dm_env_rpc_pb2.DestroyWorldRequest(world_name=world_name))


class _OwnWorld(_ServerConnection):
    """A world created with `_SETTINGS` for each test, left (unless the suite leaves) and destroyed after."""

    _SETTINGS = _LATTICE_SETTINGS
    _LEAVE = True

    def setUp(self):
        super().setUp()
        self._world_name = self._create(self._SETTINGS)

    def _release(self):
        if self._LEAVE:
            self._connection.send(dm_env_rpc_pb2.LeaveWorldRequest())
        self._destroy(self._world_name)


class CreateDestroyWorldTest(_ServerConnection, compliance.CreateDestroyWorld):

    @property
    def required_world_settings(self):
        # `world` is required (the suite's "less than required settings" test leaves it out);
        # seed and the configuration keys take their defaults.
        return {"world": _pack("spin.lattice")}

    @property
    def invalid_world_settings(self):
        return {
            "bogus_setting": _pack(1),                            # unknown key
            "width": _pack(1),                                    # below the schema minimum (2)
            "beta": _pack(-1.0),                                  # below the schema minimum (0)
            "schedule": _pack("sideways"),                        # not one of the choices
            "controlled": _pack(np.zeros((2, 2), dtype=np.int64)),  # a matrix where a list is expected
            "seed": _pack(1.5),                                   # not an integer
            "symmetric": _pack("yes"),                            # a string where a bool is expected
        }

    @property
    def has_multiple_world_support(self):
        return True

    def test_cannot_create_world_of_unknown_type(self):
        with self.assertRaisesRegex(error.DmEnvRpcError, "no.such.world"):
            self.create_world({"world": _pack("no.such.world")})

    def test_world_setting_is_required(self):
        # No default world: without `world` CreateWorld is refused, naming the worlds.
        with self.assertRaisesRegex(error.DmEnvRpcError, "settings.world: required") as refused:
            self.create_world({"seed": _pack(1)})
        for world in ("spin.lattice", "spin.sk", "energy.room"):
            self.assertIn(world, str(refused.exception))


class JoinLeaveWorldTest(_OwnWorld, compliance.JoinLeaveWorld):

    _LEAVE = False  # the suite's own tearDown leaves the world

    @property
    def world_name(self):
        return self._world_name

    @property
    def invalid_join_settings(self):
        return {"agent_name": _pack("alice")}  # JoinWorld takes no settings


class ResetTest(_OwnWorld, compliance.Reset):

    def join_world(self):
        return self._connection.send(dm_env_rpc_pb2.JoinWorldRequest(world_name=self._world_name)).specs


class ResetWorldTest(_OwnWorld, compliance.ResetWorld):

    @property
    def world_name(self):
        return self._world_name

    @property
    def required_reset_world_settings(self):
        return {"seed": _pack(11)}


class _StepBase(_OwnWorld):
    """Step compliance on a joined world created with `_SETTINGS`."""

    def setUp(self):
        super().setUp()
        self._specs = self._connection.send(
            dm_env_rpc_pb2.JoinWorldRequest(world_name=self._world_name)).specs

    @property
    def specs(self):
        return self._specs

    @property
    def required_actions(self):
        # Every action is required in a running sequence (one value per controlled agent).
        return {uid: _pack(np.zeros(spec.shape, dtype=np.int32)) for uid, spec in self._specs.actions.items()}


class StepLatticeTest(_StepBase, compliance.Step):
    _SETTINGS = _LATTICE_SETTINGS

    def test_specs_name_actions_and_observations(self):
        actions = {spec.name: spec for spec in self.specs.actions.values()}
        self.assertEqual(["spin"], list(actions))
        self.assertEqual([3], list(actions["spin"].shape))
        self.assertEqual(dm_env_rpc_pb2.DataType.INT32, actions["spin"].dtype)
        names = {spec.name for spec in self.specs.observations.values()}
        self.assertTrue({"spins", "magnetisation", "own_spin", "reward", "discount"} <= names, names)

    def test_reward_and_discount_are_observations(self):
        uids = {spec.name: uid for uid, spec in self.specs.observations.items()}
        first = self.step(requested_observations=[uids["reward"], uids["discount"], uids["own_spin"]])
        self.assertEqual(dm_env_rpc_pb2.EnvironmentStateType.RUNNING, first.state)
        np.testing.assert_array_equal(np.zeros(3, np.float32),
                                      tensor_utils.unpack_tensor(first.observations[uids["reward"]]))
        self.assertEqual(1.0, tensor_utils.unpack_tensor(first.observations[uids["discount"]]))
        # Setting every controlled spin up (action 1) shows in own_spin (+1).
        response = self.step(actions={1: _pack(np.ones(3, np.int32))},
                             requested_observations=[uids["own_spin"], uids["reward"]])
        np.testing.assert_array_equal(np.ones(3, np.int8),
                                      tensor_utils.unpack_tensor(response.observations[uids["own_spin"]]))
        self.assertTrue(np.all(tensor_utils.unpack_tensor(response.observations[uids["reward"]]) <= 0))

    def test_error_keeps_the_stream_open(self):
        self.step()
        with self.assertRaisesRegex(error.DmEnvRpcError, "expected 0 <= value <= 1"):
            self.step(actions={1: _pack(np.array([0, 2, 0], np.int32))})
        self.assertEqual(dm_env_rpc_pb2.EnvironmentStateType.RUNNING, self.step().state)


class StepWithoutAgentsTest(_StepBase, compliance.Step):
    # A Sherrington-Kirkpatrick world in which the built-in agents drive every spin: no actions.
    _SETTINGS = {"world": _pack("spin.sk"), "n": _pack(16), "seed": _pack(3)}


class SequenceTest(_ServerConnection, unittest.TestCase):
    """Kindred-specific: truncation is INTERRUPTED, seeds replay, the dm_env adaptor works."""

    def _run(self, seed, steps):
        settings = dict(_LATTICE_SETTINGS, seed=_pack(seed), max_steps=_pack(3))
        world = self._create(settings)
        specs = self._connection.send(dm_env_rpc_pb2.JoinWorldRequest(world_name=world)).specs
        uid = {spec.name: u for u, spec in specs.observations.items()}["spins"]
        states, spins = [], []
        for _ in range(steps):
            r = self._connection.send(dm_env_rpc_pb2.StepRequest(
                actions={1: _pack(np.ones(3, np.int32))}, requested_observations=[uid]))
            states.append(dm_env_rpc_pb2.EnvironmentStateType.Name(r.state))
            spins.append(tensor_utils.unpack_tensor(r.observations[uid]).tolist())
        self._connection.send(dm_env_rpc_pb2.LeaveWorldRequest())
        self._destroy(world)
        return states, spins

    def test_truncation_is_interrupted_and_next_step_starts_a_sequence(self):
        states, _ = self._run(seed=5, steps=9)
        self.assertEqual(["RUNNING", "RUNNING", "RUNNING", "INTERRUPTED"] * 2 + ["RUNNING"], states)

    def test_same_seed_same_trajectory(self):
        self.assertEqual(self._run(seed=5, steps=9), self._run(seed=5, steps=9))
        self.assertNotEqual(self._run(seed=5, steps=9)[1], self._run(seed=6, steps=9)[1])

    def test_dm_env_adaptor(self):
        env, world = dm_env_adaptor.create_and_join_world(
            self._connection, create_world_settings={"world": "spin.lattice", "width": 4, "height": 4,
                                                     "controlled": np.array([1, 2]), "max_steps": 5},
            join_world_settings={})
        try:
            self.assertEqual((2,), env.action_spec()["spin"].shape)
            self.assertEqual((2,), env.reward_spec().shape)
            ts = env.reset()
            self.assertTrue(ts.first())
            for _ in range(5):
                ts = env.step({"spin": np.array([0, 1], np.int32)})
            self.assertTrue(ts.last())
            self.assertEqual(1.0, ts.discount)  # truncated, not terminated
            self.assertEqual((2,), ts.reward.shape)
            self.assertIn("magnetisation", ts.observation)
        finally:
            env.close()  # leaves the world
            self._destroy(world)


class SeatedWorldTest(unittest.TestCase):
    """Kindred-specific: two dm_env_rpc clients (DeepMind's own, unchanged) play the seats of one world.

    The creator chooses the seats and their tokens (CreateWorld settings ``seat.<name>`` and
    ``seat_token.<name>``; dm_env_rpc's helpers flatten nested dicts with '.'); whoever holds a
    seat's token joins it with the JoinWorld settings ``seat`` and ``seat_token``. A seat's Step is
    answered once the world has taken the step, that is once every seat has sent its actions.
    """

    def setUp(self):
        self._channels = []

    def tearDown(self):
        for channel in self._channels:
            channel.close()

    def _connection(self):
        channel = grpc.insecure_channel(f"127.0.0.1:{_server['port']}")
        grpc.channel_ready_future(channel).result(timeout=30)
        self._channels.append(channel)
        return dm_env_rpc_connection.Connection(channel)

    @staticmethod
    def _join(connection, world, seat, token):
        return connection.send(dm_env_rpc_pb2.JoinWorldRequest(
            world_name=world, settings={"seat": _pack(seat), "seat_token": _pack(token)}))

    def test_two_clients_play_the_seats_of_one_world(self):
        tokens = {"red": secrets.token_hex(16), "blue": secrets.token_hex(16)}
        creator = self._connection()
        world = dm_env_adaptor.create_world(creator, {
            "world": "spin.lattice", "width": 4, "height": 4, "controlled": np.array([0, 5, 10, 15]),
            "seed": 7, "max_steps": 3,
            "seat": {"red": np.array([0, 1]), "blue": np.array([2, 3])},
            "seat_token": tokens,
        })
        # Red plays through DeepMind's dm_env adaptor, blue through the bare connection.
        red = dm_env_adaptor.join_world(self._connection(), world, {"seat": "red", "seat_token": tokens["red"]})
        blue = self._connection()
        blue_specs = self._join(blue, world, "blue", tokens["blue"]).specs
        try:
            self.assertEqual((2,), red.action_spec()["spin"].shape)
            self.assertEqual((2,), red.observation_spec()["own_spin"].shape)
            self.assertEqual([2], list(blue_specs.actions[1].shape))
            own = {spec.name: uid for uid, spec in blue_specs.observations.items()}["own_spin"]

            def blue_step(value):
                return blue.send(dm_env_rpc_pb2.StepRequest(
                    actions={1: _pack(np.full(2, value, np.int32))}, requested_observations=[own]))

            # A sequence starts at once, from the seat's current observations.
            self.assertTrue(red.reset().first())
            self.assertEqual(dm_env_rpc_pb2.EnvironmentStateType.RUNNING, blue_step(0).state)
            kinds, states = [], []
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                # Red sets its spins up, blue its spins down; max_steps 3 ends the episode, then
                # both start the next one together.
                for t in range(4):
                    pending = pool.submit(red.step, {"spin": np.ones(2, np.int32)})
                    b = blue_step(0)
                    ts = pending.result(timeout=30)
                    kinds.append(ts.step_type.name)
                    states.append(dm_env_rpc_pb2.EnvironmentStateType.Name(b.state))
                    if t < 3:
                        np.testing.assert_array_equal(np.ones(2, np.int8), ts.observation["own_spin"])
                        np.testing.assert_array_equal(-np.ones(2, np.int8),
                                                      tensor_utils.unpack_tensor(b.observations[own]))
                        self.assertEqual((2,), ts.reward.shape)
            self.assertEqual(["MID", "MID", "LAST", "FIRST"], kinds)
            self.assertEqual(["RUNNING", "RUNNING", "INTERRUPTED", "RUNNING"], states)

            # A wrong token is refused without being echoed; a held seat cannot be taken.
            other = self._connection()
            with self.assertRaises(error.DmEnvRpcError) as wrong:
                self._join(other, world, "red", tokens["blue"])
            self.assertEqual(7, wrong.exception.code)  # PERMISSION_DENIED
            self.assertNotIn(tokens["blue"], wrong.exception.message)
            with self.assertRaises(error.DmEnvRpcError) as held:
                self._join(other, world, "red", tokens["red"])
            self.assertEqual(6, held.exception.code)  # ALREADY_EXISTS
            self.assertIn("seat 'red'", held.exception.message)
        finally:
            red.close()  # leaves the seat
            blue.send(dm_env_rpc_pb2.LeaveWorldRequest())
            creator.send(dm_env_rpc_pb2.DestroyWorldRequest(world_name=world))
