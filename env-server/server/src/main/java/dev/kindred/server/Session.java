package dev.kindred.server;

import dev.kindred.env.BatchedEnv;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client's environment: a {@link BatchedEnv} with the lock that serialises calls on it.
 * Sessions are independent: calls on different sessions run in parallel; calls on one session
 * take its lock, and a session that is closed (by CloseSession, idle expiry or shutdown) is
 * marked closed under the lock, so no call can step it afterwards.
 */
final class Session {
  private final String id;
  private final String worldId;
  private final String clientName;
  private final BatchedEnv env;
  private final long createdNanos;
  final ReentrantLock lock = new ReentrantLock();
  /** Written under {@link #lock}; read under it (and without it by the sweeper's pre-check). */
  volatile boolean closed;
  private volatile long lastUsedNanos;
  /** Whether responses may carry sparse observation tensors (set once, at creation). */
  volatile boolean sparseObservations;

  Session(String id, String worldId, String clientName, BatchedEnv env, long nowNanos) {
    this.id = id;
    this.worldId = worldId;
    this.clientName = clientName;
    this.env = env;
    this.createdNanos = nowNanos;
    this.lastUsedNanos = nowNanos;
  }

  String id() {
    return id;
  }

  String worldId() {
    return worldId;
  }

  String clientName() {
    return clientName;
  }

  /** The environment; only touch it while holding {@link #lock}. */
  BatchedEnv env() {
    return env;
  }

  long createdNanos() {
    return createdNanos;
  }

  long lastUsedNanos() {
    return lastUsedNanos;
  }

  void touch(long nowNanos) {
    lastUsedNanos = nowNanos;
  }
}
