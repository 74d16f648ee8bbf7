"""Kindred on Ray: one Kindred server per Ray node, owned by a Ray actor, and RLlib environments
sharded over those servers (needs ``ray``; ``ray[rllib]`` for :func:`rllib_env_config`).

    import ray, kindred.ray
    ray.init()
    with kindred.ray.start_servers() as servers:          # one server actor per alive node
        config = PPOConfig().environment(kindred.ray.register_env(), env_config=kindred.ray.rllib_env_config(
            servers.addresses, "spin.lattice", {...}, num_copies=16))

Each :class:`KindredServer` actor starts ``java -jar kindred-server.jar serve`` as a child process
in a new process group, on the node's IP address and a free port (``--port 0``; the port is read
from the server's ``listening on`` line), checks it answers the gRPC health service, and stops it
(SIGTERM to the group, SIGKILL after a grace period) when the actor is stopped, killed
(``ray.kill``) or its worker dies (Ray shutting down): the server is started with Linux's
parent-death signal, so even a SIGKILLed actor leaves no server behind.

The jar must be at the same path on every node (``jar=``, else ``$KINDRED_SERVER_JAR`` in the
actor's environment, else ``env-server/target/kindred-server.jar`` of the repository the
``kindred`` package lives in), with Java 17 on the ``PATH`` (or ``java=``).
"""
from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from typing import Any, Dict, List, Mapping, Optional, Sequence

_LISTENING = re.compile(r"listening on \S*?:(\d+)")
_INSTALL = "kindred.ray needs Ray: pip install 'ray[rllib]' (or 'ray[default]' for the server actors only)"


def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"{_INSTALL} ({e})") from None
    return ray


def _parent_death_signal():
    """A ``preexec_fn`` that, in the child before exec, asks Linux for SIGTERM when the thread
    that started it dies (``prctl(PR_SET_PDEATHSIG)``); None where there is no such call. libc is
    loaded here, in the parent: the child of a threaded process should only call, not load."""
    try:
        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: stop() and the actor's exit still stop the server
    return lambda: prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


