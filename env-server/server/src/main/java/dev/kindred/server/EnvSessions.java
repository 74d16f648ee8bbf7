package dev.kindred.server;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import dev.kindred.env.KindredException;
import dev.kindred.env.Quote;
import dev.kindred.proto.v1.StepResponse;
import dev.kindred.protocol.Protos;
import dev.kindred.server.core.Caller;
import dev.kindred.server.core.Principal;
import dev.kindred.server.core.Session;
import dev.kindred.server.core.SessionKind;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.SessionRegistry.Closed;
import dev.kindred.server.core.SessionRegistry.Reservation;
import dev.kindred.server.core.SessionState;
import dev.kindred.server.match.Match;
import java.util.function.Function;

/**
 * The kindred.v1 sessions in the server's {@link SessionRegistry}: their ids (32 lower-case hex
 * digits, 128 random bits) and the messages a kindred.v1 client sees when a session id is
 * wrong. A session is found only by the principal that created it; to any other principal it is
 * NOT_FOUND with the very message a missing id gets.
 */
final class EnvSessions {
  private static final int ID_HEX_DIGITS = 32;
  static final SessionKind<EnvSession> KIND = new SessionKind<>(EnvServiceImpl.PROTOCOL, ID_HEX_DIGITS,
      "close sessions you no longer use (CloseSession)");

  /**
   * A kindred.v1 session: its environment, whether responses may carry sparse observations, the
   * last Step response kept for retries ({@link LastStep}), and the buffers its responses share
   * (responses sent under the session's lock need no copies of the observations).
   */
  record EnvSession(BatchedEnv env, boolean sparseObservations, LastStep last, Match match,
      SessionRecording recording, Protos.ResponseBuffers responseBuffers) implements SessionState {
    EnvSession(BatchedEnv env, boolean sparseObservations) {
      this(env, sparseObservations, null, null);
    }

    /** A match's session: stepped by its seats, never by plain Reset or Step. */
    EnvSession(BatchedEnv env, boolean sparseObservations, Match match) {
      this(env, sparseObservations, match, null);
    }

    /** A session (a match when {@code match} is not null) recorded by {@code recording} (null: not recorded). */
    EnvSession(BatchedEnv env, boolean sparseObservations, Match match, SessionRecording recording) {
      this(env, sparseObservations, new LastStep(), match, recording,
          new Protos.ResponseBuffers(env.observations().size()));
    }

    @Override
    public void closed() {
      if (recording != null) {
        recording.close();
      }
      if (match != null) {
        match.close(new KindredException("ABORTED", "the match closed (CloseSession by its creator, idle expiry or "
            + "server shutdown) before the world took this step")).run();
      }
    }
  }

  /**
   * The response of the session's last Step, when that Step carried {@code expected_step}: what
   * a retry of it gets again (exactly-once stepping). Touched only under the session's lock.
   */
  static final class LastStep {
    private StepResponse response;

    /** The kept response, or null. */
    StepResponse get() {
      return response;
    }

    void keep(StepResponse r) {
      response = r;
    }

    /** After a Reset: a Step retried across it must not get a pre-Reset answer. */
    void forget() {
      response = null;
    }
  }

  private final SessionRegistry registry;

  EnvSessions(SessionRegistry registry) {
    this.registry = registry;
  }

  /** Number of open kindred.v1 sessions. */
  int size() {
    return registry.size(KIND);
  }

  /**
   * A slot for a session about to be built.
   *
   * @param owner  its principal, and the connection it closes with (none for a detached session)
   * @param copies its copies, counted against the owner's quota
   * @throws EnvException RESOURCE_EXHAUSTED when the owner holds its quota or the server its
   *                      limit of sessions
   */
  Reservation<EnvSession> reserve(String worldId, String clientName, Caller owner, int copies) {
    return registry.reserve(KIND, "", worldId, clientName, owner, copies);
  }

