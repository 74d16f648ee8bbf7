"""A native PufferLib environment over one batched Kindred session (needs pufferlib-core)."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pufferlib

from ._agent_batch import AgentBatch
from ._client import BaseClient


class PufferEnv(AgentBatch, pufferlib.PufferEnv):
    """A native ``pufferlib.PufferEnv`` (vectorised in itself): its ``num_agents`` agents are
    every agent of every copy of one server session, stepped in one batched call; one policy
    plays them all. ``pufferlib.vector.make(lambda: env, backend=pufferlib.PufferEnv)`` returns
    it as it is, and PufferLib's trainer (``pufferlib.pufferl.PuffeRL``) trains on it.

    Agent ``i`` is agent ``i % agents`` of copy ``i // agents``; observations are float32 flat
    vectors (``env.layout.feature_names``), written in place into PufferLib's buffers
    (``env.observations``, ``rewards``, ``terminals``, ``truncations``; ``buf`` given by a
    PufferLib vectoriser, else allocated). A copy's episode autoresets in the step that ends it
    (its agents' flags are set and the observation is the next episode's first). That step's
    ``infos`` holds one dict with the mean ``episode_return`` and ``episode_length`` of the
    agents whose episode ended (what PuffeRL logs as ``environment/episode_return``).

    PuffeRL clips rewards to [-1, 1]: with ``reward_scale``/``reward_offset`` the env gives
    ``reward * reward_scale + reward_offset`` instead (e.g. the spin worlds' reward, minus a
    surprise of a few nats, needs an offset). Episode returns in ``infos`` are the world's,
    untransformed.
    """

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        num_copies: int = 1,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = False,
        reward_scale: float = 1.0,
        reward_offset: float = 0.0,
        buf=None,
        **client_kwargs,
    ):
        self._open_batch(client, world_id, config, num_copies, seed, observations, include_copy_observations,
                         client_kwargs)
        self.num_agents = self.size
        self.reward_scale = float(reward_scale)
        self.reward_offset = float(reward_offset)
        try:
            pufferlib.PufferEnv.__init__(self, buf)
        except BaseException:
            self.close()
            raise

    def reset(self, seed: Optional[int] = None):
        obs, _ = self._env.reset(seed=seed)
        self.flat(obs, out=self.observations)
        self.rewards[:] = 0
        self.terminals[:] = False
        self.truncations[:] = False
        return self.observations, []

    def step(self, actions):
        obs, rewards, terminated, truncated, info = self._env.step(self.session_actions(actions))
        a = self.num_agents_per_copy
        self.flat(obs, out=self.observations)
        r = rewards.reshape(-1)
        if self.reward_scale != 1.0 or self.reward_offset != 0.0:
            r = r * self.reward_scale + self.reward_offset
        self.rewards[:] = r
        self.terminals[:] = np.repeat(terminated, a)
        self.truncations[:] = np.repeat(truncated, a)
        infos = []
        if info["episodes"]:
            records = list(self.episode_records(info))
            infos.append({"episode_return": float(np.mean([r for _, r, _ in records])),
                          "episode_length": float(np.mean([n for _, _, n in records])),
                          "episodes": len(info["episodes"])})
        return self.observations, self.rewards, self.terminals, self.truncations, infos

    def close(self) -> None:
        AgentBatch.close(self)

    def __repr__(self) -> str:
        return (f"kindred.PufferEnv({self.world_id!r}, copies={self.num_copies}, agents={self.num_agents_per_copy}, "
                f"num_agents={self.size})")
