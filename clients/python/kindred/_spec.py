"""Numpy-side views of a session's EnvSpec: dtypes, packed shapes, bounds, the action spec."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

from .v1 import spec_pb2

#: Wire dtype -> little-endian numpy dtype.
DTYPES = {
    spec_pb2.DTYPE_UINT8: np.dtype("u1"),
    spec_pb2.DTYPE_INT8: np.dtype("i1"),
    spec_pb2.DTYPE_INT32: np.dtype("<i4"),
    spec_pb2.DTYPE_FLOAT32: np.dtype("<f4"),
    spec_pb2.DTYPE_FLOAT64: np.dtype("<f8"),
    spec_pb2.DTYPE_INT64: np.dtype("<i8"),
}

AGENT = "agent"
COPY = "copy"


@dataclass(frozen=True)
class TensorInfo:
    """One observation tensor of a session.

    ``shape`` is one block (as in the spec); ``batch_shape`` is the packed shape in a
    response: ``(copies, agents, *shape)`` for per-agent tensors, ``(copies, *shape)`` for
    per-copy ones. ``dtype`` is the numpy dtype (little-endian, as on the wire).
    """

    name: str
    description: str
    dtype: np.dtype
    shape: Tuple[int, ...]
    scope: str
    batch_shape: Tuple[int, ...]
    low: Optional[float]
    high: Optional[float]
    feature_names: Tuple[str, ...] = field(default=())
    #: (index along the last axis, low, high) of each feature with bounds of its own, tighter
    #: than the tensor's (``None`` where only the tensor's apply)
    feature_bounds: Tuple[Tuple[int, Optional[float], Optional[float]], ...] = field(default=())

    @property
    def size(self) -> int:
        return int(np.prod(self.batch_shape, dtype=np.int64))

    def bounds(self) -> Tuple[float, float]:
        """(low, high) usable as Box bounds: the spec's, else the dtype's range (or ±inf)."""
        if np.issubdtype(self.dtype, np.integer):
            info = np.iinfo(self.dtype)
            lo = info.min if self.low is None else max(info.min, math.ceil(self.low))
            hi = info.max if self.high is None else min(info.max, math.floor(self.high))
        else:
            lo = -np.inf if self.low is None else self.low
            hi = np.inf if self.high is None else self.high
        return lo, hi


def tensor_infos(spec: spec_pb2.EnvSpec):
    copies, agents = int(spec.num_copies), int(spec.num_agents)
    out = []
    for t in spec.observations:
        if t.dtype not in DTYPES:
            raise ValueError(f"observation '{t.name}': unsupported dtype {spec_pb2.DType.Name(t.dtype)}")
        shape = tuple(int(d) for d in t.shape)
        if t.scope == spec_pb2.SCOPE_AGENT:
            scope, batch = AGENT, (copies, agents) + shape
        elif t.scope == spec_pb2.SCOPE_COPY:
            scope, batch = COPY, (copies,) + shape
        else:
            raise ValueError(f"observation '{t.name}': unsupported scope {spec_pb2.Scope.Name(t.scope)}")
        out.append(
            TensorInfo(
                name=t.name,
                description=t.description,
                dtype=DTYPES[t.dtype],
                shape=shape,
                scope=scope,
                batch_shape=batch,
                low=t.low if t.HasField("low") else None,
                high=t.high if t.HasField("high") else None,
                feature_names=tuple(f.name for f in sorted(t.features, key=lambda f: f.index)),
                feature_bounds=tuple(
                    (int(f.index), f.low if f.HasField("low") else None, f.high if f.HasField("high") else None)
                    for f in t.features if f.HasField("low") or f.HasField("high")
                ),
            )
        )
    return out


@dataclass(frozen=True)
class ActionInfo:
    """A session's action spec.

    Actions are multi-discrete: one integer per dimension, values of dimension ``d`` in
    ``[0, nvec[d])``. ``valid_combinations`` lists the combinations the world defines (for the
    energy world, the 22 canonical ``(action, argument)`` pairs), in lexicographic order; empty
    means every combination is valid. ``action_mask_observation`` names the per-agent
    observation that holds the dynamic mask ("" when the world has none): uint8, one element
    per combination of values, flat row-major over the dimensions with the last fastest
    (:meth:`flat_index`), 1 where the combination is open to the agent in the next step (the
    tensor's description says what the world checks).
    """

    nvec: Tuple[int, ...]
    names: Tuple[str, ...]
    description: str
    valid_combinations: Tuple[Tuple[int, ...], ...]
    action_mask_observation: str

    @property
    def combinations(self) -> int:
        """Number of combinations of the dimensions' values (the mask's length)."""
        return int(np.prod(self.nvec, dtype=np.int64))

    def flat_index(self, values) -> np.ndarray:
        """Mask position of ``values`` (``[..., dims]``): row-major, the last dimension fastest."""
        v = np.asarray(values, dtype=np.int64)
        return np.ravel_multi_index(tuple(np.moveaxis(v, -1, 0)), self.nvec)

    def unflatten(self, index) -> np.ndarray:
        """The combinations at mask positions ``index`` (any shape): int32 ``[..., dims]``."""
        return np.stack(np.unravel_index(np.asarray(index, dtype=np.int64), self.nvec), axis=-1).astype(np.int32)


def action_info(spec: spec_pb2.EnvSpec) -> ActionInfo:
    a = spec.actions
    return ActionInfo(
        nvec=tuple(int(d.num_values) for d in a.dimensions),
        names=tuple(d.name for d in a.dimensions),
        description=a.description,
        valid_combinations=tuple(tuple(int(v) for v in c.values) for c in a.valid_combinations),
        action_mask_observation=a.action_mask_observation,
    )