class KindredServer:
    """A Kindred server process owned by this object (made a Ray actor by :func:`server_actor`).

    Args:
        jar: the server jar (see the module's notes for where it is looked up otherwise).
        host: the address to listen on; by default this node's IP address as Ray knows it
            (``ray.util.get_node_ip_address()``), else ``127.0.0.1``.
        args: more ``serve`` options (e.g. ``["--max-sessions", "64"]``).
        java, java_opts: the ``java`` executable and its options (e.g. ``["-Xmx2g"]``).
        startup_timeout: seconds to wait for the server to listen and answer its health check.
    """

    def __init__(self, jar: Optional[str] = None, host: Optional[str] = None, args: Sequence[str] = (),
                 java: Optional[str] = None, java_opts: Sequence[str] = (), startup_timeout: float = 120.0):
        from .testing import find_server_jar

        self.jar = str(jar or find_server_jar())
        if not os.path.isfile(self.jar):
            raise FileNotFoundError(f"kindred server jar {self.jar[:200]} not found on node {socket.gethostname()}")
        if host is None:
            try:
                host = _ray().util.get_node_ip_address()
            except Exception:  # no Ray here (plain use, tests)
                host = "127.0.0.1"
        self.host = host
        self.port: Optional[int] = None
        self.log: deque = deque(maxlen=200)
        self.proc: Optional[subprocess.Popen] = None
        java = java or shutil.which("java") or "java"
        cmd = [java, *java_opts, "-jar", self.jar, "serve", "--port", "0", "--host", host, *args]
        started, listening = threading.Event(), threading.Event()
        preexec = _parent_death_signal()
        failure: List[BaseException] = []

        def own():
            # This thread starts the server and lives as long as it does: the parent-death signal
            # fires when the starting thread ends, so it must not be a short-lived one.
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.STDOUT, text=True, errors="replace",
                                             start_new_session=True, preexec_fn=preexec)
            except BaseException as e:  # java missing, ...
                failure.append(e)
                started.set()
                listening.set()
                return
            started.set()
            for line in self.proc.stdout:
                self.log.append(line.rstrip("\n"))
                if self.port is None:
                    m = _LISTENING.search(line)
                    if m:
                        self.port = int(m.group(1))
                        listening.set()
            listening.set()
            self.proc.wait()

        self._owner = threading.Thread(target=own, name="kindred-server", daemon=True)
        self._owner.start()
        started.wait()
        if failure:
            raise RuntimeError(f"could not start the Kindred server ({' '.join(cmd[:3])} ...): {failure[0]}")
        deadline = time.monotonic() + startup_timeout
        if not listening.wait(startup_timeout) or self.port is None:
            self.stop()
            raise RuntimeError(f"the Kindred server on {host} did not listen within {startup_timeout:.0f} s "
                               f"(exit code {self.proc.poll()}):\n{self.tail()}")
        self._wait_healthy(deadline)

    def _wait_healthy(self, deadline: float) -> None:
        """Waits for the standard gRPC health service to answer SERVING (the probe Kubernetes uses)."""
        import grpc

        last = None
        with grpc.insecure_channel(self.address) as channel:
            # grpc.health.v1.Health/Check, raw: an empty request (service ""), SERVING = b"\x08\x01"
            check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=None,
                                        response_deserializer=None)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    answer = check(b"", timeout=5)
                    if answer == b"\x08\x01":
                        return
                    last = f"status bytes {answer[:8]!r}"
                except grpc.RpcError as e:
                    last = e.code().name
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the Kindred server at {self.address} is not healthy (last answer {last}, exit code "
                           f"{self.proc.poll()}):\n{self.tail()}")

    @property
    def address(self) -> str:
        """``host:port`` of the server."""
        return f"{self.host}:{self.port}"

    def info(self) -> Dict[str, Any]:
        """Where the server runs: address, node, process id, and whether it is still running."""
        return {"address": self.address, "node": socket.gethostname(), "pid": self.proc.pid if self.proc else None,
                "running": self.proc is not None and self.proc.poll() is None}

    def tail(self, n: int = 40) -> str:
        """The server's last ``n`` log lines."""
        return "\n".join(list(self.log)[-n:])

    def stop(self, grace: float = 10.0) -> Optional[int]:
        """Stops the server's process group (SIGTERM: the server drains; SIGKILL after ``grace``
        seconds); returns its exit code. Idempotent."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        return proc.returncode

    def __del__(self):  # the actor's exit (ray.actor.exit_actor, end of the driver)
        try:
            self.stop(grace=5.0)
        except Exception:
            pass


def server_actor(num_cpus: float = 0, **options):
    """:class:`KindredServer` as a Ray actor class (``.options(...)`` as usual). ``num_cpus=0`` by
    default: the server's threads are not counted against the node's CPUs (give it some to keep
    env runners off them)."""
    return _ray().remote(num_cpus=num_cpus, max_restarts=0, **options)(KindredServer)


class RayServers:
    """The server actors :func:`start_servers` placed: ``addresses`` (``host:port`` in node
    order), ``actors`` (their handles) and ``nodes`` (the Ray node id of each). ``stop()`` (or
    leaving the ``with`` block) stops the servers and kills the actors."""

    def __init__(self, actors: list, addresses: List[str], nodes: List[str]):
        self.actors, self.addresses, self.nodes = actors, addresses, nodes

    def stop(self, timeout: float = 30.0) -> None:
        ray = _ray()
        if not self.actors or not ray.is_initialized():
            self.actors = []
            return
        refs = [a.stop.remote() for a in self.actors]
        try:
            ray.get(refs, timeout=timeout)
        except Exception:
            pass  # an actor already dead took its server with it
        for a in self.actors:
            ray.kill(a)
        self.actors = []

    def __enter__(self) -> "RayServers":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RayServers({self.addresses})"


def start_servers(per_node: int = 1, nodes: Optional[Sequence[str]] = None, jar: Optional[str] = None,
                  args: Sequence[str] = (), java_opts: Sequence[str] = (), num_cpus: float = 0,
                  startup_timeout: float = 120.0) -> RayServers:
    """Starts ``per_node`` Kindred server actors on every alive Ray node (or on the node ids in
    ``nodes``), each pinned to its node (``NodeAffinitySchedulingStrategy``, not soft), and waits
    until all answer their health check. Several per node spread the copies of a sharded session
    over several server processes (mostly for tests: one server already uses every core)."""
    ray = _ray()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if per_node < 1:
        raise ValueError(f"per_node must be at least 1, got {per_node}")
    if not ray.is_initialized():
        raise RuntimeError("start Ray first (ray.init(...), or ray.init(address='auto') on a cluster)")
    alive = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
    if nodes is not None:
        unknown = [n for n in nodes if n not in alive]
        if unknown:
            raise ValueError(f"nodes {unknown[:3]} are not alive Ray nodes (alive: {alive[:5]})")
        alive = list(nodes)
    cls = server_actor(num_cpus=num_cpus)
    actors, placed = [], []
    for node in alive:
        for i in range(per_node):
            actors.append(cls.options(name=None, scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
                          .remote(jar=jar, args=list(args), java_opts=list(java_opts),
                                  startup_timeout=startup_timeout))
            placed.append(node)
    servers = RayServers(actors, [], placed)
    try:
        servers.addresses = ray.get([a.info.remote() for a in actors], timeout=startup_timeout + 30)
        servers.addresses = [i["address"] for i in servers.addresses]
    except BaseException:
        for a in actors:
            ray.kill(a)
        raise
    return servers


def rllib_env_config(addresses: Sequence[str], world: str, world_config: Optional[Mapping[str, Any]] = None,
                     num_copies: int = 1, seed: int = 0, **more) -> Dict[str, Any]:
    """The ``env_config`` of :class:`kindred.RLlibMultiAgentEnv` over ``addresses``: every env
    runner's environment is one sharded session whose ``num_copies`` copies are spread over the
    servers (``more``: ``observations``, ``include_copy_observations``, ``client_kwargs``).
    Register :func:`env_creator` (:func:`register_env`) to give each env runner its own seed."""
    if not addresses:
        raise ValueError("addresses: none given (start_servers(...).addresses)")
    return {"address": list(addresses), "world": world, "world_config": world_config, "num_copies": num_copies,
            "seed": seed, **more}


ENV_NAME = "kindred-sharded"


def register_env(name: str = ENV_NAME) -> str:
    """Registers :func:`env_creator` with Ray Tune's registry under ``name`` and returns the name,
    for ``config.environment(kindred.ray.register_env(), env_config=rllib_env_config(...))``."""
    _ray()
    from ray.tune.registry import register_env as register

    register(name, env_creator)
    return name


def env_creator(env_config) -> Any:
    """An RLlib env creator (see :func:`register_env`): :class:`kindred.RLlibMultiAgentEnv` over
    ``env_config``, its seed offset by the env runner's index (RLlib's ``EnvContext.worker_index``,
    times 1,000,003) so that env runners play different episodes while each one's stay
    reproducible."""
    from .rllib_env import RLlibMultiAgentEnv

    settings = dict(env_config)
    worker = int(getattr(env_config, "worker_index", 0) or 0)
    settings["seed"] = int(settings.get("seed", 0)) + 1_000_003 * worker
    return RLlibMultiAgentEnv(settings)
