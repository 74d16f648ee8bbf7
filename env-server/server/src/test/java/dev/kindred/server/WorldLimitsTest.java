package dev.kindred.server;

import static dev.kindred.server.Harness.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.CounterWorld;
import dev.kindred.env.energy.EnergyWorldType;
import dev.kindred.env.spin.SpinLatticeType;
import dev.kindred.env.spin.SpinSkType;
import dev.kindred.proto.v1.CreateSessionRequest;
import dev.kindred.proto.v1.GetServerInfoRequest;
import dev.kindred.proto.v1.ServerLimits;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: every world's cost is checked against the server's limits before anything is
 * allocated, RESOURCE_EXHAUSTED naming the limit and its flag; the defaults let every benchmark
 * preset through; world building runs on bounded threads of its own.
 */
class WorldLimitsTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  private static CreateSessionRequest world(String id, int copies, Map<String, ?> config) {
    return CreateSessionRequest.newBuilder().setWorldId(id).setNumCopies(copies)
        .setConfig(Harness.config(config)).build();
  }

  private static Harness server(ServerConfig config) {
    return Harness.inProcess(config, new SpinLatticeType(), new SpinSkType(), new EnergyWorldType.Room(),
        new EnergyWorldType.S1(), new EnergyWorldType.S2());
  }

  @Test
  void runawayWorkIsRefusedBeforeAnythingIsBuilt() {
    try (Harness h = server(Harness.testConfig().build())) {
      assertTimeoutPreemptively(PROMPTLY, () -> {
        assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world(SpinLatticeType.ID, 1,
            Map.of("width", 4, "height", 4, "burn_in_sweeps", 1L << 40))),
            "config: a Reset of this spin.lattice world would take about", "burn_in_sweeps 1099511627776",
            "limit of 1.0e+10 updates per call", "--max-call-work");
        assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world(SpinLatticeType.ID, 4,
            Map.of("width", 256, "height", 256, "sweeps_per_step", 1_000_000))),
            "a Step of this spin.lattice world", "per copy x 4 copies", "sweeps_per_step 1000000", "--max-call-work");
      });
    }
  }

  @Test
  void hugeWorldsAreRefusedBeforeTheyAreBuilt() {
    try (Harness h = server(Harness.testConfig().build())) {
      assertTimeoutPreemptively(PROMPTLY, () -> {
        assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world(SpinSkType.ID, 1,
            Map.of("n", 16384))), "config: this spin.sk world needs about 3.0 GiB", "16384 spins",
            "limit of 1.0 GiB per session", "--max-world-mb");
        assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world("energy.room", 100,
            Map.of("width", 4096, "height", 4096))), "4096 x 4096 cells", "x 100 copies", "--max-world-mb");
        assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world(SpinLatticeType.ID, 65536,
            Map.of("width", 8192, "height", 8192))), "on a periodic lattice 8192 x 8192", "--max-world-mb");
      });
      assertEquals(0, h.server.sessions().size());
    }
  }

  @Test
  void theLimitsAreTheOperatorsToRaise() {
    try (Harness h = server(Harness.testConfig().maxCallWork(Long.MAX_VALUE).maxWorldBytes(1 << 20).build())) {
      h.stub.createSession(world(SpinLatticeType.ID, 1, Map.of("width", 4, "height", 4, "burn_in_sweeps", 1L << 40)));
      assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.stub.createSession(world(SpinLatticeType.ID, 8192,
          Map.of("width", 32, "height", 32))), "limit of 1.0 MiB per session");
      ServerLimits limits = h.stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getLimits();
      assertEquals(1 << 20, limits.getMaxWorldBytes());
      assertEquals(Long.MAX_VALUE, limits.getMaxCallWork());
      assertEquals(0, limits.getMaxDataFileBytes(), "no data directory: no files");
    }
  }

  @Test
  void theDefaultsLetTheBenchmarksAndExamplesThrough() {
    try (Harness h = server(Harness.testConfig().build())) {
      h.stub.createSession(world("energy.s2", 32, Map.of()));
      h.stub.createSession(world("energy.s1", 32, Map.of()));
      h.stub.createSession(world(SpinLatticeType.ID, 16, Map.of("width", 256, "height", 256)));
      h.stub.createSession(world(SpinLatticeType.ID, 16, Map.of("width", 64, "height", 64)));
      h.stub.createSession(world(SpinLatticeType.ID, 8, Map.of("width", 32, "height", 32, "burn_in_sweeps", 1000)));
      h.stub.createSession(world(SpinSkType.ID, 1, Map.of("n", 1024, "sweeps_per_step", 10)));
      h.stub.createSession(world(SpinLatticeType.ID, 64, Map.of("width", 32, "height", 32)));
    }
  }

  @Test
  void worldsAreBuiltOnBoundedThreadsOfTheirOwn() throws Exception {
    StallingWorld slow = new StallingWorld("test.slow");
    try (Harness h = Harness.inProcess(Harness.testConfig().creationThreads(1).creationQueue(0).build(), slow)) {
      String other = h.session(2, 1);
      h.reset(other);
      CompletableFuture<String> building = CompletableFuture.supplyAsync(() -> h.stub.createSession(
          Harness.create(1, 1).setWorldId(slow.id()).build()).getSessionId());
      try {
        assertTrue(slow.building.await(10, TimeUnit.SECONDS));
        assertTimeoutPreemptively(PROMPTLY, () -> {
          // The only creation thread is busy and nothing may wait: refused at once.
          assertStatus(Code.RESOURCE_EXHAUSTED, () -> h.session(1, 1), "already building 1 world(s) with 0 more "
              + "waiting", "--creation-threads", "--creation-queue");
          // Health checks and other clients' steps go on.
          assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(h.channel)
              .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
          assertEquals(1, h.step(other, new int[2 * Harness.AGENTS]).getSessionStep());
        });
      } finally {
        slow.release();
      }
      building.get(10, TimeUnit.SECONDS);
      h.session(1, 1); // the thread is free again
      assertEquals(CounterWorld.ID, h.stub.createSession(Harness.create(1, 1).build()).getSpec().getWorldId());
    }
  }
}
