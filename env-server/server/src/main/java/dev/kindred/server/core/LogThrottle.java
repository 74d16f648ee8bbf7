package dev.kindred.server.core;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * At most one log line per period for one kind of event that a client can cause at will, so that
 * a client sending bad requests in a loop cannot fill the server's disk: the first event of a
 * period is logged, with the number of events left unlogged since the last line; the others are
 * only counted. Thread-safe.
 */
public final class LogThrottle {
  private final long periodNanos;
  private final LongSupplier clock;
  private boolean logged;
  private long nextNanos;
  private long suppressed;

  /** @param clock monotonic time in nanoseconds ({@code System::nanoTime} outside tests) */
  public LogThrottle(Duration period, LongSupplier clock) {
    if (period.isNegative()) {
      throw new IllegalArgumentException("period must not be negative, got " + period);
    }
    this.periodNanos = period.toNanos();
    this.clock = clock;
  }

  /**
   * Records one event.
   *
   * @return -1 when this event is not to be logged; otherwise the number of events not logged
   *         since the last one that was
   */
  public synchronized long admit() {
    long now = clock.getAsLong();
    if (logged && now - nextNanos < 0) {
      suppressed++;
      return -1;
    }
    logged = true;
    nextNanos = now + periodNanos;
    long n = suppressed;
    suppressed = 0;
    return n;
  }
}
