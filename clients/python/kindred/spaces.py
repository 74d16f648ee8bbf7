"""Gymnasium spaces built from a session's spec, and the one-agent views of a session's
actions, observations and episodes that the adapters share."""
from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Tuple, Union

import numpy as np
from gymnasium import spaces

from ._spec import AGENT, TensorInfo


def block_shape(info: TensorInfo) -> Tuple[int, ...]:
    """The shape of one block as the adapters give it: the spec's, with a scalar as shape
    ``(1,)`` (libraries such as Stable-Baselines3 cannot index a shape ``()`` Box)."""
    return info.shape or (1,)


#: The bounds of a float tensor whose spec gives none: float32's range, finite, so that every
#: Box is bounded (Gymnasium's checker warns on infinite bounds; some libraries refuse them).
FLOAT_LIMIT = float(np.finfo(np.float32).max)


def finite_bounds(info: TensorInfo) -> Tuple[Union[float, np.ndarray], Union[float, np.ndarray]]:
    """(low, high) of a tensor's Box: the spec's bounds, else the dtype's range (float32's for
    floats); where features have bounds of their own (the energy world's ``globals``), arrays of
    the block's shape with each feature's bounds along the last axis (a constant feature keeps
    the tensor's)."""
    low, high = info.bounds()
    low, high = max(low, -FLOAT_LIMIT), min(high, FLOAT_LIMIT)
    if not info.feature_bounds or not info.shape:
        return low, high
    lows = np.full(info.shape, low, dtype=np.float64)
    highs = np.full(info.shape, high, dtype=np.float64)
    integer = np.issubdtype(info.dtype, np.integer)
    for index, lo, hi in info.feature_bounds:
        if 0 <= index < info.shape[-1]:
            if lo is not None:
                lows[..., index] = max(low, math.ceil(lo) if integer else lo)
            if hi is not None:
                highs[..., index] = min(high, math.floor(hi) if integer else hi)
    # A constant feature (a fixed economy value, one body) keeps the tensor's bounds: Gymnasium's
    # checker warns on a Box element whose low equals its high.
    constant = lows == highs
    lows[constant], highs[constant] = low, high
    return lows, highs


def box(info: TensorInfo) -> spaces.Box:
    """The Box of one block of a tensor (dtype, shape and bounds from the spec, see
    :func:`finite_bounds`; a scalar is shape ``(1,)``)."""
    low, high = finite_bounds(info)
    dtype = info.dtype.newbyteorder("=")
    if isinstance(low, np.ndarray):  # per-feature bounds, in the Box's own dtype (no precision warning)
        low, high = low.astype(dtype), high.astype(dtype)
    return spaces.Box(low=low, high=high, shape=block_shape(info), dtype=dtype)


def observation_space(infos: Dict[str, TensorInfo], include_copy: bool = True) -> spaces.Dict:
    """A Dict of Boxes: every per-agent tensor, plus (``include_copy``) every per-copy one."""
    return spaces.Dict(
        {name: box(t) for name, t in infos.items() if include_copy or t.scope == AGENT}
    )


LAYOUTS = ("dict", "flat")


