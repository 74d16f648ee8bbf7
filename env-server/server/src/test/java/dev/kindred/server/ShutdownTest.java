package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What closing a server ends. */
class ShutdownTest {

  @Test
  void closeStopsTheStepThreads() throws Exception {
    Set<Thread> before = stepThreads();
    try (Harness h = Harness.inProcess(Harness.testConfig().stepThreads(4).build())) {
      String id = h.session(8, 1);
      h.reset(id);
      h.step(id, new int[8 * Harness.AGENTS]); // eight copies stepped on the pool
      assertFalse(newThreads(before).isEmpty(), "the step pool started no threads");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!newThreads(before).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(Set.of(), newThreads(before), "step threads left running by a closed server");
  }

  private static Set<Thread> stepThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t instanceof ForkJoinWorkerThread w && w.getPool() != ForkJoinPool.commonPool())
        .collect(Collectors.toSet());
  }

  private static Set<Thread> newThreads(Set<Thread> before) {
    Set<Thread> now = stepThreads();
    now.removeAll(before);
    return now;
  }
}
