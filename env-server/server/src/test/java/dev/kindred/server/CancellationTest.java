package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.spin.SpinLatticeType;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: long work stops when its call is cancelled or past its deadline, when its session is
 * closed, and when the server shuts down; a world being built stops when its CreateSession does.
 * A runaway burn-in (allowed here by raising --max-call-work) is the long work.
 */
class CancellationTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(10);

  private static Harness server(Duration grace, StallingWorld... extra) {
    ServerConfig config = Harness.testConfig().maxCallWork(Long.MAX_VALUE).shutdownGrace(grace).build();
    if (extra.length > 0) {
      return Harness.inProcess(config, extra);
    }
    return Harness.inProcess(config, new SpinLatticeType());
  }

  /** A session whose every Reset runs for hours. */
  private static String runaway(Harness h) {
    return h.stub.createSession(CreateSessionRequest.newBuilder().setWorldId(SpinLatticeType.ID)
        .setConfig(Harness.config(Map.of("width", 4, "height", 4, "burn_in_sweeps", 1L << 40))).build())
        .getSessionId();
  }

  private static CompletableFuture<StepResponse> resetInBackground(Harness h, String id) throws InterruptedException {
    CompletableFuture<StepResponse> reset = CompletableFuture.supplyAsync(
        () -> h.stub.reset(ResetRequest.newBuilder().setSessionId(id).build()));
    Thread.sleep(300); // well into the burn-in
    assertFalse(reset.isDone(), "the runaway reset ended by itself: " + reset);
    return reset;
  }

  private static Status failure(CompletableFuture<?> call) throws InterruptedException {
    try {
      call.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the call is still running", e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void aResetPastItsDeadlineStopsAndFreesTheSession() {
    try (Harness h = server(Duration.ofMillis(500))) {
      String id = runaway(h);
      assertTimeoutPreemptively(PROMPTLY, () -> {
        assertStatus(Code.DEADLINE_EXCEEDED, () -> h.stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .reset(ResetRequest.newBuilder().setSessionId(id).build()));
        // The server stopped working: the session's lock is free, and its copies say what happened.
        assertStatus(Code.FAILED_PRECONDITION, () -> h.step(id), "abandoned", "call Reset");
        h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
      });
    }
  }

  @Test
  void closeSessionStopsAResetInProgress() throws Exception {
    try (Harness h = server(Duration.ofMillis(500))) {
      String id = runaway(h);
      CompletableFuture<StepResponse> reset = resetInBackground(h, id);
      assertTimeoutPreemptively(PROMPTLY,
          () -> h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()));
      Status s = failure(reset);
      assertEquals(Code.CANCELLED, s.getCode(), s.toString());
      assertTrue(s.getDescription().contains("being closed (CloseSession)"), s.toString());
      assertEquals(0, h.server.sessions().size());
    }
  }

  @Test
  void shutdownEndsWithinItsGraceWithARunawayResetInFlight() throws Exception {
    Duration grace = Duration.ofSeconds(1);
    Harness h = server(grace);
    try {
      String id = runaway(h);
      CompletableFuture<StepResponse> reset = resetInBackground(h, id);
      long t0 = System.nanoTime();
      assertTimeoutPreemptively(PROMPTLY, h.server::close);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < grace.toMillis() + 2_000, "shutdown took " + ms + " ms with a grace of " + grace);
      Status s = failure(reset);
      assertTrue(s.getCode() == Code.UNAVAILABLE || s.getCode() == Code.CANCELLED, s.toString());
      assertEquals(0, h.server.sessions().size());
    } finally {
      h.close();
    }
  }

  @Test
  void buildingStopsWhenCreateSessionIsCancelled() throws Exception {
    StallingWorld slow = new StallingWorld("test.slow");
    try (Harness h = server(Duration.ofMillis(500), slow)) {
      try {
        assertStatus(Code.DEADLINE_EXCEEDED, () -> h.stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .createSession(Harness.create(1, 1).setWorldId(slow.id()).build()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (slow.stopped.get() == null && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals("DEADLINE_EXCEEDED", slow.stopped.get().code(), String.valueOf(slow.stopped.get()));
        assertEquals(0, h.server.sessions().size(), "the slot of the abandoned session was not given back");
      } finally {
        slow.release();
      }
    }
  }
}
