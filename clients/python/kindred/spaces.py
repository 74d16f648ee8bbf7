"""Gymnasium spaces built from a session's spec, and the one-agent views of a session's
actions, observations and episodes that the adapters share."""
from __future__ import annotations

from typing import Any, Dict, Mapping, Union

import numpy as np
from gymnasium import spaces

from ._spec import AGENT, TensorInfo


def box(info: TensorInfo) -> spaces.Box:
    """The Box of one block of a tensor (dtype, shape and bounds from the spec)."""
    low, high = info.bounds()
    return spaces.Box(low=low, high=high, shape=info.shape, dtype=info.dtype.newbyteorder("="))


def observation_space(infos: Dict[str, TensorInfo], include_copy: bool = True) -> spaces.Dict:
    """A Dict of Boxes: every per-agent tensor, plus (``include_copy``) every per-copy one."""
    return spaces.Dict(
        {name: box(t) for name, t in infos.items() if include_copy or t.scope == AGENT}
    )


class JointMaskMultiDiscrete(spaces.MultiDiscrete):
    """A ``MultiDiscrete`` whose ``sample(mask=...)`` also takes a world's joint action mask: a
    flat array with one element per combination of values, row-major with the last dimension
    fastest (the layout of the spec's ``action_mask_observation``, e.g. the ``action_mask`` entry
    of an agent's observation dict, which PettingZoo's tools pass as the mask). The sample is
    then uniform over the combinations the mask allows. A tuple of per-dimension masks works as
    in ``MultiDiscrete``."""

    def sample(self, mask=None, **kwargs):
        if mask is not None and not isinstance(mask, tuple):
            m = np.asarray(mask)
            if m.ndim == 1 and m.size == int(np.prod(self.nvec)):
                allowed = np.flatnonzero(m)
                if allowed.size == 0:
                    raise ValueError("the action mask allows no combination")
                index = self.np_random.choice(allowed)
                return np.array(np.unravel_index(index, self.nvec), dtype=self.dtype)
        return super().sample(mask=mask, **kwargs)


def action_space(nvec: np.ndarray, joint_mask: bool = False) -> spaces.Space:
    """``Discrete(n)`` for one action dimension, ``MultiDiscrete(nvec)`` otherwise
    (:class:`JointMaskMultiDiscrete` when the world has an action-mask observation)."""
    if len(nvec) == 1:
        return spaces.Discrete(int(nvec[0]))
    return (JointMaskMultiDiscrete if joint_mask else spaces.MultiDiscrete)(np.asarray(nvec, dtype=np.int64))


def action_to_row(action, nvec: np.ndarray, who: str) -> np.ndarray:
    """One agent's action (int, numpy scalar or array of action dims) as an int array [dims]."""
    a = np.asarray(action)
    if a.dtype.kind not in "iu":
        raise ValueError(f"action of {who} must be integer, got {a!r} (dtype {a.dtype})")
    if a.size != len(nvec):
        raise ValueError(
            f"action of {who} must have {len(nvec)} value(s) (one per action dimension), got shape {list(a.shape)}"
        )
    return a.reshape(len(nvec))


def agent_observation(obs: Dict[str, np.ndarray], infos: Dict[str, TensorInfo], copy: Union[int, slice],
                      agent: int, include_copy: bool = True) -> Dict[str, np.ndarray]:
    """The observation dict of one agent of one copy, or of several with ``copy`` a slice
    (fresh, writable arrays)."""
    out = {}
    for name, t in infos.items():
        if t.scope == AGENT:
            out[name] = np.array(obs[name][copy, agent, ...], dtype=t.dtype.newbyteorder("="))
        elif include_copy:
            out[name] = np.array(obs[name][copy, ...], dtype=t.dtype.newbyteorder("="))
    return out


def agent_episode(episode: Mapping[str, Any], agent: int) -> Dict[str, Any]:
    """One agent's summary of an ended episode (an entry of ``info["episodes"]`` of a
    ``VectorEnv`` step): its return (0 when the server sent none), the length, its stats."""
    returns, stats = episode["returns"], episode["agent_stats"]
    return {
        "return": float(returns[agent]) if agent < len(returns) else 0.0,
        "length": episode["length"],
        **(stats[agent] if agent < len(stats) else {}),
    }
