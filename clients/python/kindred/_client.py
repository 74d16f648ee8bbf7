"""BaseClient (one gRPC channel) and VectorEnv (one batched session): the core of the package.

Nothing here imports the Gymnasium or PettingZoo adapters; they build on this module. The
adapter factories of ``kindred.Client`` live in ``kindred/__init__.py``, above both.
"""
from __future__ import annotations

import atexit
import json
import queue
import threading
import time
import weakref
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

import grpc
import numpy as np

from . import _convert
from ._channel import PathOrPem, open_channel
from ._errors import KindredError
from ._spec import ActionInfo, TensorInfo, action_info, tensor_infos
from .v1 import env_service_pb2 as pb
from .v1 import env_service_pb2_grpc as pb_grpc
from .v1 import spec_pb2

PROTOCOL = "kindred.v1"
__version__ = "0.1.0"

_AUTORESET = {
    "next_step": spec_pb2.AUTORESET_NEXT_STEP,
    "same_step": spec_pb2.AUTORESET_SAME_STEP,
    "disabled": spec_pb2.AUTORESET_DISABLED,
}
_AUTORESET_NAMES = {v: k for k, v in _AUTORESET.items()}
_U64 = 1 << 64
_C = TypeVar("_C", bound="BaseClient")


#: the render modes of the Gymnasium/PettingZoo adapters and :meth:`VectorEnv.render`
RENDER_MODES = ("rgb_array", "ansi")


def check_render_mode(mode: Optional[str]) -> Optional[str]:
    """``mode`` if it is None or one of :data:`RENDER_MODES`, else a ValueError naming them."""
    if mode is not None and mode not in RENDER_MODES:
        raise ValueError(f"unknown render_mode {mode!r}; Kindred renders {list(RENDER_MODES)} (or None)")
    return mode


def _create_request(client: "BaseClient", world_id: str, config, num_copies: int, seed: Any,
                    autoreset: Union[str, int, None], observations, sparse_observations: bool) -> pb.CreateSessionRequest:
    """The CreateSessionRequest fields a plain session and a match share."""
    if int(num_copies) < 1:
        raise ValueError(f"num_copies must be at least 1, got {num_copies}")
    return pb.CreateSessionRequest(
        world_id=world_id,
        config=_convert.to_struct(config),
        num_copies=int(num_copies),
        seed=_seed(seed),
        autoreset=_autoreset(autoreset),
        observations=list(observations or []),
        client_name=client.client_name,
        sparse_observations=bool(sparse_observations),
    )


def _autoreset(mode: Union[str, int, None]) -> int:
    if mode is None:
        return spec_pb2.AUTORESET_NEXT_STEP
    if isinstance(mode, str):
        key = mode.lower().replace("-", "_")
        for prefix in ("autoreset_", "autoreset_mode_"):
            if key.startswith(prefix):
                key = key[len(prefix):]
        if key in _AUTORESET:
            return _AUTORESET[key]
    elif int(mode) in _AUTORESET_NAMES:
        return int(mode)
    raise ValueError(f"autoreset must be one of {sorted(_AUTORESET)}, got {mode!r}")


def _seed(seed: Any) -> int:
    """A seed as the wire's uint64. Negative seeds are errors; larger ones are reduced mod 2**64."""
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return seed % _U64


