"""Matches: several controllers, in any processes and languages, drive the agents of one world.

A match is a session created with seats (:func:`create_match`, ``kindred.Client.create_match``):
a partition of the world's agents into named seats, each with a join token. Whoever holds a
seat's token takes the seat (:func:`join_seat`, ``kindred.Client.join_seat``) and gets a
:class:`SeatEnv`: a :class:`kindred.VectorEnv` over the seat's agents, whose batches are
``[copies, seat agents, ...]`` and whose steps answer once the whole world has stepped.

This module sits above the core client (``kindred._client``) and below the adapters.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._client import BaseClient, VectorEnv, _Lease, _create_request
from .v1 import env_service_pb2 as pb
from .v1 import spec_pb2

#: SeatOutcome -> the name ``info["match"]["outcomes"]`` gives it
OUTCOMES = {
    pb.SEAT_OUTCOME_SUBMITTED: "SUBMITTED",
    pb.SEAT_OUTCOME_TIMED_OUT: "TIMED_OUT",
    pb.SEAT_OUTCOME_ABSENT: "ABSENT",
}


@dataclass(frozen=True)
class MatchOptions:
    """How a match plays (``kindred.v1.MatchOptions``).

    Attributes:
        max_action_time_ms: how long a held seat has to submit its actions, counted from the
            step's first submission; a seat that has not submitted by then plays the fallback for
            that step (outcome ``TIMED_OUT``). 0: the server's default, 30000. At most 3600000.
        fallback: what the agents of a late or absent seat do: ``"noop"`` (the all-zeros action)
            or ``"random"`` (uniform over the valid combinations, seeded by the session seed).
        start_before_all_joined: step as soon as any seat submits, absent seats on the fallback;
            by default the first step waits until every seat has been joined once.
    """

    max_action_time_ms: int = 0
    fallback: str = "noop"
    start_before_all_joined: bool = False

    def to_proto(self) -> pb.MatchOptions:
        return pb.MatchOptions(max_action_time_ms=int(self.max_action_time_ms), fallback=self.fallback,
                               start_before_all_joined=bool(self.start_before_all_joined))

    @classmethod
    def from_proto(cls, m: pb.MatchOptions) -> "MatchOptions":
        return cls(int(m.max_action_time_ms), m.fallback or "noop", bool(m.start_before_all_joined))


@dataclass(frozen=True)
class SeatGrant:
    """A seat of a match as its creator gets it: the name, the world agent indices it controls
    (its agent axis follows this order) and the token that joins it (32 hex digits; whoever
    holds it may take the seat, so it is left out of ``repr``)."""

    name: str
    agents: Tuple[int, ...]
    token: str = field(repr=False)


class Match:
    """A match as its creator holds it: the session id, the whole world's spec and every seat's
    grant. It is not a controller: seats are taken with :meth:`join` (or, elsewhere, with
    ``kindred.Client.join_seat`` and a grant's token).

    ``close()`` closes the match for every seat (``CloseSession``). Unless created with
    ``detached=True`` the match also closes with its client, at interpreter exit, and when this
    object is garbage-collected; a detached match lives until ``close()`` or the server's idle
    timeout.
    """

    def __init__(self, client: BaseClient, response: pb.CreateSessionResponse, options: MatchOptions,
                 detached: bool = False):
        self.client = client
        self.session_id: str = response.session_id
        #: the whole world's spec (all agents, all observations of the session)
        self.spec: spec_pb2.EnvSpec = response.spec
        self.world_id = response.spec.world_id
        self.num_copies = int(response.spec.num_copies)
        self.num_agents = int(response.spec.num_agents)
        self.agent_names = list(response.spec.agent_names)
        #: seat name -> grant, in the match's seat order
        self.seats: Dict[str, SeatGrant] = {
            g.name: SeatGrant(g.name, tuple(int(a) for a in g.agents), g.join_token) for g in response.seats
        }
        self.options = options
        self.detached = detached
        self._lease = _Lease(client, self.session_id)
        self._finalizer = None
        if not detached:
            client._track(self._lease)
            self._finalizer = weakref.finalize(self, _Lease.release, self._lease)
            self._finalizer.atexit = False

    def join(self, seat: str, streaming: bool = True) -> "SeatEnv":
        """Takes ``seat`` with its grant's token, through this match's client."""
        if seat not in self.seats:
            raise ValueError(f"this match has no seat '{seat}'; its seats are {list(self.seats)}")
        return join_seat(self.client, self.session_id, seat, self.seats[seat].token, streaming=streaming)

    def close(self) -> None:
        """Closes the match for every seat (idempotent; a match the server already forgot closes
        quietly). Seats waiting for a step get an error."""
        if self._finalizer is not None:
            self._finalizer.detach()
        self._lease.close()

    @property
    def closed(self) -> bool:
        return self._lease.closed

    @property
    def close_response(self) -> Optional[pb.CloseSessionResponse]:
        """The server's totals once ``close()`` has closed the match, else ``None``."""
        return self._lease.close_response

    def __enter__(self) -> "Match":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Match({self.world_id!r}, copies={self.num_copies}, seats={list(self.seats)}, "
                f"session={self.session_id!r}{', closed' if self.closed else ''})")


class _SeatLease(_Lease):
    """A held seat: closing it leaves the seat (``LeaveSession``), so that its agents play the
    fallback at once rather than after the controller's connection is gone."""

    method = "LeaveSession"

    def __init__(self, client: BaseClient, session_id: str, seat: str, token: str):
        super().__init__(client, session_id)
        self.seat = seat
        self.token = token

    def request(self):
        return pb.LeaveSessionRequest(session_id=self.session_id, seat=self.seat, join_token=self.token)

    @property
    def gone(self) -> str:
        return f"seat '{self.seat}' of match {self.session_id} was left by this client"


class SeatEnv(VectorEnv):
    """One seat of a match, held by this client: a :class:`kindred.VectorEnv` whose agents are
    the seat's (``agent_names``, in seat order; ``agents`` are their world indices) and whose
    observations are the match's less those withheld from the seat.

    Differences from a session's ``VectorEnv``:

    * ``step(actions)`` (actions ``[copies, seat agents, dims]``) answers once the world has
      stepped: when every held seat has submitted, or ``options.max_action_time_ms`` after the
      step's first submission. Steps from several seats in one process must run concurrently
      (threads), never one after the other from one thread. ``info["match"]`` says how each seat
      was driven: ``{"outcomes": {seat: "SUBMITTED" | "TIMED_OUT" | "ABSENT"}, "wait_micros":
      n}``, and each ended episode's dict has ``"seats"``: every seat's ``submitted``,
      ``timed_out``, ``absent`` and ``actions_failed`` counts for that episode.
    * ``reset()`` starts nothing (the world resets itself at creation and autoresets after every
      episode): it returns the current observations, the join observation before the first
      step. ``reset(seed=...)`` is an error.
    * ``close()`` (alias ``leave()``) gives the seat up; its agents play the fallback until a
      controller joins it again. The client leaves its seats when it closes.
    * Every step (unary or streamed) carries ``expected_step`` (the last answer's
      ``session_step`` + 1). A seat that was late (the world took that step without it, its
      agents ``TIMED_OUT`` on the fallback) gets its part of the latest step at once, with its
      actions not applied: ``info["session_step"]`` says where the match is, and the next step
      plays the match's next step. A unary step sent again after a timeout is answered again
      without a second submission.

    The client's ``timeout`` bounds each step, waiting for the other seats included: keep it
    above ``max_action_time_ms``, and above the time every seat takes to join the first time.
    """

    _STEP = "StepSeat"
    _STEP_STREAM = "StepSeatStream"
    _EXPECTED_STEP = True

    def __init__(self, client: BaseClient, session_id: str, joined: pb.JoinSessionResponse, join_token: str,
                 streaming: bool = True):
        self.seat: str = joined.seat.name
        self._token = join_token
        super().__init__(client, session_id, joined.spec, streaming=streaming)
        #: the world agent indices of the seat's agents, in seat order
        self.agents: Tuple[int, ...] = tuple(int(a) for a in joined.seat.agents)
        #: the copy-scope observations the match withholds from this seat
        self.withheld_observations: Tuple[str, ...] = tuple(joined.seat.withhold_observations)
        #: every seat of the match, name -> world agent indices, in the match's seat order
        self.seats: Dict[str, Tuple[int, ...]] = {s.name: tuple(int(a) for a in s.agents) for s in joined.seats}
        self.options = MatchOptions.from_proto(joined.match)
        self._latest = self._decode(joined.observation)
        #: the observations JoinSession returned (the match's latest step when joined)
        self.join_observation: Dict[str, Any] = self._latest[0]

    def _new_lease(self) -> _Lease:
        return _SeatLease(self.client, self.session_id, self.seat, self._token)

    def _step_request(self, actions: bytes):
        request = pb.StepSeatRequest(session_id=self.session_id, seat=self.seat, join_token=self._token,
                                     actions=actions)
        if self._session_step is not None:
            request.expected_step = self._session_step + 1
        return request

    @property
    def latest(self):
        """``(observations, rewards, terminated, truncated, info)`` of the latest answer: the
        join observation before the first step, else the last step's."""
        return self._latest

    def reset(self, seed: Optional[int] = None, copies=None, out=None):
        """The current observations and their info (a seat cannot start episodes; see the class);
        with ``out`` (as in ``step``) copied into the caller's arrays, which are returned."""
        if seed is not None or copies is not None:
            raise ValueError(
                f"seat '{self.seat}' cannot reset its match: the world was reset with the seed given to "
                "create_match and autoresets after every episode; reset() only returns the current observations")
        out = self._check_out(out)
        obs, _, _, _, info = self._latest
        if out:
            obs = dict(obs)
            for name, array in out.items():
                if array is not obs[name]:
                    np.copyto(array, obs[name])
                obs[name] = array
        return obs, info

    def step(self, actions, out=None):
        self._latest = super().step(actions, out)
        return self._latest

    def send(self, actions) -> None:
        """Not for seats: each seat step carries the ``expected_step`` of the answer before it, and
        waits for the other seats, so a seat steps one step at a time (``step``)."""
        raise RuntimeError(f"seat '{self.seat}': send()/recv() pipelining is for sessions made with make_vector_env;"
                           " a seat's step carries the step it expects after the last answer: use step()")

    def _decode(self, r: pb.StepResponse, buffers=None):
        out = super()._decode(r, buffers)
        info = out[4]
        if r.HasField("match"):
            m = r.match
            info["match"] = {"outcomes": {s: OUTCOMES.get(o, "UNSPECIFIED") for s, o in zip(m.seats, m.outcomes)},
                             "wait_micros": int(m.wait_micros)}
        for d, e in zip(info["episodes"], r.episodes):
            d["seats"] = {s.seat: {"submitted": int(s.submitted), "timed_out": int(s.timed_out),
                                   "absent": int(s.absent), "actions_failed": int(s.actions_failed)}
                          for s in e.seats}
        return out

    def leave(self) -> None:
        """Gives the seat up (``close()``)."""
        self.close()

    def __repr__(self) -> str:
        return (f"SeatEnv({self.world_id!r}, seat={self.seat!r}, agents={list(self.agents)}, "
                f"copies={self.num_copies}, session={self.session_id!r}{', left' if self._closed else ''})")


def create_match(
    client: BaseClient,
    world_id: str,
    config: Optional[Mapping[str, Any]] = None,
    seats: Optional[Mapping[str, Sequence[int]]] = None,
    *,
    seat_per_agent: bool = False,
    options: Optional[MatchOptions] = None,
    withhold_observations: Optional[Mapping[str, Sequence[str]]] = None,
    num_copies: int = 1,
    seed: int = 0,
    autoreset: Union[str, int, None] = "next_step",
    observations: Optional[Sequence[str]] = None,
    sparse_observations: bool = True,
    detached: bool = False,
) -> Match:
    """Creates a match; see ``kindred.Client.create_match``."""
    if seats is not None and seat_per_agent:
        raise ValueError("give either seats or seat_per_agent=True, not both")
    if not seats and not seat_per_agent:
        raise ValueError('a match needs seats (e.g. {"red": [0, 1], "blue": [2, 3]}) or seat_per_agent=True')
    withhold = dict(withhold_observations or {})
    if withhold and seat_per_agent:
        raise ValueError("withhold_observations needs explicit seats (seat_per_agent seats withhold nothing)")
    unknown = [name for name in withhold if name not in (seats or {})]
    if unknown:
        raise ValueError(f"withhold_observations names seat(s) {unknown} that are not in seats {list(seats or {})}")
    request = _create_request(client, world_id, config, num_copies, seed, autoreset, observations,
                              sparse_observations)
    options = MatchOptions() if options is None else options
    request.seat_per_agent = bool(seat_per_agent)
    request.match.CopyFrom(options.to_proto())
    for name, agents in (seats or {}).items():
        request.seats.add(name=name, agents=[int(a) for a in agents],
                          withhold_observations=list(withhold.get(name, ())))
    response = client._call("CreateSession", request)
    return Match(client, response, options, detached=detached)


def join_seat(client: BaseClient, session_id: str, seat: str, join_token: str, streaming: bool = True) -> SeatEnv:
    """Takes a seat of a match; see ``kindred.Client.join_seat``."""
    joined = client._call("JoinSession", pb.JoinSessionRequest(session_id=session_id, seat=seat,
                                                               join_token=join_token,
                                                               client_name=client.client_name))
    env = SeatEnv(client, session_id, joined, join_token, streaming=streaming)
    client._track(env._lease)
    return env
