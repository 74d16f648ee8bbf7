package dev.kindred.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.client.ClientOptions;
import dev.kindred.client.KindredClient;
import dev.kindred.client.ShardedVectorEnv;
import dev.kindred.env.Autoreset;
import dev.kindred.env.KindredException;
import dev.kindred.env.SessionOptions;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.server.KindredServer;
import dev.kindred.server.ServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A sharded environment over three real servers on loopback equals, copy for copy and bit for
 * bit, the same environment on one server; a server that dies is named with its copies.
 */
class ShardedVectorEnvTest {
  private static final Map<String, Object> ENERGY = Map.of("max_steps", 9.0, "kinship", "teams", "groups", 2.0);
  private static final ClientOptions OPTIONS = ClientOptions.builder().deadline(Duration.ofSeconds(20)).build();

  private final List<KindredServer> servers = new ArrayList<>();
  private final List<KindredClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    for (int i = 0; i < 3; i++) {
      KindredServer server = KindredServer.start(ServerConfig.defaults().toBuilder().host("127.0.0.1").port(0).build(),
          WorldRegistry.builtIn());
      servers.add(server);
      clients.add(KindredClient.connect("127.0.0.1:" + server.port(), OPTIONS));
    }
  }

  @AfterEach
  void stop() {
    clients.forEach(KindredClient::close);
    servers.forEach(KindredServer::close);
  }

  /** Reset, steps through autoresets, a reset with a new seed, a partial reset, more steps. */
  private static List<byte[]> run(VectorEnv env, int[][] actions) {
    List<byte[]> out = new ArrayList<>();
    out.add(Trajectories.snapshot(env.reset()));
    for (int i = 0; i < actions.length; i++) {
      if (i == 20) {
        out.add(Trajectories.snapshot(env.reset(99L, null)));
      } else if (i == 30) {
        out.add(Trajectories.snapshot(env.resetCopies(1, 5, 6)));
      }
      out.add(Trajectories.snapshot(env.step(actions[i])));
    }
    return out;
  }

  @Test
  @Timeout(120)
  void shardedTrajectoryEqualsSingleServerPerCopy() {
    int copies = 7; // 3 + 2 + 2: uneven shards
    for (String world : List.of("energy.s1", "spin.lattice")) {
      Map<String, ?> config = world.startsWith("energy") ? ENERGY : Map.of("max_steps", 6.0);
      for (Autoreset mode : List.of(Autoreset.NEXT_STEP, Autoreset.SAME_STEP)) {
        SessionOptions options = SessionOptions.builder().autoreset(mode).build();
        List<byte[]> expected;
        int[][] actions;
        try (VectorEnv single = clients.get(0).make(world, config, copies, 2024, options)) {
          int size = copies * single.agents() * single.actionDimensions();
          int limit = single.spec().world().actions().dimensions().get(0).numValues();
          actions = Trajectories.actions(5, 45, size, limit);
          expected = run(single, actions);
        }
        try (ShardedVectorEnv sharded = ShardedVectorEnv.make(clients, world, config, copies, 2024, options)) {
          assertEquals(List.of(3, 2, 2), sharded.shards().stream().map(ShardedVectorEnv.Shard::copies).toList());
          assertEquals(copies, sharded.spec().copies());
          VectorEnvConformance.assertSameTrajectory(expected, run(sharded, actions));
        }
      }
    }
  }

  @Test
  @Timeout(60)
  void shardsSeedFromTheGlobalCopyIndex() {
    // Without first_copy every shard would replay copies 0.. of its own: the shards' first
    // observations would repeat. Here copy 2 (shard 1's first) differs from copy 0.
    try (ShardedVectorEnv sharded = ShardedVectorEnv.make(clients, "energy.s1", ENERGY, 6, 1, SessionOptions.defaults())) {
      var batch = sharded.reset();
      var obs = batch.observation(0);
      int row = obs.capacity() / 6;
      byte[] a = new byte[row];
      byte[] b = new byte[row];
      obs.get(0, a);
      obs.get(2 * row, b);
      assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
    }
  }

  @Test
  @Timeout(60)
  void aDeadServerIsNamedWithItsCopies() {
    try (ShardedVectorEnv sharded = ShardedVectorEnv.make(clients, "energy.s1", ENERGY, 6, 3, SessionOptions.defaults())) {
      sharded.reset();
      int[] actions = new int[6 * sharded.agents() * sharded.actionDimensions()];
      sharded.step(actions);
      servers.get(1).close();
      KindredException e = assertThrows(KindredException.class, () -> {
        for (int i = 0; i < 5; i++) {
          sharded.step(actions);
        }
      });
      String target = clients.get(1).target();
      assertTrue(e.getMessage().contains("server " + target) && e.getMessage().contains("copies 2-3"), e.getMessage());
    }
  }

  @Test
  void aFirstCopyPastTheLargestIndexIsRefused() {
    KindredException e = assertThrows(KindredException.class, () -> clients.get(0).make("energy.s1", ENERGY, 2, 1,
        SessionOptions.builder().firstCopy(Integer.MAX_VALUE).build()));
    assertEquals("INVALID_ARGUMENT", e.code(), e.getMessage());
    assertTrue(e.getMessage().contains("first_copy"), e.getMessage());
  }

  @Test
  void resolveAllListsEveryAddressOfAName() {
    List<String> targets = ShardedVectorEnv.resolveAll("localhost:50051");
    assertTrue(!targets.isEmpty() && targets.stream().allMatch(t -> t.endsWith(":50051")), targets.toString());
    assertTrue(targets.contains("127.0.0.1:50051") || targets.contains("[0:0:0:0:0:0:0:1]:50051"), targets.toString());
    assertEquals("INVALID_ARGUMENT", assertThrows(KindredException.class,
        () -> ShardedVectorEnv.resolveAll("localhost")).code());
    assertEquals("UNAVAILABLE", assertThrows(KindredException.class,
        () -> ShardedVectorEnv.resolveAll("no-such-host.invalid:50051")).code());
  }

  @Test
  void aNewSeedMustReachEveryShard() {
    try (ShardedVectorEnv sharded = ShardedVectorEnv.make(clients, "energy.s1", ENERGY, 6, 3, SessionOptions.defaults())) {
      sharded.reset();
      KindredException e = assertThrows(KindredException.class, () -> sharded.reset(5L, new int[] {0, 1}));
      assertEquals("INVALID_ARGUMENT", e.code());
      assertTrue(e.getMessage().contains("copies 2-3"), e.getMessage());
    }
  }
}
