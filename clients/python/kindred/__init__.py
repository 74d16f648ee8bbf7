"""Kindred: Python client of the Kindred environment server (kindred.v1 over gRPC).

    import kindred
    with kindred.Client("localhost:50051") as client:
        env = client.make_vector_env("spin.lattice", {"controlled": [0, 9]}, num_copies=8, seed=1)
        obs, info = env.reset()
        obs, rewards, terminated, truncated, info = env.step(env.sample_actions())

``kindred.ParallelEnv`` (PettingZoo) and ``kindred.GymEnv`` (Gymnasium) wrap one copy.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from ._channel import open_channel
from ._client import PROTOCOL, BaseClient, VectorEnv, __version__
from ._errors import KindredError
from ._spec import ActionInfo, TensorInfo

__all__ = ["Client", "VectorEnv", "ParallelEnv", "GymEnv", "GymVectorEnv", "KindredError", "TensorInfo",
           "ActionInfo", "open_channel", "PROTOCOL", "__version__"]


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

    # Everything but the adapter factories is in kindred._client.BaseClient. The factories are
    # here, in the package that sits above the core and the adapters, because the adapters
    # import the core: a core that made adapters would be an import cycle.

    def make_parallel_env(self, world_id: str, config: Optional[Mapping[str, Any]] = None, **kwargs):
        """A PettingZoo ``ParallelEnv`` over one copy of a world (see :class:`kindred.ParallelEnv`)."""
        from .pettingzoo_env import ParallelEnv  # lazy: pettingzoo is an optional dependency

        return ParallelEnv(self, world_id, config, **kwargs)

    def make_gym_env(self, world_id: str, config: Optional[Mapping[str, Any]] = None, **kwargs):
        """A Gymnasium ``Env`` over one copy of a single-agent world (see :class:`kindred.GymEnv`)."""
        from .gym_env import GymEnv  # lazy, as kindred.GymEnv: `import kindred` stays light

        return GymEnv(self, world_id, config, **kwargs)


def __getattr__(name):  # lazy: pettingzoo is an optional dependency
    if name == "ParallelEnv":
        try:
            from .pettingzoo_env import ParallelEnv
        except ModuleNotFoundError as e:
            if e.name != "pettingzoo":
                raise
            raise ModuleNotFoundError(
                "kindred.ParallelEnv needs PettingZoo: pip install 'kindred[pettingzoo]' (or pip install pettingzoo)",
                name="pettingzoo",
            ) from None
        return ParallelEnv
    if name == "GymEnv":
        from .gym_env import GymEnv

        return GymEnv
    if name == "GymVectorEnv":
        from .gym_vector_env import GymVectorEnv

        return GymVectorEnv
    raise AttributeError(f"module 'kindred' has no attribute {name!r}")
