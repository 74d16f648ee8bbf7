"""What the Gymnasium and PettingZoo adapters share: one server session (or a match's seat),
opened on the client they are given or on a client of their own, and pickled as the recipe
that opens it again."""
from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

from ._client import BaseClient, VectorEnv


class SessionAdapter:
    """Mixin of an adapter over one :class:`VectorEnv`.

    An adapter takes a client or a ``"host:port"`` target; given a target it creates the client
    itself, and then owns it: the client closes with the adapter, and with a constructor that
    fails, so that a failed ``__init__`` leaves no channel open.

    An adapter over a session pickles (and deep-copies) as its recipe: the server's address, the
    client's settings as it was given them (timeouts, TLS files or PEMs, token), the world, its
    configuration, the seed and the session options, with the adapter's spaces; never the
    channel. The copy connects lazily, on its first use, with a session and a client of its own,
    so an env can be built in one process and stepped in another (``multiprocessing`` with
    ``spawn``, Gymnasium's ``AsyncVectorEnv``, SuperSuit's ``concat_vec_envs_v1``). It is a new
    session, not a snapshot: reset it before stepping, as any fresh env (the same seed and
    actions give the same trajectory as in the original).
    """

    _client: Optional[BaseClient]
    _owns_client: bool
    _session: Optional[VectorEnv]
    # (target, client settings, world_id, config, session kwargs, spec fingerprint); None: cannot be reopened
    _recipe: Optional[Tuple[str, Dict[str, Any], str, Any, Dict[str, Any], tuple]] = None
    _adapter_closed: bool = False
    #: attributes of a live session that a pickled copy starts without
    _TRANSIENT: Tuple[str, ...] = ()

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
        self._session = None
        try:
            self._session = make(self._client)
            if check is not None:
                check(self._session)
        except BaseException:
            self._close_session()
            raise
        return self._session

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
        env = self._open(client, client_kwargs, lambda c: c.make_vector_env(world_id, config, **session_kwargs),
                         check)
        self._recipe = (self._client.target, dict(self._client._settings), world_id,
                        None if config is None else dict(config), dict(session_kwargs), _fingerprint(env))
        return env

    def _open_sharded_session(
        self,
        targets,
        client_kwargs: Mapping[str, Any],
        world_id: str,
        config: Optional[Mapping[str, Any]],
        check: Optional[Callable[[VectorEnv], None]] = None,
        **session_kwargs,
    ):
        """A :class:`kindred.ShardedVectorEnv` over ``targets`` (``"host:port"`` strings, one
        session per server) in place of one session; it owns its clients. Pickles as its recipe,
        like a one-server session."""
        from ._sharded import ShardedVectorEnv

        targets = tuple(str(t) for t in targets)
        self._owns_client, self._client, self._session = False, None, None
        try:
            self._session = ShardedVectorEnv(targets, world_id, config, client_kwargs=client_kwargs, **session_kwargs)
            if check is not None:
                check(self._session)
        except BaseException:
            self._close_session()
            raise
        self._recipe = (targets, dict(client_kwargs), world_id, None if config is None else dict(config),
                        dict(session_kwargs), _fingerprint(self._session))
        return self._session

    def fetch_replay(self, copy: int = 0) -> bytes:
        """The server's replay file of ``copy``'s latest finished episode (an env made with
        ``record=``); see ``VectorEnv.fetch_replay``."""
        return self._env.fetch_replay(copy)

    def save_replay(self, copy: int, path) -> int:
        """Writes ``fetch_replay(copy)`` to ``path``; returns the bytes written."""
        return self._env.save_replay(copy, path)

    @property
    def _env(self) -> VectorEnv:
        """The session; an unpickled adapter opens it here, on first use."""
        session = self._session
        if session is None:
            session = self._reconnect()
        return session

    def _reconnect(self) -> VectorEnv:
        if self._adapter_closed:
            raise ValueError(f"this {type(self).__name__} was closed")
        target, settings, world_id, config, session_kwargs, fingerprint = self._recipe
        sharded = isinstance(target, tuple)  # several servers: a ShardedVectorEnv owning its clients
        self._owns_client = not sharded
        self._client = None if sharded else BaseClient(target, **settings)
        try:
            if sharded:
                from ._sharded import ShardedVectorEnv

                self._session = ShardedVectorEnv(target, world_id, config, client_kwargs=settings, **session_kwargs)
            else:
                self._session = self._client.make_vector_env(world_id, config, **session_kwargs)
            found = _fingerprint(self._session)
            if found != fingerprint:
                raise ValueError(
                    f"the server at {target} now gives {world_id} with this configuration a different spec "
                    f"than when this env was made (observations, agents or actions {found} != {fingerprint}); "
                    "make the env again")
        except BaseException:
            self._close_session()
            self._session, self._adapter_closed = None, False
            raise
        return self._session

    def __reduce__(self):
        if self._recipe is None:
            raise TypeError(f"a {type(self).__name__} cannot be pickled: it holds a seat of a match, which one "
                            "controller plays (pass session_id, seat and join_token to the other process instead)")
        skip = ("_client", "_session", "_owns_client", "_adapter_closed", *self._TRANSIENT)
        state = {k: v for k, v in self.__dict__.items() if k not in skip}
        return _restore, (type(self), state)

    def _close_session(self) -> None:
        """Closes the session (leaves the seat), and the client when this adapter owns it."""
        self._adapter_closed = True
        if self._session is not None:
            self._session.close()
        if self._owns_client and self._client is not None:
            self._client.close()

    @property
    def vector_env(self) -> VectorEnv:
        """The underlying :class:`kindred.VectorEnv` (opened here by an unpickled adapter)."""
        return self._env


def _fingerprint(env: VectorEnv) -> tuple:
    """What the adapter's spaces were built from."""
    return (env.num_agents, tuple(env.agent_names), tuple(int(n) for n in env.action_nvec),
            tuple((t.name, t.shape, t.dtype.str, t.scope, t.low, t.high, t.feature_bounds)
                  for t in env.observation_infos.values()))


def _restore(cls, state: Dict[str, Any]):
    """An adapter from its pickled state: no client and no session until its first use."""
    adapter = cls.__new__(cls)
    adapter.__dict__.update(state)
    adapter._client = None
    adapter._session = None
    adapter._owns_client = True
    adapter._adapter_closed = False
    return adapter
