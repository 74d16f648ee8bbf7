"""A PettingZoo ParallelEnv over one copy of a Kindred world."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Union

import numpy as np
from pettingzoo import ParallelEnv as _PZParallelEnv

from . import spaces as _spaces
from ._client import BaseClient
from ._session import SessionAdapter


class ParallelEnv(SessionAdapter, _PZParallelEnv):
    """PettingZoo ``ParallelEnv`` over one copy of a world on a Kindred server.

    Agents are the spec's agent names (e.g. ``spin_0``). Each agent observes a dict of its
    per-agent tensors plus (``include_copy_observations``) the copy's global tensors; the
    spaces are ``gymnasium.spaces.Dict`` of ``Box`` built from the spec. The action space is
    ``Discrete`` for one action dimension, else ``MultiDiscrete``; a world with an action mask
    (the energy world's ``action_mask``, in each agent's observation dict) gets a
    :class:`kindred.spaces.JointMaskMultiDiscrete`, whose ``sample(mask=obs["action_mask"])``
    draws among the allowed combinations, as PettingZoo's tools expect. Episodes end for all agents
    at once (the world's termination or truncation), after which ``agents`` is empty until
    ``reset``. Autoreset is disabled in the server session.

    Args:
        client: a :class:`kindred.Client` or a ``"host:port"`` target (then owned and closed
            with the env).
        world_id, config: the world and its configuration.
        seed: the session's initial seed (``reset(seed=...)`` restarts from a new one).
        observations: names of the observations to request (``None``: all).
        client_kwargs: passed to :class:`kindred.Client` when ``client`` is a target.
    """

    metadata = {"render_modes": [], "name": "kindred", "is_parallelizable": True}

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = True,
        render_mode: Optional[str] = None,
        **client_kwargs,
    ):
        env = self._open_session(client, client_kwargs, world_id, config, num_copies=1, seed=seed,
                                 autoreset="disabled", observations=observations)
        self.metadata = dict(type(self).metadata, name=world_id)
        self.render_mode = render_mode
        self.world_id = world_id
        self.spec = env.spec
        self.possible_agents = list(env.agent_names)
        self.agents = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        self._include_copy = include_copy_observations
        self._obs_spaces = {
            a: _spaces.observation_space(env.observation_infos, include_copy_observations) for a in self.possible_agents
        }
        joint = bool(env.action_info.action_mask_observation)
        self._act_spaces = {a: _spaces.action_space(env.action_nvec, joint) for a in self.possible_agents}
        self.observation_spaces = self._obs_spaces
        self.action_spaces = self._act_spaces

    def observation_space(self, agent):
        return self._obs_spaces[agent]

    def action_space(self, agent):
        return self._act_spaces[agent]

    def _observations(self, obs):
        infos = self._env.observation_infos
        return {
            a: _spaces.agent_observation(obs, infos, 0, self._index[a], self._include_copy) for a in self.agents
        }

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        obs, _ = self._env.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._observations(obs), {a: {} for a in self.agents}

    def step(self, actions: Dict[str, Any]):
        env = self._env
        unknown = [a for a in actions if a not in self._index]
        if unknown:
            raise ValueError(f"unknown agent(s) {unknown}; agents are {self.possible_agents}")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no action for live agent(s) {missing}")
        packed = np.zeros(env.action_shape, dtype=np.int32)
        for agent, action in actions.items():
            packed[0, self._index[agent]] = _spaces.action_to_row(action, env.action_nvec, agent)
        obs, rewards, terminated, truncated, info = env.step(packed)
        live = self.agents
        term, trunc = bool(terminated[0]), bool(truncated[0])
        observations = self._observations(obs)
        rew = {a: float(rewards[0, self._index[a]]) for a in live}
        terms = {a: term for a in live}
        truncs = {a: trunc for a in live}
        infos = {a: {"action_success": bool(info["action_success"][0, self._index[a]])} for a in live}
        for e in info["episodes"]:
            for a in live:
                infos[a]["episode"] = _spaces.agent_episode(e, self._index[a])
        if term or trunc:
            self.agents = []
        return observations, rew, terms, truncs, infos

    def render(self):
        return None

    def state(self) -> np.ndarray:
        raise NotImplementedError("Kindred worlds expose global quantities as per-copy observations")

    def close(self):
        """Closes the server session (and the client, when this env created it)."""
        self._close_session()