class BaseClient:
    """:class:`kindred.Client` (see there for the arguments) but for its adapter factories
    (``make_parallel_env``, ``make_gym_env``): what ``VectorEnv`` and the adapters build on."""

    def __init__(
        self,
        target: str = "localhost:50051",
        timeout: Optional[float] = 60.0,
        connect_timeout: Optional[float] = 10.0,
        verify: bool = True,
        client_name: str = "kindred-python",
        *,
        tls: bool = False,
        tls_root_cert: PathOrPem = None,
        tls_client_cert: PathOrPem = None,
        tls_client_key: PathOrPem = None,
        token: Optional[str] = None,
    ):
        if not isinstance(target, str) or not target.strip():
            raise ValueError(f'target must be "host:port", got {target!r}')
        self.target = target
        # How this client was made, for an environment pickled to another process, which connects
        # there with the same settings (TLS files and token as given; never the channel).
        self._settings = dict(timeout=timeout, connect_timeout=connect_timeout, verify=verify,
                              client_name=client_name, tls=tls, tls_root_cert=tls_root_cert,
                              tls_client_cert=tls_client_cert, tls_client_key=tls_client_key, token=token)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.client_name = client_name
        self._channel = open_channel(
            target,
            tls=tls,
            tls_root_cert=tls_root_cert,
            tls_client_cert=tls_client_cert,
            tls_client_key=tls_client_key,
            token=token,
            options=[
                ("grpc.max_receive_message_length", -1),
                ("grpc.max_send_message_length", -1),
                ("grpc.primary_user_agent", f"kindred-python/{__version__}"),
                # One connection per Client: gRPC would otherwise share one TCP connection among
                # the channels of a process, and the server tells controllers (a match's seats)
                # and connection principals apart by connection.
                ("grpc.use_local_subchannel_pool", 1),
            ],
        )
        self._stub = pb_grpc.EnvServiceStub(self._channel)
        # The sessions made here and not closed yet, by lease (not by environment: an environment
        # that nobody references any more is collected, and its finalizer closes its session).
        self._leases: "set[_Lease]" = set()
        self._lock = threading.Lock()
        self._closed = False
        try:
            if connect_timeout:
                try:
                    grpc.channel_ready_future(self._channel).result(timeout=connect_timeout)
                except grpc.FutureTimeoutError:
                    raise KindredError(
                        "UNAVAILABLE",
                        f"no Kindred server answers at {target} (waited {connect_timeout} s; "
                        "is it running? start one with './kindred serve'; for a TLS server pass "
                        "tls_root_cert=..., and check that it presents a certificate for this host)",
                        None,
                        target,
                    ) from None
            if verify:
                info = self.server_info()
                if info.protocol and info.protocol != PROTOCOL:
                    raise KindredError(
                        "FAILED_PRECONDITION",
                        f"the server at {target} speaks protocol '{info.protocol}' (server "
                        f"{info.server_version}); this client speaks '{PROTOCOL}'",
                        "GetServerInfo",
                        target,
                    )
        except BaseException:
            self._channel.close()
            raise
        _live_clients.add(self)

    # -- plumbing --------------------------------------------------------------------------
    def _call(self, method: str, request, timeout: Optional[float] = None):
        if self._closed:
            raise KindredError("FAILED_PRECONDITION", "this Client has been closed", method, self.target)
        t = self.timeout if timeout is None else timeout
        try:
            return getattr(self._stub, method)(request, timeout=t)
        except grpc.RpcError as e:
            raise KindredError.from_rpc(e, method, self.target, t) from None

    def list_recordings(self) -> List["pb.RecordedSession"]:
        """This principal's recorded sessions (``kindred.v1.RecordedSession``: id, world, copies,
        recorded copies, steps, finished episodes, watchers)."""
        return list(self._call("ListRecordings", pb.ListRecordingsRequest()).sessions)

    # -- discovery -------------------------------------------------------------------------
    def server_info(self) -> pb.ServerInfo:
        """The server's version, protocol, limits and world ids (a ``kindred.v1.ServerInfo``)."""
        return self._call("GetServerInfo", pb.GetServerInfoRequest())

    def list_worlds(self, world_ids: Optional[Sequence[str]] = None, summary: bool = False) -> List[spec_pb2.WorldInfo]:
        """The worlds the server hosts (``kindred.v1.WorldInfo``: id, title, description,
        parameters, default_config), or only ``world_ids``, in that order. With ``summary`` only
        ids, titles and the first paragraph of each description (a few KB instead of ~150 KB)."""
        request = pb.ListWorldsRequest(world_ids=list(world_ids or []), summary=summary)
        return list(self._call("ListWorlds", request).worlds)

    def world_ids(self) -> List[str]:
        return [w.id for w in self.list_worlds()]

    def default_config(self, world_id: str) -> dict:
        (w,) = self.list_worlds([world_id])  # NOT_FOUND from the server names the hosted worlds
        return _convert.from_struct(w.default_config)

    # -- sessions --------------------------------------------------------------------------
    def make_vector_env(
        self,
        world_id: str,
        config: Optional[Mapping[str, Any]] = None,
        num_copies: int = 1,
        seed: int = 0,
        autoreset: Union[str, int, None] = "next_step",
        observations: Optional[Sequence[str]] = None,
        streaming: bool = True,
        sparse_observations: bool = True,
        record: Union[str, bool, Sequence[int], None] = None,
        first_copy: int = 0,
    ) -> "VectorEnv":
        """Creates a session of ``num_copies`` copies of a world (reset it before stepping).

        Args:
            config: the world's configuration (see ``list_worlds``); absent keys take defaults.
            seed: the session seed (uint64).
            autoreset: ``"next_step"`` (default), ``"same_step"`` or ``"disabled"``.
            observations: names of the observations to return; ``None``: all.
            streaming: send steps over one ``StepStream`` (faster) instead of unary ``Step``
                calls; the client's ``timeout`` applies to each step either way.
            sparse_observations: let the server send mostly-zero observation tensors as their
                nonzero bytes when that is smaller (decoded here; the arrays are the same).
            record: copies the server records as replay files: a list of copy indices, or
                ``"all"`` (or ``True``); ``None`` (default): none. Fetch a copy's latest finished
                episode with ``VectorEnv.fetch_replay(copy)`` / ``save_replay(copy, path)``.
            first_copy: global index of this session's copy 0 when it is one shard of an
                environment spread over several servers (see :class:`kindred.ShardedVectorEnv`):
                its copy ``k`` plays the episodes copy ``first_copy + k`` plays on one server.
        """
        request = _create_request(self, world_id, config, num_copies, seed, autoreset, observations,
                                  sparse_observations)
        request.first_copy = int(first_copy)
        if record is not None and record is not False:
            request.record.CopyFrom(_record_options(record))
        response = self._call("CreateSession", request)
        env = VectorEnv(self, response.session_id, response.spec, streaming=streaming)
        self._track(env._lease)
        return env

    def _track(self, lease: "_Lease") -> None:
        """Closes ``lease`` with this client (at ``close()`` or interpreter exit)."""
        with self._lock:
            self._leases.add(lease)

    def _forget(self, lease: "_Lease") -> None:
        with self._lock:
            self._leases.discard(lease)

    @property
    def open_sessions(self) -> int:
        """Number of sessions (matches and joined seats included) made through this client and not
        closed (or left) yet."""
        with self._lock:
            return len(self._leases)

    def close(self) -> None:
        """Closes every session still open through this client (best effort), then the channel.
        Idempotent. Also runs at interpreter exit for clients still open then."""
        self._close(None)

    def _close(self, session_timeout: Optional[float]) -> None:
        if self._closed:
            return
        with self._lock:
            leases = list(self._leases)
        for lease in leases:
            try:
                lease.close(session_timeout)
            except KindredError:
                pass
        self._closed = True
        _live_clients.discard(self)
        self._channel.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.target!r}{', closed' if self._closed else ''})"

    def __reduce__(self):
        raise TypeError("a kindred Client holds a gRPC channel and cannot be pickled; pickle the environment "
                        "(GymEnv, GymVectorEnv, ParallelEnv: it connects again where it is unpickled) or pass "
                        "the target and settings")