  /**
   * Runs {@code action} on the caller's session while holding its lock.
   *
   * @throws EnvException INVALID_ARGUMENT for an empty or malformed id, NOT_FOUND for an
   *                      unknown, closed or expired session or one of another principal, or
   *                      whatever {@code action} throws
   */
  <T> T withSession(Principal caller, String sessionId, Function<EnvSession, T> action) {
    return registry.use(lookup(caller, sessionId), () -> notFound(sessionId), action);
  }

  /**
   * Runs {@code step} (a Step on the caller's session, through {@link #withSession}; it answers
   * the call itself, failures included) where {@code placement} says: on this thread when the
   * session's steps take at most {@link StepPlacement#INLINE_NANOS} ({@link Session#typicalStepNanos})
   * and its lock is free now, else on a worker. How long it takes, from here to its answer, feeds
   * that hint. An id that finds no session leaves the answer (its error) to {@code step}, on a
   * worker.
   */
  void place(StepPlacement placement, Principal caller, String sessionId, Runnable step) {
    Session<EnvSession> s;
    try {
      s = lookup(caller, sessionId);
    } catch (EnvException | KindredException e) {
      placement.run(Long.MAX_VALUE, task -> false, step); // step fails the same way, with the same message
      return;
    }
    Runnable timed = () -> {
      long t0 = System.nanoTime();
      try {
        step.run();
      } finally {
        s.stepTook(System.nanoTime() - t0);
      }
    };
    placement.run(s.typicalStepNanos(), task -> registry.runIfFree(s, task), timed);
  }

  /** The caller's open sessions, by id. */
  java.util.Map<String, EnvSession> all(Principal caller) {
    return registry.findAll(KIND, caller);
  }

  /**
   * Closes the caller's session; NOT_FOUND when it is unknown, already closed or another's. A call
   * still working on the session (a long Reset, say) stops at its world's next poll rather than
   * holding the close up.
   */
  Closed close(Principal caller, String sessionId) {
    Session<EnvSession> s = lookup(caller, sessionId);
    return registry.useToClose(s, "CloseSession", () -> notFound(sessionId), state -> registry.close(s, "closed"));
  }

  /**
   * The session a seat call names, whoever created it (the seat's join token, which the caller
   * checks, is the permission).
   *
   * @throws EnvException INVALID_ARGUMENT for a malformed id, NOT_FOUND for an unknown one
   */
  Session<EnvSession> findForSeat(String sessionId) {
    checkId(sessionId);
    Session<EnvSession> s = registry.findAnyOwner(KIND, sessionId);
    if (s == null) {
      throw notFound(sessionId);
    }
    return s;
  }

  /** The NOT_FOUND of an unknown session id. */
  EnvException notFoundError(String sessionId) {
    return notFound(sessionId);
  }

  private Session<EnvSession> lookup(Principal caller, String sessionId) {
    checkId(sessionId);
    Session<EnvSession> s = registry.find(KIND, sessionId, caller);
    if (s == null) {
      throw notFound(sessionId);
    }
    return s;
  }

  /** INVALID_ARGUMENT unless {@code id} looks like an id this server hands out. */
  static void checkId(String id) {
    if (id == null || id.isEmpty()) {
      throw EnvException.invalid("session_id", "is empty; expected the session id returned by CreateSession ("
          + ID_HEX_DIGITS + " lower-case hex digits)");
    }
    boolean ok = id.length() == ID_HEX_DIGITS;
    for (int i = 0; ok && i < id.length(); i++) {
      char ch = id.charAt(i);
      ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
    }
    if (!ok) {
      throw EnvException.invalid("session_id", "'" + Quote.excerpt(id) + "' is malformed; expected the session id returned by "
          + "CreateSession (" + ID_HEX_DIGITS + " lower-case hex digits)");
    }
  }

  private EnvException notFound(String sessionId) {
    return EnvException.notFound("session '" + sessionId + "' not found: it was closed, or it expired "
        + "(sessions expire after " + registry.idleTimeoutText() + " idle), or it never existed on this server; "
        + "create a new one with CreateSession");
  }
}
