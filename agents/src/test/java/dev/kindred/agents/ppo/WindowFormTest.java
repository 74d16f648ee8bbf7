package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindred.agents.nn.ActorCritic;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint trained on the energy world's {@code grid} plays a world that observes
 * {@code tokens} (and the other way round) as it plays the grid world: the same actions, step for
 * step; a window of another size is refused, naming both shapes, and one too small for the
 * image encoder before DJL meets it.
 */
class WindowFormTest {
  private static Map<String, Object> world(String observation, int view) {
    Map<String, Object> w = new LinkedHashMap<>(KickstartTest.config().worldConfig);
    w.put("observation", observation);
    w.put("view_size", view);
    return w;
  }

  private static VectorEnv env(Map<String, Object> world) {
    return LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", world, 3, 4);
  }

  private static Checkpoint trainedOn(VectorEnv env, TrainConfig cfg) {
    try (ActorCritic policy = cfg.newPolicy(env.spec(), cfg.seed)) {
      return new Checkpoint(cfg.toMap(), cfg.seed, 0, 0, "test", env.spec(), new double[] {0, 0, 0},
          policy.saveParameters());
    }
  }

  @Test
  void aCheckpointPlaysEitherFormOfItsWindowAlike() {
    for (String trainedForm : new String[] {"grid", "tokens"}) {
      String otherForm = trainedForm.equals("grid") ? "tokens" : "grid";
      TrainConfig cfg = KickstartTest.config();
      cfg.worldConfig = new LinkedHashMap<>(world(trainedForm, 7));
      try (VectorEnv same = env(world(trainedForm, 7)); VectorEnv other = env(world(otherForm, 7))) {
        Checkpoint ck = trainedOn(same, cfg);
        ck.checkCompatible(other.spec());
        try (ActorCritic a = ck.policy(same.spec(), 9); ActorCritic b = ck.policy(other.spec(), 9)) {
          a.greedy(true);
          b.greedy(true);
          int[] actA = new int[same.copies() * same.agents() * same.actionDimensions()];
          int[] actB = actA.clone();
          StepBatch x = same.reset(3L);
          StepBatch y = other.reset(3L);
          for (int t = 0; t < 60; t++) {
            a.act(x, actA);
            b.act(y, actB);
            assertArrayEquals(actA, actB, "trained on " + trainedForm + ", playing " + otherForm + ": step " + t);
            x = same.step(actA);
            y = other.step(actB);
          }
        }
      }
    }
  }

  @Test
  void aWindowTooSmallForTheImageEncoderIsRefusedNamingTheWayOut() {
    TrainConfig cfg = KickstartTest.config();
    cfg.imageEncoder = "strided";
    try (VectorEnv five = env(world("tokens", 5)); VectorEnv three = env(world("grid", 3))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cfg.newPolicy(five.spec(), 1));
      assertEquals("image_encoder 'strided' reads windows of at least 7 x 7 (two 3x3 convolutions without padding, "
          + "one of stride 2); the window 'tokens' of energy.room is 5 x 5: use a larger view_size, or image_encoder "
          + "'conv' (at least 5 x 5)", e.getMessage());
      cfg.imageEncoder = "conv";
      cfg.newPolicy(five.spec(), 1).close();
      e = assertThrows(IllegalArgumentException.class, () -> cfg.newPolicy(three.spec(), 1));
      assertEquals("image_encoder 'conv' reads windows of at least 5 x 5 (two 3x3 convolutions without padding, "
          + "one of stride 2); the window 'grid' of energy.room is 3 x 3: use a larger view_size", e.getMessage());
    }
  }

  @Test
  void aWindowOfAnotherSizeIsRefusedNamingBothShapes() {
    TrainConfig cfg = KickstartTest.config();
    cfg.worldConfig = new LinkedHashMap<>(world("grid", 7));
    try (VectorEnv grid = env(world("grid", 7)); VectorEnv tokens = env(world("tokens", 9))) {
      Checkpoint ck = trainedOn(grid, cfg);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ck.checkCompatible(tokens.spec()));
      assertEquals("the checkpoint was trained on energy.room but this energy.room differs: its observation 'tokens' "
          + "(the window in another form than the 'grid' the policy was trained on) is an image of [17, 9, 9] "
          + "(channel, row, column); the policy was trained on [17, 7, 7]; use --world energy.room (with the "
          + "checkpoint's world config), or a world whose observations and actions match", e.getMessage());
    }
  }
}
