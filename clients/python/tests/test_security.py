"""TLS, tokens, owned sessions and session cleanup, against a real server.

The server is the jar's test-only ``dev.kindred.crosslang.SecureTestServer`` (the settings
``kindred serve`` takes as flags), started with throw-away certificates it makes itself
(``--self-signed DIR``), a token file written here, and a short disconnect grace.
"""
from __future__ import annotations

import gc
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import grpc
import pytest

import kindred
from kindred.testing import LocalServer

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-00112233445566778899"
CONFIG = {"width": 4, "height": 4, "controlled": [0, 5]}


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    """(server, certificate directory) of a TLS + token server."""
    tmp = tmp_path_factory.mktemp("secure")
    tokens = tmp / "tokens.txt"
    tokens.write_text(f"{ALICE} alice\n{BOB} bob\n")
    tokens.chmod(0o600)
    server = LocalServer(main_class="dev.kindred.crosslang.SecureTestServer",
                         args=["--self-signed", str(tmp / "tls"), "--token-file", str(tokens),
                               "--disconnect-grace-ms", "500"])
    server.start()
    try:
        yield server, tmp / "tls"
    finally:
        server.stop()


def _wait_for_log(server: LocalServer, pattern: str, timeout: float = 15.0) -> str:
    """The first server log line matching ``pattern`` (waiting up to ``timeout``)."""
    regex = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(server.log):
            if regex.search(line):
                return line
        time.sleep(0.05)
    raise AssertionError(f"no server log line matches {pattern!r}; the log ends:\n{server.tail()}")


def test_tls_and_token(secure):
    server, tls = secure
    with kindred.Client(server.target, timeout=30, tls_root_cert=tls / "server.pem", token=ALICE) as client:
        env = client.make_vector_env("spin.lattice", CONFIG, num_copies=2, seed=3)
        env.reset()
        _, rewards, _, _, info = env.step(env.sample_actions())
        assert rewards.shape == (2, 2) and info["session_step"] == 1
        # The root certificate may also be given as PEM bytes.
        with kindred.Client(server.target, timeout=30, tls_root_cert=(tls / "server.pem").read_bytes(),
                            token=ALICE) as again:
            assert "spin.lattice" in again.world_ids()


def test_refusals(secure):
    server, tls = secure
    with pytest.raises(kindred.KindredError) as e:
        kindred.Client(server.target, timeout=10, tls_root_cert=tls / "server.pem")
    assert e.value.code == "UNAUTHENTICATED" and "requires a token" in e.value.message
    wrong = "not-a-token-of-this-server-42"
    with pytest.raises(kindred.KindredError) as e:
        kindred.Client(server.target, timeout=10, tls_root_cert=tls / "server.pem", token=wrong)
    assert e.value.code == "UNAUTHENTICATED" and wrong not in str(e.value)
    with pytest.raises(kindred.KindredError) as e:  # plaintext to a TLS port
        kindred.Client(server.target, timeout=10, connect_timeout=5, token=ALICE)
    assert e.value.code == "UNAVAILABLE"
    with pytest.raises(ValueError, match="tls_root_cert"):
        kindred.Client(server.target, tls_root_cert=tls / "missing.pem", token=ALICE)
    with pytest.raises(ValueError) as bad:
        kindred.Client(server.target, tls_root_cert=tls / "server.pem", token="has a space")
    assert "has a space" not in str(bad.value)


def test_sessions_belong_to_their_principal(secure):
    server, tls = secure
    root = tls / "server.pem"
    with kindred.Client(server.target, timeout=30, tls_root_cert=root, token=ALICE) as alice, \
            kindred.Client(server.target, timeout=30, tls_root_cert=root, token=BOB) as bob:
        env = alice.make_vector_env("spin.lattice", CONFIG, num_copies=1, seed=1)
        theirs = kindred.VectorEnv(bob, env.session_id, env.spec)  # Bob learned Alice's session id
        with pytest.raises(kindred.KindredError) as e:
            theirs.reset()
        assert e.value.code == "NOT_FOUND"
        env.reset()  # Alice's session is untouched


def test_dm_env_rpc_with_tls_and_token(secure):
    from dm_env_rpc.v1 import connection as dm_connection
    from dm_env_rpc.v1 import dm_env_rpc_pb2, tensor_utils

    server, tls = secure
    channel = kindred.open_channel(server.target, tls_root_cert=tls / "server.pem", token=ALICE)
    try:
        grpc.channel_ready_future(channel).result(timeout=30)
        with dm_connection.Connection(channel) as conn:
            name = conn.send(dm_env_rpc_pb2.CreateWorldRequest(
                settings={"world": tensor_utils.pack_tensor("spin.lattice")})).world_name
            assert name.startswith("spin.lattice-")
            conn.send(dm_env_rpc_pb2.DestroyWorldRequest(world_name=name))
    finally:
        channel.close()


def test_a_collected_environment_closes_its_session(secure):
    server, tls = secure
    with kindred.Client(server.target, timeout=30, tls_root_cert=tls / "server.pem", token=ALICE) as client:
        env = client.make_vector_env("spin.lattice", CONFIG, num_copies=1, seed=1)
        env.reset()
        env.step(env.sample_actions())  # over a stream
        session = env.session_id
        assert client.open_sessions == 1
        del env
        gc.collect()
        _wait_for_log(server, rf'session closed .*session="{session}"')
        assert client.open_sessions == 0


def _run(script: str, server: LocalServer, tls: Path) -> str:
    """Runs ``script`` in a fresh interpreter (with TARGET, ROOT, TOKEN defined); its stdout."""
    prelude = f"TARGET, ROOT, TOKEN = {server.target!r}, {str(tls / 'server.pem')!r}, {ALICE!r}\n"
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_sessions_close_at_interpreter_exit(secure):
    server, tls = secure
    session = _run("""
        import kindred
        client = kindred.Client(TARGET, timeout=30, tls_root_cert=ROOT, token=TOKEN)
        env = client.make_vector_env("spin.lattice", {"width": 4, "height": 4}, num_copies=1, seed=1)
        print(env.session_id)  # and exit without closing anything
    """, server, tls)
    # Closed by the client at exit (CloseSession: "session closed"), not by the server's
    # disconnect cleanup ("session abandoned").
    line = _wait_for_log(server, rf'session (closed|abandoned) .*session="{session}"')
    assert "session closed" in line, line


def test_a_killed_clients_sessions_are_closed_by_the_server(secure):
    server, tls = secure
    session = _run("""
        import os, signal, sys
        import kindred
        client = kindred.Client(TARGET, timeout=30, tls_root_cert=ROOT, token=TOKEN)
        env = client.make_vector_env("spin.lattice", {"width": 4, "height": 4}, num_copies=1, seed=1)
        print(env.session_id, flush=True)
        os._exit(0)  # no atexit, no close: as if killed
    """, server, tls)
    line = _wait_for_log(server, rf'session (closed|abandoned) .*session="{session}"')
    assert "session abandoned" in line, line
