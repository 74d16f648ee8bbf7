"""A Gymnasium Env over one copy of a single-agent Kindred world."""
from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence, Union

import gymnasium as gym

from . import spaces as _spaces
from ._client import RENDER_MODES, BaseClient, VectorEnv, check_render_mode
from ._session import SessionAdapter


class GymEnv(SessionAdapter, gym.Env):
    """Gymnasium ``Env`` over one copy of a world with exactly one controlled agent (e.g. a
    spin world with one ``controlled`` spin).

    The observation (``observation_layout="dict"``, the default) is a dict of the agent's
    tensors plus (``include_copy_observations``) the copy's global ones (``spaces.Dict`` of
    ``Box`` from the spec; a scalar is shape ``(1,)``); with ``observation_layout="flat"`` it is
    one float32 vector (a ``Box``) in the order of ``env.layout.feature_names``, and
    ``env.layout.unflatten(obs)`` gives the dict back (see :class:`kindred.spaces.ObservationLayout`).
    The action is an int (``Discrete``) or an int array (``MultiDiscrete``).
    ``reset(seed=...)`` forwards the seed to the server. Autoreset is disabled in the server
    session: reset after an episode ends.

    The step that ends an episode has Kindred's statistics in ``info["kindred_episode"]``
    (``return``, ``length`` and the world's per-agent stats). ``info["episode"]`` is left to
    the wrappers that own it (Gymnasium's ``RecordEpisodeStatistics``, Stable-Baselines3's
    ``Monitor``); with ``episode_info=True`` the env puts it there itself, as those wrappers
    do: ``{"r": return, "l": length, "t": seconds since the env was made}``.

    The env pickles as its recipe and connects again where it is unpickled (see
    :class:`kindred._session.SessionAdapter`).

    Args: as :class:`kindred.ParallelEnv`, and ``observation_layout``, ``episode_info``.
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 10}

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
        episode_info: bool = False,
        record=None,
        **client_kwargs,
    ):
        def one_agent(env: VectorEnv) -> None:
            if env.num_agents != 1:
                raise ValueError(
                    f"GymEnv needs exactly one controlled agent; {world_id} with this configuration has "
                    f"{env.num_agents} (for spin worlds set config 'controlled': [i]; for several agents "
                    "use kindred.ParallelEnv or kindred.VectorEnv)"
                )

        check_render_mode(render_mode)  # before anything is opened
        if observation_layout not in _spaces.LAYOUTS:
            raise ValueError(f"observation_layout must be one of {list(_spaces.LAYOUTS)}, got {observation_layout!r}")
        env = self._open_session(client, client_kwargs, world_id, config, check=one_agent, num_copies=1,
                                 seed=seed, autoreset="disabled", observations=observations, record=record)
        self.world_id = world_id
        self.render_mode = render_mode
        #: how observations are laid out (``feature_names``, ``flatten``, ``unflatten``)
        self.layout = _spaces.ObservationLayout(env.observation_infos, include_copy_observations, observation_layout)
        self.observation_space = self.layout.space
        self.action_space = _spaces.action_space(env.action_nvec, bool(env.action_info.action_mask_observation))
        self._episode_info = episode_info
        self._t0 = time.monotonic()

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        super().reset(seed=seed)
        obs, _ = self._env.reset(seed=seed)
        return self.layout.observation(obs, 0, 0), {}

    def step(self, action):
        env = self._env
        row = _spaces.action_to_row(action, env.action_nvec, "the agent")
        obs, rewards, terminated, truncated, info = env.step(row.reshape(env.action_shape))
        out = {"action_success": bool(info["action_success"][0, 0])}
        for e in info["episodes"]:
            out["kindred_episode"] = episode = _spaces.agent_episode(e, 0)
            if self._episode_info:
                out["episode"] = {"r": episode["return"], "l": episode["length"],
                                  "t": round(time.monotonic() - self._t0, 6)}
        return self.layout.observation(obs, 0, 0), float(rewards[0, 0]), bool(terminated[0]), bool(truncated[0]), out

    def render(self):
        """The current frame, drawn by the server: with ``render_mode="rgb_array"`` a uint8
        array ``(height, width, 3)``, with ``"ansi"`` the text picture; None without a render
        mode (Gymnasium's convention)."""
        if self.render_mode is None:
            return None
        return self._env.render(0, self.render_mode)

    def close(self):
        """Closes the server session (and the client, when this env created it)."""
        self._close_session()
