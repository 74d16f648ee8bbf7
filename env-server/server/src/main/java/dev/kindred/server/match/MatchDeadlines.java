package dev.kindred.server.match;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * Fires the deadlines of matches on daemon threads; the world step a deadline triggers runs on
 * them too. Idle threads end after a while, so an owner that is never closed leaks none.
 */
public final class MatchDeadlines implements AutoCloseable {
  private final ScheduledThreadPoolExecutor executor;

  /** @param threadName the name of its threads, for thread dumps */
  public MatchDeadlines(String threadName) {
    executor = new ScheduledThreadPoolExecutor(Math.max(2, Runtime.getRuntime().availableProcessors() / 2), r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.setKeepAliveTime(30, TimeUnit.SECONDS);
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * A match's {@link Match.Timer}: when a deadline passes, {@code passed} gets its step (and
   * takes the match's lock itself before calling {@link Match#deadline}). Once this is closed
   * (the server is stopping, its matches close) a deadline is never fired.
   */
  public Match.Timer timer(LongConsumer passed) {
    return (delayNanos, step) -> {
      try {
        ScheduledFuture<?> f = executor.schedule(() -> passed.accept(step), delayNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      } catch (RejectedExecutionException e) {
        return () -> { };
      }
    };
  }

  /**
   * Runs {@code work} on its threads (work a transport thread must not do, such as the step a
   * disconnect lets a match take); nothing once closed.
   */
  public void execute(Runnable work) {
    try {
      executor.execute(work);
    } catch (RejectedExecutionException e) {
      // closed: the server is stopping and its matches close
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
