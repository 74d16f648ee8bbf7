"""Kindred: Python client of the Kindred environment server (kindred.v1 over gRPC).

    import kindred
    with kindred.Client("localhost:50051") as client:
        env = client.make_vector_env("spin.lattice", {"controlled": [0, 9]}, num_copies=8, seed=1)
        obs, info = env.reset()
        obs, rewards, terminated, truncated, info = env.step(env.sample_actions())

``kindred.ParallelEnv`` (PettingZoo) and ``kindred.GymEnv`` (Gymnasium) wrap one copy. A match
(``client.create_match``) lets several controllers drive one world, each through a seat
(``client.join_seat``: a ``kindred.SeatEnv``; ``kindred.SeatParallelEnv`` for PettingZoo).
"""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

from ._channel import open_channel
from ._client import PROTOCOL, BaseClient, VectorEnv, __version__
from ._errors import KindredError
from ._match import Match, MatchOptions, SeatEnv, SeatGrant, create_match, join_seat
from ._sharded import Shard, ShardedVectorEnv, resolve_all
from ._spec import ActionInfo, TensorInfo
from .registration import register_worlds

# gym.make("kindred/<world>-v0", address=...) and gym.make_vec(...): static ids, no server contacted.
register_worlds()

__all__ = ["Client", "VectorEnv", "ParallelEnv", "GymEnv", "GymVectorEnv", "KindredError", "TensorInfo",
           "ActionInfo", "Match", "MatchOptions", "SeatGrant", "SeatEnv", "SeatParallelEnv", "open_channel",
           "PROTOCOL", "__version__", "register_worlds", "ShardedVectorEnv", "Shard", "resolve_all"]


class Client(BaseClient):
    """A connection to a Kindred server (one gRPC channel), thread-safe.

    Args:
        target: ``"host:port"`` of the server.
        timeout: deadline in seconds of every call (``None``: no deadline).
        connect_timeout: how long to wait for the server when connecting; a server that is
            down is a :class:`KindredError` ``UNAVAILABLE`` after at most this long
            (``0``/``None``: connect lazily, on the first call).
        verify: check the server's protocol version on connect.
        client_name: sent with every session, for the server's logs.
        tls: connect over TLS, verifying the server against the system's trusted authorities
            (implied by ``tls_root_cert``).
        tls_root_cert: PEM (bytes or a file path) of the authority that issued the server's
            certificate, or the server's self-signed certificate itself.
        tls_client_cert, tls_client_key: PEM certificate and PKCS#8 PEM key to present to a
            server that requires client certificates.
        token: bearer token sent with every call (``authorization: Bearer <token>``), for a
            server with token authentication. A refused token is ``UNAUTHENTICATED``.

    Sessions do not outlive their client: ``close()`` (or leaving the ``with`` block) closes
    them, so does interpreter exit for a client still open, and an environment that is
    garbage-collected without ``close()`` has its session closed then. For other gRPC clients of
    the same server (e.g. dm_env_rpc's ``Connection``) :func:`kindred.open_channel` makes a
    channel with the same TLS and token.
    """

    # Everything but the adapter and match factories is in kindred._client.BaseClient. The
    # factories are here, in the package that sits above the core, the matches and the
    # adapters, because those import the core: a core that made them would be an import cycle.

    def create_match(
        self,
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        seats: Optional[Mapping[str, Sequence[int]]] = None,
        *,
        seat_per_agent: bool = False,
        options: Optional[MatchOptions] = None,
        withhold_observations: Optional[Mapping[str, Sequence[str]]] = None,
        num_copies: int = 1,
        seed: int = 0,
        autoreset: Union[str, int, None] = "next_step",
        observations: Optional[Sequence[str]] = None,
        sparse_observations: bool = True,
        detached: bool = False,
    ) -> Match:
        """Creates a match: a session whose agents are driven by several controllers, one per seat.

        The server resets the world at once (with ``seed``); it then steps when every held seat
        has submitted, or when ``options.max_action_time_ms`` has passed since the step's first
        submission. The returned :class:`kindred.Match` holds the session id, the whole world's
        spec and each seat's :class:`kindred.SeatGrant` (name, agents, join token): hand a token
        to whoever should play the seat (``join_seat``, any process or client language).

        Args:
            seats: seat name (1 to 32 of ``a-z 0-9 _ -``) -> the world agent indices it controls,
                in the seat's order; the seats must partition the agents.
            seat_per_agent: instead of ``seats``, every agent its own seat, named by the world's
                agent names (e.g. ``"agent_0"``).
            options: a :class:`kindred.MatchOptions` (deadline, fallback, start_before_all_joined).
            withhold_observations: seat name -> copy-scope observations the seat does not receive.
            autoreset: ``"next_step"`` (default) or ``"same_step"``; a match cannot disable it.
            detached: the match outlives this client (not closed at ``close()``, exit or garbage
                collection): it lives until ``Match.close()`` or the server's idle timeout.

            ``config``, ``num_copies``, ``seed``, ``observations`` and ``sparse_observations``
            are as for ``make_vector_env``.
        """
        return create_match(self, world_id, config, seats, seat_per_agent=seat_per_agent, options=options,
                            withhold_observations=withhold_observations, num_copies=num_copies, seed=seed,
                            autoreset=autoreset, observations=observations, sparse_observations=sparse_observations,
                            detached=detached)

    def join_seat(self, session_id: str, seat: str, join_token: str, streaming: bool = True) -> SeatEnv:
        """Takes a seat of a match (``JoinSession``) with its join token: a :class:`kindred.SeatEnv`,
        the ``VectorEnv`` of the seat's agents. Steps go over one ``StepSeatStream``, or with
        ``streaming=False`` as unary ``StepSeat`` calls. A seat that another live controller (another
        client) holds is ``ALREADY_EXISTS``; a wrong token ``PERMISSION_DENIED``."""
        return join_seat(self, session_id, seat, join_token, streaming=streaming)

    def make_parallel_env(self, world_id: str, config: Optional[Mapping[str, Any]] = None, **kwargs):
        """A PettingZoo ``ParallelEnv`` over one copy of a world (see :class:`kindred.ParallelEnv`)."""
        from .pettingzoo_env import ParallelEnv  # lazy: pettingzoo is an optional dependency

        return ParallelEnv(self, world_id, config, **kwargs)

    def make_gym_env(self, world_id: str, config: Optional[Mapping[str, Any]] = None, **kwargs):
        """A Gymnasium ``Env`` over one copy of a single-agent world (see :class:`kindred.GymEnv`)."""
        from .gym_env import GymEnv  # lazy, as kindred.GymEnv: `import kindred` stays light

        return GymEnv(self, world_id, config, **kwargs)


