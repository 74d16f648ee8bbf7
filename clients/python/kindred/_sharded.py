"""A vector environment whose copies are spread over several Kindred servers."""
from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from ._client import BaseClient, VectorEnv, check_out
from ._errors import KindredError


class Shard(NamedTuple):
    """Where a shard lives and which global copies it holds: ``[first_copy, first_copy + copies)``."""

    target: str
    first_copy: int
    copies: int

    @property
    def copy_range(self) -> str:
        if self.copies == 1:
            return f"copy {self.first_copy}"
        return f"copies {self.first_copy}-{self.first_copy + self.copies - 1}"


def resolve_all(host_port: str) -> List[str]:
    """Every address a DNS name resolves to, as ``"address:port"`` targets: how a Kubernetes
    headless Service publishes the pods behind it."""
    host, sep, port = host_port.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise KindredError("INVALID_ARGUMENT", f"target '{host_port[:64]}' has no port; expected name:port "
                           "(e.g. kindred-headless:50051)")
    try:
        infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise KindredError("UNAVAILABLE", f"target '{host[:64]}' does not resolve to any address ({e})") from None
    out: List[str] = []
    for family, _, _, _, addr in infos:
        ip = addr[0]
        t = f"[{ip}]:{port}" if family == socket.AF_INET6 else f"{ip}:{port}"
        if t not in out:
            out.append(t)
    return out


