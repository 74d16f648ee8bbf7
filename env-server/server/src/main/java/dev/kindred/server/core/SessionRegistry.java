package dev.kindred.server.core;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EnvException;
import dev.kindred.server.core.Connections.Connection;
import dev.kindred.env.KindredException;
import io.grpc.Context;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Every session a server holds, whichever protocol opened it (kindred.v1 sessions and
 * dm_env_rpc worlds alike), with the limits that apply to all of them: how many may exist at
 * once ({@code --max-sessions}), what each principal may hold ({@link Quota}) and how long one
 * may stay idle. Thread-safe. Ids are random (from {@link SecureRandom}) lower-case hex digits
 * after a prefix the protocol chooses.
 *
 * <p>A session belongs to the {@link Principal} that created it: {@link #find} by any other
 * principal returns null, exactly as for an id that does not exist, so that a session id alone
 * is worth nothing to another client and a client cannot learn which ids exist.
 *
 * <p>A session opens in two steps. {@link #reserve} takes a slot of the limit, of its owner's
 * quota and the id, atomically, before anything is built, so a burst of requests cannot build
 * more worlds than the limit; the protocol then builds the world and {@link Reservation#open
 * opens} the session, or closes the reservation to give the slot back.
 *
 * <p>Every call on a session goes through {@link #use} (or {@link #ifOpen}), which takes the
 * session's lock, checks that it is still open and records the time of use. Closing (by the
 * client, idle expiry or shutdown) marks the session closed under the same lock, so a late call
 * never touches a closed session.
 *
 * <p>A session bound to a connection ({@link Caller#connection()}) is closed when that connection
 * has been gone for the disconnect grace period ({@link #closeAbandoned}), unless its owner has
 * reconnected by then, in which case it moves to the owner's new connection.
 *
 * <p>No work starts for a call that is already cancelled or past its deadline, whether it was
 * so on arrival or became so while it waited for the session's lock; and while a call works on
 * a session, its world polls the session's {@link SessionCancellation}, which stops the work
 * when the call is cancelled, when {@link #useToClose} closes the session, or after
 * {@link #stopWork} at shutdown.
 */
public final class SessionRegistry {
  private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

  /** The disconnect grace of {@link #SessionRegistry(int, Duration, LongSupplier)}. */
  public static final Duration DEFAULT_DISCONNECT_GRACE = Duration.ofSeconds(10);

  private final int maxSessions;
  private final Duration idleTimeout;
  private final long idleTimeoutNanos;
  private final long disconnectGraceNanos;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  /** Open and reserved sessions by id; a reserved one has no state yet and is found by no lookup. */
  private final Map<String, Session<?>> sessions = new ConcurrentHashMap<>();
  /** Guards {@link #held}, {@link #usage} and the sessions' counted amounts. Taken after a session's lock, never before. */
  private final Object accounting = new Object();
  /** Open sessions plus reservations: the number checked against the limit. */
  private int held;
  /** What each principal (by name) holds, for its quota; principals holding nothing are absent. */
  private final Map<String, Usage> usage = new HashMap<>();

  /** What one principal holds. */
  private static final class Usage {
    long sessions;
    long copies;
    long cells;
    long creations;
  }
  /** How long closing a session waits for the call working on it before stopping that call. */
  static final long CLOSE_PATIENCE_MILLIS = 100;
  /** Set at shutdown once calls have had their grace: every session's work stops. */
  private volatile boolean stopping;

  /**
   * A registry whose bound sessions close {@link #DEFAULT_DISCONNECT_GRACE} after their connection.
   *
   * @param clock monotonic time in nanoseconds ({@code System::nanoTime} outside tests)
   */
  public SessionRegistry(int maxSessions, Duration idleTimeout, LongSupplier clock) {
    this(maxSessions, idleTimeout, DEFAULT_DISCONNECT_GRACE, clock);
  }

  /**
   * @param disconnectGrace how long a session bound to a connection outlives it, for its owner to
   *                        reconnect
   * @param clock           monotonic time in nanoseconds ({@code System::nanoTime} outside tests)
   */
  public SessionRegistry(int maxSessions, Duration idleTimeout, Duration disconnectGrace, LongSupplier clock) {
    this.maxSessions = maxSessions;
    this.idleTimeout = idleTimeout;
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.disconnectGraceNanos = disconnectGrace.toNanos();
    this.clock = clock;
  }

  /** What a closed session did over its life. */
  public record Closed(String sessionId, long steps, long episodes) {}

  /**
   * A slot of the limit and an id, held until the session opens or the reservation closes
   * (whichever comes first; closing after opening does nothing). Use it in try-with-resources
   * around building the session's world.
   */
  public final class Reservation<T extends SessionState> implements AutoCloseable {
    private final Session<T> session;
    private boolean done;

    private Reservation(Session<T> session) {
      this.session = session;
    }

    /** The id the session will have. */
    public String id() {
      return session.id();
    }

    /**
     * Counts {@code cells} (see {@link Quota#cells()}) against the owner's quota, once the
     * world's size is known and before its copies are built; the reservation's close gives them
     * back.
     *
     * @throws EnvException RESOURCE_EXHAUSTED when they exceed the owner's cells quota
     */
    public void charge(long cells) {
      if (cells <= 0) {
        return;
      }
      Principal p = session.owner();
      synchronized (accounting) {
        Usage u = usage.get(p.name());
        long total = saturatedAdd(u.cells, cells);
        if (total > p.quota().cells()) {
          throw EnvException.exhausted("quota exceeded: " + p.description() + " holds " + u.cells
              + " cells and this session needs " + cells + " more, beyond its quota of " + p.quota().cells()
              + " cells (cells=" + p.quota().cells() + "; a session's cells are its copies times the elements of "
              + "one copy's observations); use fewer copies or a smaller world, " + session.kind().howToFree()
              + ", or ask the server's operator for a larger quota");
        }
        u.cells = total;
        session.cells = saturatedAdd(session.cells, cells);
      }
    }

    /**
     * What the world being built polls: while the session is being built, the creating call
     * (cancelled or past its deadline, building stops); later, each call working on it.
     */
    public SessionCancellation cancellation() {
      return session.cancellation;
    }

    /** Opens the session: from now on lookups find it and it counts as in use. */
    public Session<T> open(T state) {
      if (done) {
        throw new IllegalStateException("reservation " + session.id() + " already used");
      }
      done = true;
      synchronized (accounting) {
        session.creating = false;
        usage.get(session.owner().name()).creations--;
      }
      session.cancellation.exit();
      session.open(state, clock.getAsLong());
      return session;
    }

    /** Gives the slot back unless the session opened. */
    @Override
    public void close() {
      if (!done) {
        done = true;
        session.cancellation.exit();
        release(session);
      }
    }
  }

  /** The idle timeout for messages, e.g. {@code "600 s"} or {@code "0.100 s"}. */
  public String idleTimeoutText() {
    long ms = idleTimeout.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
  }

  /** Open sessions of every kind. */
  public int size() {
    return (int) sessions.values().stream().filter(Session::isOpen).count();
  }

  /** Open sessions of one kind. */
  public int size(SessionKind<?> kind) {
    return (int) sessions.values().stream().filter(s -> s.isOpen() && s.kind().equals(kind)).count();
  }

  /**
   * Takes a slot of the limit, of the owner's quota and a fresh id ({@code idPrefix} followed by
   * the kind's random hex digits) for a session about to be built by the current call (whose
   * cancellation stops the building; see {@link Reservation#cancellation}).
   *
   * @param worldId the world the session will hold (for the log)
   * @param client  the name the client gave (for the log)
   * @param owner   its principal, and the connection it closes with (null: none)
   * @param copies  the copies it will hold, counted against the owner's copies quota
   * @throws EnvException RESOURCE_EXHAUSTED when the owner holds its quota or the server its
   *                      limit of sessions
   */
  public <T extends SessionState> Reservation<T> reserve(SessionKind<T> kind, String idPrefix, String worldId,
      String client, Caller owner, int copies) {
    Principal p = owner.principal();
    synchronized (accounting) {
      Usage u = usage.getOrDefault(p.name(), new Usage());
      checkQuota(kind, p, u, copies);
      if (held >= maxSessions) {
        throw EnvException.exhausted("this server already holds its limit of " + maxSessions + " sessions; "
            + kind.howToFree() + ", wait for idle ones to expire (after " + idleTimeoutText()
            + " idle), or restart the server with a larger --max-sessions");
      }
      held++;
      u.sessions++;
      u.copies += copies;
      u.creations++;
      usage.putIfAbsent(p.name(), u);
    }
    byte[] bytes = new byte[kind.idHexDigits() / 2];
    Session<T> session;
    do {
      random.nextBytes(bytes);
      session = new Session<>(kind, idPrefix + HexFormat.of().formatHex(bytes), worldId, client, owner, copies,
          clock.getAsLong(), new SessionCancellation(() -> stopping));
    } while (sessions.putIfAbsent(session.id(), session) != null);
    session.cancellation.enter(Context.current());
    return new Reservation<>(session);
  }

  /** RESOURCE_EXHAUSTED, naming the quota, unless {@code p} may open one more session of {@code copies} copies. */
  private void checkQuota(SessionKind<?> kind, Principal p, Usage u, int copies) {
    Quota q = p.quota();
    String raise = ", or ask the server's operator for a larger quota";
    if (u.sessions >= q.sessions()) {
      throw EnvException.exhausted("quota exceeded: " + p.description() + " already holds its quota of "
          + q.sessions() + " sessions (sessions=" + q.sessions() + "); " + kind.howToFree()
          + ", wait for idle ones to expire (after " + idleTimeoutText() + " idle)" + raise);
    }
    if (saturatedAdd(u.copies, copies) > q.copies()) {
      throw EnvException.exhausted("quota exceeded: " + p.description() + " holds " + u.copies
          + " copies and asks for " + copies + " more, beyond its quota of " + q.copies() + " copies (copies="
          + q.copies() + "); ask for fewer copies, " + kind.howToFree() + raise);
    }
    if (u.creations >= q.creations()) {
      throw EnvException.exhausted("quota exceeded: " + p.description() + " is already creating "
          + u.creations + " sessions at once, its quota (creations=" + q.creations()
          + "); wait for those to finish, then retry" + raise);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /**
   * The open session of {@code kind} with this id if {@code caller} owns it, else null (whether
   * or not it exists: another principal's session is answered as a missing one).
   */
  @SuppressWarnings("unchecked") // reserve(kind, ...) made every session of this kind a Session<T>
  public <T extends SessionState> Session<T> find(SessionKind<T> kind, String id, Principal caller) {
    Session<?> s = sessions.get(id);
    return s != null && s.isOpen() && s.kind().equals(kind) && s.owner().name().equals(caller.name())
        ? (Session<T>) s : null;
  }

  /** The open sessions of {@code kind} that {@code caller} owns, by id (a snapshot, in no particular order). */
  public <T extends SessionState> Map<String, T> findAll(SessionKind<T> kind, Principal caller) {
    Map<String, T> out = new HashMap<>();
    for (Session<?> s : sessions.values()) {
      Session<T> mine = find(kind, s.id(), caller);
      if (mine != null && mine.state() != null) {
        out.put(mine.id(), mine.state());
      }
    }
    return out;
  }

  /**
   * The open session of {@code kind} with this id, whoever owns it, or null: for calls whose
   * permission is a capability other than the principal (a match seat's join token), which the
   * caller checks before touching the session.
   */
  @SuppressWarnings("unchecked") // reserve(kind, ...) made every session of this kind a Session<T>
  public <T extends SessionState> Session<T> findAnyOwner(SessionKind<T> kind, String id) {
    Session<?> s = sessions.get(id);
    return s != null && s.isOpen() && s.kind().equals(kind) ? (Session<T>) s : null;
  }

  /**
   * As {@link #use}, for work shared by several clients (a match's world step, which one seat's
   * call may trigger for every seat): nothing starts for a call already cancelled, but once it
   * runs the session's world polls only closing and shutdown, never the call, so one client's
   * cancellation cannot abandon the others' episodes. Throws {@code closed} when the session
   * has been closed.
   */
  public <T extends SessionState, R> R useShared(Session<T> s, Supplier<? extends RuntimeException> closed,
      Function<? super T, R> action) {
    refuseIfCancelled(Context.current(), "refused before it started (nothing was done)");
    s.lock.lock();
    try {
      if (s.closed) {
        throw closed.get();
      }
      s.touch(clock.getAsLong());
      try {
        return action.apply(s.state());
      } finally {
        s.touch(clock.getAsLong());
      }
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Runs {@code action} on the session's state while holding its lock, recording the time of
   * use before and after. Nothing runs for a call (the current gRPC context) that is cancelled
   * or past its deadline, on arrival or after waiting for the lock; while the action runs, the
   * session's world polls the call's cancellation.
   *
   * @param closed the failure when the session has been closed
   * @throws KindredException DEADLINE_EXCEEDED or CANCELLED when the call ended before its work
   *                          started (nothing was done)
   */
  public <T extends SessionState, R> R use(Session<T> s, Supplier<? extends RuntimeException> closed,
      Function<? super T, R> action) {
    Context call = Context.current();
    refuseIfCancelled(call, "refused before it started (nothing was done)");
    s.lock.lock();
    try {
      if (s.closed) {
        throw closed.get();
      }
      // Calls queue on the lock behind a slow one: one that gave up meanwhile does nothing.
      refuseIfCancelled(call, "refused after waiting for the session's previous call (nothing was done)");
      s.touch(clock.getAsLong());
      s.cancellation.enter(call);
      try {
        return action.apply(s.state());
      } finally {
        s.cancellation.exit();
        s.touch(clock.getAsLong());
      }
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Runs {@code task} while holding the session's lock when no other call holds it now, and
   * returns true; returns false, having done nothing, when another call holds it. The task takes
   * the lock again through {@link #use} (it is reentrant), so it behaves as it would anywhere else.
   */
  public <T extends SessionState> boolean runIfFree(Session<T> s, Runnable task) {
    if (!s.lock.tryLock()) {
      return false;
    }
    try {
      task.run();
      return true;
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Whether no call holds the session's lock at this moment (a hint: one may take it right after).
   * For work that takes the lock itself and must not hold it throughout (a match's submission,
   * whose answers go out after the lock is released).
   */
  public boolean isFree(Session<?> s) {
    return !s.lock.isLocked();
  }

  /**
   * As {@link #use}, for an action that closes the session: a call that keeps working on the
   * session for longer than {@link #CLOSE_PATIENCE_MILLIS} (a long Reset, say) is stopped at its
   * world's next poll instead of holding the close up. Calls that end sooner end normally.
   *
   * @param why what is closing the session, for the stopped call's message (e.g.
   *            {@code "CloseSession"})
   */
  public <T extends SessionState, R> R useToClose(Session<T> s, String why, Supplier<? extends RuntimeException> closed,
      Function<? super T, R> action) {
    boolean locked;
    try {
      locked = s.lock.tryLock(CLOSE_PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KindredException("CANCELLED", "interrupted while waiting to close session " + s.id());
    }
    if (locked) {
      try {
        return use(s, closed, action); // the lock is reentrant
      } finally {
        s.lock.unlock();
      }
    }
    s.cancellation.closing(why);
    try {
      return use(s, closed, action);
    } finally {
      s.cancellation.closing(null);
    }
  }

  private static void refuseIfCancelled(Context call, String when) {
    KindredException e = SessionCancellation.ifCancelled(call, when);
    if (e != null) {
      throw e;
    }
  }

  /**
   * Stops the work of every call on every session (and of every world being built) at its
   * world's next poll, each failing UNAVAILABLE: at shutdown, once calls have had their grace.
   */
  public void stopWork() {
    stopping = true;
  }

  /** As {@link #use}, doing nothing when the session has been closed. */
  public <T extends SessionState> void ifOpen(Session<T> s, Consumer<? super T> action) {
    s.lock.lock();
    try {
      if (!s.closed) {
        s.touch(clock.getAsLong());
        action.accept(s.state());
      }
    } finally {
      s.lock.unlock();
    }
  }

  /**
   * Closes a session from inside {@link #use} or {@link #ifOpen} on it, and logs
   * {@code "session <why>"}.
   *
   * @param why what closed it, for the log (e.g. {@code "closed"}, {@code "destroyed"})
   */
  public Closed close(Session<?> s, String why) {
    if (!s.lock.isHeldByCurrentThread() || s.closed) {
      throw new IllegalStateException("session " + s.id() + " is closed only from a call that uses it");
    }
    Closed c = markClosed(s);
    logLine(s, why, c).log();
    return c;
  }

  /**
   * Closes every session idle for longer than the timeout. A session whose lock is held is in
   * use and is skipped.
   *
   * @return the number of sessions closed
   */
  public int expireIdle() {
    int expired = 0;
    for (Session<?> s : List.copyOf(sessions.values())) {
      if (!s.isOpen() || !isIdle(s) || !s.lock.tryLock()) {
        continue;
      }
      try {
        if (s.closed || !isIdle(s)) {
          continue;
        }
        long idleNanos = clock.getAsLong() - s.lastUsedNanos();
        Closed c = markClosed(s);
        expired++;
        logLine(s, "expired", c).addKeyValue("idle_s", String.format(Locale.ROOT, "%.1f", idleNanos / 1e9)).log();
      } finally {
        s.lock.unlock();
      }
    }
    return expired;
  }

  /**
   * Closes the sessions whose connection has been gone for the disconnect grace period, so that a
   * client that vanished does not hold its slots until the idle timeout. A session whose owner
   * has reconnected by then (another live connection over which it has called; only a token or
   * certificate principal can) moves to that connection instead. Sessions bound to no connection
   * (detached ones, dm_env_rpc worlds) are left alone.
   *
   * @param liveConnectionOf a live connection of a principal, or null
   * @return the number of sessions closed
   */
  public int closeAbandoned(Function<Principal, Connection> liveConnectionOf) {
    int closed = 0;
    for (Session<?> s : List.copyOf(sessions.values())) {
      Connection gone = s.connection();
      if (gone == null || !gone.isClosed() || !s.isOpen()
          || clock.getAsLong() - gone.closedAtNanos() < disconnectGraceNanos) {
        continue;
      }
      Connection other = liveConnectionOf.apply(s.owner());
      if (other != null) {
        s.bind(other);
        log.atDebug().setMessage("session moved to its owner's new connection").addKeyValue("session", s.id())
            .addKeyValue("connection", other.peer()).log();
        continue;
      }
      s.lock.lock();
      try {
        if (!s.closed && s.connection() == gone) {
          Closed c = markClosed(s);
          closed++;
          logLine(s, "abandoned", c).addKeyValue("connection", gone.peer()).log();
        }
      } finally {
        s.lock.unlock();
      }
    }
    return closed;
  }

  /** Closes every open session (at shutdown), waiting for calls in progress to finish. */
  public int closeAll() {
    int n = 0;
    for (Session<?> s : List.copyOf(sessions.values())) {
      if (s.state() == null) {
        continue; // reserved: its creator gives the slot back
      }
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

  private boolean isIdle(Session<?> s) {
    return clock.getAsLong() - s.lastUsedNanos() > idleTimeoutNanos;
  }

  private LoggingEventBuilder logLine(Session<?> s, String why, Closed c) {
    return log.atInfo().setMessage("session " + why)
        .addKeyValue("session", s.id())
        .addKeyValue("protocol", s.kind().protocol())
        .addKeyValue("world", s.worldId())
        .addKeyValue("client", s.client())
        .addKeyValue("principal", s.owner().name())
        .addKeyValue("steps", c.steps())
        .addKeyValue("episodes", c.episodes())
        .addKeyValue("sessions", size());
  }

  /** Caller holds the session's lock. */
  private Closed markClosed(Session<?> s) {
    s.closed = true;
    release(s);
    try {
      s.state().closed();
    } catch (RuntimeException e) {
      log.atError().setMessage("closing a session's state failed").addKeyValue("session", s.id()).setCause(e).log();
    }
    BatchedEnv env = s.state().env();
    return new Closed(s.id(), env.sessionStep(), env.episodesEnded());
  }

  private void release(Session<?> s) {
    if (sessions.remove(s.id(), s)) {
      synchronized (accounting) {
        held--;
        Usage u = usage.get(s.owner().name());
        u.sessions--;
        u.copies -= s.copies;
        u.cells -= s.cells;
        if (s.creating) {
          s.creating = false;
          u.creations--;
        }
        if (u.sessions == 0) {
          usage.remove(s.owner().name());
        }
      }
    }
  }
}
