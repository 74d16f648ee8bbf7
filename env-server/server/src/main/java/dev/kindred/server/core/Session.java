package dev.kindred.server.core;

import dev.kindred.server.core.Connections.Connection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One session in the {@link SessionRegistry}: what a client holds on the server (a kindred.v1
 * session or a dm_env_rpc world), with the lock that serialises calls on it. Sessions are
 * independent: calls on different sessions run in parallel; calls on one session take its lock
 * (through {@link SessionRegistry#use}), and a session that is closed is marked closed under
 * the lock, so no call can touch it afterwards.
 *
 * <p>A session belongs to the principal that created it: lookups by any other principal do not
 * find it. It may be bound to a connection, with which it closes (after a grace period).
 *
 * @param <T> what the session holds
 */
public final class Session<T extends SessionState> {
  private final SessionKind<T> kind;
  private final String id;
  private final String worldId;
  private final String client;
  private final Principal owner;
  /** What the session counts against its owner's quota; written under the registry's accounting lock. */
  final int copies;
  long cells;
  /** Still being built: counts as a creation in progress. Under the registry's accounting lock. */
  boolean creating = true;
  /** The connection it closes with, or null; moves when its owner reconnects (see {@link SessionRegistry#closeAbandoned}). */
  private volatile Connection connection;
  final ReentrantLock lock = new ReentrantLock();
  /** What the session's world polls while a call works on it. */
  final SessionCancellation cancellation;
  /** Null while the session is only reserved; set once, when it opens. */
  private volatile T state;
  /** Written under {@link #lock}; read under it (and without it by the sweeper's pre-check). */
  volatile boolean closed;
  private volatile long lastUsedNanos;
  /** How long its last {@link #RECENT_STEPS} steps took (a ring), and how many steps it has recorded. */
  private final AtomicLongArray recentSteps = new AtomicLongArray(RECENT_STEPS);
  private final AtomicLong recordedSteps = new AtomicLong();

  Session(SessionKind<T> kind, String id, String worldId, String client, Caller owner, int copies, long nowNanos,
      SessionCancellation cancellation) {
    this.cancellation = cancellation;
    this.kind = kind;
    this.id = id;
    this.worldId = worldId;
    this.client = client;
    this.owner = owner.principal();
    this.connection = owner.connection();
    this.copies = copies;
    this.lastUsedNanos = nowNanos;
  }

  public String id() {
    return id;
  }

  /**
   * The cancellation to build the session's world with ({@code WorldContext}): it stops the
   * world's long work when the call working on it is cancelled, the session is being closed or
   * the server stops work.
   */
  public SessionCancellation cancellation() {
    return cancellation;
  }

  String worldId() {
    return worldId;
  }

  SessionKind<T> kind() {
    return kind;
  }

  String client() {
    return client;
  }

  /** The principal that created it. */
  public Principal owner() {
    return owner;
  }

  Connection connection() {
    return connection;
  }

  void bind(Connection c) {
    connection = c;
  }

  /** Steps {@link #typicalStepNanos()} looks back over. */
  public static final int RECENT_STEPS = 4;

  /**
   * How long a step of this session takes when nothing gets in its way: the shortest of its last
   * {@value #RECENT_STEPS} steps; before it has stepped that often, the longest of its steps so
   * far ({@link Long#MAX_VALUE} before the first). A hint for where the next step runs, read
   * without the lock: a pause that lengthens one step (a garbage collection, the thread
   * preempted) does not change it, while a session whose steps are long shows as long at once.
   */
  public long typicalStepNanos() {
    long recorded = recordedSteps.get();
    boolean full = recorded >= RECENT_STEPS;
    int n = (int) Math.min(recorded, RECENT_STEPS);
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < n; i++) {
      long v = recentSteps.get(i);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return full ? min : max;
  }

  /** Records how long a step of this session took. */
  public void stepTook(long nanos) {
    recentSteps.set((int) (recordedSteps.getAndIncrement() % RECENT_STEPS), nanos);
  }

  /** What the session holds; only touch it while holding {@link #lock}. */
  T state() {
    return state;
  }

  void open(T state, long nowNanos) {
    this.lastUsedNanos = nowNanos;
    this.state = state;
  }

  boolean isOpen() {
    return state != null && !closed;
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  void touch(long nowNanos) {
    lastUsedNanos = nowNanos;
  }
}
