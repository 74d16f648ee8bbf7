package dev.kindred.replay;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The background thread of a {@link RecordingWorld}: it formats the step lines from the states
 * the stepping threads captured, hashes and compresses them, in the order they were handed over,
 * so that the thread stepping the world only copies a few arrays per step. It exits after a few
 * idle seconds and starts again on the next task.
 */
final class ReplayThread {
  private final ThreadPoolExecutor thread;

  ReplayThread() {
    thread = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "kindred-replay-writer");
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  /** Runs {@code task} on the background thread after every task submitted before it. */
  void submit(Runnable task) {
    thread.execute(task);
  }

  /** Waits until every task submitted so far has run. */
  void drain() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    thread.execute(() -> done.complete(null));
    try {
      done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the replay writer", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