class ShardedVectorEnv:
    """A :class:`kindred.VectorEnv` whose copies are spread over several servers.

    One session per server (a *shard*) holds a contiguous range of the copies, split as evenly as
    possible (the first servers take one more). Every step sends each shard its slice of the
    actions from its own thread (each shard on its own ``StepStream``), so the servers step
    concurrently; the answers are concatenated in copy order. ``reset`` and ``step`` return what
    :class:`kindred.VectorEnv` returns, shaped for all the copies; episode statistics carry global
    copy indices. With ``out=`` (:meth:`observation_buffers`) each shard decodes its observations
    straight into its rows of your arrays, which are returned themselves (nothing concatenated).

    Each shard is created with ``first_copy`` = the global index of its first copy, so copy ``c``
    plays bit for bit the episodes copy ``c`` plays in the same environment on one server (same
    world, config, seed and actions), over resets and autoresets.

    A server that fails (gone, refusing, silent past the client's timeout) raises a
    :class:`kindred.KindredError` with its status code whose message names the server and the
    copies its shard held; the other shards are answered first, so nothing is left in flight.

    Args:
        servers: ``"host:port"`` targets or :class:`kindred.Client` objects (a client passed in is
            not closed by this environment; one made here from a target is).
        client_kwargs: settings of the clients made here from targets (:class:`kindred.Client`'s
            keyword arguments: TLS, token, timeouts); ``timeout`` is the default ``timeout``.
        Other arguments as :meth:`kindred.Client.make_vector_env`.
    """

    def __init__(self, servers: Sequence[Union[str, BaseClient]], world_id: str,
                 config: Optional[Mapping[str, Any]] = None, num_copies: int = 1, seed: int = 0,
                 autoreset: Union[str, int, None] = "next_step", observations: Optional[Sequence[str]] = None,
                 sparse_observations: bool = True, timeout: Optional[float] = 30.0,
                 client_kwargs: Optional[Mapping[str, Any]] = None):
        if not servers:
            raise KindredError("INVALID_ARGUMENT", "servers: none given; expected at least one host:port")
        if int(num_copies) < 1:
            raise ValueError(f"num_copies must be at least 1, got {num_copies}")
        total = int(num_copies)
        n = min(len(servers), total)
        self._owned: List[BaseClient] = []
        self.envs: List[VectorEnv] = []
        self.shards: List[Shard] = []
        try:
            first = 0
            for s in range(n):
                server = servers[s]
                if isinstance(server, str):
                    server = BaseClient(server, **{"timeout": timeout, **dict(client_kwargs or {})})
                    self._owned.append(server)
                size = total // n + (1 if s < total % n else 0)
                shard = Shard(server.target, first, size)
                self.shards.append(shard)
                try:
                    self.envs.append(server.make_vector_env(
                        world_id, config, size, seed, autoreset=autoreset, observations=observations,
                        streaming=True, sparse_observations=sparse_observations, first_copy=first))
                except KindredError as e:
                    raise _shard_error(shard, "CreateSession", e) from e
                first += size
        except BaseException:
            self.close()
            raise
        e0 = self.envs[0]
        self.world_id = e0.world_id
        self.num_copies = total
        self.num_agents = e0.num_agents
        self.agent_names = e0.agent_names
        self.action_info = e0.action_info
        self.action_nvec = e0.action_nvec
        self.action_names = e0.action_names
        self.action_shape = (total, e0.num_agents, len(e0.action_nvec))
        # the shards' tensors, batch shapes counting every copy
        self.observation_infos = {name: replace(t, batch_shape=(total,) + t.batch_shape[1:])
                                  for name, t in e0.observation_infos.items()}
        self.autoreset = e0.autoreset
        self.max_steps = e0.max_steps
        self.config = e0.config
        self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="kindred-shard")
        # Each shard's last answer (obs, rewards, terminated, truncated, info), for partial resets.
        self._last: List[Optional[tuple]] = [None] * n
        self._closed = False

    # -- calls -----------------------------------------------------------------------------
    def reset(self, seed: Optional[int] = None, copies: Optional[Iterable[int]] = None,
              out: Optional[Mapping[str, np.ndarray]] = None):
        """Resets every copy, or the listed ones (global indices); only the shards holding a
        listed copy are called. A new ``seed`` with a copy list must list a copy of every shard
        (a shard takes a new seed only with a Reset): ``INVALID_ARGUMENT`` otherwise. ``out``: as
        in :meth:`step`; the rows of the shards a partial reset does not call are set to those
        shards' last observations (for a step decoded with ``out``: what its arrays hold)."""
        self._check_open("Reset")
        out = check_out(self.observation_infos, out)
        n = len(self.shards)
        local: List[Optional[List[int]]] = [None] * n
        if copies is not None:
            listed = [int(c) for c in copies]
            if listed:
                local = [[] for _ in range(n)]
                for c in listed:
                    if not 0 <= c < self.num_copies:
                        raise KindredError("INVALID_ARGUMENT", f"copies: copy index {c} is out of range; expected "
                                           f"0 <= copy < {self.num_copies}")
                    s = self._shard_of(c)
                    local[s].append(c - self.shards[s].first_copy)
                for s, lst in enumerate(local):
                    if not lst and seed is not None:
                        sh = self.shards[s]
                        raise KindredError("INVALID_ARGUMENT", "copies: a Reset with a new seed must list at least "
                                           f"one copy of every shard; none of {sh.copy_range} (server {sh.target}) "
                                           "is listed. Reset all copies with the new seed, or list one copy per shard")
                if any(not lst and self._last[s] is None for s, lst in enumerate(local)):
                    raise KindredError("FAILED_PRECONDITION", "reset all copies before resetting some")
        calls = {s: (lambda e=self.envs[s], l=local[s], o=self._rows(out, s): e.reset(seed, l, out=o))
                 for s in range(n) if local[s] is None or local[s]}
        answers = self._gather("Reset", calls)
        parts = []
        for s in range(n):
            if s in answers:
                obs, info = answers[s]
                prev = self._last[s]
                rewards = prev[1] if prev is not None else np.zeros((self.shards[s].copies, self.num_agents), np.float32)
                part = (obs, rewards, _zeros_bool(self.shards[s].copies), _zeros_bool(self.shards[s].copies), info)
            else:
                part = _untouched(self._last[s])
                rows = self._rows(out, s)
                if rows:
                    for name, dst in rows.items():
                        src = part[0][name]
                        if src.ctypes.data != dst.ctypes.data:  # (not when decoded into these very rows)
                            np.copyto(dst, src)
                    part = ({**part[0], **rows},) + part[1:]
            self._last[s] = part
            parts.append(part)
        obs, _, _, _, info = self._merge(parts, out)
        return obs, info

    def step(self, actions, out: Optional[Mapping[str, np.ndarray]] = None):
        """Advances every copy; ``actions`` shaped ``[copies, agents, action_dims]`` (or
        ``[copies, agents]`` with one action dimension).

        ``out``: as :meth:`kindred.VectorEnv.step`'s, for all the copies (a dict observation name
        -> numpy array you own with the observation's batch shape and dtype, C-contiguous and
        writeable; :meth:`observation_buffers` makes one): each shard decodes those observations
        straight into its rows of your arrays (copies ``[first_copy, first_copy + copies)``), and
        the returned dict holds your arrays themselves. The other observations, the rewards, flags
        and ``info`` are concatenated as without ``out``. A wrong array is a ``TypeError`` or
        ``ValueError`` before anything is sent."""
        self._check_open("Step")
        out = check_out(self.observation_infos, out)
        a = np.asarray(actions)
        if a.ndim == 0 or a.shape[0] != self.num_copies:
            raise KindredError("INVALID_ARGUMENT", f"actions: got shape {tuple(a.shape)}; expected "
                               f"{self.action_shape} (copies first)")
        self._check_action_values(a)
        calls = {s: (lambda e=self.envs[s], x=a[sh.first_copy:sh.first_copy + sh.copies], o=self._rows(out, s):
                     e.step(x, out=o))
                 for s, sh in enumerate(self.shards)}
        answers = self._gather("Step", calls)
        parts = [answers[s] for s in range(len(self.shards))]
        self._last = list(parts)
        return self._merge(parts, out)

    def _check_action_values(self, a: np.ndarray) -> None:
        """Refuses actions out of their dimension's range before any shard steps: a shard's server
        would refuse its part after the other shards had stepped, leaving the copies out of step
        with each other. (Shape and dtype are checked by every shard before it sends.)"""
        if a.dtype.kind not in "iu" or a.shape not in (self.action_shape, self.action_shape[:2]):
            return  # each shard raises its precise ValueError before anything is sent
        values = a.reshape(self.action_shape)
        bad = (values < 0) | (values >= self.action_nvec)
        if bad.any():
            c, agent, d = (int(x) for x in np.argwhere(bad)[0])
            raise KindredError(
                "INVALID_ARGUMENT", f"actions: copy {c}, agent {agent}, dimension '{self.action_names[d]}' has value "
                f"{values[c, agent, d]}; expected 0 <= value < {self.action_nvec[d]} (nothing was sent to any shard)",
                "Step")

    def observation_buffers(self) -> Dict[str, np.ndarray]:
        """One zeroed, writeable array per observation, shaped for all the copies and typed as
        ``step`` returns it: pass the dict (or part of it) as ``out=`` to ``step`` and ``reset``."""
        return {name: np.zeros(t.batch_shape, t.dtype) for name, t in self.observation_infos.items()}

    def _rows(self, out: Optional[Mapping[str, np.ndarray]], s: int) -> Optional[Dict[str, np.ndarray]]:
        """Shard ``s``'s rows of the caller's arrays: views (C-contiguous, writeable) the shard
        decodes into."""
        if out is None:
            return None
        sh = self.shards[s]
        return {name: array[sh.first_copy:sh.first_copy + sh.copies] for name, array in out.items()}

    def _gather(self, method: str, calls: Dict[int, Any]) -> Dict[int, Any]:
        futures = {s: self._pool.submit(fn) for s, fn in calls.items()}
        out: Dict[int, Any] = {}
        failure: Optional[KindredError] = None
        for s, f in futures.items():
            try:
                out[s] = f.result()
            except KindredError as e:
                failure = failure or _shard_error(self.shards[s], method, e)
        if failure is not None:
            raise failure
        return out

    def _merge(self, parts: List[tuple], out: Optional[Mapping[str, np.ndarray]] = None):
        """One answer for all the copies from the shards' (``parts``, in copy order); the
        observations in ``out`` are already in the caller's arrays (each shard decoded into its
        rows), the others are concatenated."""
        obs = {k: out[k] if out is not None and k in out else np.concatenate([p[0][k] for p in parts])
               for k in parts[0][0]}
        rewards = np.concatenate([p[1] for p in parts])
        terminated = np.concatenate([p[2] for p in parts])
        truncated = np.concatenate([p[3] for p in parts])
        infos = [p[4] for p in parts]
        info: Dict[str, Any] = {
            "action_success": np.concatenate([i["action_success"] for i in infos]),
            "reset_mask": np.concatenate([i["reset_mask"] for i in infos]),
            "episodes": [dict(e, copy=e["copy"] + sh.first_copy) for sh, i in zip(self.shards, infos)
                         for e in i["episodes"]],
            "session_step": infos[0]["session_step"],
        }
        if "final_observations" in infos[0]:
            info["final_observations"] = {k: np.concatenate([i["final_observations"][k] for i in infos])
                                          for k in infos[0]["final_observations"]}
        return obs, rewards, terminated, truncated, info

    def _shard_of(self, copy: int) -> int:
        for s, sh in enumerate(self.shards):
            if copy < sh.first_copy + sh.copies:
                return s
        raise AssertionError(copy)

    def _check_open(self, method: str) -> None:
        if self._closed:
            raise KindredError("NOT_FOUND", "this sharded environment has been closed; make a new one", method)

    def sample_actions(self, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        rng = rng or np.random.default_rng()
        return rng.integers(0, self.action_nvec, size=self.action_shape, dtype=np.int32)

    # -- life ------------------------------------------------------------------------------
    def close(self) -> None:
        """Closes every shard's session (a server that is gone does not stop the others), then
        the clients this environment made. Idempotent."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)
        for env in self.envs:
            try:
                env.close()
            except KindredError:
                pass  # the server is gone: it ends the session itself
        for c in self._owned:
            c.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "ShardedVectorEnv":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        where = ", ".join(f"{s.target} [{s.copy_range}]" for s in self.shards)
        return f"ShardedVectorEnv({self.world_id!r}, copies={self.num_copies}, {where})"


def _shard_error(shard: Shard, method: str, e: KindredError) -> KindredError:
    return KindredError(e.code, f"shard on server {shard.target} holding {shard.copy_range} failed: {e.message}",
                        method, shard.target)


def _zeros_bool(n: int) -> np.ndarray:
    return np.zeros(n, dtype=np.bool_)


def _untouched(last: Optional[tuple]) -> tuple:
    """A shard a partial Reset did not call: as the server leaves copies it does not reset
    (observations and rewards kept; flags, episodes and final observations cleared)."""
    if last is None:
        raise KindredError("FAILED_PRECONDITION", "reset all copies before resetting some")
    obs, rewards, terminated, truncated, info = last
    new_info = dict(info, reset_mask=np.zeros_like(info["reset_mask"]), episodes=[])
    if "final_observations" in info:
        new_info["final_observations"] = {k: np.zeros_like(v) for k, v in info["final_observations"].items()}
    return obs, rewards, np.zeros_like(terminated), np.zeros_like(truncated), new_info
