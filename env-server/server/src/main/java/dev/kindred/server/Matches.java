package dev.kindred.server;

import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.Quote;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.JoinSessionResponse;
import dev.kindred.proto.v1.LeaveSessionRequest;
import dev.kindred.proto.v1.StepSeatRequest;
import dev.kindred.server.EnvSessions.EnvSession;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Session;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.match.Match;
import dev.kindred.server.match.MatchDeadlines;
import dev.kindred.server.match.Match.Effects;
import dev.kindred.server.match.Match.Reply;
import dev.kindred.server.match.Match.Seat;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seat side of matches: joining a seat with its token, submitting a seat's actions, leaving,
 * and the deadlines that step a match whose held seats did not all submit in time. A seat call
 * finds its match whoever created it (the join token is the permission), takes the match's
 * session lock without binding the world's work to the call (one seat's cancelled call must not
 * abandon the others' episodes), and answers the seats whose step came once the lock is
 * released.
 */
final class Matches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Matches.class);
  private static final int TOKEN_HEX_DIGITS = 32;

  private final SessionRegistry registry;
  private final EnvSessions sessions;
  private final LongSupplier clock;
  /** The matches opened and not yet seen closed (pruned as matches open), for the shutdown. */
  private final Set<Session<EnvSession>> open = ConcurrentHashMap.newKeySet();
  /** Fires the deadlines; the step a deadline triggers runs on them too. */
  private final MatchDeadlines deadlines = new MatchDeadlines("kindred-match-deadline");

  Matches(SessionRegistry registry, EnvSessions sessions, LongSupplier clock) {
    this.registry = registry;
    this.sessions = sessions;
    this.clock = clock;
  }

  /** The deadline timer of the match that will have this session id. */
  Match.Timer timer(String sessionId) {
    return deadlines.timer(step -> deadlinePassed(sessionId, step));
  }

  private void deadlinePassed(String sessionId, long step) {
    Session<EnvSession> s = registry.findAnyOwner(EnvSessions.KIND, sessionId);
    if (s == null) {
      return;
    }
    try {
      registry.useShared(s, () -> new Closed(), st -> st.match().deadline(step, clock.getAsLong())).run();
    } catch (Closed e) {
      // closed meanwhile: its seats were answered when it closed
    } catch (RuntimeException e) {
      log.atError().setMessage("a match's deadline step failed").addKeyValue("session", sessionId).setCause(e).log();
    }
  }

  /** The session closed between the lookup and the lock. */
  private static final class Closed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Closed() {
      super(null, null, false, false);
    }
  }

  /** A match opened. */
  void opened(Session<EnvSession> s) {
    open.removeIf(m -> registry.findAnyOwner(EnvSessions.KIND, m.id()) == null);
    open.add(s);
  }

  /**
   * A client connection closed: every match reconsiders its pending step at once (a step that
   * waited only for seats held over that connection is taken, with them absent), on the deadline
   * threads rather than the transport's.
   */
  void connectionClosed() {
    deadlines.execute(() -> {
      for (Session<EnvSession> s : List.copyOf(open)) {
        try {
          registry.useShared(s, Closed::new, st -> st.match().connectionClosed(clock.getAsLong())).run();
        } catch (Closed e) {
          // closed meanwhile
        } catch (RuntimeException e) {
          log.atError().setMessage("a match's step after a disconnect failed").addKeyValue("session", s.id())
              .setCause(e).log();
        }
      }
    });
  }

  /**
   * At shutdown: every seat waiting for a step is answered UNAVAILABLE at once, rather than
   * holding the server's drain for its grace period while it waits for seats that will not come.
   */
  void shutDown() {
    for (Session<EnvSession> s : List.copyOf(open)) {
      try {
        registry.useShared(s, Closed::new, st -> st.match().close(new KindredException("UNAVAILABLE",
            "the server is shutting down; this match's step was not taken. Retry against another server"))).run();
      } catch (Closed e) {
        // already closed
      }
    }
  }

  JoinSessionResponse join(JoinSessionRequest r) {
    Caller caller = Caller.current();
    byte[] token = token(r.getJoinToken());
    Session<EnvSession> s = sessions.findForSeat(r.getSessionId());
    JoinSessionResponse[] out = new JoinSessionResponse[1];
    Effects effects = registry.useShared(s, () -> sessions.notFoundError(r.getSessionId()), st -> {
      Match m = match(st, s, caller, r.getSessionId());
      Seat seat = seat(m, r.getSeat(), token);
      Effects e = m.join(seat, caller.connection(), clock.getAsLong());
      JoinSessionResponse.Builder b = JoinSessionResponse.newBuilder()
          .setSpec(seat.spec)
          .setSeat(seat.def.toProto())
          .setObservation(seat.last().toBuilder().clearMatch())
          .setMatch(m.layout().optionsProto());
      for (Seat other : m.seats()) {
        b.addSeats(other.def.toProto().toBuilder().clearWithholdObservations());
      }
      out[0] = b.build();
      return e;
    });
    effects.run();
    log.atInfo().setMessage("seat joined").addKeyValue("session", s.id()).addKeyValue("seat", r.getSeat())
        .addKeyValue("client", Quote.excerpt(r.getClientName(), EnvServiceImpl.MAX_CLIENT_NAME_CHARS))
        .addKeyValue("principal", caller.principal().name()).log();
    return out[0];
  }

  /** Submits a seat's actions; {@code reply} is answered when the world has taken the step (or with the failure). */
  void step(StepSeatRequest r, Reply reply) {
    Caller caller = Caller.current();
    byte[] token = token(r.getJoinToken());
    Session<EnvSession> s = sessions.findForSeat(r.getSessionId());
    Long expected = r.hasExpectedStep() ? r.getExpectedStep() : null;
    long t0 = System.nanoTime();
    Effects effects = registry.useShared(s, () -> sessions.notFoundError(r.getSessionId()), st -> {
      Match m = match(st, s, caller, r.getSessionId());
      Seat seat = seat(m, r.getSeat(), token);
      return m.submit(seat, caller.connection(), r.getActions().asReadOnlyByteBuffer(), expected, reply,
          clock.getAsLong());
    });
    effects.run();
    if (effects.stepped()) {
      // How long a world step takes, answers included, for where the next submissions run (place).
      s.stepTook(System.nanoTime() - t0);
    }
  }

  /**
   * Runs {@code submit} (a seat's submission through {@link #step}, which answers the call itself,
   * failures included) where {@code placement} says: on this thread when the match's world steps
   * take at most {@link StepPlacement#INLINE_NANOS} (the submission that completes a step takes
   * it; the others only record their actions) and no call holds its session's lock now, else on
   * a worker (so a busy match, or one whose steps are long, never holds up the I/O thread for
   * long: at worst it waits for a step that has just begun, a short one). An id that finds no
   * session leaves the answer (its error) to {@code submit}, on a worker.
   */
  void place(StepPlacement placement, String sessionId, Runnable submit) {
    Session<EnvSession> s;
    try {
      s = sessions.findForSeat(sessionId);
    } catch (EnvException | KindredException e) {
      placement.run(Long.MAX_VALUE, task -> false, submit); // submit fails the same way, with the same message
      return;
    }
    // Not under the lock throughout: the submission takes it, and answers the seats after releasing it.
    placement.run(s.typicalStepNanos(), task -> {
      if (!registry.isFree(s)) {
        return false;
      }
      task.run();
      return true;
    }, submit);
  }

  void leave(LeaveSessionRequest r) {
    Caller caller = Caller.current();
    byte[] token = token(r.getJoinToken());
    Session<EnvSession> s = sessions.findForSeat(r.getSessionId());
    registry.useShared(s, () -> sessions.notFoundError(r.getSessionId()), st -> {
      Match m = match(st, s, caller, r.getSessionId());
      return m.leave(seat(m, r.getSeat(), token), clock.getAsLong());
    }).run();
    log.atInfo().setMessage("seat left").addKeyValue("session", s.id()).addKeyValue("seat", r.getSeat()).log();
  }

  /**
   * The session's match; a session created without seats is FAILED_PRECONDITION to its owner and
   * NOT_FOUND to anyone else (as for any session of another principal).
   */
  private Match match(EnvSession st, Session<EnvSession> s, Caller caller, String sessionId) {
    if (st.match() != null) {
      return st.match();
    }
    if (!s.owner().name().equals(caller.principal().name())) {
      throw sessions.notFoundError(sessionId);
    }
    throw EnvException.precondition("session '" + sessionId + "' was created without seats: it has one controller, "
        + "which uses Reset, Step and StepStream; JoinSession, StepSeat and LeaveSession are for matches (a "
        + "CreateSession with seats or seat_per_agent)");
  }

  private static Seat seat(Match m, String name, byte[] token) {
    if (name.isEmpty()) {
      throw EnvException.invalid("seat", "is empty; expected one of this match's seats: " + m.layout().seatNames());
    }
    Seat seat = m.seat(name);
    if (seat == null) {
      throw EnvException.notFound("seat '" + Quote.excerpt(name, 40) + "' not found; this match's seats are "
          + m.layout().seatNames());
    }
    if (!seat.tokenMatches(token)) {
      throw new KindredException("PERMISSION_DENIED", "wrong join token for seat '" + name + "'; use the join "
          + "token CreateSession returned for that seat (CreateSessionResponse.seats)");
    }
    return seat;
  }

  /** The token's bytes; INVALID_ARGUMENT unless it is 32 lower-case hex digits. */
  private static byte[] token(String hex) {
    if (hex.isEmpty()) {
      throw EnvException.invalid("join_token", "is empty; expected the seat's join token from CreateSession ("
          + TOKEN_HEX_DIGITS + " lower-case hex digits)");
    }
    boolean ok = hex.length() == TOKEN_HEX_DIGITS;
    for (int i = 0; ok && i < hex.length(); i++) {
      char ch = hex.charAt(i);
      ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }
    if (!ok) {
      // Never echoed: a token is a secret, and a near-miss is still one.
      throw EnvException.invalid("join_token", "is malformed (" + hex.length() + " characters); expected the seat's "
          + "join token from CreateSession (" + TOKEN_HEX_DIGITS + " lower-case hex digits)");
    }
    return HexFormat.of().parseHex(hex);
  }

  @Override
  public void close() {
    deadlines.close();
  }
}
