package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.CreateSessionResponse;
import dev.kindred.proto.v1.JoinSessionRequest;
import dev.kindred.proto.v1.SeatGrant;
import dev.kindred.proto.v1.SeatLayout;
import dev.kindred.proto.v1.StepSeatRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where the server steps a session: {@link StepPlacement}'s rule, and what it protects over real TCP connections. */
class StepPlacementTest {

  @Test
  void aShortStepWhoseSessionIsFreeRunsHereAndAnyOtherOnAWorkerInTheCallsContext() throws Exception {
    Context.Key<String> key = Context.key("test-call");
    try (StepPlacement p = new StepPlacement()) {
      Thread here = Thread.currentThread();
      Thread[] ran = new Thread[1];
      p.run(StepPlacement.INLINE_NANOS, task -> {
        task.run();
        return true;
      }, () -> ran[0] = Thread.currentThread());
      assertSame(here, ran[0], "short, lock free: on the calling thread");

      StepPlacement.Lock never = task -> fail("a step not known to be short must not be tried here");
      StepPlacement.Lock busy = task -> false;
      List<Long> lengths = List.of(StepPlacement.INLINE_NANOS + 1, Long.MAX_VALUE);
      for (long last : lengths) {
        CompletableFuture<Thread> worker = new CompletableFuture<>();
        CompletableFuture<String> seen = new CompletableFuture<>();
        Context.current().withValue(key, "call " + last).run(() -> p.run(last, never, () -> {
          seen.complete(key.get());
          worker.complete(Thread.currentThread());
        }));
        assertNotSame(here, worker.get(10, TimeUnit.SECONDS), "last step " + last + " ns: on a worker");
        assertEquals("call " + last, seen.get(10, TimeUnit.SECONDS), "the worker runs in the call's context");
      }
      CompletableFuture<Thread> worker = new CompletableFuture<>();
      p.run(1, busy, () -> worker.complete(Thread.currentThread()));
      assertNotSame(here, worker.get(10, TimeUnit.SECONDS), "short but its lock is held: on a worker");
    }
  }

  /**
   * One I/O thread serves both connections. A session's first step runs on a worker, its later
   * short steps on the I/O thread; a step that takes long (held at a gate) runs on a worker, so
   * the other connection's steps go on meanwhile: were it on the I/O thread, they would wait for
   * it (and this test would fail on their deadline).
   */
  @Test
  void aLongStepNeverHoldsUpTheConnectionsThatShareItsIoThread() throws Exception {
    GatedWorld slow = new GatedWorld("gated-slow");
    GatedWorld quick = new GatedWorld("gated-quick");
    try (OneIoThread server = new OneIoThread(slow, quick)) {
      EnvServiceGrpc.EnvServiceBlockingStub stubA = server.stubA;
      EnvServiceGrpc.EnvServiceBlockingStub stubB = server.stubB;
      String idA = open(stubA, slow.id());
      String idB = open(stubB, quick.id());

      for (int i = 0; i < 20; i++) {
        stepWithin(stubB, idB, 10);
      }
      assertTrue(quick.stepThreads.get(0).startsWith("kindred-call-"),
          "a session's first step runs on a worker: " + quick.stepThreads);
      assertTrue(quick.stepThreads.stream().skip(1).anyMatch(t -> t.startsWith("test-io")),
          "later short steps run on the I/O thread: " + quick.stepThreads);

      for (int round = 0; round < 2; round++) {
        // Round 0: A's first step (its length unknown); round 1: its step after a long one.
        slow.shut();
        CompletableFuture<StepResponse> held = CompletableFuture.supplyAsync(() -> stepWithin(stubA, idA, 60));
        assertTrue(slow.waiting.await(20, TimeUnit.SECONDS), "A's step reached the gate");
        String where = slow.stepThreads.get(slow.stepThreads.size() - 1);
        assertTrue(where.startsWith("kindred-call-"), "round " + round + ": A's step runs on " + where);
        for (int i = 0; i < 5; i++) {
          stepWithin(stubB, idB, 10); // B goes on while A's step is held
        }
        Thread.sleep(5); // A's step takes clearly longer than the inline limit
        slow.open();
        assertEquals(round + 1, held.get(30, TimeUnit.SECONDS).getSessionStep());
      }
    }
  }

