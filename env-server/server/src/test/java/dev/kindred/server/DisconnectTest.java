package dev.kindred.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.proto.v1.EnvServiceGrpc;
import dev.kindred.proto.v1.ListWorldsRequest;
import dev.kindred.proto.v1.ResetRequest;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that vanishes does not hold its slots until the idle timeout: its sessions close one
 * grace period after its connection, unless they are detached or their principal came back.
 */
class DisconnectTest {
  private static final Duration GRACE = Duration.ofMillis(300);

  @TempDir
  Path dir;

  /** Waits (at most 10 s) until {@code value} is {@code expected}. */
  private static void await(int expected, IntSupplier value) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (value.getAsInt() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, value.getAsInt());
  }

  @Test
  void aGoneConnectionsSessionsCloseAfterTheGraceButDetachedOnesStay() throws Exception {
    try (Harness h = Harness.inProcess(Harness.testConfig().disconnectGrace(GRACE).build())) {
      ManagedChannel dying = h.newChannel();
      EnvServiceGrpc.EnvServiceBlockingStub stub = EnvServiceGrpc.newBlockingStub(dying);
      stub.createSession(Harness.create(2, 1).build());
      stub.createSession(Harness.create(2, 2).build());
      stub.createSession(Harness.create(1, 3).setDetached(true).build());
      String survivor = h.session(1, 4); // another client's
      assertEquals(4, h.server.sessions().size());

      long gone = System.nanoTime();
      dying.shutdownNow(); // as a SIGKILL: no CloseSession
      await(2, () -> h.server.sessions().size());
      long tookMillis = (System.nanoTime() - gone) / 1_000_000;
      assertTrue(tookMillis >= GRACE.toMillis() - 50, "not before the grace period: " + tookMillis + " ms");
      h.reset(survivor);
    }
  }

  @Test
  void aPrincipalThatReconnectsWithinTheGraceKeepsItsSessions() throws Exception {
    Path tokens = OwnershipTest.tokenFile(dir, OwnershipTest.ALICE_1 + " alice");
    ServerConfig config = Harness.testConfig().tokenFile(tokens).disconnectGrace(Duration.ofSeconds(1)).build();
    try (Harness h = Harness.inProcess(config)) {
      ManagedChannel first = h.newChannel(OwnershipTest.ALICE_1);
      String id = EnvServiceGrpc.newBlockingStub(first).createSession(Harness.create(1, 1).build()).getSessionId();
      first.shutdownNow();
      ManagedChannel second = h.newChannel(OwnershipTest.ALICE_1);
      try {
        EnvServiceGrpc.EnvServiceBlockingStub again = EnvServiceGrpc.newBlockingStub(second);
        again.listWorlds(ListWorldsRequest.getDefaultInstance()); // back within the grace period
        Thread.sleep(1500);
        again.reset(ResetRequest.newBuilder().setSessionId(id).build());
        assertEquals(1, again.step(Harness.stepRequest(id, 1, 1)).getSessionStep());
      } finally {
        second.shutdownNow();
      }
      // Gone again, for good this time: the session follows its new connection.
      await(0, () -> h.server.sessions().size());
    }
  }
}
