package dev.kindred.server.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per period; the events in between are counted, not logged. */
class LogThrottleTest {

  @Test
  void logsTheFirstEventOfEachPeriodWithTheCountItSkipped() {
    AtomicLong now = new AtomicLong(-5); // any origin: nanoTime can be negative
    LogThrottle t = new LogThrottle(Duration.ofSeconds(10), now::get);
    assertEquals(0, t.admit());
    now.addAndGet(Duration.ofSeconds(9).toNanos());
    assertEquals(-1, t.admit());
    assertEquals(-1, t.admit());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertEquals(2, t.admit());
    assertEquals(-1, t.admit());
    now.addAndGet(Duration.ofMinutes(5).toNanos());
    assertEquals(1, t.admit());
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertEquals(0, t.admit());
  }
}