# name -> (the library the adapter imports, what to pip install)
_LIBRARY_ADAPTERS = {
    "SB3VecEnv": ("stable_baselines3", "stable-baselines3"),
    "RLlibMultiAgentEnv": ("ray", "ray[rllib]"),
    "PufferEnv": ("pufferlib", "pufferlib-core"),
}


def __getattr__(name):  # lazy: pettingzoo is an optional dependency
    if name in ("ParallelEnv", "SeatParallelEnv"):
        try:
            from . import pettingzoo_env
        except ModuleNotFoundError as e:
            if e.name != "pettingzoo":
                raise
            raise ModuleNotFoundError(
                f"kindred.{name} needs PettingZoo: pip install 'kindred-env[pettingzoo]' (or pip install pettingzoo)",
                name="pettingzoo",
            ) from None
        return getattr(pettingzoo_env, name)
    if name == "GymEnv":
        from .gym_env import GymEnv

        return GymEnv
    if name == "GymVectorEnv":
        from .gym_vector_env import GymVectorEnv

        return GymVectorEnv
    if name in _LIBRARY_ADAPTERS:  # lazy: each needs its RL library (and PyTorch)
        package, distribution = _LIBRARY_ADAPTERS[name]
        try:
            if name == "SB3VecEnv":
                from .sb3_vec_env import SB3VecEnv as adapter
            elif name == "RLlibMultiAgentEnv":
                from .rllib_env import RLlibMultiAgentEnv as adapter
            else:
                from .puffer_env import PufferEnv as adapter
        except ModuleNotFoundError as e:
            if e.name is None or e.name.split(".")[0] != package:
                raise
            raise ModuleNotFoundError(f"kindred.{name} needs {package}: pip install '{distribution}' "
                                      "(clients/python/requirements-rl.txt pins the tested versions)",
                                      name=package) from None
        return adapter
    raise AttributeError(f"module 'kindred' has no attribute {name!r}")
