"""The one exception type of the client."""
from __future__ import annotations

import grpc


class KindredError(Exception):
    """A failure reported by (or on the way to) a Kindred server.

    Attributes:
        code: the gRPC status code name, e.g. ``"INVALID_ARGUMENT"``, ``"NOT_FOUND"``,
            ``"UNAVAILABLE"`` (server down), ``"DEADLINE_EXCEEDED"`` (no answer in time).
        message: the server's message (or the client's, for failures that never reached it).
        method: the RPC that failed (e.g. ``"Step"``), when there was one.
        target: the server address.
    """

    def __init__(self, code: str, message: str, method: str | None = None, target: str | None = None):
        self.code = code
        self.message = message
        self.method = method
        self.target = target
        where = ""
        if method or target:
            where = " (" + " at ".join(x for x in (method, target) if x) + ")"
        super().__init__(f"{code}: {message}{where}")

    @classmethod
    def from_rpc(cls, error: grpc.RpcError, method: str, target: str, timeout: float | None) -> "KindredError":
        code = error.code() if hasattr(error, "code") else None
        name = code.name if code is not None else "UNKNOWN"
        details = error.details() if hasattr(error, "details") else None
        details = details or str(error)
        if name == "DEADLINE_EXCEEDED":
            details = f"no answer from {target} within {timeout} s (Client timeout); {details}"
        elif name == "UNAVAILABLE":
            details = f"the Kindred server at {target} cannot be reached: {details}"
        return cls(name, details, method, target)
