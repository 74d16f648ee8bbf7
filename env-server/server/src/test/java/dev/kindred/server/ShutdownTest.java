package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.CounterWorld;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What closing a server ends: its step threads, and its open streams without waiting out the grace. */
class ShutdownTest {
  private static final String SHUTTING_DOWN = "server shutting down; retry against another server";

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

  @Test
  void closeEndsIdleStreamsAtOnceWithUnavailable() throws Exception {
    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).shutdownGrace(Duration.ofSeconds(20))
        .build();
    KindredServer server = KindredServer.start(config, Harness.registry());
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      // A kindred.v1 StepStream and a dm_env_rpc stream, each answered once and then left open.
      String id = EnvServiceGrpc.newBlockingStub(ch).createSession(Harness.create(1, 3).build()).getSessionId();
      EnvServiceGrpc.newBlockingStub(ch).reset(ResetRequest.newBuilder().setSessionId(id).build());
      QueueObserver<StepResponse> steps = new QueueObserver<>();
      EnvServiceGrpc.newStub(ch).stepStream(steps).onNext(Harness.stepRequest(id, 1, 1));
      QueueObserver<EnvironmentResponse> dm = new QueueObserver<>();
      EnvironmentGrpc.newStub(ch).process(dm).onNext(EnvironmentRequest.newBuilder()
          .setCreateWorld(CreateWorldRequest.newBuilder().putSettings("world", Tensor.newBuilder()
              .setStrings(Tensor.StringArray.newBuilder().addArray(CounterWorld.ID)).build()))
          .build());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((steps.responses.isEmpty() || dm.responses.isEmpty()) && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(1, steps.responses.size());
      assertEquals(1, dm.responses.size());

      long t0 = System.nanoTime();
      server.close();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 5_000, "close took " + ms + " ms of a 20 s grace");
      for (Status end : List.of(steps.await(), dm.await())) {
        assertEquals(Status.Code.UNAVAILABLE, end.getCode(), end.toString());
        assertEquals(SHUTTING_DOWN, end.getDescription());
      }
      assertEquals(0, server.sessions().size());
    } finally {
      ch.shutdownNow();
      server.close();
    }
  }

  @Test
  void aStreamBusyAtShutdownGetsItsAnswerThenUnavailable() throws Exception {
    CountDownLatch stepping = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CounterVariant blocking = new CounterVariant("test.blocking", () -> {
      stepping.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Harness h = Harness.inProcess(Harness.testConfig().shutdownGrace(Duration.ofSeconds(20)).build(), blocking);
    try {
      String id = h.stub.createSession(Harness.create(1, 1).setWorldId(blocking.id()).build()).getSessionId();
      h.reset(id);
      QueueObserver<StepResponse> c = new QueueObserver<>();
      StreamObserver<StepRequest> requests = h.async.stepStream(c);
      requests.onNext(Harness.stepRequest(id, 1, 1));
      requests.onNext(Harness.stepRequest(id, 1, 1)); // never answered: the server is shutting down
      assertTrue(stepping.await(10, TimeUnit.SECONDS));
      CompletableFuture<Void> close = CompletableFuture.runAsync(h.server::close);
      Thread.sleep(100);
      assertFalse(close.isDone(), "close must let the step in progress finish");
      release.countDown();
      close.get(10, TimeUnit.SECONDS);
      Status end = c.await();
      assertEquals(Status.Code.UNAVAILABLE, end.getCode(), end.toString());
      assertEquals(SHUTTING_DOWN, end.getDescription());
      assertEquals(List.of(1L), c.responses.stream().map(StepResponse::getSessionStep).toList());
    } finally {
      release.countDown();
      h.close();
    }
  }
}