  /**
   * A match's seat submissions are placed as a session's steps are: the submission that completes
   * a step steps the world on a worker while its length is unknown or long (held at a gate here,
   * while another connection on the same I/O thread keeps stepping), and on the I/O thread once
   * its steps are known to be short.
   */
  @Test
  void aSeatsLongStepNeverHoldsUpTheConnectionsThatShareItsIoThread() throws Exception {
    GatedWorld slow = new GatedWorld("gated-match");
    GatedWorld quick = new GatedWorld("gated-plain");
    try (OneIoThread server = new OneIoThread(slow, quick)) {
      EnvServiceGrpc.EnvServiceBlockingStub stubA = server.stubA;
      EnvServiceGrpc.EnvServiceBlockingStub stubB = server.stubB;
      CreateSessionResponse m = stubA.createSession(CreateSessionRequest.newBuilder().setWorldId(slow.id())
          .setNumCopies(1).setSeed(1).addSeats(SeatLayout.newBuilder().setName("solo").addAgents(0).addAgents(1))
          .build());
      SeatGrant solo = m.getSeats(0);
      stubA.joinSession(JoinSessionRequest.newBuilder().setSessionId(m.getSessionId()).setSeat("solo")
          .setJoinToken(solo.getJoinToken()).build());
      StepSeatRequest submit = StepSeatRequest.newBuilder().setSessionId(m.getSessionId()).setSeat("solo")
          .setJoinToken(solo.getJoinToken()).setActions(Harness.actions(2, 2)).build();
      String idB = open(stubB, quick.id());

      for (int round = 0; round < 2; round++) {
        // Round 0: the match's first step (its length unknown); round 1: its step after a long one.
        slow.shut();
        CompletableFuture<StepResponse> held = CompletableFuture.supplyAsync(
            () -> stubA.withDeadlineAfter(60, TimeUnit.SECONDS).stepSeat(submit));
        assertTrue(slow.waiting.await(20, TimeUnit.SECONDS), "the seat's step reached the gate");
        String where = slow.stepThreads.get(slow.stepThreads.size() - 1);
        assertTrue(where.startsWith("kindred-call-"), "round " + round + ": the world steps on " + where);
        for (int i = 0; i < 5; i++) {
          stepWithin(stubB, idB, 10); // B goes on while the match's step is held
        }
        Thread.sleep(5); // the step takes clearly longer than the inline limit
        slow.open();
        assertEquals(round + 1, held.get(30, TimeUnit.SECONDS).getSessionStep());
      }
      int before = slow.stepThreads.size();
      for (int i = 0; i < 12; i++) {
        stubA.withDeadlineAfter(10, TimeUnit.SECONDS).stepSeat(submit);
      }
      List<String> later = slow.stepThreads.subList(before, slow.stepThreads.size());
      assertTrue(later.stream().anyMatch(t -> t.startsWith("test-io")),
          "once its steps are known to be short, the match steps on the I/O thread: " + later);
    }
  }

  /** A server whose connections all share one I/O thread ("test-io"), and two connections to it, A and B. */
  private static final class OneIoThread implements AutoCloseable {
    final NioEventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("test-boss", true));
    final NioEventLoopGroup io = new NioEventLoopGroup(1, new DefaultThreadFactory("test-io", true));
    final KindredServer server;
    final ManagedChannel a;
    final ManagedChannel b;
    final EnvServiceGrpc.EnvServiceBlockingStub stubA;
    final EnvServiceGrpc.EnvServiceBlockingStub stubB;

    OneIoThread(GatedWorld... worlds) {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .bossEventLoopGroup(boss).workerEventLoopGroup(io).channelType(NioServerSocketChannel.class);
      ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).shutdownGrace(Duration.ofMillis(300))
          .build();
      server = KindredServer.start(config, Harness.registry(java.util.Arrays.stream(worlds).map(w -> w.type)
          .toArray(dev.kindred.env.WorldType[]::new)), builder, System::nanoTime);
      a = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      b = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      stubA = EnvServiceGrpc.newBlockingStub(a);
      stubB = EnvServiceGrpc.newBlockingStub(b);
    }

    @Override
    public void close() {
      a.shutdownNow();
      b.shutdownNow();
      server.close();
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static String open(EnvServiceGrpc.EnvServiceBlockingStub stub, String world) {
    String id = stub.createSession(CreateSessionRequest.newBuilder().setWorldId(world).setNumCopies(1).setSeed(1)
        .build()).getSessionId();
    stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
    return id;
  }

  private static StepResponse stepWithin(EnvServiceGrpc.EnvServiceBlockingStub stub, String id, int seconds) {
    return stub.withDeadlineAfter(seconds, TimeUnit.SECONDS).step(Harness.stepRequest(id, 2, 2));
  }
}
