"""A Gymnasium Env over one copy of a single-agent Kindred world."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

import gymnasium as gym

from . import spaces as _spaces
from ._client import BaseClient, VectorEnv
from ._session import SessionAdapter


class GymEnv(SessionAdapter, gym.Env):
    """Gymnasium ``Env`` over one copy of a world with exactly one controlled agent (e.g. a
    spin world with one ``controlled`` spin).

    The observation is a dict of the agent's tensors plus (``include_copy_observations``) the
    copy's global ones (``spaces.Dict`` of ``Box`` from the spec); the action an int
    (``Discrete``) or an int array (``MultiDiscrete``). ``reset(seed=...)`` forwards the seed to
    the server. Autoreset is disabled in the server session: reset after an episode ends.

    Args: as :class:`kindred.ParallelEnv`.
    """

    metadata = {"render_modes": []}

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
        def one_agent(env: VectorEnv) -> None:
            if env.num_agents != 1:
                raise ValueError(
                    f"GymEnv needs exactly one controlled agent; {world_id} with this configuration has "
                    f"{env.num_agents} (for spin worlds set config 'controlled': [i]; for several agents "
                    "use kindred.ParallelEnv or kindred.VectorEnv)"
                )

        env = self._open_session(client, client_kwargs, world_id, config, check=one_agent, num_copies=1,
                                 seed=seed, autoreset="disabled", observations=observations)
        self.world_id = world_id
        self.render_mode = render_mode
        self._include_copy = include_copy_observations
        self.observation_space = _spaces.observation_space(env.observation_infos, include_copy_observations)
        self.action_space = _spaces.action_space(env.action_nvec, bool(env.action_info.action_mask_observation))

    def _obs(self, obs):
        return _spaces.agent_observation(obs, self._env.observation_infos, 0, 0, self._include_copy)

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        super().reset(seed=seed)
        obs, _ = self._env.reset(seed=seed)
        return self._obs(obs), {}

    def step(self, action):
        env = self._env
        row = _spaces.action_to_row(action, env.action_nvec, "the agent")
        obs, rewards, terminated, truncated, info = env.step(row.reshape(env.action_shape))
        out = {"action_success": bool(info["action_success"][0, 0])}
        for e in info["episodes"]:
            out["episode"] = _spaces.agent_episode(e, 0)
        return self._obs(obs), float(rewards[0, 0]), bool(terminated[0]), bool(truncated[0]), out

    def render(self):
        return None

    def close(self):
        """Closes the server session (and the client, when this env created it)."""
        self._close_session()
