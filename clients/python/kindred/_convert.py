"""Conversions between Python values and protobuf Struct / Value."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from google.protobuf import json_format, struct_pb2


def plain(value: Any) -> Any:
    """Numpy scalars/arrays, tuples and nested containers to JSON-like Python values."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def to_struct(config: Mapping[str, Any] | None) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    if config:
        s.update(plain(config))
    return s


def from_struct(s: struct_pb2.Struct) -> dict:
    """A Struct as a dict; numbers with integral values come back as ints."""
    return _ints(json_format.MessageToDict(s))


def from_value(v: struct_pb2.Value) -> Any:
    return _ints(json_format.MessageToDict(v))


def _ints(x: Any) -> Any:
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    if isinstance(x, dict):
        return {k: _ints(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_ints(v) for v in x]
    return x
