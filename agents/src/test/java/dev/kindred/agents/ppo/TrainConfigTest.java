package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each key is declared once; reading, writing and checking follow from it. */
class TrainConfigTest {

  @Test
  void theCheckpointMapKeepsItsKeysAndOrder() {
    List<String> keys = List.of("world", "world_config", "copies", "steps", "seed", "horizon", "epochs", "minibatches",
        "learning_rate", "lr_schedule", "gamma", "lambda", "truncation", "clip", "value_coef", "entropy_coef", "max_grad_norm",
        "adam_epsilon", "value_clip", "hidden", "conv_channels", "image_encoder", "front_cell", "one_hot", "init", "inputs",
        "selfplay_fraction", "snapshot_every", "pool_size", "opponent_sampling", "potential", "bonus", "bonus_anneal",
        "teacher", "teacher_weight", "teacher_anneal",
        "torch_threads", "overlap", "init_from", "checkpoint_every", "aux_surprise_weight", "aux_hidden", "aux_learning_rate");
    assertEquals(keys, List.copyOf(new TrainConfig().toMap().keySet()));
    assertEquals(keys, TrainConfig.keys());
    Map<String, Object> m = new TrainConfig().toMap();
    assertEquals(16, m.get("copies"));
    assertEquals(100_000L, m.get("steps"));
    assertEquals(3e-3, m.get("learning_rate"));
    assertEquals("linear", m.get("lr_schedule"));
    assertEquals(List.of(), m.get("inputs"));
  }

  @Test
  void aConfigFileRoundTripsThroughTheCheckpointMap() {
    TrainConfig a = new TrainConfig().apply(TrainConfig.readJson("configs/spin.json"));
    TrainConfig b = new TrainConfig().apply(TrainConfig.readJson(new com.google.gson.Gson().toJson(a.toMap())));
    assertEquals(a.toMap(), b.toMap());
    assertEquals("spin.lattice", b.world);
    assertEquals(32, b.copies);
    assertEquals(List.of("neighbour_spins", "neighbour_precisions", "prior_precision"), b.inputs);
    assertEquals(8L, b.worldConfig.get("width"));
    assertEquals(0.4, b.worldConfig.get("beta"));
  }

  @Test
  void theShippedEnergyConfigsAndCurriculumStagesLoadAndBuildTheirWorlds() {
    for (String stage : List.of("configs/energy-small-stage1.json", "configs/energy-small-stage2.json")) {
      TrainConfig c = new TrainConfig().apply(TrainConfig.readJson("configs/energy-small.json"))
          .apply(TrainConfig.readJson(stage));
      assertEquals(64, c.copies, stage);
      assertEquals(true, c.frontCell, stage);
      try (dev.kindred.env.VectorEnv env = dev.kindred.local.LocalVectorEnv.create(
          dev.kindred.env.WorldRegistry.builtIn(), c.world, c.worldConfig, 1, 1)) {
        // A stage's network must be energy-small's, so that --init can chain them.
        try (dev.kindred.agents.nn.ActorCritic p = c.newPolicy(env.spec(), 1);
            dev.kindred.env.VectorEnv standard = dev.kindred.local.LocalVectorEnv.create(
                dev.kindred.env.WorldRegistry.builtIn(), "energy.room",
                new TrainConfig().apply(TrainConfig.readJson("configs/energy-small.json")).worldConfig, 1, 1)) {
          assertEquals(standard.spec().observation("globals").shape()[0], env.spec().observation("globals").shape()[0]);
          assertEquals(c.netShape(), new TrainConfig().apply(TrainConfig.readJson("configs/energy-small.json")).netShape());
          assertTrue(p.logitCount() > 0);
        }
      }
    }
  }

  @Test
  void badValuesAreErrorsThatSayWhy() {
    assertError("unknown config key 'learning_rat'; known keys: adam_epsilon, aux_hidden,", Map.of("learning_rat", 0.1));
    assertError("config key 'copies' must be a positive integer (at most 2147483647), got 0", Map.of("copies", 0.0));
    assertError("got 4294967297", Map.of("copies", 4294967297.0));
    assertError("config key 'steps' must be a positive integer, got -5", Map.of("steps", -5));
    assertError("config key 'horizon' (steps per copy per rollout) has a value of the wrong type: 2.5",
        Map.of("horizon", 2.5));
    assertError("wrong type", Map.of("world", 3));
    assertError("wrong type", Map.of("inputs", List.of(1)));
    assertError("lr_schedule must be linear or constant, got cosine", Map.of("lr_schedule", "cosine"));
    assertError("aux_surprise_weight must be >= 0, got -0.1", Map.of("aux_surprise_weight", -0.1));
    assertError("opponent_sampling must be uniform or pfsp, got best", Map.of("opponent_sampling", "best"));
    assertError("image_encoder must be conv or strided, got resnet", Map.of("image_encoder", "resnet"));
    TrainConfig c = new TrainConfig().apply(Map.of("copies", 3.0, "seed", -7, "gamma", 1));
    assertEquals(3, c.copies);
    assertEquals(-7, c.seed);
    assertEquals(1.0, c.gamma);
  }

  private static void assertError(String message, Map<String, ?> values) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TrainConfig().apply(values));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }
}
