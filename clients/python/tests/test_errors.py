"""Bad input and bad conditions: every failure is a prompt exception with the server's message."""
from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

import kindred
from kindred.testing import LocalServer
from kindred.v1 import env_service_pb2 as pb
from conftest import WORLDS

LATTICE = WORLDS["spin.lattice"]


@pytest.fixture(params=[True, False], ids=["stream", "unary"])
def streaming(request):
    return request.param


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word (a hung server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    conns = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(sock.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    t.join()
    for c in conns:
        c.close()
    sock.close()


def test_server_down_fails_fast_on_connect():
    target = f"127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(kindred.KindredError) as e:
        kindred.Client(target, connect_timeout=1.0)
    assert e.value.code == "UNAVAILABLE"
    assert target in str(e.value) and "no Kindred server answers" in str(e.value)
    assert time.monotonic() - t0 < 5


def test_server_down_fails_fast_on_call_without_connect_check():
    client = kindred.Client(f"127.0.0.1:{free_port()}", connect_timeout=None, verify=False, timeout=30)
    t0 = time.monotonic()
    with pytest.raises(kindred.KindredError) as e:
        client.list_worlds()
    assert e.value.code == "UNAVAILABLE" and e.value.method == "ListWorlds"
    assert time.monotonic() - t0 < 10  # not the 30 s deadline
    client.close()


def test_hung_server_hits_the_configured_timeouts(silent_server):
    t0 = time.monotonic()
    with pytest.raises(kindred.KindredError) as e:
        kindred.Client(silent_server, connect_timeout=0.5)
    assert e.value.code == "UNAVAILABLE"
    assert time.monotonic() - t0 < 4
    client = kindred.Client(silent_server, connect_timeout=None, verify=False, timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(kindred.KindredError) as e:
        client.server_info()
    assert e.value.code == "DEADLINE_EXCEEDED" and "0.5 s" in e.value.message
    assert time.monotonic() - t0 < 4
    # a step stream to a hung server: the watchdog turns it into DEADLINE_EXCEEDED
    from kindred.v1 import spec_pb2

    spec = spec_pb2.EnvSpec(world_id="w", num_copies=1, num_agents=1)
    spec.actions.dimensions.add(name="a", num_values=2)
    for streaming in (True, False):
        env = kindred.VectorEnv(client, "no-session", spec, streaming=streaming)
        t0 = time.monotonic()
        with pytest.raises(kindred.KindredError) as e:
            env.step(np.zeros((1, 1, 1), np.int32))
        assert e.value.code == "DEADLINE_EXCEEDED"
        assert time.monotonic() - t0 < 4
    client.close()


def test_server_dies_mid_session(streaming):
    with LocalServer() as server:
        client = kindred.Client(server.target, timeout=20)
        env = client.make_vector_env("spin.lattice", LATTICE, num_copies=2, streaming=streaming)
        env.reset()
        env.step(np.zeros(env.action_shape, np.int32))
        server.proc.kill()  # a crash, not a graceful shutdown
        server.proc.wait()
    t0 = time.monotonic()
    with pytest.raises(kindred.KindredError) as e:
        env.step(np.zeros(env.action_shape, np.int32))
    assert e.value.code == "UNAVAILABLE"
    assert time.monotonic() - t0 < 10
    env.close()  # quietly: there is no server to tell
    client.close()


def test_session_closed_by_this_client(client, streaming):
    env = client.make_vector_env("spin.lattice", LATTICE, streaming=streaming)
    env.reset()
    env.close()
    assert env.close_response is not None
    with pytest.raises(kindred.KindredError) as e:
        env.step(np.zeros(env.action_shape, np.int32))
    assert e.value.code == "NOT_FOUND"
    env.close()  # idempotent


def test_session_unknown_to_the_server(client, streaming):
    env = client.make_vector_env("spin.lattice", LATTICE, streaming=streaming)
    env.reset()
    client._stub.CloseSession(pb.CloseSessionRequest(session_id=env.session_id))  # someone else closes it
    with pytest.raises(kindred.KindredError) as e:
        env.step(np.zeros(env.action_shape, np.int32))
    assert e.value.code == "NOT_FOUND"
    assert env.session_id in e.value.message  # the server's message names the session
    env.close()


def test_expired_session(streaming):
    with LocalServer(args=["--idle-timeout-s", "1"]) as server:
        with kindred.Client(server.target) as client:
            env = client.make_vector_env("spin.lattice", LATTICE, streaming=streaming)
            env.reset()
            time.sleep(2.0)
            with pytest.raises(kindred.KindredError) as e:
                env.step(np.zeros(env.action_shape, np.int32))
            assert e.value.code == "NOT_FOUND"
            assert "idle" in e.value.message or "expire" in e.value.message
            env.close()


def test_wrong_action_shape_and_dtype(client):
    with client.make_vector_env("spin.lattice", LATTICE, num_copies=3) as env:
        env.reset()
        with pytest.raises(ValueError, match=r"shape \[3, 2, 1\].*got \[3, 1, 1\]"):
            env.step(np.zeros((3, 1, 1), np.int32))
        with pytest.raises(ValueError, match=r"shape \[3, 2, 1\].*got \[6\]"):
            env.step(np.zeros(6, np.int32))
        with pytest.raises(ValueError, match="must be integers.*float64"):
            env.step(np.zeros((3, 2, 1)))
        with pytest.raises(ValueError, match="int32"):
            env.step(np.full((3, 2, 1), 2**40))
        env.step(np.zeros((3, 2), np.uint8))  # [copies, agents] with one action dimension
        env.step([[[0], [1]]] * 3)  # nested lists


def test_action_out_of_range_is_the_servers_invalid_argument(client, streaming):
    with client.make_vector_env("spin.lattice", LATTICE, num_copies=2, streaming=streaming) as env:
        env.reset()
        bad = np.zeros(env.action_shape, np.int32)
        bad[1, 0, 0] = 2
        with pytest.raises(kindred.KindredError) as e:
            env.step(bad)
        assert e.value.code == "INVALID_ARGUMENT" and e.value.method in ("Step", "StepStream")
        assert "2" in e.value.message
        env.step(np.zeros(env.action_shape, np.int32))  # the session is intact


def test_step_before_reset(client, streaming):
    with client.make_vector_env("spin.lattice", LATTICE, streaming=streaming) as env:
        with pytest.raises(kindred.KindredError) as e:
            env.step(np.zeros(env.action_shape, np.int32))
        assert e.value.code == "FAILED_PRECONDITION"


def test_bad_session_requests(client):
    with pytest.raises(kindred.KindredError) as e:
        client.make_vector_env("no.such.world")
    assert e.value.code == "NOT_FOUND" and "no.such.world" in e.value.message
    with pytest.raises(kindred.KindredError) as e:
        client.make_vector_env("spin.lattice", {"widht": 4})
    assert e.value.code == "INVALID_ARGUMENT" and "widht" in e.value.message
    with pytest.raises(kindred.KindredError) as e:
        client.make_vector_env("spin.lattice", {"width": -3})
    assert e.value.code == "INVALID_ARGUMENT" and "width" in e.value.message
    with pytest.raises(ValueError, match="seed"):
        client.make_vector_env("spin.lattice", seed=-1)
    with pytest.raises(ValueError, match="autoreset"):
        client.make_vector_env("spin.lattice", autoreset="sometimes")


def test_closed_client(server_target):
    client = kindred.Client(server_target)
    client.make_vector_env("spin.lattice", LATTICE)
    client.close()
    with pytest.raises(kindred.KindredError, match="closed"):
        client.list_worlds()
