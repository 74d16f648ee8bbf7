package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.client.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints round-trip, and bad ones fail with messages that say what to do. */
class CheckpointTest {
  static final Map<String, Object> WORLD = Map.of("width", 4, "height", 4, "controlled", List.of(0));

  private static Checkpoint checkpoint(VectorEnv env, ActorCritic policy, int updates) {
    TrainConfig cfg = new TrainConfig();
    cfg.worldConfig = new java.util.LinkedHashMap<>(WORLD);
    return new Checkpoint(cfg.toMap(), 3, 1000L * updates, updates, "test", env.spec(),
        new double[] {1, 2, 1}, policy.saveParameters());
  }

  @Test
  void roundTripsAndKeepsOnlyTheLatestParameters(@TempDir Path dir) throws Exception {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", WORLD, 2, 1);
        ActorCritic policy = new ActorCritic(env.spec(), List.of(), 8, 4, 1)) {
      checkpoint(env, policy, 1).write(dir);
      checkpoint(env, policy, 2).write(dir);
      Checkpoint back = Checkpoint.read(dir);
      assertEquals(2, back.updates());
      assertEquals(2000, back.steps());
      assertArrayEquals(policy.saveParameters(), back.parameters());
      back.checkCompatible(env.spec());
      assertEquals(1, Files.list(dir).filter(p -> p.toString().endsWith(".params")).count());
      assertTrue(Files.list(dir).noneMatch(p -> p.toString().endsWith(".tmp")));
      try (ActorCritic other = new ActorCritic(env.spec(), List.of(), 8, 4, 2)) {
        other.loadParameters(back.parameters());
        assertArrayEquals(policy.saveParameters(), other.saveParameters());
      }
    }
  }

  @Test
  void explainsMissingCorruptAndMismatchedCheckpoints(@TempDir Path dir) throws Exception {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir));
    assertTrue(missing.getMessage().contains("no checkpoint"), missing.getMessage());
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", WORLD, 2, 1);
        VectorEnv two = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice",
            Map.of("width", 4, "height", 4, "controlled", List.of(0, 5)), 2, 1);
        ActorCritic policy = new ActorCritic(env.spec(), List.of(), 8, 4, 1)) {
      checkpoint(env, policy, 1).write(dir);
      IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
          () -> Checkpoint.read(dir).checkCompatible(two.spec()));
      assertTrue(mismatch.getMessage().contains("agents per copy"), mismatch.getMessage());
      Path params = Files.list(dir).filter(p -> p.toString().endsWith(".params")).findFirst().orElseThrow();
      byte[] data = Files.readAllBytes(params);
      data[data.length / 2] ^= 1;
      Files.write(params, data);
      IllegalArgumentException corrupt = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir));
      assertTrue(corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
      Files.writeString(dir.resolve(Checkpoint.METADATA), "{not json");
      corrupt = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir));
      assertTrue(corrupt.getMessage().contains("corrupt"), corrupt.getMessage());
    }
  }

  @Test
  void rejectsUnknownConfigKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig().apply(Map.of("learning_rat", 0.1)));
    assertTrue(e.getMessage().contains("unknown config key 'learning_rat'") && e.getMessage().contains("learning_rate"),
        e.getMessage());
  }
}
