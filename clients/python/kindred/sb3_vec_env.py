"""A Stable-Baselines3 ``VecEnv`` over one batched Kindred session (needs stable-baselines3)."""
from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Union

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from ._agent_batch import AgentBatch
from ._client import BaseClient


class SB3VecEnv(AgentBatch, VecEnv):
    """Stable-Baselines3 ``VecEnv`` whose environments are every agent of every copy of one
    server session (parameter sharing: one policy plays them all), stepped in one batched call.

    ``num_envs = num_copies * num_agents``; environment ``i`` is agent ``i % num_agents`` of copy
    ``i // num_agents``. Observations are float32 flat vectors (``env.layout.feature_names``;
    per-copy tensors only with ``include_copy_observations=True``); actions ``Discrete`` (one
    action dimension) or ``MultiDiscrete``.

    Auto-reset follows SB3: the step that ends a copy's episode marks its agents done, returns
    the next episode's first observation, and puts the ended episode's last observation in
    ``infos[i]["terminal_observation"]`` (with ``"TimeLimit.truncated"``) and the agent's episode
    record ``{"r", "l", "t"}`` in ``infos[i]["episode"]``, which SB3's logger reads
    (``ep_rew_mean``; no ``VecMonitor`` needed). Kindred's own statistics of that episode are
    in ``infos[i]["kindred_episode"]``.

    ``env.seed(s)`` (or ``PPO(seed=s)``) makes the next ``reset()`` restart the session's seed
    stream from ``s``; the env pickles as its recipe, as the other adapters.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        client: Union[BaseClient, str],
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        num_copies: int = 1,
        seed: int = 0,
        observations: Optional[Sequence[str]] = None,
        include_copy_observations: bool = False,
        **client_kwargs,
    ):
        self._open_batch(client, world_id, config, num_copies, seed, observations, include_copy_observations,
                         client_kwargs)
        self.render_mode = None
        VecEnv.__init__(self, self.size, self.single_observation_space, self.single_action_space)
        self._actions: Optional[np.ndarray] = None

    # -- VecEnv ----------------------------------------------------------------------------
    def reset(self):
        seed = self._seeds[0] if self._seeds and self._seeds[0] is not None else None
        obs, _ = self._env.reset(seed=seed)
        self._reset_seeds()
        self._reset_options()
        return self.flat(obs)

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = self.session_actions(actions)

    def step_wait(self):
        if self._actions is None:
            raise ValueError("step_wait() without step_async(actions)")
        actions, self._actions = self._actions, None
        obs, rewards, terminated, truncated, info = self._env.step(actions)
        a = self.num_agents_per_copy
        ended = np.asarray(terminated | truncated)
        dones = np.repeat(ended, a)
        infos: List[dict] = [{} for _ in range(self.num_envs)]
        if ended.any():
            final = self.flat(info["final_observations"])
            for c in np.flatnonzero(ended):
                time_limit = bool(truncated[c] and not terminated[c])
                for i in range(c * a, (c + 1) * a):
                    infos[i]["terminal_observation"] = final[i]
                    infos[i]["TimeLimit.truncated"] = time_limit
            t = self.elapsed()
            for i, r, length in self.episode_records(info):
                infos[i]["episode"] = {"r": r, "l": length, "t": t}
                infos[i]["kindred_episode"] = {"return": r, "length": length}
        return self.flat(obs), np.array(rewards, dtype=np.float32).reshape(-1), dones, infos

    def close(self) -> None:
        AgentBatch.close(self)

    def get_attr(self, attr_name: str, indices=None) -> List[Any]:
        return [getattr(self, attr_name)] * len(self._get_indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> List[Any]:
        result = getattr(self, method_name)(*method_args, **method_kwargs)
        return [result] * len(self._get_indices(indices))

    def env_is_wrapped(self, wrapper_class, indices=None) -> List[bool]:
        return [False] * len(self._get_indices(indices))

    def get_images(self):
        raise NotImplementedError("Kindred envs do not render images")

    def __repr__(self) -> str:
        return (f"SB3VecEnv({self.world_id!r}, copies={self.num_copies}, agents={self.num_agents_per_copy}, "
                f"num_envs={self.num_envs})")
