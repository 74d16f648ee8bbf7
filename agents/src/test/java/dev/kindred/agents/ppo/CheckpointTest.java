package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.build.BuildInfo;
import dev.kindred.env.VectorEnv;
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
  void recordsTheBuildsCodeVersion(@TempDir Path dir) throws Exception {
    String version = Checkpoint.currentCodeVersion();
    assertEquals(BuildInfo.current().codeVersion(), version);
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", WORLD, 2, 1);
        ActorCritic policy = new ActorCritic(env.spec(), List.of(), 8, 4, 1)) {
      new Checkpoint(new TrainConfig().toMap(), 3, 10, 1, version, env.spec(), new double[] {0, 1, 0},
          policy.saveParameters()).write(dir);
      assertEquals(version, Checkpoint.read(dir).codeVersion());
    }
  }

  @Test
  void explainsMissingCorruptAndMismatchedCheckpoints(@TempDir Path dir) throws Exception {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir));
    assertTrue(missing.getMessage().contains("no checkpoint"), missing.getMessage());
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", WORLD, 2, 1);
        VectorEnv two = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice",
            Map.of("width", 4, "height", 4, "controlled", List.of(0, 5)), 2, 1);
        VectorEnv degree3 = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.random_regular",
            Map.of("n", 16, "degree", 3, "controlled", List.of(0)), 2, 1);
        VectorEnv none = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice",
            Map.of("width", 4, "height", 4), 2, 1);
        ActorCritic policy = new ActorCritic(env.spec(), List.of(), 8, 4, 1)) {
      checkpoint(env, policy, 1).write(dir);
      // The policy acts per agent: two controlled spins with the same observations are fine.
      Checkpoint.read(dir).checkCompatible(two.spec());
      // Three neighbours instead of four: the first observation the policy reads differs.
      IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
          () -> Checkpoint.read(dir).checkCompatible(degree3.spec()));
      assertEquals("the checkpoint was trained on spin.lattice but the world is spin.random_regular: its observation "
          + "'neighbour_spins' has shape [3]; the policy was trained on [4]; use --world spin.lattice (with the "
          + "checkpoint's world config), or a world whose observations and actions match", mismatch.getMessage());
      mismatch = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir).checkCompatible(none.spec()));
      assertTrue(mismatch.getMessage().contains("but this spin.lattice differs: it has no agents"),
          mismatch.getMessage());
      // With no inputs configured the policy reads every per-agent observation: one more is a difference.
      dev.kindred.env.SessionSpec s = env.spec();
      List<dev.kindred.env.TensorSpec> obs = new java.util.ArrayList<>(s.observations());
      obs.add(new dev.kindred.env.TensorSpec("extra", "", dev.kindred.env.DType.FLOAT32, new int[] {2},
          dev.kindred.env.Scope.AGENT, null, null, List.of()));
      dev.kindred.env.SessionSpec more = new dev.kindred.env.SessionSpec(s.world().withObservations(obs), s.copies(),
          s.autoreset(), s.config());
      mismatch = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(dir).checkCompatible(more));
      assertTrue(mismatch.getMessage().contains("the policy would also read its per-agent observation(s) [extra], "
          + "which it was not trained on"), mismatch.getMessage());
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
  void theEvaluatedPolicyIsTheCheckpointedOne(@TempDir Path dir) throws Exception {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", WORLD, 4, 1);
        ActorCritic a = new ActorCritic(env.spec(), List.of(), 8, 4, 11);
        ActorCritic b = new ActorCritic(env.spec(), List.of(), 8, 4, 12)) {
      TrainConfig cfg = new TrainConfig();
      cfg.worldConfig = new java.util.LinkedHashMap<>(WORLD);
      cfg.hidden = 8;
      cfg.convChannels = 4;
      Path da = dir.resolve("a");
      Path db = dir.resolve("b");
      new Checkpoint(cfg.toMap(), 11, 100, 1, "test", env.spec(), new double[] {0, 1, 0}, a.saveParameters()).write(da);
      new Checkpoint(cfg.toMap(), 12, 200, 2, "test", env.spec(), new double[] {0, 1, 0}, b.saveParameters()).write(db);
      dev.kindred.env.StepBatch obs = env.reset(5);
      // As evaluate builds them (same sampling seed for both).
      try (ActorCritic ea = Checkpoint.read(da).policy(env.spec(), 1_000_003);
          ActorCritic eb = Checkpoint.read(db).policy(env.spec(), 1_000_003)) {
        float[] la = logits(ea, obs);
        float[] lb = logits(eb, obs);
        assertTrue(!java.util.Arrays.equals(la, lb), "two checkpoints with different parameters act alike");
        assertArrayEquals(logits(a, obs), la);
        assertArrayEquals(logits(b, obs), lb);
      }
    }
  }

  static float[] logits(ActorCritic p, dev.kindred.env.StepBatch b) {
    int rows = b.copies() * b.agents();
    float[] vec = new float[rows * p.encoder().vectorSize()];
    float[] grid = new float[rows * p.encoder().gridSize()];
    p.encoder().encode(b, vec, 0, grid, 0);
    float[] l = new float[rows * p.logitCount()];
    p.forward(vec, 0, grid, 0, rows, l, new float[rows]);
    return l;
  }

  @Test
  void rejectsUnknownConfigKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TrainConfig().apply(Map.of("learning_rat", 0.1)));
    assertTrue(e.getMessage().contains("unknown config key 'learning_rat'") && e.getMessage().contains("learning_rate"),
        e.getMessage());
  }
}
