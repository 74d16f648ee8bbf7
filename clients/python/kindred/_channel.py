"""The gRPC channel to a Kindred server: plaintext or TLS, with a bearer token on every call.

``open_channel`` is also what to hand to other gRPC clients of the same server, e.g. DeepMind's
``dm_env_rpc.v1.connection.Connection``, so that they connect with the same TLS and token.
"""
from __future__ import annotations

import os
import re
from typing import Optional, Sequence, Tuple, Union

import grpc

PathOrPem = Union[str, bytes, "os.PathLike[str]", None]

# RFC 6750's token characters; anything else (a space, a newline) cannot travel in the header.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def _pem(value: PathOrPem, name: str) -> Optional[bytes]:
    """PEM bytes given as themselves or as the path of a file holding them."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    try:
        with open(value, "rb") as f:
            return f.read()
    except OSError as e:
        raise ValueError(f"cannot read {name} '{os.fspath(value)}': {e.strerror or e}") from None


class _Details(grpc.ClientCallDetails):
    def __init__(self, details: grpc.ClientCallDetails, metadata):
        self.method = details.method
        self.timeout = details.timeout
        self.metadata = metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


class _BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                   grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Adds ``authorization: Bearer <token>`` to every call. An interceptor rather than call
    credentials so that it works over plaintext too (a loopback server with tokens)."""

    def __init__(self, token: str):
        self._header = ("authorization", f"Bearer {token}")

    def _details(self, details):
        return _Details(details, list(details.metadata or ()) + [self._header])

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._details(details), requests)

    def __repr__(self) -> str:  # never the token
        return "_BearerToken(***)"


def open_channel(
    target: str,
    *,
    tls: bool = False,
    tls_root_cert: PathOrPem = None,
    tls_client_cert: PathOrPem = None,
    tls_client_key: PathOrPem = None,
    token: Optional[str] = None,
    options: Sequence[Tuple[str, object]] = (),
) -> grpc.Channel:
    """A gRPC channel to ``target`` ("host:port").

    Args:
        tls: connect over TLS, verifying the server against the system's trusted authorities
            (implied by ``tls_root_cert``).
        tls_root_cert: PEM of the authority that issued the server's certificate (or the
            server's self-signed certificate itself), as bytes or a file path.
        tls_client_cert, tls_client_key: a PEM certificate and its PKCS#8 PEM key to present to
            a server that requires client certificates (bytes or file paths).
        token: sent as ``authorization: Bearer <token>`` with every call. Without TLS it travels
            in the clear: use it so only on a trusted network or loopback.
        options: further gRPC channel options.
    """
    if token is not None and not (isinstance(token, str) and _TOKEN.fullmatch(token)):
        n = len(token) if isinstance(token, str) else 0
        raise ValueError(f"token must be a non-empty string of A-Z a-z 0-9 - . _ ~ + / (with '=' padding at its "
                         f"end); got {type(token).__name__} of {n} characters that is not")
    if (tls_client_cert is None) != (tls_client_key is None):
        raise ValueError("tls_client_cert and tls_client_key go together: give both or neither")
    root = _pem(tls_root_cert, "tls_root_cert")
    cert = _pem(tls_client_cert, "tls_client_cert")
    key = _pem(tls_client_key, "tls_client_key")
    if tls or root is not None or cert is not None:
        credentials = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=cert)
        channel = grpc.secure_channel(target, credentials, options=list(options))
    else:
        channel = grpc.insecure_channel(target, options=list(options))
    if token is not None:
        channel = grpc.intercept_channel(channel, _BearerToken(token))
    return channel
