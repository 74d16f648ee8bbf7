package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Code;
import dev.kindred.dmenv.proto.CreateWorldRequest;
import dev.kindred.dmenv.proto.EnvironmentGrpc;
import dev.kindred.dmenv.proto.EnvironmentRequest;
import dev.kindred.dmenv.proto.EnvironmentResponse;
import dev.kindred.dmenv.proto.Tensor;
import dev.kindred.env.CounterWorld;
import dev.kindred.proto.v1.CloseSessionRequest;
import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.server.core.Quota;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quotas per principal: one client cannot hold every slot of the server, whichever protocol it
 * uses (dm_env_rpc worlds count against the same quota and limit as kindred.v1 sessions).
 */
class QuotaTest {
  @TempDir
  Path dir;

  /** The response to one dm_env_rpc CreateWorld of a counter world on {@code channel}; the stream stays open. */
  private static EnvironmentResponse createWorld(ManagedChannel channel, QueueObserver<EnvironmentResponse> c)
      throws Exception {
    StreamObserver<EnvironmentRequest> requests = EnvironmentGrpc.newStub(channel).process(c);
    requests.onNext(EnvironmentRequest.newBuilder().setCreateWorld(CreateWorldRequest.newBuilder()
        .putSettings("world", Tensor.newBuilder().setStrings(Tensor.StringArray.newBuilder()
            .addArray(CounterWorld.ID)).build())).build());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (c.responses.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    synchronized (c) {
      return c.responses.get(0);
    }
  }

  @Test
  void onePrincipalCannotTakeEverySlot() throws Exception {
    Path tokens = OwnershipTest.tokenFile(dir, OwnershipTest.ALICE_1 + " alice sessions=2",
        OwnershipTest.BOB + " bob");
    try (Harness h = Harness.inProcess(Harness.testConfig().maxSessions(4).tokenFile(tokens).build())) {
      ManagedChannel alice = h.newChannel(OwnershipTest.ALICE_1);
      ManagedChannel bob = h.newChannel(OwnershipTest.BOB);
      try {
        EnvServiceGrpc.EnvServiceBlockingStub a = EnvServiceGrpc.newBlockingStub(alice);
        String first = a.createSession(Harness.create(1, 1).build()).getSessionId();
        // Alice's dm_env_rpc world counts against the same quota.
        QueueObserver<EnvironmentResponse> stream = new QueueObserver<>();
        EnvironmentResponse world = createWorld(alice, stream);
        assertTrue(world.hasCreateWorld(), world.toString());
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> a.createSession(Harness.create(1, 1).build()),
            "quota exceeded: principal 'alice' already holds its quota of 2 sessions (sessions=2)",
            "close sessions you no longer use (CloseSession)", "ask the server's operator for a larger quota");
        QueueObserver<EnvironmentResponse> second = new QueueObserver<>();
        EnvironmentResponse refused = createWorld(alice, second);
        assertEquals(Code.RESOURCE_EXHAUSTED.getNumber(), refused.getError().getCode());
        assertTrue(refused.getError().getMessage().contains("destroy worlds you no longer use (DestroyWorld)"),
            refused.getError().getMessage());
        // Bob still gets in (the server's limit is 4).
        EnvServiceGrpc.newBlockingStub(bob).createSession(Harness.create(1, 1).build());
        // Closing one of Alice's sessions gives her quota back.
        a.closeSession(CloseSessionRequest.newBuilder().setSessionId(first).build());
        a.createSession(Harness.create(1, 1).build());
      } finally {
        alice.shutdownNow();
        bob.shutdownNow();
      }
    }
  }

  @Test
  void withoutTokensTheDefaultQuotaBindsEachConnection() {
    ServerConfig config = Harness.testConfig().principalQuota(Quota.parse("sessions=2 copies=10 cells=40")).build();
    try (Harness h = Harness.inProcess(config)) {
      h.session(1, 1);
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> h.session(10, 1),
          "this connection (", "holds 1 copies and asks for 10 more, beyond its quota of 10 copies (copies=10)");
      // CounterWorld: per agent a position (2 elements) and per copy a total, for 2 agents: 5 cells per copy.
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> h.session(9, 1),
          "holds 5 cells and this session needs 45 more, beyond its quota of 40 cells (cells=40;");
      h.session(2, 1);
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> h.session(1, 1), "quota of 2 sessions (sessions=2)");
      ManagedChannel other = h.newChannel();
      try {
        EnvServiceGrpc.newBlockingStub(other).createSession(Harness.create(1, 1).build());
      } finally {
        other.shutdownNow();
      }
    }
  }
}
