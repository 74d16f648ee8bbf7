package dev.kindred.view;

import com.google.gson.JsonObject;
import dev.kindred.env.KindredException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One browser following one recorded copy: the lines of a WatchRecording stream, sent to the
 * browser as Server-Sent Events on the HTTP thread that serves it.
 *
 * <p>The gRPC thread only appends lines to a bounded queue ({@link #capacity} lines) and never
 * waits: a browser that reads slowly never slows the world, nor the view server. When the queue
 * overflows its backlog is dropped, the watch is cancelled and a new one started once the browser
 * has caught up; the server opens every watch with the episode's header and a state line holding
 * the full current state, so the page carries on from the latest state (an event {@code dropped}
 * says how many lines it missed).
 *
 * <p>Events: {@code line} (data: one replay line, docs/replay-format.md), {@code dropped} (data:
 * the count), {@code ended} (the session closed; the stream ends), {@code failed} (data:
 * {@code {"code", "message"}}; the stream ends; the browser's EventSource reconnects after
 * {@link #RETRY_MS} unless the page closes it) and, every {@link #PING_SECONDS} seconds of
 * silence, a comment line (which also finds browsers that went away).
 */
final class LiveStream {
  static final int RETRY_MS = 2000;
  static final int PING_SECONDS = 10;

  /** Opens a watch: lines to the first consumer, then its end (null: the session closed). */
  interface Watcher {
    AutoCloseable watch(java.util.function.Consumer<String> onLine,
        java.util.function.Consumer<KindredException> onEnd);
  }

  private final Watcher watcher;
  private final int capacity;
  private final ArrayDeque<String> queue = new ArrayDeque<>();
  // All guarded by `this`.
  private long generation;
  private long dropped;
  private boolean overflowed;
  private boolean ended;
  private KindredException failure;
  private AutoCloseable handle;

  LiveStream(Watcher watcher, int capacity) {
    this.watcher = watcher;
    this.capacity = capacity;
  }

  /** Lines dropped for this browser so far. */
  synchronized long dropped() {
    return dropped;
  }

  /**
   * Streams to {@code out} until the session ends, the watch fails or the browser goes away
   * (an {@link IOException} writing to it, rethrown). Closes the watch in every case.
   */
  void run(OutputStream out) throws IOException, InterruptedException {
    try {
      write(out, "retry: " + RETRY_MS + "\n\n");
      subscribe();
      StringBuilder batch = new StringBuilder();
      while (true) {
        long droppedNow = 0;
        boolean resubscribe = false;
        boolean end = false;
        KindredException failed = null;
        synchronized (this) {
          if (queue.isEmpty() && !overflowed && !ended) {
            wait(TimeUnit.SECONDS.toMillis(PING_SECONDS));
          }
          for (String line; (line = queue.poll()) != null; ) {
            batch.append("event: line\ndata: ").append(line).append("\n\n");
          }
          if (overflowed) {
            overflowed = false;
            resubscribe = true;
            droppedNow = dropped;
          } else if (ended) {
            end = true;
            failed = failure;
          }
        }
        if (resubscribe) {
          batch.append("event: dropped\ndata: ").append(droppedNow).append("\n\n");
        }
        if (end) {
          batch.append(failed == null ? "event: ended\ndata: {}\n\n" : "event: failed\ndata: " + failureJson(failed) + "\n\n");
        }
        write(out, batch.length() == 0 ? ": ping\n\n" : batch.toString());
        batch.setLength(0);
        if (end) {
          return;
        }
        if (resubscribe) {
          subscribe();
        }
      }
    } finally {
      cancel();
    }
  }

  private static String failureJson(KindredException e) {
    JsonObject o = new JsonObject();
    o.addProperty("code", e.code());
    o.addProperty("message", e.detail());
    return o.toString();
  }

  private void subscribe() {
    long gen;
    synchronized (this) {
      gen = ++generation;
    }
    AutoCloseable h;
    try {
      h = watcher.watch(line -> onLine(gen, line), e -> onEnd(gen, e));
    } catch (KindredException e) {
      onEnd(gen, e);
      return;
    }
    synchronized (this) {
      if (generation == gen && !ended) {
        handle = h;
        return;
      }
    }
    closeQuietly(h);
  }

  private synchronized void onLine(long gen, String line) {
    if (gen != generation || ended) {
      return; // a watch cancelled after an overflow, still delivering
    }
    if (queue.size() >= capacity) {
      dropped += queue.size() + 1;
      queue.clear();
      overflowed = true;
      generation++; // ignore the rest of this watch; the writer starts a new one
      AutoCloseable h = handle;
      handle = null;
      closeQuietly(h);
    } else {
      queue.add(line);
    }
    notifyAll();
  }

  private synchronized void onEnd(long gen, KindredException e) {
    if (gen != generation || ended) {
      return;
    }
    ended = true;
    failure = e;
    handle = null;
    notifyAll();
  }

  private void cancel() {
    AutoCloseable h;
    synchronized (this) {
      ended = true;
      generation++;
      h = handle;
      handle = null;
    }
    closeQuietly(h);
  }

  private static void closeQuietly(AutoCloseable h) {
    if (h == null) {
      return;
    }
    try {
      h.close();
    } catch (Exception ignored) {
      // a cancelled watch has nothing left to release
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
