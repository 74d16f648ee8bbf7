package dev.kindred.replay;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One background thread that hashes and compresses the chunks of lines {@link ReplayWriter}s hand
 * it, in the order they were handed over, so that the thread stepping the world only formats
 * lines and copies bytes (gzip costs several times more than the formatting). Chunk buffers come
 * from a bounded pool: when the thread falls behind, the stepping thread waits for a free buffer,
 * so memory stays bounded and no line is dropped. The thread exits after a few idle seconds.
 */
final class Compressor {
  /** Bytes per chunk: a few hundred step lines of a 20-agent world. */
  static final int CHUNK = 1 << 15;
  private static final int MAX_CHUNKS = 64;

  private final ThreadPoolExecutor thread;
  /** Free buffers, last freed first (still in cache). */
  private final LinkedBlockingDeque<byte[]> free = new LinkedBlockingDeque<>(MAX_CHUNKS);
  private int allocated;

  Compressor() {
    thread = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "kindred-replay-writer");
      t.setDaemon(true);
      return t;
    });
    thread.allowCoreThreadTimeOut(true);
  }

  /** A free chunk buffer, waiting for one when {@value #MAX_CHUNKS} are in flight. */
  byte[] take() {
    byte[] b = free.pollFirst();
    if (b != null) {
      return b;
    }
    synchronized (this) {
      if (allocated < MAX_CHUNKS) {
        allocated++;
        return new byte[CHUNK];
      }
    }
    try {
      return free.takeFirst();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the replay writer", e);
    }
  }

  /** Gives a chunk buffer back to the pool. */
  void release(byte[] chunk) {
    if (chunk.length == CHUNK) {
      free.offerFirst(chunk);
    }
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
