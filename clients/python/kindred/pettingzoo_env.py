"""PettingZoo ParallelEnvs over one copy of a Kindred world: a session of its own
(``ParallelEnv``), or the agents of one seat of a match (``SeatParallelEnv``)."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Union

import numpy as np
from pettingzoo import ParallelEnv as _PZParallelEnv

from . import spaces as _spaces
from ._client import RENDER_MODES, BaseClient, VectorEnv, check_render_mode
from ._match import join_seat
from ._session import SessionAdapter


class ParallelEnv(SessionAdapter, _PZParallelEnv):
    """PettingZoo ``ParallelEnv`` over one copy of a world on a Kindred server.

    Agents are the spec's agent names (e.g. ``spin_0``). Each agent observes a dict of its
    per-agent tensors plus (``include_copy_observations``) the copy's global tensors; the
    spaces are ``gymnasium.spaces.Dict`` of ``Box`` built from the spec (a scalar is shape
    ``(1,)``). With ``observation_layout="flat"`` each agent observes one float32 vector instead
    (``env.layout``: feature names, ``flatten``, ``unflatten``; see :class:`kindred.GymEnv`). The action space is
    ``Discrete`` for one action dimension, else ``MultiDiscrete``; a world with an action mask
    (the energy world's ``action_mask``, in each agent's observation dict) gets a
    :class:`kindred.spaces.JointMaskMultiDiscrete`, whose ``sample(mask=obs["action_mask"])``
    draws among the allowed combinations, as PettingZoo's tools expect. Episodes end for all agents
    at once (the world's termination or truncation), after which ``agents`` is empty until
    ``reset``; the ending step's ``infos[agent]["kindred_episode"]`` holds the agent's
    ``return``, ``length`` and stats. Autoreset is disabled in the server session. The env
    pickles as its recipe and connects again where it is unpickled (see ``kindred._session``).

    Args:
        client: a :class:`kindred.Client` or a ``"host:port"`` target (then owned and closed
            with the env).
        world_id, config: the world and its configuration.
        seed: the session's initial seed (``reset(seed=...)`` restarts from a new one).
        observations: names of the observations to request (``None``: all).
        observation_layout: ``"dict"`` (default) or ``"flat"``.
        client_kwargs: passed to :class:`kindred.Client` when ``client`` is a target.
    """

    metadata = {"render_modes": list(RENDER_MODES), "name": "kindred", "is_parallelizable": True, "render_fps": 10}

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = True,
        render_mode: Optional[str] = None,
        observation_layout: str = "dict",
        record=None,
        **client_kwargs,
    ):
        check_render_mode(render_mode)
        if observation_layout not in _spaces.LAYOUTS:
            raise ValueError(f"observation_layout must be one of {list(_spaces.LAYOUTS)}, got {observation_layout!r}")
        env = self._open_session(client, client_kwargs, world_id, config, num_copies=1, seed=seed,
                                 autoreset="disabled", observations=observations, record=record)
        self._setup(env, include_copy_observations, render_mode, observation_layout)

    def _setup(self, env: VectorEnv, include_copy_observations: bool, render_mode: Optional[str],
               observation_layout: str = "dict") -> None:
        self.metadata = dict(type(self).metadata, name=env.world_id)
        self.render_mode = render_mode
        self.world_id = env.world_id
        self.spec = env.spec
        self.possible_agents = list(env.agent_names)
        self.agents = []
        self._index = {a: i for i, a in enumerate(self.possible_agents)}
        #: how observations are laid out (``feature_names``, ``flatten``, ``unflatten``)
        self.layout = _spaces.ObservationLayout(env.observation_infos, include_copy_observations, observation_layout)
        self._obs_spaces = {a: self.layout.space for a in self.possible_agents}
        joint = bool(env.action_info.action_mask_observation)
        self._act_spaces = {a: _spaces.action_space(env.action_nvec, joint) for a in self.possible_agents}
        self.observation_spaces = self._obs_spaces
        self.action_spaces = self._act_spaces
        self._actions = np.zeros(env.action_shape, dtype=np.int32)  # reused by every step

    def observation_space(self, agent):
        return self._obs_spaces[agent]

    def action_space(self, agent):
        return self._act_spaces[agent]

    def _observations(self, obs):
        return {a: self.layout.observation(obs, 0, self._index[a]) for a in self.agents}

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        obs, _ = self._env.reset(seed=seed)
        self.agents = list(self.possible_agents)
        return self._observations(obs), {a: {} for a in self.agents}

    def step(self, actions: Dict[str, Any]):
        return self._outcome(*self._env.step(self._pack(actions)))

    def _pack(self, actions: Dict[str, Any]) -> np.ndarray:
        """The agents' actions as the session's array (agents without one: zeros)."""
        unknown = [a for a in actions if a not in self._index]
        if unknown:
            raise ValueError(f"unknown agent(s) {unknown}; agents are {self.possible_agents}")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no action for live agent(s) {missing}")
        packed = self._actions
        packed.fill(0)
        for agent, action in actions.items():
            packed[0, self._index[agent]] = _spaces.action_to_row(action, self._env.action_nvec, agent)
        return packed

    def _outcome(self, obs, rewards, terminated, truncated, info):
        """PettingZoo's per-agent dicts of a step of copy 0; an ended episode empties ``agents``."""
        live = self.agents
        term, trunc = bool(terminated[0]), bool(truncated[0])
        observations = self._observations(obs)
        rew = {a: float(rewards[0, self._index[a]]) for a in live}
        terms = {a: term for a in live}
        truncs = {a: trunc for a in live}
        infos = {a: {"action_success": bool(info["action_success"][0, self._index[a]])} for a in live}
        for e in info["episodes"]:
            for a in live:
                infos[a]["kindred_episode"] = _spaces.agent_episode(e, self._index[a])
        if term or trunc:
            self.agents = []
        return observations, rew, terms, truncs, infos

    def render(self):
        """The current frame, drawn by the server: with ``render_mode="rgb_array"`` a uint8
        array ``(height, width, 3)``, with ``"ansi"`` the text picture; None without a render
        mode."""
        if self.render_mode is None:
            return None
        return self._env.render(0, self.render_mode)

    def state(self) -> np.ndarray:
        raise NotImplementedError("Kindred worlds expose global quantities as per-copy observations")

    def close(self):
        """Closes the server session (and the client, when this env created it)."""
        self._close_session()


class SeatParallelEnv(ParallelEnv):
    """PettingZoo ``ParallelEnv`` over the agents of one seat of a match (see
    ``kindred.Client.create_match``), in a match of one copy.

    The seat is taken at construction (``JoinSession``) and left at ``close()``. Agents are the
    seat's agents (their world names, e.g. ``agent_1``); spaces, observations and the action mask
    follow :class:`ParallelEnv`. Each ``step`` answers once the whole world has stepped (the other
    seats submitted, or the match's deadline passed); ``infos[agent]["match"]`` says how each seat
    was driven (``outcomes``, ``wait_micros``), and an ended episode's ``infos[agent]["kindred_episode"]``
    has every seat's counts under ``"seats"``.

    The match's world starts its episodes itself, so ``reset()`` starts none: the first time it
    returns the current observations (the match's latest step); after an episode has ended it
    returns the next episode's first observations, stepping to them with the autoreset step when
    the match autoresets at the next step (every seat of the match does the same, so the world
    takes that step with everyone). A ``reset()`` in the middle of an episode returns the current
    observations and the episode goes on; ``seed`` is ignored (the match was seeded at creation).

    Args:
        client: a :class:`kindred.Client` or a ``"host:port"`` target (then owned and closed
            with the env).
        session_id, seat, join_token: the match and the seat's grant.
        streaming: steps over one ``StepSeatStream`` (default) or unary ``StepSeat`` calls.
    """

    metadata = {"render_modes": [], "name": "kindred", "is_parallelizable": True}

    def __init__(
        self,
        client: Union[BaseClient, str],
        session_id: str,
        seat: str,
        join_token: str,
        include_copy_observations: bool = True,
        render_mode: Optional[str] = None,
        streaming: bool = True,
        **client_kwargs,
    ):
        if render_mode is not None:
            raise ValueError(f"a seat does not render (render_mode {render_mode!r}): it may not see the whole "
                             "world; the match's creator renders its session (ParallelEnv/VectorEnv.render)")

        def one_copy(env: VectorEnv) -> None:
            if env.num_copies != 1:
                raise ValueError(f"SeatParallelEnv plays one copy; match {session_id} has {env.num_copies} "
                                 "(use the seat's kindred.SeatEnv for the batched copies)")

        env = self._open(client, client_kwargs,
                         lambda c: join_seat(c, session_id, seat, join_token, streaming=streaming), check=one_copy)
        self._setup(env, include_copy_observations, render_mode)
        self.seat = seat

    @property
    def seat_env(self):
        """The underlying :class:`kindred.SeatEnv`."""
        return self._env

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        env = self._env
        obs, _, terminated, truncated, _ = env.latest
        if (terminated[0] or truncated[0]) and env.autoreset == "next_step":
            # The step after an episode's end starts the next one (its actions are ignored).
            self._actions.fill(0)
            obs = env.step(self._actions)[0]
        # With same_step autoreset the ending step already returned the next episode's first observations.
        self.agents = list(self.possible_agents)
        return self._observations(obs), {a: {} for a in self.agents}

    def step(self, actions: Dict[str, Any]):
        if not self.agents:
            raise ValueError(f"the episode of seat '{self.seat}' has ended: call reset() for the next one")
        obs, rewards, terminated, truncated, info = self._env.step(self._pack(actions))
        if "final_observations" in info and (terminated[0] or truncated[0]):
            obs = info["final_observations"]  # same_step: the ended episode's last observations
        result = self._outcome(obs, rewards, terminated, truncated, info)
        match = info.get("match")
        seats = [e["seats"] for e in info["episodes"] if "seats" in e]
        for agent_info in result[4].values():
            if match is not None:
                agent_info["match"] = match
            if seats:
                agent_info["kindred_episode"]["seats"] = seats[-1]
        return result
