"""Kindred's worlds in Gymnasium's registry: ``gym.make("kindred/<world>-v0", address=...)``
(a :class:`kindred.GymEnv`) and ``gym.make_vec("kindred/<world>-v0", num_envs=n, address=...)``
(a :class:`kindred.GymVectorEnv`: the copies of one batched session, through the spec's
``vector_entry_point``).

The ids are static (:data:`WORLDS`, the worlds the server ships), registered at ``import
kindred`` without contacting any server: the server is reached when an env is made. A server
with further worlds: :func:`register_worlds` (``address``) registers what it lists.
"""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Union

from gymnasium.envs.registration import register, registry

from ._client import BaseClient

#: The namespace of Kindred's ids in Gymnasium's registry.
NAMESPACE = "kindred"
#: The worlds the Kindred server ships, registered at import.
WORLDS = ("spin.lattice", "spin.random_regular", "spin.erdos_renyi", "spin.sk", "spin.boltzmann",
          "energy.s1", "energy.s2", "energy.s3", "energy.room", "energy.alone", "energy.altar_only")


def env_id(world_id: str) -> str:
    """The Gymnasium id of a Kindred world: ``kindred/<world_id>-v0``."""
    return f"{NAMESPACE}/{world_id}-v0"


def _target(address: Optional[str], client: Optional[BaseClient], what: str) -> Union[BaseClient, str]:
    if (address is None) == (client is None):
        raise ValueError(f"{what} needs the server: address=\"host:port\" or client=kindred.Client(...) (one of them)")
    return client if client is not None else address


def make_env(*, world_id: str, address: Optional[str] = None, config: Optional[Mapping[str, Any]] = None,
             client: Optional[BaseClient] = None, **kwargs):
    """``entry_point`` of the registered ids: a :class:`kindred.GymEnv` (keyword arguments as there)."""
    from .gym_env import GymEnv

    return GymEnv(_target(address, client, f"gym.make({env_id(world_id)!r})"), world_id, config, **kwargs)


def make_vector_env(num_envs: int = 1, *, world_id: str, address: Optional[str] = None,
                    config: Optional[Mapping[str, Any]] = None, client: Optional[BaseClient] = None, **kwargs):
    """``vector_entry_point`` of the registered ids: a :class:`kindred.GymVectorEnv` of ``num_envs`` copies."""
    from .gym_vector_env import GymVectorEnv

    return GymVectorEnv(_target(address, client, f"gym.make_vec({env_id(world_id)!r})"), world_id, config,
                        num_envs=num_envs, **kwargs)


def register_world(world_id: str) -> str:
    """Registers one world (idempotent); returns its id."""
    gid = env_id(world_id)
    if gid not in registry:
        register(id=gid, entry_point=f"{__name__}:make_env", vector_entry_point=f"{__name__}:make_vector_env",
                 kwargs={"world_id": world_id})
    return gid


def register_worlds(address: Union[str, BaseClient, None] = None, **client_kwargs) -> List[str]:
    """Registers the static :data:`WORLDS`, and with ``address`` (a target or a client) every world
    that server lists; returns the ids registered."""
    ids = [register_world(w) for w in WORLDS]
    if address is not None:
        client = address if isinstance(address, BaseClient) else BaseClient(address, **client_kwargs)
        try:
            ids += [register_world(w) for w in client.world_ids() if w not in WORLDS]
        finally:
            if client is not address:
                client.close()
    return ids