def _unpack(data: bytes, dtype, shape: Tuple[int, ...], what: str, allow_empty: bool = True) -> np.ndarray:
    """Zero-copy view of packed little-endian bytes (read-only). An empty field stands for
    zeros where ``allow_empty`` (rewards and flags of a reset)."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    if len(data) != n * dtype.itemsize:
        if len(data) == 0 and allow_empty:
            return np.zeros(shape, dtype)
        raise KindredError(
            "INTERNAL",
            f"{what}: got {len(data)} bytes, expected {n * dtype.itemsize} ({dtype} {list(shape)})",
        )
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _malformed_sparse(name: str, offsets: int, values: int, n: int) -> KindredError:
    return KindredError("INTERNAL", f"observation '{name}': malformed sparse encoding "
                        f"({offsets} offsets, {values} values, {n} bytes)")


class _Scratch:
    """Reusable buffers of one environment's sparse decodes: the message's uint32 offsets
    widened to the index type numpy scatters with (numpy would otherwise allocate that array,
    8 bytes per nonzero byte, on every decode), and the flags of their order check."""

    def __init__(self):
        self.index = np.empty(0, np.intp)
        self.flags = np.empty(0, np.bool_)

    def scatter(self, name: str, offsets: bytes, values: bytes, flat: np.ndarray) -> None:
        """Writes the bytes a TENSOR_ENCODING_SPARSE_BYTES tensor lists (``offsets``: uint32 LE,
        strictly increasing, below ``flat.size``; ``values``: one byte each) into ``flat``
        (uint8, one dimension); the other bytes of ``flat`` are left as they are."""
        n = flat.size
        k = len(values)
        if len(offsets) != 4 * k:
            raise _malformed_sparse(name, len(offsets) // 4, k, n)
        if k == 0:
            return
        if self.index.size < k:
            self.index = np.empty(max(k, 2 * self.index.size), np.intp)
            self.flags = np.empty(self.index.size, np.bool_)
        index = self.index[:k]
        np.copyto(index, np.frombuffer(offsets, dtype="<u4"))
        if index[-1] >= n or np.less_equal(index[1:], index[:-1], out=self.flags[:k - 1]).any():
            raise _malformed_sparse(name, k, k, n)
        flat[index] = np.frombuffer(values, dtype=np.uint8)


def _bytes_of(array: np.ndarray) -> np.ndarray:
    """A C-contiguous array's memory as a flat uint8 view."""
    return array.reshape(-1).view(np.uint8)


