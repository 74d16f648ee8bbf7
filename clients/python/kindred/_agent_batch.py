"""What the batched RL-library adapters (Stable-Baselines3, RLlib, PufferLib) share: one
server session whose every agent of every copy is one environment of the library (parameter
sharing), with flat float32 observations and the server's same-step autoreset."""
from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from . import spaces as _spaces
from ._client import BaseClient, VectorEnv
from ._session import SessionAdapter
from ._spec import AGENT


class AgentBatch(SessionAdapter):
    """One batched session seen as ``num_copies * num_agents`` one-agent environments.

    Environment ``i`` is agent ``i % num_agents`` of copy ``i // num_agents``. Its observation is
    the agent's flat vector (``self.layout``: a :class:`kindred.spaces.ObservationLayout` in the
    ``"flat"`` layout; ``layout.feature_names`` names the features, ``layout.unflatten`` gives
    the dict back). Per-copy tensors are left out unless ``include_copy_observations=True`` (then
    every agent of a copy sees them); ``observations=[...]`` asks the server for those tensors
    only (less to send and decode). The session autoresets in the same step (``"same_step"``):
    the step that ends a copy's episode returns the next episode's first observation, and the
    ended episode's last one is in :meth:`final_flat`.
    """

    def _open_batch(
        self,
        client: Union[BaseClient, str, Sequence[str]],
        world_id: str,
        config: Optional[Mapping[str, Any]],
        num_copies: int,
        seed: int,
        observations: Optional[Sequence[str]],
        include_copy_observations: bool,
        client_kwargs: Mapping[str, Any],
    ) -> VectorEnv:
        def some_agents(env: VectorEnv) -> None:
            if env.num_agents < 1:
                raise ValueError(f"{type(self).__name__} needs controlled agents; {world_id} with this configuration "
                                 "has none (e.g. spin worlds: set 'controlled')")

        targets = _targets(client)
        if targets is not None and len(targets) > 1:  # several servers: one sharded session over them
            env = self._open_sharded_session(targets, client_kwargs, world_id, config, check=some_agents,
                                             num_copies=num_copies, seed=seed, autoreset="same_step",
                                             observations=observations)
        else:
            env = self._open_session(targets[0] if targets else client, client_kwargs, world_id, config,
                                     check=some_agents, num_copies=num_copies, seed=seed, autoreset="same_step",
                                     observations=observations)
        self.world_id = world_id
        self.num_copies = env.num_copies
        self.num_agents_per_copy = env.num_agents
        self.agent_names = list(env.agent_names)
        self.layout = _spaces.ObservationLayout(env.observation_infos, include_copy_observations, "flat")
        if self.layout.size == 0:
            raise ValueError(f"no observation is left for {world_id} (observations={observations!r}, "
                             f"include_copy_observations={include_copy_observations})")
        self.single_observation_space = self.layout.flat_space
        self.single_action_space = _spaces.action_space(env.action_nvec)
        self.action_nvec = np.array(env.action_nvec)
        self._parts = [(self.layout._slices[t.name], t.scope == AGENT) for t in self.layout.tensors]
        self._t0 = time.monotonic()
        return env

    @property
    def size(self) -> int:
        """How many one-agent environments: copies x agents per copy."""
        return self.num_copies * self.num_agents_per_copy

    def flat(self, obs: Mapping[str, np.ndarray], out: Optional[np.ndarray] = None) -> np.ndarray:
        """A session's observations (``VectorEnv`` layout) as float32 ``[copies * agents, features]``,
        written into ``out`` when given."""
        c, a = self.num_copies, self.num_agents_per_copy
        if out is None:
            out = np.empty((c * a, self.layout.size), dtype=np.float32)
        view = out.reshape(c, a, self.layout.size)
        for t, (cols, per_agent) in zip(self.layout.tensors, self._parts):
            x = obs[t.name]
            view[:, :, cols] = x.reshape(c, a, -1) if per_agent else x.reshape(c, 1, -1)
        return out

    def session_actions(self, actions) -> np.ndarray:
        """One action per environment (``[copies * agents]`` or ``[copies * agents, dims]``, any
        integer or float dtype holding integers, as the libraries give them) as the session's
        int32 ``[copies, agents, dims]``."""
        a = np.asarray(actions)
        d = len(self.action_nvec)
        if a.size != self.size * d:
            raise ValueError(f"{type(self).__name__} takes {self.size} actions of {d} value(s) (copies x agents = "
                             f"{self.num_copies} x {self.num_agents_per_copy}), got shape {list(a.shape)}")
        if a.dtype.kind == "f":
            if not np.all(np.isfinite(a)) or np.any(a != np.rint(a)):
                raise ValueError(f"actions must be integers, got non-integral values of dtype {a.dtype}")
        elif a.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers, got dtype {a.dtype}")
        return a.reshape(self.num_copies, self.num_agents_per_copy, d).astype(np.int32, copy=False)

    def elapsed(self) -> float:
        """Seconds since the env was made (the ``"t"`` of episode records)."""
        return round(time.monotonic() - self._t0, 6)

    def episode_records(self, info: Mapping[str, Any]):
        """(environment index, return, length) of every agent whose episode ended in a step."""
        a = self.num_agents_per_copy
        for e in info["episodes"]:
            returns = e["returns"]
            for agent in range(a):
                yield e["copy"] * a + agent, float(returns[agent]) if agent < len(returns) else 0.0, e["length"]

    def close(self) -> None:
        """Closes the session (and the client when the env made it)."""
        self._close_session()


def _targets(client) -> Optional[list]:
    """The ``"host:port"`` targets of ``client`` when it names servers (a target, ``"a:1,b:2"``
    or a list of targets); ``None`` for a :class:`BaseClient`."""
    if isinstance(client, BaseClient):
        return None
    given = client.split(",") if isinstance(client, str) else list(client)
    targets = [str(t).strip() for t in given if str(t).strip()]
    if not targets:
        raise ValueError(f"no server address in {str(client)[:80]!r}; expected host:port, 'a:1,b:2' or a list")
    return targets
