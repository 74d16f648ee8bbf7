package dev.kindred.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A counter world ({@link CounterVariant}) whose steps note the thread that runs them and, while
 * the gate is shut, wait until it opens: what a test needs to see where the server steps a
 * session, and to hold a step as long as it likes. Meant for sessions of one copy (every copy's
 * step passes the gate).
 */
final class GatedWorld {
  /** The world type to register. */
  final CounterVariant type;
  /** The name of the thread of every step, in order. */
  final List<String> stepThreads = new CopyOnWriteArrayList<>();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  /** Counted down when a step starts waiting at the shut gate. */
  volatile CountDownLatch waiting = new CountDownLatch(1);

  GatedWorld(String id) {
    this.type = new CounterVariant(id, this::beforeStep);
  }

  String id() {
    return type.id();
  }

  /** Steps from now on wait until {@link #open}. */
  void shut() {
    waiting = new CountDownLatch(1);
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  private void beforeStep() {
    stepThreads.add(Thread.currentThread().getName());
    CountDownLatch g = gate;
    if (g.getCount() == 0) {
      return;
    }
    waiting.countDown();
    try {
      if (!g.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the gate stayed shut for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
