"""A Gymnasium VectorEnv over a Kindred session whose copies each have one agent."""
from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence, Union

import gymnasium as gym
import numpy as np
from gymnasium.vector.utils import batch_space

from . import spaces as _spaces
from ._client import BaseClient, VectorEnv
from ._session import SessionAdapter

try:  # gymnasium >= 1.1
    from gymnasium.vector import AutoresetMode

    _NEXT_STEP: Any = AutoresetMode.NEXT_STEP
except ImportError:  # pragma: no cover
    _NEXT_STEP = "NextStep"


class GymVectorEnv(SessionAdapter, gym.vector.VectorEnv):
    """``gymnasium.vector.VectorEnv`` over ``num_envs`` copies of a one-agent world: sub-env
    ``i`` is copy ``i`` of one server session, stepped in one batched call.

    Autoreset mode is ``NEXT_STEP`` (``metadata["autoreset_mode"]``): the step after a sub-env's
    episode ends resets it, ignoring its action (``infos["reset_mask"]`` marks it).
    Observations are dicts of arrays ``[num_envs, *shape]`` (a scalar tensor ``[num_envs, 1]``),
    or with ``observation_layout="flat"`` float32 ``[num_envs, features]`` (see
    :class:`kindred.GymEnv`); rewards float32 ``[num_envs]``.

    ``reset(seed=s)`` restarts the session's seed stream from ``s`` (sub-env ``i`` draws from
    ``(s, i)``); ``reset(seed=[s_0, s_1, ...])`` seeds each sub-env: sub-env ``i`` starts the
    episode that copy ``i`` of a session seeded ``s_i`` starts (the server keeps one seed stream
    per session, so the per-copy seeds must be all equal, or one of them must appear once: the
    stream goes on from that one). ``reset(options={"reset_mask": mask})`` resets only the
    sub-envs where ``mask`` is true (the others keep their episode and observation).

    The step that ends an episode has Kindred's statistics under ``infos["kindred_episode"]``
    (``return``, ``length`` and the world's stats, each ``[num_envs]``, with its
    ``"_kindred_episode"`` mask, Gymnasium's vector info convention). ``infos["episode"]`` is
    left to ``gymnasium.wrappers.vector.RecordEpisodeStatistics``; with ``episode_info=True``
    the env puts ``{"r", "l", "t"}`` there itself (with ``"_episode"``).
    """

    metadata = {"render_modes": [], "autoreset_mode": _NEXT_STEP}
    _TRANSIENT = ("_last_obs",)

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        num_envs: int = 1,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = True,
        observation_layout: str = "dict",
        episode_info: bool = False,
        record=None,
        **client_kwargs,
    ):
        def one_agent(env: VectorEnv) -> None:
            if env.num_agents != 1:
                raise ValueError(
                    f"GymVectorEnv needs exactly one controlled agent per copy; {world_id} with this "
                    f"configuration has {env.num_agents} (use kindred.VectorEnv for several)"
                )

        if observation_layout not in _spaces.LAYOUTS:
            raise ValueError(f"observation_layout must be one of {list(_spaces.LAYOUTS)}, got {observation_layout!r}")
        env = self._open_session(client, client_kwargs, world_id, config, check=one_agent, num_copies=num_envs,
                                 seed=seed, autoreset="next_step", observations=observations, record=record)
        self.world_id = world_id
        self.num_envs = env.num_copies
        self.layout = _spaces.ObservationLayout(env.observation_infos, include_copy_observations, observation_layout)
        self.single_observation_space = self.layout.space
        self.single_action_space = _spaces.action_space(env.action_nvec, bool(env.action_info.action_mask_observation))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None
        self._episode_info = episode_info
        self._t0 = time.monotonic()
        self._last_obs = None

    def _obs(self, obs):
        # Agent 0 of every copy: [num_envs, ...].
        self._last_obs = self.layout.observation(obs, slice(None), 0)
        return self._last_obs

    def reset(self, *, seed: Union[int, Sequence[Optional[int]], None] = None, options: Optional[dict] = None):
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        if options:
            raise ValueError(f"GymVectorEnv.reset knows the option 'reset_mask' only, got {sorted(options)}")
        copies = None
        if mask is not None:
            m = np.asarray(mask)
            if m.dtype != np.bool_ or m.shape != (self.num_envs,):
                raise ValueError(f"options['reset_mask'] must be a bool array of shape [{self.num_envs}], "
                                 f"got {m.dtype} {list(m.shape)}")
            copies = [int(c) for c in np.flatnonzero(m)]
            if not copies:  # nothing to reset: the sub-envs go on
                if self._last_obs is None:
                    raise ValueError("options['reset_mask'] resets no sub-env, and none was reset yet")
                return self._last_obs, {"reset_mask": m.copy()}
        if isinstance(seed, (list, tuple, np.ndarray)):
            obs, info = self._reset_per_copy(list(seed), copies)
        else:
            if seed is not None:
                self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seed)
            obs, info = self._env.reset(seed=seed, copies=copies)
        return self._obs(obs), {"reset_mask": np.array(info["reset_mask"])}

    def _reset_per_copy(self, seeds, copies):
        """One Reset per sub-env with its own seed (see the class docstring)."""
        targets = list(range(self.num_envs)) if copies is None else copies
        if len(seeds) != len(targets):
            raise ValueError(f"reset(seed=[...]) takes one seed per {'masked ' if copies else ''}sub-env "
                             f"({len(targets)}), got {len(seeds)}")
        if any(s is None for s in seeds):
            raise ValueError("reset(seed=[...]) takes an int for every sub-env (or seed=None for none)")
        if len(set(seeds)) == 1:
            return self._env.reset(seed=seeds[0], copies=copies)
        unique = [i for i, s in enumerate(seeds) if seeds.count(s) == 1]
        if not unique:
            raise ValueError(
                f"per-sub-env seeds {seeds}: the server keeps one seed stream per session, so the seeds must be "
                "all equal or one of them must appear once (the stream goes on from it); give distinct seeds")
        last = unique[-1]
        order = [i for i in range(len(targets)) if i != last] + [last]
        info = None
        for i in order:
            obs, info = self._env.reset(seed=seeds[i], copies=[targets[i]])
        reset_mask = np.zeros(self.num_envs, dtype=bool)
        reset_mask[targets] = True
        self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seeds[0])
        return obs, {**info, "reset_mask": reset_mask}

    def step(self, actions):
        env = self._env
        a = np.asarray(actions)
        if a.dtype.kind not in "iu":
            raise ValueError(f"actions must be integers, got dtype {a.dtype}")
        a = a.reshape(env.num_copies, 1, len(env.action_nvec)) if a.size == np.prod(env.action_shape) else a
        obs, rewards, terminated, truncated, info = env.step(a)
        infos = {
            "action_success": np.array(info["action_success"][:, 0]),
            "reset_mask": np.array(info["reset_mask"]),
        }
        if info["episodes"]:
            ended = np.zeros(self.num_envs, dtype=bool)
            stats: dict = {}
            for e in info["episodes"]:
                ended[e["copy"]] = True
                for key, value in _spaces.agent_episode(e, 0).items():
                    column = stats.setdefault(key, np.zeros(self.num_envs, dtype=np.int64 if key == "length"
                                                            else np.float64))
                    column[e["copy"]] = value
            stats.update({f"_{key}": ended.copy() for key in list(stats)})
            infos["kindred_episode"] = stats
            infos["_kindred_episode"] = ended
            if self._episode_info:
                t = np.where(ended, round(time.monotonic() - self._t0, 6), 0.0)
                infos["episode"] = {"r": stats["return"].copy(), "l": stats["length"].copy(), "t": t,
                                    "_r": ended.copy(), "_l": ended.copy(), "_t": ended.copy()}
                infos["_episode"] = ended.copy()
        return (self._obs(obs), np.array(rewards[:, 0]), np.array(terminated), np.array(truncated), infos)

    def close_extras(self, **kwargs):
        self._close_session()
