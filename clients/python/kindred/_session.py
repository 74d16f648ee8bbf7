"""What the Gymnasium and PettingZoo adapters share: one server session (or a match's seat),
opened on the client they are given or on a client of their own."""
from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Union

from ._client import BaseClient, VectorEnv


class SessionAdapter:
    """Mixin of an adapter over one :class:`VectorEnv`.

    An adapter takes a client or a ``"host:port"`` target; given a target it creates the client
    itself, and then owns it: the client closes with the adapter, and with a constructor that
    fails, so that a failed ``__init__`` leaves no channel open.
    """

    _client: BaseClient
    _owns_client: bool
    _env: Optional[VectorEnv]

    def _open(
        self,
        client: Union[BaseClient, str],
        client_kwargs: Mapping[str, Any],
        make: Callable[[BaseClient], VectorEnv],
        check: Optional[Callable[[VectorEnv], None]] = None,
    ) -> VectorEnv:
        """Opens the environment (``make(client)``) and runs ``check`` on it; on any failure
        closes what was opened here, then re-raises."""
        self._owns_client = not isinstance(client, BaseClient)
        self._client = BaseClient(client, **client_kwargs) if self._owns_client else client
        self._env = None
        try:
            self._env = make(self._client)
            if check is not None:
                check(self._env)
        except BaseException:
            self._close_session()
            raise
        return self._env

    def _open_session(
        self,
        client: Union[BaseClient, str],
        client_kwargs: Mapping[str, Any],
        world_id: str,
        config: Optional[Mapping[str, Any]],
        check: Optional[Callable[[VectorEnv], None]] = None,
        **session_kwargs,
    ) -> VectorEnv:
        """Creates the session (``make_vector_env(world_id, config, **session_kwargs)``); see ``_open``."""
        return self._open(client, client_kwargs, lambda c: c.make_vector_env(world_id, config, **session_kwargs),
                          check)

    def _close_session(self) -> None:
        """Closes the session (leaves the seat), and the client when this adapter owns it."""
        if self._env is not None:
            self._env.close()
        if self._owns_client:
            self._client.close()

    @property
    def vector_env(self) -> VectorEnv:
        """The underlying :class:`kindred.VectorEnv`."""
        return self._env
