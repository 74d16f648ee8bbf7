"""A Gymnasium VectorEnv over a Kindred session whose copies each have one agent."""
from __future__ import annotations

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
    Observations are dicts of arrays ``[num_envs, *shape]``; rewards float32 ``[num_envs]``.
    ``reset(seed=s)`` restarts the session's seed stream from ``s`` (one seed for all sub-envs;
    sub-env ``i`` draws from ``(s, i)``).
    """

    metadata = {"render_modes": [], "autoreset_mode": _NEXT_STEP}

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        num_envs: int = 1,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = True,
        **client_kwargs,
    ):
        def one_agent(env: VectorEnv) -> None:
            if env.num_agents != 1:
                raise ValueError(
                    f"GymVectorEnv needs exactly one controlled agent per copy; {world_id} with this "
                    f"configuration has {env.num_agents} (use kindred.VectorEnv for several)"
                )

        env = self._open_session(client, client_kwargs, world_id, config, check=one_agent, num_copies=num_envs,
                                 seed=seed, autoreset="next_step", observations=observations)
        self.world_id = world_id
        self.num_envs = env.num_copies
        self._include_copy = include_copy_observations
        self.single_observation_space = _spaces.observation_space(env.observation_infos, include_copy_observations)
        self.single_action_space = _spaces.action_space(env.action_nvec, bool(env.action_info.action_mask_observation))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None

    def _obs(self, obs):
        # Agent 0 of every copy: per-agent tensors [num_envs, *shape], per-copy ones as they are.
        return _spaces.agent_observation(obs, self._env.observation_infos, slice(None), 0, self._include_copy)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        if isinstance(seed, (list, tuple)):
            raise ValueError("GymVectorEnv takes one int seed for all sub-envs (sub-env i draws from (seed, i))")
        if seed is not None:
            self._np_random, self._np_random_seed = gym.utils.seeding.np_random(seed)
        obs, info = self._env.reset(seed=seed)
        return self._obs(obs), {"reset_mask": np.array(info["reset_mask"])}

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
            r = np.zeros(self.num_envs)
            l = np.zeros(self.num_envs, dtype=np.int64)
            mask = np.zeros(self.num_envs, dtype=bool)
            for e in info["episodes"]:
                r[e["copy"]] = _spaces.agent_episode(e, 0)["return"]
                l[e["copy"]] = e["length"]
                mask[e["copy"]] = True
            infos["episode"] = {"r": r, "l": l, "_r": mask.copy(), "_l": mask.copy()}
            infos["_episode"] = mask
        return (self._obs(obs), np.array(rewards[:, 0]), np.array(terminated), np.array(truncated), infos)

    def close_extras(self, **kwargs):
        self._close_session()
