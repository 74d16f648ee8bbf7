package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sessions are independent and run in parallel; calls on one session are serialised. */
class IsolationAndConcurrencyTest extends InProcessTest {
  private ExecutorService pool;

  @BeforeEach
  void startPool() {
    pool = Executors.newFixedThreadPool(8);
  }

  /** Runs before {@link InProcessTest}'s: the pool stops before the server. */
  @AfterEach
  void stopPool() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void badRequestsOfOneClientDoNotDisturbAnother() throws Exception {
    int copies = 2;
    long seed = 77;
    int steps = 40;
    String reference = h.session(copies, seed);
    List<StepResponse> undisturbed = Harness.trajectory(h.stub, reference, copies, seed, steps);

    String victim = h.session(copies, seed);
    ManagedChannel otherChannel = InProcessChannelBuilder.forName(h.name).build();
    try {
      EnvServiceGrpc.EnvServiceBlockingStub other = EnvServiceGrpc.newBlockingStub(otherChannel);
      String own = other.createSession(Harness.create(1, 5).build()).getSessionId();
      List<StepResponse> got = new ArrayList<>();
      got.add(h.reset(victim));
      for (int k = 0; k < steps; k++) {
        // The other client misbehaves between every step: against its own session and against
        // the victim's id (which it should not know; to it the victim's session does not exist).
        assertStatus(Status.Code.FAILED_PRECONDITION, () -> other.step(Harness.stepRequest(own, 1, 1)));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> other.step(Harness.stepRequest(own, 9, 9)));
        assertStatus(Status.Code.NOT_FOUND, () -> other.step(Harness.stepRequest(victim, 1)));
        assertStatus(Status.Code.NOT_FOUND, () -> other.step(Harness.stepRequest(victim, 1, 1, 1, 7)));
        assertStatus(Status.Code.NOT_FOUND,
            () -> other.reset(ResetRequest.newBuilder().setSessionId(victim).addCopies(5).build()));
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> other.step(Harness.stepRequest("garbage", 1)));
        assertStatus(Status.Code.NOT_FOUND,
            () -> other.step(Harness.stepRequest("ffffffffffffffffffffffffffffffff", 1)));
        got.add(h.step(victim, Harness.actionsFor(seed, k, copies * Harness.AGENTS)));
      }
      assertEquals(undisturbed, got);
    } finally {
      otherChannel.shutdownNow();
    }
  }

  @Test
  void concurrentSessionsMatchSequentialRuns() throws Exception {
    int sessions = 8;
    int copies = 4;
    int steps = 150;
    List<List<StepResponse>> sequential = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      sequential.add(Harness.trajectory(h.stub, h.session(copies, 1000 + s), copies, 1000 + s, steps));
    }
    List<String> ids = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      ids.add(h.session(copies, 1000 + s));
    }
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<StepResponse>>> futures = new ArrayList<>();
    for (int s = 0; s < sessions; s++) {
      int idx = s;
      futures.add(pool.submit(() -> {
        go.await();
        return Harness.trajectory(h.stub, ids.get(idx), copies, 1000 + idx, steps);
      }));
    }
    go.countDown();
    for (int s = 0; s < sessions; s++) {
      assertEquals(sequential.get(s), futures.get(s).get(30, TimeUnit.SECONDS), "session " + s);
    }
  }

  @Test
  void concurrentCallsOnOneSessionAreSerialised() throws Exception {
    // With the same actions at every step the trajectory does not depend on which thread's call
    // comes first, so response k must equal the k-th response of a sequential run.
    int copies = 3;
    int threads = 8;
    int perThread = 40;
    int[] right = new int[copies * Harness.AGENTS];
    java.util.Arrays.fill(right, 2);
    String seq = h.session(copies, 5, dev.kindred.proto.v1.AutoresetMode.AUTORESET_SAME_STEP,
        Map.of("max_steps", 7));
    h.reset(seq);
    List<StepResponse> expected = new ArrayList<>();
    for (int k = 0; k < threads * perThread; k++) {
      expected.add(h.step(seq, right));
    }
    String shared = h.session(copies, 5, dev.kindred.proto.v1.AutoresetMode.AUTORESET_SAME_STEP,
        Map.of("max_steps", 7));
    h.reset(shared);
    Map<Long, StepResponse> byStep = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        go.await();
        for (int k = 0; k < perThread; k++) {
          StepResponse r = h.step(shared, right);
          byStep.put(r.getSessionStep(), r);
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(threads * perThread, byStep.size());
    for (int k = 0; k < expected.size(); k++) {
      assertEquals(expected.get(k), byStep.get((long) k + 1), "step " + (k + 1));
    }
  }

  @Test
  void closingWhileSteppingNeverStepsAClosedSession() throws Exception {
    String id = h.session(2, 1);
    h.reset(id);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger notFound = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      futures.add(pool.submit(() -> {
        go.await();
        for (int k = 0; k < 200; k++) {
          try {
            h.step(id, 1, 1, 1, 1);
            ok.incrementAndGet();
          } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            notFound.incrementAndGet();
          }
        }
        return null;
      }));
    }
    go.countDown();
    Thread.sleep(20);
    long steps = h.stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build()).getSessionSteps();
    for (Future<?> f : futures) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertEquals(ok.get(), steps, "every successful step happened before the close, none after");
    assertEquals(1200, ok.get() + notFound.get());
    assertTrue(notFound.get() > 0 || ok.get() == 1200);
  }
}
