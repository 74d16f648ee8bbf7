package dev.kindred.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.KindredException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One browser's live stream: bounded, never blocking the watch, a fresh start after an overflow. */
@Timeout(20)
class LiveStreamTest {
  /** A watch the test drives: every subscription's callbacks, and how many were closed. */
  static final class FakeWatcher implements LiveStream.Watcher {
    final List<Consumer<String>> lines = new CopyOnWriteArrayList<>();
    final List<Consumer<KindredException>> ends = new CopyOnWriteArrayList<>();
    final AtomicInteger closed = new AtomicInteger();

    @Override
    public AutoCloseable watch(Consumer<String> onLine, Consumer<KindredException> onEnd) {
      lines.add(onLine);
      ends.add(onEnd);
      return closed::incrementAndGet;
    }

    void awaitSubscriptions(int n) throws InterruptedException {
      for (int i = 0; i < 2000 && lines.size() < n; i++) {
        Thread.sleep(5);
      }
      assertEquals(n, lines.size(), "subscriptions");
    }
  }

  /** A browser that stops reading while {@link #hold} is up. */
  static final class SlowBrowser extends OutputStream {
    final ByteArrayOutputStream got = new ByteArrayOutputStream();
    volatile CountDownLatch hold = new CountDownLatch(0);
    final CountDownLatch stuck = new CountDownLatch(1);

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (hold.getCount() > 0) {
        stuck.countDown();
        try {
          hold.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      synchronized (got) {
        got.write(b, off, len);
      }
    }

    String text() {
      synchronized (got) {
        return got.toString(StandardCharsets.UTF_8);
      }
    }
  }

  private static CompletableFuture<Void> runAsync(LiveStream stream, OutputStream out) {
    return CompletableFuture.runAsync(() -> {
      try {
        stream.run(out);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void awaitText(SlowBrowser b, String s) throws InterruptedException {
    for (int i = 0; i < 2000 && !b.text().contains(s); i++) {
      Thread.sleep(5);
    }
    assertTrue(b.text().contains(s), "the browser never got '" + s + "': " + b.text());
  }

  @Test
  void aBrowserThatStopsReadingNeverBlocksTheWatchAndRestartsFromAFreshState() throws Exception {
    FakeWatcher watcher = new FakeWatcher();
    SlowBrowser browser = new SlowBrowser();
    LiveStream stream = new LiveStream(watcher, 16);
    CompletableFuture<Void> done = runAsync(stream, browser);
    watcher.awaitSubscriptions(1);
    watcher.lines.get(0).accept("{\"t\":1}");
    awaitText(browser, "data: {\"t\":1}\n\n");

    browser.hold = new CountDownLatch(1);
    watcher.lines.get(0).accept("{\"t\":2}"); // the writer takes it and then blocks writing
    assertTrue(browser.stuck.await(5, TimeUnit.SECONDS));
    long start = System.nanoTime();
    for (int t = 3; t < 10_003; t++) {
      watcher.lines.get(0).accept("{\"t\":" + t + "}");
    }
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMs < 2000, "10,000 lines took " + tookMs + " ms to hand over while the browser was stuck");
    // The queue (16) filled, the 17th line overflowed it: those are dropped, the watch cancelled, and
    // what the cancelled watch still delivers is ignored.
    assertEquals(17, stream.dropped());
    assertEquals(1, watcher.closed.get(), "the overflowing watch is cancelled");

    browser.hold.countDown();
    watcher.awaitSubscriptions(2); // a new watch: the server starts it with a header and a full state
    awaitText(browser, "event: dropped\ndata: ");
    watcher.lines.get(0).accept("{\"stale\":true}"); // the cancelled watch, still delivering: ignored
    watcher.lines.get(1).accept("{\"t\":10002,\"state\":{}}");
    awaitText(browser, "data: {\"t\":10002,\"state\":{}}");
    watcher.ends.get(1).accept(null);
    done.get(5, TimeUnit.SECONDS);
    assertTrue(browser.text().endsWith("event: ended\ndata: {}\n\n"), browser.text());
    assertFalse(browser.text().contains("stale"));
    // Never more than the queue's capacity of old lines between the stall and the fresh state.
    String afterStall = browser.text().substring(browser.text().indexOf("{\"t\":2}"));
    long kept = afterStall.lines().filter(l -> l.startsWith("data: {\"t\":")).count();
    assertTrue(kept <= 16 + 2, "lines sent after the stall: " + kept);
  }

  @Test
  void aFailedWatchIsReportedWithItsCodeAndEndsTheStream() throws Exception {
    FakeWatcher watcher = new FakeWatcher();
    SlowBrowser browser = new SlowBrowser();
    CompletableFuture<Void> done = runAsync(new LiveStream(watcher, 8), browser);
    watcher.awaitSubscriptions(1);
    watcher.ends.get(0).accept(new KindredException("NOT_FOUND", "no session 'abc'"));
    done.get(5, TimeUnit.SECONDS);
    assertTrue(browser.text().startsWith("retry: " + LiveStream.RETRY_MS + "\n\n"), browser.text());
    assertTrue(browser.text().endsWith("event: failed\ndata: {\"code\":\"NOT_FOUND\",\"message\":\"no session 'abc'\"}\n\n"),
        browser.text());
  }

  @Test
  void aBrowserThatLeftCancelsTheWatch() throws Exception {
    FakeWatcher watcher = new FakeWatcher();
    AtomicInteger writes = new AtomicInteger();
    OutputStream gone = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (writes.incrementAndGet() > 1) {
          throw new IOException("Broken pipe");
        }
      }
    };
    LiveStream stream = new LiveStream(watcher, 8);
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      IOException e = assertThrows(IOException.class, () -> stream.run(gone));
      assertEquals("Broken pipe", e.getMessage());
    });
    watcher.awaitSubscriptions(1);
    watcher.lines.get(0).accept("{\"t\":1}");
    done.get(5, TimeUnit.SECONDS);
    assertEquals(1, watcher.closed.get());
  }
}
