package dev.kindred.server;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live sessions of a server, with their limits: how many sessions may exist at once and how
 * long one may stay idle. Thread-safe. Session ids are 128-bit random numbers from
 * {@link SecureRandom}, written as 32 lower-case hex digits.
 *
 * <p>Every call on a session goes through {@link #withSession}, which takes the session's lock,
 * checks that it is still open and records the time of use. Closing (explicitly, by idle
 * expiry or at shutdown) marks the session closed under the same lock, so a late call gets
 * NOT_FOUND and never steps a closed session.
 */
public final class SessionManager {
  private static final Logger log = LoggerFactory.getLogger(SessionManager.class);
  private static final int ID_HEX_DIGITS = 32;

  private final int maxSessions;
  private final Duration idleTimeout;
  private final long idleTimeoutNanos;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  /** Sessions held plus sessions being created: the number checked against the limit. */
  private final AtomicInteger reserved = new AtomicInteger();

  /**
   * @param clock monotonic time in nanoseconds ({@code System::nanoTime} outside tests)
   */
  public SessionManager(int maxSessions, Duration idleTimeout, LongSupplier clock) {
    this.maxSessions = maxSessions;
    this.idleTimeout = idleTimeout;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.clock = clock;
  }

  /** What a closed session did over its life. */
  public record Closed(String sessionId, long steps, long episodes) {}

  public int size() {
    return sessions.size();
  }

  public int maxSessions() {
    return maxSessions;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * Creates a session, counting it against the limit before {@code factory} builds its
   * environment (so that a burst of requests cannot build more worlds than the limit).
   */
  Session create(String worldId, String clientName, Supplier<BatchedEnv> factory) {
    if (reserved.incrementAndGet() > maxSessions) {
      reserved.decrementAndGet();
      throw EnvException.exhausted("this server already holds its limit of " + maxSessions
          + " sessions; close sessions you no longer use (CloseSession), wait for idle ones to expire (after "
          + seconds(idleTimeout) + " idle), or restart the server with a larger --max-sessions");
    }
    BatchedEnv env;
    try {
      env = factory.get();
    } catch (RuntimeException | Error e) {
      reserved.decrementAndGet();
      throw e;
    }
    String id;
    Session session;
    do {
      byte[] bytes = new byte[ID_HEX_DIGITS / 2];
      random.nextBytes(bytes);
      id = HexFormat.of().formatHex(bytes);
      session = new Session(id, worldId, clientName, env, clock.getAsLong());
    } while (sessions.putIfAbsent(id, session) != null);
    return session;
  }

  /**
   * Runs {@code action} on the session's environment while holding its lock.
   *
   * @throws EnvException INVALID_ARGUMENT for an empty or malformed id, NOT_FOUND for an
   *                      unknown, closed or expired session, or whatever {@code action} throws
   */
  public <T> T withSession(String sessionId, Function<BatchedEnv, T> action) {
    return withSessionState(sessionId, s -> action.apply(s.env()));
  }

  /** As {@link #withSession}, giving the action the whole session (its options with its env). */
  <T> T withSessionState(String sessionId, Function<Session, T> action) {
    Session s = lookup(sessionId);
    s.lock.lock();
    try {
      if (s.closed) {
        throw notFound(sessionId);
      }
      s.touch(clock.getAsLong());
      try {
        return action.apply(s);
      } finally {
        s.touch(clock.getAsLong());
      }
    } finally {
      s.lock.unlock();
    }
  }

  /** Closes a session; NOT_FOUND when it is unknown or already closed. */
  public Closed close(String sessionId) {
    Session s = lookup(sessionId);
    s.lock.lock();
    try {
      if (s.closed) {
        throw notFound(sessionId);
      }
      Closed c = markClosed(s);
      log.atInfo().setMessage("session closed")
          .addKeyValue("session", s.id())
          .addKeyValue("world", s.worldId())
          .addKeyValue("client", s.clientName())
          .addKeyValue("steps", c.steps())
          .addKeyValue("episodes", c.episodes())
          .addKeyValue("sessions", sessions.size())
          .log();
      return c;
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Closes every session idle for longer than the timeout. A session whose lock is held is in
   * use and is skipped.
   *
   * @return the number of sessions closed
   */
  public int expireIdle() {
    int expired = 0;
    for (Session s : List.copyOf(sessions.values())) {
      if (!isIdle(s) || !s.lock.tryLock()) {
        continue;
      }
      try {
        if (s.closed || !isIdle(s)) {
          continue;
        }
        Closed c = markClosed(s);
        expired++;
        log.atInfo().setMessage("session expired")
            .addKeyValue("session", s.id())
            .addKeyValue("world", s.worldId())
            .addKeyValue("client", s.clientName())
            .addKeyValue("idle_s", String.format("%.1f", (clock.getAsLong() - s.lastUsedNanos()) / 1e9))
            .addKeyValue("steps", c.steps())
            .addKeyValue("episodes", c.episodes())
            .addKeyValue("sessions", sessions.size())
            .log();
      } finally {
        s.lock.unlock();
      }
    }
    return expired;
  }

  /** Drops a session whose creation failed after it was registered; caller holds its lock. */
  void discard(Session s) {
    if (!s.closed) {
      markClosed(s);
    }
  }

  /** Closes every session (at shutdown), waiting for calls in progress to finish. */
  public int closeAll() {
    List<Session> all = new ArrayList<>(sessions.values());
    int n = 0;
    for (Session s : all) {
      s.lock.lock();
      try {
        if (!s.closed) {
          markClosed(s);
          n++;
        }
      } finally {
        s.lock.unlock();
      }
    }
    return n;
  }

  private boolean isIdle(Session s) {
    return clock.getAsLong() - s.lastUsedNanos() > idleTimeoutNanos;
  }

  /** Caller holds the session's lock. */
  private Closed markClosed(Session s) {
    s.closed = true;
    if (sessions.remove(s.id(), s)) {
      reserved.decrementAndGet();
    }
    return new Closed(s.id(), s.env().sessionStep(), s.env().episodesEnded());
  }

  private Session lookup(String sessionId) {
    checkId(sessionId);
    Session s = sessions.get(sessionId);
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
      String shown = id.length() > 80 ? id.substring(0, 80) + "..." : id;
      throw EnvException.invalid("session_id", "'" + shown + "' is malformed; expected the session id returned by "
          + "CreateSession (" + ID_HEX_DIGITS + " lower-case hex digits)");
    }
  }

  private EnvException notFound(String sessionId) {
    return EnvException.notFound("session '" + sessionId + "' not found: it was closed, or it expired "
        + "(sessions expire after " + seconds(idleTimeout) + " idle), or it never existed on this server; "
        + "create a new one with CreateSession");
  }

  static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.3f s", ms / 1000.0);
  }
}