def check_out(infos: Mapping[str, TensorInfo], out) -> Optional[Mapping[str, np.ndarray]]:
    """``out`` of a ``step``/``reset`` if every array fits its observation in ``infos`` (batch
    shape, dtype, C-contiguous, writeable), else a precise ``TypeError``/``ValueError``."""
    if out is None:
        return None
    if not isinstance(out, Mapping):
        raise TypeError(f"out must be a dict of observation name -> numpy array, got {type(out).__name__}")
    for name, array in out.items():
        info = infos.get(name)
        if info is None:
            raise ValueError(f"out: '{name}' is not an observation of this session "
                             f"(it has {', '.join(infos)})")
        if not isinstance(array, np.ndarray):
            raise TypeError(f"out['{name}'] must be a numpy array, got {type(array).__name__}")
        if array.dtype != info.dtype:
            raise TypeError(f"out['{name}'] has dtype {array.dtype}; the observation is {info.dtype}")
        if array.shape != info.batch_shape:
            raise ValueError(f"out['{name}'] has shape {list(array.shape)}; the observation is "
                             f"{list(info.batch_shape)}")
        if not array.flags.c_contiguous:
            raise ValueError(f"out['{name}'] must be C-contiguous (np.ascontiguousarray, or "
                             "observation_buffers())")
        if not array.flags.writeable:
            raise ValueError(f"out['{name}'] is read-only")
    return out


