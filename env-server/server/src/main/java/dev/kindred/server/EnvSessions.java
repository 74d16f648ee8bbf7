package dev.kindred.server;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import dev.kindred.env.Quote;
import dev.kindred.server.core.Session;
import dev.kindred.server.core.SessionKind;
import dev.kindred.server.core.SessionRegistry;
import dev.kindred.server.core.SessionRegistry.Closed;
import dev.kindred.server.core.SessionRegistry.Reservation;
import dev.kindred.server.core.SessionState;
import java.util.function.Function;

/**
 * The kindred.v1 sessions in the server's {@link SessionRegistry}: their ids (32 lower-case hex
 * digits, 128 random bits) and the messages a kindred.v1 client sees when a session id is
 * wrong.
 */
final class EnvSessions {
  private static final int ID_HEX_DIGITS = 32;
  static final SessionKind<EnvSession> KIND = new SessionKind<>(EnvServiceImpl.PROTOCOL, ID_HEX_DIGITS,
      "close sessions you no longer use (CloseSession)");

  /** A kindred.v1 session: its environment and whether responses may carry sparse observations. */
  record EnvSession(BatchedEnv env, boolean sparseObservations) implements SessionState {}

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
   * @throws EnvException RESOURCE_EXHAUSTED when the server holds its limit of sessions
   */
  Reservation<EnvSession> reserve(String worldId, String clientName) {
    return registry.reserve(KIND, "", worldId, clientName);
  }

  /**
   * Runs {@code action} on the session while holding its lock.
   *
   * @throws EnvException INVALID_ARGUMENT for an empty or malformed id, NOT_FOUND for an
   *                      unknown, closed or expired session, or whatever {@code action} throws
   */
  <T> T withSession(String sessionId, Function<EnvSession, T> action) {
    return registry.use(lookup(sessionId), () -> notFound(sessionId), action);
  }

  /** Closes a session; NOT_FOUND when it is unknown or already closed. */
  Closed close(String sessionId) {
    Session<EnvSession> s = lookup(sessionId);
    return registry.use(s, () -> notFound(sessionId), state -> registry.close(s, "closed"));
  }

  private Session<EnvSession> lookup(String sessionId) {
    checkId(sessionId);
    Session<EnvSession> s = registry.find(KIND, sessionId);
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
