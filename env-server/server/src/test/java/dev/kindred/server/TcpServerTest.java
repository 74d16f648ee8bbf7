package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.kindred.env.WorldRegistry;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ResetRequest;
import dev.kindred.proto.v1.StepRequest;
import dev.kindred.proto.v1.StepResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real server over TCP (Netty), started the way other code starts it. */
class TcpServerTest {

  private static ManagedChannel channel(KindredServer server, int maxInbound) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .maxInboundMessageSize(maxInbound).build();
  }

  private static ServerConfig.Builder config() {
    return ServerConfig.builder().host("127.0.0.1").port(0).shutdownGrace(Duration.ofMillis(300));
  }

  @Test
  void servesOverTcpAndRejectsOversizedMessages() {
    int limit = 1 << 20;
    KindredServer server = KindredServer.start(config().maxMessageBytes(limit).build(), Harness.registry());
    ManagedChannel ch = channel(server, limit);
    try {
      assertTrue(server.port() > 0);
      EnvServiceGrpc.EnvServiceBlockingStub stub = EnvServiceGrpc.newBlockingStub(ch);
      assertEquals(limit, stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getLimits()
          .getMaxMessageBytes());
      assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
          .check(HealthCheckRequest.newBuilder().setService("kindred.v1.EnvService").build()).getStatus());

      String id = stub.createSession(Harness.create(2, 3).build()).getSessionId();
      stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
      assertEquals(1, stub.step(Harness.stepRequest(id, 2, 2, 2, 2)).getSessionStep());

      // A request beyond the transport's limit: RESOURCE_EXHAUSTED, and the session is untouched.
      StepRequest huge = StepRequest.newBuilder().setSessionId(id).setActions(ByteString.copyFrom(new byte[2 * limit]))
          .build();
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> stub.step(huge), "exceeds maximum size", "1048576");
      assertEquals(2, stub.step(Harness.stepRequest(id, 2, 2, 2, 2)).getSessionStep());

      // A session whose responses could not fit is refused up front.
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> stub.createSession(Harness.create(60_000, 3).build()),
          "message limit of 1048576 bytes", "--max-message-mb");
      stub.closeSession(CloseSessionRequest.newBuilder().setSessionId(id).build());
    } finally {
      ch.shutdownNow();
      server.close();
    }
  }

  @Test
  void largeBatchedMessagesUpToTheLimit() {
    // Default limit (64 MiB): far above gRPC's default of 4 MiB.
    KindredServer server = KindredServer.start(config().build(), Harness.registry());
    ManagedChannel ch = channel(server, 64 << 20);
    try {
      EnvServiceGrpc.EnvServiceBlockingStub stub = EnvServiceGrpc.newBlockingStub(ch);
      int copies = 40_000;
      int agents = 8;
      String id = stub.createSession(Harness.create(copies, 1).setConfig(Harness.config(Map.of("agents", agents)))
          .build()).getSessionId();
      StepResponse reset = stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
      assertTrue(reset.getSerializedSize() > 4 << 20, "size " + reset.getSerializedSize());
      int[] actions = new int[copies * agents];
      java.util.Arrays.fill(actions, 2);
      StepResponse step = stub.step(Harness.stepRequest(id, actions));
      assertEquals(1, step.getSessionStep());
      assertEquals(copies * agents * 4, step.getRewards().size());
    } finally {
      ch.shutdownNow();
      server.close();
    }
  }

  @Test
  void gracefulCloseEndsOpenStreamsWithinTheGrace() throws Exception {
    KindredServer server = KindredServer.start(config().build(), Harness.registry());
    ManagedChannel ch = channel(server, 4 << 20);
    try {
      EnvServiceGrpc.EnvServiceBlockingStub stub = EnvServiceGrpc.newBlockingStub(ch);
      String id = stub.createSession(Harness.create(1, 3).build()).getSessionId();
      stub.reset(ResetRequest.newBuilder().setSessionId(id).build());
      QueueObserver<StepResponse> c = new QueueObserver<>();
      StreamObserver<StepRequest> requests = EnvServiceGrpc.newStub(ch).stepStream(c);
      requests.onNext(Harness.stepRequest(id, 1, 1));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (c.responses.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(1, c.responses.size());
      long t0 = System.nanoTime();
      server.close(); // the idle stream ends at once with UNAVAILABLE (see ShutdownTest)
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 5_000, "close took " + ms + " ms");
      assertNotEquals(Status.Code.OK, c.await().getCode());
      assertEquals(0, server.sessions().size());
      server.blockUntilShutdown(); // returns at once: already terminated
      server.close(); // idempotent
    } finally {
      ch.shutdownNow();
      server.close();
    }
  }

  @Test
  void startsWithAnEmptyRegistryAndReportsABusyPort() {
    KindredServer server = KindredServer.start(config().build(), new WorldRegistry(List.of()));
    try {
      ManagedChannel ch = channel(server, 4 << 20);
      try {
        assertEquals(List.of(), EnvServiceGrpc.newBlockingStub(ch)
            .getServerInfo(GetServerInfoRequest.getDefaultInstance()).getWorldIdsList());
      } finally {
        ch.shutdownNow();
      }
      UncheckedIOException e = assertThrows(UncheckedIOException.class,
          () -> KindredServer.start(config().port(server.port()).build(), new WorldRegistry(List.of())));
      assertTrue(e.getMessage().contains("127.0.0.1:" + server.port()), e.getMessage());
    } finally {
      server.close();
    }
  }
}
