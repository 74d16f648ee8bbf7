"""An RLlib ``MultiAgentEnv`` (new API stack) over one batched Kindred session (needs ray[rllib])."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

import numpy as np
from ray.rllib.env.multi_agent_env import MultiAgentEnv

from ._agent_batch import AgentBatch

#: the keys of ``env_config`` (RLlib's ``config.environment(env_config=...)``) and their defaults
ENV_CONFIG_KEYS = {
    "address": None, "world": None, "world_config": None, "num_copies": 1, "seed": 0,
    "observations": None, "include_copy_observations": False, "client_kwargs": None,
}


class RLlibMultiAgentEnv(AgentBatch, MultiAgentEnv):
    """RLlib ``MultiAgentEnv`` whose agents are every agent of every copy of one server session,
    stepped in one batched call (RLlib's own multi-agent vectorisation makes one env per copy;
    here the copies are batched on the server, so keep ``num_envs_per_env_runner=1``).

    Made by RLlib from ``env_config`` (``config.environment(RLlibMultiAgentEnv, env_config={...})``):
    ``address`` and ``world`` (required), ``world_config``, ``num_copies``, ``seed``,
    ``observations``, ``include_copy_observations``, ``client_kwargs`` (``Client`` settings:
    timeout, TLS, token). The same keys work as keyword arguments. ``address`` may name several
    servers (a list of ``"host:port"`` or ``"a:1,b:2"``): the copies are then spread over them as
    one :class:`kindred.ShardedVectorEnv` (copy ``c`` plays as on one server; see ``kindred.ray``).

    Agent ids are ``"<copy>/<agent name>"`` (e.g. ``"3/spin_0"``); every agent has the same
    flat float32 observation space (``env.layout.feature_names``) and action space, so one
    module plays them all: ``config.multi_agent(policies={"shared"},
    policy_mapping_fn=lambda agent_id, episode, **kw: "shared")``.

    An RLlib episode is one episode of every copy: a copy whose episode ends has its agents
    terminated (or truncated) and then gives no observation until every copy has ended; then
    ``"__all__"`` is done and RLlib's ``reset()`` starts all copies again. Worlds whose copies end
    together (the spin worlds, at ``max_steps``) lose nothing; where they end apart the copies
    that ended first idle until the last one ends. An agent's infos at the end of its episode
    hold ``kindred_episode``: its return and the length.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, **kwargs):
        MultiAgentEnv.__init__(self)
        settings: Dict[str, Any] = dict(ENV_CONFIG_KEYS)
        given = {**dict(config or {}), **kwargs}
        unknown = sorted(set(given) - set(ENV_CONFIG_KEYS))
        if unknown:
            raise ValueError(f"RLlibMultiAgentEnv: unknown env_config keys {unknown}; known: {sorted(ENV_CONFIG_KEYS)}")
        settings.update(given)
        for key in ("address", "world"):
            if not settings[key]:
                raise ValueError(f"RLlibMultiAgentEnv: env_config needs '{key}' (keys: {sorted(ENV_CONFIG_KEYS)})")
        self._open_batch(settings["address"], settings["world"], settings["world_config"], settings["num_copies"],
                         settings["seed"], settings["observations"], settings["include_copy_observations"],
                         settings["client_kwargs"] or {})
        c = self.num_copies
        self.agent_ids = [f"{copy}/{name}" for copy in range(c) for name in self.agent_names]
        self.possible_agents = list(self.agent_ids)
        self.agents = list(self.agent_ids)
        self.observation_spaces = {a: self.single_observation_space for a in self.agent_ids}
        self.action_spaces = {a: self.single_action_space for a in self.agent_ids}
        self._live = np.ones(c, dtype=bool)  # copies whose RLlib episode goes on
        self._terminated = np.zeros(c, dtype=bool)  # copies whose episode ended by termination

    def _obs_dict(self, flat: np.ndarray, copies) -> Dict[str, np.ndarray]:
        a = self.num_agents_per_copy
        ids = self.agent_ids
        return {ids[i]: flat[i] for c in copies for i in range(c * a, (c + 1) * a)}

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        if options:
            raise ValueError(f"RLlibMultiAgentEnv.reset takes no options, got {sorted(options)}")
        obs, _ = self._env.reset(seed=seed)
        self._live[:] = True
        self._terminated[:] = False
        self.agents = list(self.agent_ids)
        return self._obs_dict(self.flat(obs), range(self.num_copies)), {}

    def step(self, action_dict: Mapping[str, Any]):
        obs, rewards, terminated, truncated, info = self._env.step(self._session_actions(action_dict))
        a = self.num_agents_per_copy
        ids = self.agent_ids
        flat = self.flat(obs)
        r = rewards.reshape(-1).tolist()
        live = np.flatnonzero(self._live)
        ended = (terminated | truncated)[live]
        out_info: Dict[str, Any] = {}
        if len(live) == self.num_copies and not ended.any():  # the common step: every agent, nothing ends
            out_term = {"__all__": False}
            return dict(zip(ids, flat)), dict(zip(ids, r)), out_term, {"__all__": False}, out_info
        final = self.flat(info["final_observations"]) if ended.any() else flat
        out_obs, out_rew, out_term, out_trunc = {}, {}, {}, {}
        for c, end in zip(live, ended):
            source = final if end else flat
            for i in range(c * a, (c + 1) * a):
                out_obs[ids[i]] = source[i]
                out_rew[ids[i]] = r[i]
                if end:
                    out_term[ids[i]] = bool(terminated[c])
                    out_trunc[ids[i]] = bool(truncated[c] and not terminated[c])
        if ended.any():
            for i, ret, length in self.episode_records(info):
                if ids[i] in out_obs:
                    out_info[ids[i]] = {"kindred_episode": {"return": ret, "length": length}}
            self._live[live[ended]] = False
            self._terminated[live[ended]] = terminated[live[ended]]
            self.agents = [ids[i] for c in np.flatnonzero(self._live) for i in range(c * a, (c + 1) * a)]
        done = not self._live.any()
        # the RLlib episode ends with the last copy's: terminated when every copy's was, else truncated
        out_term["__all__"] = done and bool(self._terminated.all())
        out_trunc["__all__"] = done and not out_term["__all__"]
        return out_obs, out_rew, out_term, out_trunc, out_info

    def _session_actions(self, action_dict: Mapping[str, Any]) -> np.ndarray:
        """The action dict as the session's int32 [copies, agents, dims]; agents without an
        action (those whose episode ended) send 0, which their copy ignores."""
        n, d = self.size, len(self.action_nvec)
        actions = np.zeros((n, d), dtype=np.int64)
        if d == 1 and len(action_dict) == n:  # the common step: one action for every agent
            try:
                actions[:, 0] = np.fromiter(map(action_dict.__getitem__, self.agent_ids), dtype=np.int64, count=n)
                return self.session_actions(actions)
            except (KeyError, TypeError, ValueError):
                pass  # unknown ids, arrays or non-integers: one by one below
        index = self._index
        if not action_dict.keys() <= index.keys():
            unknown = sorted(set(action_dict) - set(index))[:3]
            raise ValueError(f"unknown agent id(s) {', '.join(map(repr, unknown))} (ids are '<copy>/<agent name>', "
                             f"e.g. {self.agent_ids[0]!r})")
        for agent, action in action_dict.items():
            actions[index[agent]] = np.asarray(action).reshape(d)
        return self.session_actions(actions)

    @property
    def _index(self) -> Dict[str, int]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = self.__dict__["_index_cache"] = {agent: i for i, agent in enumerate(self.agent_ids)}
        return index

    def close(self) -> None:
        AgentBatch.close(self)

    def __repr__(self) -> str:
        return (f"RLlibMultiAgentEnv({self.world_id!r}, copies={self.num_copies}, agents={self.num_agents_per_copy})")