class VectorEnv:
    """A batched session: ``num_copies`` copies of a world, each with ``num_agents`` agents.

    ``reset`` returns ``(observations, info)`` and ``step`` returns
    ``(observations, rewards, terminated, truncated, info)`` where

    * ``observations`` is a dict name -> numpy array: per-agent tensors are
      ``[copies, agents, *shape]``, per-copy tensors ``[copies, *shape]``; the arrays are
      read-only (views of the response's bytes where it can: no copy); copy what you want to
      modify. With ``out=`` (a dict name -> array you own, e.g. :meth:`observation_buffers`)
      the named observations are decoded straight into your arrays, which are returned
      themselves: nothing the size of an observation is allocated per step;
    * ``rewards`` is float32 ``[copies, agents]``; ``terminated``/``truncated`` bool ``[copies]``;
    * ``info`` holds ``action_success`` (bool ``[copies, agents]``), ``reset_mask`` (bool
      ``[copies]``), ``episodes`` (a list of dicts, one per episode that ended in this step:
      copy, episode, length, terminated, truncated, returns ``[agents]``, agent_stats, stats),
      ``session_step``, and with ``autoreset="same_step"`` ``final_observations``.

    Actions are integers shaped ``[copies, agents, action_dims]`` (``[copies, agents]`` is
    accepted when there is one action dimension); values of dimension ``d`` lie in
    ``[0, action_nvec[d])``. ``action_info`` holds the whole action spec: the combinations the
    world defines (``valid_combinations``) and the name of the observation with the per-agent
    action mask (``action_mask_observation``, "" when none).
    """

    def __init__(self, client: BaseClient, session_id: str, spec: spec_pb2.EnvSpec, streaming: bool = False):
        self.client = client
        self.session_id = session_id
        self.spec = spec
        self.world_id = spec.world_id
        self.num_copies = int(spec.num_copies)
        self.num_agents = int(spec.num_agents)
        self.agent_names: List[str] = list(spec.agent_names)
        #: the action spec: dimensions, valid combinations, the name of the action-mask observation
        self.action_info: ActionInfo = action_info(spec)
        self.action_nvec = np.array([d.num_values for d in spec.actions.dimensions], dtype=np.int64)
        self.action_names: List[str] = [d.name for d in spec.actions.dimensions]
        self.action_shape = (self.num_copies, self.num_agents, len(self.action_nvec))
        self.observation_infos: Dict[str, TensorInfo] = {t.name: t for t in tensor_infos(spec)}
        self._infos: List[TensorInfo] = list(self.observation_infos.values())
        self.autoreset = _AUTORESET_NAMES.get(spec.episode.autoreset, "next_step")
        self.max_steps = int(spec.episode.max_steps)
        self.config = _convert.from_struct(spec.config)
        self.properties = dict(spec.properties)
        self.streaming = streaming
        self._lease = self._new_lease()
        # At garbage collection, close the session without waiting (not at exit: the client's
        # own exit hook closes its sessions there, in order, before the channel).
        self._finalizer = weakref.finalize(self, _Lease.release, self._lease)
        self._finalizer.atexit = False
        # session_step of the last answer (Reset or Step); None before the first
        self._session_step: Optional[int] = None
        self._scratch = _Scratch()
        # steps sent with send() whose answers recv() has not taken yet
        self._in_flight = 0

    # What a step calls and sends; a match's seat (kindred.SeatEnv) has its own.
    _STEP = "Step"
    _STEP_STREAM = "StepStream"
    #: unary steps carry expected_step (exactly-once retries)
    _EXPECTED_STEP = True

    def _new_lease(self) -> "_Lease":
        return _Lease(self.client, self.session_id)

    def _step_request(self, actions: bytes):
        return pb.StepRequest(session_id=self.session_id, actions=actions)

    @property
    def close_response(self) -> Optional[pb.CloseSessionResponse]:
        """The server's totals for the session once ``close()`` has closed it, else ``None``."""
        return self._lease.close_response

    @property
    def _stream(self) -> "Optional[_StepStream]":
        return self._lease.stream

    @_stream.setter
    def _stream(self, stream: "Optional[_StepStream]") -> None:
        self._lease.stream = stream

    @property
    def _closed(self) -> bool:
        return self._lease.closed

    # -- calls -----------------------------------------------------------------------------
    def _call(self, method: str, request):
        if self._closed:
            raise KindredError("NOT_FOUND", self._lease.gone, method, self.client.target)
        return self.client._call(method, request)

    def reset(self, seed: Optional[int] = None, copies: Optional[Iterable[int]] = None,
              out: Optional[Mapping[str, np.ndarray]] = None):
        """Starts new episodes in every copy (or the listed ones).

        With ``seed`` the session's seed stream restarts from it (same seed and actions, same
        trajectory); without, each copy moves on to its next episode seed. ``out``: as in
        :meth:`step`.
        """
        self._check_nothing_in_flight("reset")
        out = self._check_out(out)
        request = pb.ResetRequest(session_id=self.session_id)
        if seed is not None:
            request.seed = _seed(seed)
        if copies is not None:
            request.copies.extend(int(c) for c in copies)
        response = self._call("Reset", request)
        obs, _, _, _, info = self._decode(response, out)
        return obs, info

    def step(self, actions, out: Optional[Mapping[str, np.ndarray]] = None):
        """Advances every copy by one step; see the class docstring for the layout.

        ``out``: a dict observation name -> numpy array you own, shaped and typed as the
        observation (``observation_buffers()`` makes one), C-contiguous and writeable; those
        observations are decoded straight into your arrays, and the returned dict holds them
        (the same objects). The others, and ``info["final_observations"]``, are decoded as
        without ``out``. A wrong array is a ``TypeError``/``ValueError`` before the step is sent.

        A unary step carries ``expected_step`` (the last answer's ``session_step`` + 1), so the
        server applies it at most once: sent again after a timeout, it is answered again
        without a second step.
        """
        self._check_nothing_in_flight("step")
        out = self._check_out(out)
        request = self._step_request(self.pack_actions(actions))
        if not self.streaming:
            if self._EXPECTED_STEP and self._session_step is not None:
                request.expected_step = self._session_step + 1
            return self._decode(self._call(self._STEP, request), out)
        self._send(request)
        return self._receive(out)

    # -- pipelining --------------------------------------------------------------------------
    @property
    def in_flight(self) -> int:
        """Steps sent with :meth:`send` whose answers :meth:`recv` has not taken yet."""
        return self._in_flight

    def send(self, actions) -> None:
        """Sends one step on the session's ``StepStream`` without waiting for its answer (the
        stream opens at the first streamed step, whatever ``streaming`` says). Pair every
        ``send`` with one :meth:`recv`.

        Several steps may be in flight: the server answers them one by one, in order, so
        ``send(a1); send(a2); recv(); recv()`` gives exactly the results of ``step(a1);
        step(a2)``. This lets a trainer act on one session's observations (or run its policy)
        while the server steps another session, as EnvPool's and PufferLib's asynchronous
        vector environments do: with two sessions of half the copies each, receive one half,
        send its next actions, receive the other half, and so on.

        Rules: ``step`` and ``reset`` raise ``RuntimeError`` while anything is in flight;
        ``close`` abandons what is in flight. Bad actions raise before anything is sent. When a
        step fails on the server, the stream ends with that step's error: the session is
        left as the failed step found it (earlier steps took effect) and the later steps in
        flight are dropped; :meth:`recv` raises the ``KindredError``, ``in_flight`` drops to 0,
        and the next ``send`` opens a new stream.
        """
        self._send(self._step_request(self.pack_actions(actions)))

    def recv(self, out: Optional[Mapping[str, np.ndarray]] = None):
        """Waits for the answer to the oldest step in flight (each wait bounded by the client's
        ``timeout``) and returns it as :meth:`step` does: ``(observations, rewards, terminated,
        truncated, info)``, decoded into ``out`` when given (see :meth:`step`)."""
        if self._in_flight == 0:
            raise RuntimeError("nothing is in flight: call send(actions) before recv()")
        return self._receive(self._check_out(out))

    def _receive(self, out: Optional[Mapping[str, np.ndarray]]):
        """The oldest answer in flight, decoded (``out`` already checked)."""
        try:
            response = self._stream.receive()
        except KindredError:
            self._abandon_stream()
            raise
        self._in_flight -= 1
        return self._decode(response, out)

    def _send(self, request) -> None:
        if self._closed:
            self._call(self._STEP_STREAM, request)  # raises
        if self._stream is None:
            self._stream = _StepStream(self.client, self._STEP_STREAM)
        self._stream.send(request)
        self._in_flight += 1

    def _abandon_stream(self) -> None:
        """A failed request ends the stream (and drops the later ones); the next send opens another."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        self._in_flight = 0

    def _check_nothing_in_flight(self, method: str) -> None:
        if self._in_flight:
            raise RuntimeError(f"{method}() while {self._in_flight} step(s) sent with send() are in flight:"
                               " take their answers with recv() first")

    def fetch_replay(self, copy: int = 0) -> bytes:
        """The replay file (gzip bytes, see docs/replay-format.md; read it with ``kindred.replay``)
        of ``copy``'s latest finished episode, recorded by the server for a session made with
        ``record=``. A copy that is not recorded, has no finished episode yet, or whose latest
        episode's recording was cut raises ``KindredError`` FAILED_PRECONDITION."""
        if int(copy) < 0:
            raise ValueError(f"copy must be in [0, {self.num_copies}), got {copy}")
        if self._closed:
            raise KindredError("NOT_FOUND", self._lease.gone, "FetchReplay", self.client.target)
        t = self.client.timeout
        try:
            chunks = self.client._stub.FetchReplay(
                pb.FetchReplayRequest(session_id=self.session_id, copy=int(copy)), timeout=t)
            return b"".join(c.data for c in chunks)
        except grpc.RpcError as e:
            raise KindredError.from_rpc(e, "FetchReplay", self.client.target, t) from None

    def watch_recording(self, copy: int = 0):
        """Follows a recorded copy live: yields each replay line as a dict (the current episode's
        header and a ``state`` line first, then step lines as the session steps, end lines, the
        next header...). A reader that falls behind gets a fresh ``state`` line instead of the
        steps it missed. The generator ends when the session closes; ``close()`` it to stop early."""
        if self._closed:
            raise KindredError("NOT_FOUND", self._lease.gone, "WatchRecording", self.client.target)
        call = self.client._stub.WatchRecording(pb.WatchRecordingRequest(session_id=self.session_id, copy=int(copy)))
        try:
            for line in call:
                yield json.loads(line.line)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                raise KindredError.from_rpc(e, "WatchRecording", self.client.target, None) from None
        finally:
            call.cancel()

    def save_replay(self, copy: int, path) -> int:
        """Writes ``fetch_replay(copy)`` to ``path`` (by convention ``*.replay.jsonl.gz``);
        returns the number of bytes written."""
        data = self.fetch_replay(copy)
        with open(path, "wb") as f:
            f.write(data)
        return len(data)

    def render(self, copy: int = 0, mode: str = "rgb_array", cell_pixels: Optional[int] = None):
        """A picture of one copy as it is now, drawn by the server's renderer.

        ``mode="rgb_array"``: a ``numpy.uint8`` array of shape ``(height, width, 3)``
        (``cell_pixels``: side of a cell or spin in pixels; default the world's: 16 for the
        energy world, 8 for spin worlds). ``mode="ansi"``: the text picture (a ``str``).
        Rendering changes nothing in the session.
        """
        if mode not in RENDER_MODES:
            raise ValueError(f"unknown render mode {mode!r}; Kindred renders {list(RENDER_MODES)}")
        request = pb.RenderRequest(session_id=self.session_id, copy=int(copy),
                                   format=pb.RENDER_FORMAT_TEXT if mode == "ansi" else pb.RENDER_FORMAT_RGB)
        if cell_pixels is not None:
            request.cell_pixels = int(cell_pixels)
        r = self._call("Render", request)
        if mode == "ansi":
            return r.text
        return np.frombuffer(r.rgb, dtype=np.uint8).reshape(r.height, r.width, 3).copy()

    def pack_actions(self, actions) -> bytes:
        """Checks shape and dtype and packs actions as little-endian int32 bytes."""
        a = np.asarray(actions)
        if a.dtype.kind not in "iu":
            raise ValueError(
                f"actions must be integers (shape {list(self.action_shape)} = [copies, agents, "
                f"action dimensions]), got dtype {a.dtype}"
            )
        if a.shape != self.action_shape:
            if self.action_shape[2] == 1 and a.shape == self.action_shape[:2]:
                a = a.reshape(self.action_shape)
            else:
                raise ValueError(
                    f"actions must have shape {list(self.action_shape)} = [copies, agents, action "
                    f"dimensions] for {self.world_id}, got {list(a.shape)}"
                )
        if a.dtype != np.dtype("<i4"):
            if a.size and a.dtype.itemsize >= 4 and (a.min() < -(2**31) or a.max() >= 2**31):
                raise ValueError(f"actions must fit in int32, got values in [{a.min()}, {a.max()}]")
            a = a.astype("<i4")
        return np.ascontiguousarray(a).tobytes()

    def sample_actions(self, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Uniformly random actions in range, each dimension on its own, int32
        ``[copies, agents, action_dims]`` (they ignore ``action_info.valid_combinations`` and
        the action mask)."""
        rng = np.random.default_rng() if rng is None else rng
        return rng.integers(0, self.action_nvec, size=self.action_shape, dtype=np.int32)

    # -- decoding --------------------------------------------------------------------------
    def _tensors(self, tensors, out: Optional[Mapping[str, np.ndarray]] = None) -> Dict[str, np.ndarray]:
        """The observations of a response by name: into the caller's arrays for the names in
        ``out`` (checked by :meth:`_check_out`), else new arrays (raw tensors: read-only views of
        the message; sparse ones: read-only arrays of their own)."""
        decoded: Dict[str, np.ndarray] = {}
        infos = self._infos
        scratch = self._scratch
        for i, t in enumerate(tensors):
            name = t.name
            info = infos[i] if i < len(infos) and infos[i].name == name else self.observation_infos.get(name)
            if info is None:
                raise KindredError("INTERNAL", f"the server sent observation '{name}', not in the session's spec")
            dst = None if out is None else out.get(name)
            data = t.data  # (each read of a bytes field copies it: read once)
            if t.encoding == pb.TENSOR_ENCODING_SPARSE_BYTES:
                if dst is None:
                    dst = np.zeros(info.batch_shape, info.dtype)
                    scratch.scatter(name, t.sparse_offsets, data, _bytes_of(dst))
                    dst.flags.writeable = False  # as raw tensors are
                else:
                    flat = _bytes_of(dst)
                    flat.fill(0)
                    scratch.scatter(name, t.sparse_offsets, data, flat)
            elif t.encoding != pb.TENSOR_ENCODING_RAW:
                raise KindredError("INTERNAL", f"observation '{name}' has encoding {t.encoding}, "
                                   "which this client does not know; upgrade the client")
            elif dst is None:
                dst = _unpack(data, info.dtype, info.batch_shape, f"observation '{name}'", allow_empty=False)
            else:
                if len(data) != dst.nbytes:
                    raise KindredError("INTERNAL", f"observation '{name}': got {len(data)} bytes, expected "
                                       f"{dst.nbytes} ({info.dtype} {list(info.batch_shape)})")
                _bytes_of(dst)[:] = np.frombuffer(data, dtype=np.uint8)
            decoded[name] = dst
        return decoded

    def observation_buffers(self) -> Dict[str, np.ndarray]:
        """One zeroed, writeable array per observation, shaped and typed as ``step`` returns it
        (``[copies, agents, *shape]`` or ``[copies, *shape]``): pass the dict (or part of it) as
        ``out=`` to ``step`` and ``reset``."""
        return {name: np.zeros(t.batch_shape, t.dtype) for name, t in self.observation_infos.items()}

    def _check_out(self, out) -> Optional[Mapping[str, np.ndarray]]:
        """``out`` of ``step``/``reset`` if every array fits its observation, else a precise
        ``TypeError``/``ValueError``, raised before anything is sent."""
        return check_out(self.observation_infos, out)

    def _decode(self, r: pb.StepResponse, out: Optional[Mapping[str, np.ndarray]] = None):
        self._session_step = int(r.session_step)
        c, a = self.num_copies, self.num_agents
        obs = self._tensors(r.observations, out)
        rewards = _unpack(r.rewards, "<f4", (c, a), "rewards")
        terminated = _unpack(r.terminated, np.uint8, (c,), "terminated").view(np.bool_)
        truncated = _unpack(r.truncated, np.uint8, (c,), "truncated").view(np.bool_)
        info: Dict[str, Any] = {
            "action_success": _unpack(r.action_success, np.uint8, (c, a), "action_success").view(np.bool_),
            "reset_mask": _unpack(r.reset_mask, np.uint8, (c,), "reset_mask").view(np.bool_),
            "episodes": [_episode(e) for e in r.episodes],
            "session_step": int(r.session_step),
        }
        if len(r.final_observations):
            info["final_observations"] = self._tensors(r.final_observations)
        return obs, rewards, terminated, truncated, info

    # -- life ------------------------------------------------------------------------------
    def close(self) -> None:
        """Closes the server session. Idempotent; a session the server already forgot (expired)
        closes quietly. Sessions also close with their client, at interpreter exit, and (without
        waiting for the answer) when the environment is garbage-collected; the server itself
        closes the sessions of a client whose connection went away."""
        self._finalizer.detach()
        self._in_flight = 0  # abandoned with the stream
        self._lease.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"VectorEnv({self.world_id!r}, copies={self.num_copies}, agents={self.num_agents}, "
            f"session={self.session_id!r}{', closed' if self._closed else ''})"
        )


class _Lease:
    """What the server holds for one :class:`VectorEnv` (or a match), kept apart from the
    environment so that the client and the environment's finalizer can close it without keeping
    the environment alive. Closing it is ``CloseSession``; a seat's lease leaves the seat instead
    (``kindred._match``)."""

    #: the call that gives the server's resource back
    method = "CloseSession"

    def __init__(self, client: BaseClient, session_id: str):
        self.client = client
        self.session_id = session_id
        self.stream: Optional[_StepStream] = None
        self.closed = False
        self.close_response: Optional[pb.CloseSessionResponse] = None

    def request(self):
        return pb.CloseSessionRequest(session_id=self.session_id)

    @property
    def gone(self) -> str:
        """The message of a call made after the close."""
        return f"session {self.session_id} was closed by this client"

    def _end_stream(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def close(self, timeout: Optional[float] = None) -> None:
        """Closes the session now, waiting for the answer (at most ``timeout``, else the client's);
        NOT_FOUND (expired) counts as closed."""
        if self.closed:
            return
        self.closed = True
        self.client._forget(self)
        self._end_stream()
        try:
            self.close_response = self.client._call(self.method, self.request(), timeout)
        except KindredError as e:
            if e.code not in ("NOT_FOUND", "UNAVAILABLE", "FAILED_PRECONDITION"):
                raise

    def release(self) -> None:
        """The environment was garbage-collected: close its session without waiting (this may run
        inside the garbage collector, on any thread)."""
        if self.closed:
            return
        self.closed = True
        self.client._forget(self)
        try:
            self._end_stream()
            if not self.client.closed:
                call = getattr(self.client._stub, self.method).future(self.request(),
                                                                      timeout=self.client.timeout or 10.0)
                # gRPC cancels a call whose future is dropped: hold it until it is done.
                _pending_closes.add(call)
                call.add_done_callback(_pending_closes.discard)
        except Exception:  # best effort: the server closes what a vanished client leaves
            pass


# CloseSession calls of collected environments, until they are answered.
_pending_closes: "set[grpc.Future]" = set()


# Clients still open, closed (with their sessions) at interpreter exit.
_live_clients: "weakref.WeakSet[BaseClient]" = weakref.WeakSet()


@atexit.register
def _close_clients_at_exit() -> None:
    # A short wait per session: an exiting program should not hang on a server that is gone.
    for client in list(_live_clients):
        try:
            client._close(session_timeout=5.0)
        except Exception:
            pass


def _episode(e: pb.EpisodeStats) -> Dict[str, Any]:
    return {
        "copy": int(e.copy),
        "episode": int(e.episode),
        "length": int(e.length),
        "terminated": bool(e.terminated),
        "truncated": bool(e.truncated),
        "returns": np.array([s.episode_return for s in e.agents], dtype=np.float64),
        "agent_stats": [dict(s.stats) for s in e.agents],
        "stats": dict(e.stats),
    }


_END = object()


class _StepStream:
    """One ``StepStream`` (or ``StepSeatStream``) call used as a sequence of request/response
    pairs. A watchdog thread cancels the call when a response takes longer than the client's
    timeout, so that a hung server is a DEADLINE_EXCEEDED error rather than a hang."""

    def __init__(self, client: BaseClient, method: str = "StepStream"):
        self._client = client
        self._method = method
        self._requests: "queue.SimpleQueue" = queue.SimpleQueue()
        self._call = getattr(client._stub, method)(iter(self._requests.get, _END))
        self._since: Optional[float] = None
        self._timed_out = False
        self._done = threading.Event()
        if client.timeout:
            threading.Thread(target=self._watch, name="kindred-step-watchdog", daemon=True).start()

    def _watch(self) -> None:
        timeout = self._client.timeout
        while not self._done.wait(min(0.25, timeout / 4)):
            since = self._since
            if since is not None and time.monotonic() - since > timeout:
                self._timed_out = True
                self._call.cancel()
                return

    def send(self, request) -> None:
        self._requests.put(request)

    def receive(self):
        """The answer to the oldest request not answered yet; the wait is bounded by the client's timeout."""
        client = self._client
        self._since = time.monotonic()
        try:
            return next(self._call)
        except StopIteration:
            raise KindredError("UNAVAILABLE", "the server ended the step stream", self._method, client.target) from None
        except grpc.RpcError as e:
            if self._timed_out:
                raise KindredError(
                    "DEADLINE_EXCEEDED", f"no answer from {client.target} within {client.timeout} s (Client timeout)",
                    self._method, client.target) from None
            raise KindredError.from_rpc(e, self._method, client.target, client.timeout) from None
        finally:
            self._since = None

    def close(self) -> None:
        self._done.set()
        self._requests.put(_END)
        self._call.cancel()


def _record_options(record) -> "pb.RecordOptions":
    """``record=`` of ``make_vector_env`` as a ``RecordOptions`` message."""
    if record is True or (isinstance(record, str) and record == "all"):
        return pb.RecordOptions(all_copies=True)
    if isinstance(record, (str, bytes)) or not hasattr(record, "__iter__"):
        raise ValueError(f"record must be a list of copy indices or 'all', got {record!r}")
    copies = [int(c) for c in record]
    if any(c < 0 for c in copies):
        raise ValueError(f"record: copy indices must be >= 0, got {copies}")
    if not copies:
        raise ValueError("record: an empty list records nothing; give copy indices, 'all', or None")
    return pb.RecordOptions(copies=copies)