class ObservationLayout:
    """How an adapter gives one agent's observation: the ``"dict"`` layout (name -> array, the
    Dict space of :func:`observation_space`) or the ``"flat"`` one (one float32 vector per
    agent, a ``Box``), for libraries whose default policies take a single vector.

    The flat vector is the dict's arrays, each flattened row-major, one after the other in the
    spec's observation order (``env.observation_infos``; per-copy tensors included unless
    ``include_copy_observations=False``): :attr:`feature_names` names every element, e.g.
    ``own_spin`` or ``spins[3]`` (a tensor's own feature names where the spec gives them, as
    the energy world's ``inventory[energy]``). Values are cast to float32 (exact for every
    integer tensor of the worlds; float64 tensors are rounded). :meth:`unflatten` gives the
    dict back, with the spec's dtypes; :meth:`flatten` is its inverse.
    """

    def __init__(self, infos: Dict[str, TensorInfo], include_copy: bool = True, layout: str = "dict"):
        if layout not in LAYOUTS:
            raise ValueError(f"observation_layout must be one of {list(LAYOUTS)}, got {layout!r}")
        self.layout = layout
        self.tensors = [t for t in infos.values() if include_copy or t.scope == AGENT]
        self.dict_space = observation_space(infos, include_copy)
        names, lows, highs, self._slices = [], [], [], {}
        start = 0
        for t in self.tensors:
            shape = block_shape(t)
            n = int(np.prod(shape))
            self._slices[t.name] = slice(start, start + n)
            start += n
            names += _element_names(t, shape)
            lo, hi = finite_bounds(t)
            lows.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), shape).ravel())
            highs.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), shape).ravel())
        #: the name of every element of the flat vector, in order
        self.feature_names: Tuple[str, ...] = tuple(names)
        self.size = start
        low = np.concatenate(lows) if lows else np.zeros(0)
        high = np.concatenate(highs) if highs else np.zeros(0)
        self.flat_space = spaces.Box(low=low.astype(np.float32), high=high.astype(np.float32), dtype=np.float32)
        #: the space of one agent's observation in this layout
        self.space: spaces.Space = self.flat_space if layout == "flat" else self.dict_space

    def observation(self, obs: Dict[str, np.ndarray], copy: Union[int, slice], agent: int):
        """One agent's observation of one copy (or ``[copies, ...]`` for ``copy`` a slice), in
        this layout (fresh, writable arrays)."""
        d = agent_observation(obs, {t.name: t for t in self.tensors}, copy, agent)
        return self.flatten(d) if self.layout == "flat" else d

    def flatten(self, observation: Mapping[str, np.ndarray]) -> np.ndarray:
        """A dict observation (or a batch of them, ``[batch, *shape]`` per entry) as float32
        ``[size]`` (or ``[batch, size]``)."""
        first = np.asarray(observation[self.tensors[0].name]) if self.tensors else np.zeros(0)
        batch = first.shape[: first.ndim - len(block_shape(self.tensors[0]))] if self.tensors else ()
        out = np.empty(batch + (self.size,), dtype=np.float32)
        for t in self.tensors:
            out[..., self._slices[t.name]] = np.asarray(observation[t.name]).reshape(batch + (-1,))
        return out

    def unflatten(self, flat) -> Dict[str, np.ndarray]:
        """The dict observation of a flat one (``[size]`` or ``[batch, size]``), with the
        spec's dtypes and the dict layout's shapes."""
        f = np.asarray(flat)
        if f.shape[-1:] != (self.size,):
            raise ValueError(f"a flat observation has {self.size} elements in its last axis, got shape {list(f.shape)}")
        batch = f.shape[:-1]
        out = {}
        for t in self.tensors:
            part = f[..., self._slices[t.name]].reshape(batch + block_shape(t))
            dtype = t.dtype.newbyteorder("=")
            out[t.name] = np.rint(part).astype(dtype) if np.issubdtype(dtype, np.integer) else part.astype(dtype)
        return out


def _element_names(t: TensorInfo, shape: Tuple[int, ...]):
    if not t.shape:
        return [t.name]
    if t.feature_names and len(t.feature_names) == shape[-1]:
        leading = [f"[{','.join(map(str, i))}]" if i else "" for i in np.ndindex(*shape[:-1])]
        return [f"{t.name}{lead}[{f}]" for lead in leading for f in t.feature_names]
    return [f"{t.name}[{','.join(map(str, i))}]" for i in np.ndindex(*shape)]


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
    (fresh, writable arrays; a scalar tensor is shape ``(1,)``, ``[copies, 1]`` for a slice)."""
    out = {}
    for name, t in infos.items():
        if t.scope == AGENT:
            a = np.array(obs[name][copy, agent, ...], dtype=t.dtype.newbyteorder("="))
        elif include_copy:
            a = np.array(obs[name][copy, ...], dtype=t.dtype.newbyteorder("="))
        else:
            continue
        out[name] = a if t.shape else a.reshape(a.shape + (1,))
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
