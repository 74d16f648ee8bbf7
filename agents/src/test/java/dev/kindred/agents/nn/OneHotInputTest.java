package dev.kindred.agents.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.RandomPolicy;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One-hot inputs: the tail holds a 1 at each listed feature's value (checked against the raw
 * observation over a random trajectory), after the front cell; everything before it is as
 * without them; bad entries are refused with what is wrong.
 */
class OneHotInputTest {
  private static final Map<String, Object> WORLD = Map.of("width", 7, "height", 7, "agents", 3, "altars", 1,
      "converters", 1, "green_generators", 2, "yellow_generators", 1, "walls", 3, "max_steps", 60);

  @Test
  void theTailIsOneHotAtEachFeaturesValue() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 4, 3)) {
      ObservationEncoder plain = new ObservationEncoder(env.spec(), List.of(), "action_mask", true);
      ObservationEncoder hot = new ObservationEncoder(env.spec(), List.of(), "action_mask", true,
          List.of("globals.orientation", "globals.last_action"));
      TensorSpec globals = env.spec().observation("globals");
      int g = globals.shape()[0];
      int orientation = index(globals, "orientation");
      int lastAction = index(globals, "last_action");
      int actions = (int) (double) globals.features().get(lastAction).high() + 1;
      assertEquals(plain.vectorSize() + 4 + actions, hot.vectorSize());
      int rows = env.copies() * env.agents();
      float[] a = new float[rows * plain.vectorSize()];
      float[] b = new float[rows * hot.vectorSize()];
      float[] image = new float[rows * plain.gridSize()];
      int[] act = new int[rows * env.actionDimensions()];
      RandomPolicy random = new RandomPolicy(env.spec(), 5);
      StepBatch batch = env.reset(11);
      int[] seen = new int[4];
      java.util.Arrays.fill(b, 7f); // stale values must be overwritten
      for (int t = 0; t < 120; t++) {
        plain.encode(batch, a, 0, image, 0);
        hot.encode(batch, b, 0, image, 0);
        ByteBuffer gl = batch.observation("globals");
        for (int r = 0; r < rows; r++) {
          int at = r * hot.vectorSize();
          for (int i = 0; i < plain.vectorSize(); i++) {
            assertEquals(a[r * plain.vectorSize() + i], b[at + i], "the features before the one-hot inputs");
          }
          int o = (int) gl.getFloat(4 * (r * g + orientation));
          int last = (int) gl.getFloat(4 * (r * g + lastAction));
          seen[o]++;
          for (int k = 0; k < 4; k++) {
            assertEquals(k == o ? 1f : 0f, b[at + plain.vectorSize() + k], "orientation " + o + " at " + k);
          }
          for (int k = 0; k < actions; k++) {
            assertEquals(k == last ? 1f : 0f, b[at + plain.vectorSize() + 4 + k], "last action " + last + " at " + k);
          }
        }
        random.act(batch, act);
        batch = env.step(act);
      }
      for (int k = 0; k < 4; k++) {
        assertTrue(seen[k] > 0, "every orientation occurred: " + java.util.Arrays.toString(seen));
      }
    }
  }

  @Test
  void badEntriesAreRefusedNamingWhatIsWrong() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 1, 3)) {
      assertEquals("one_hot entry 'orientation' is not observation.feature, e.g. globals.orientation",
          refused(env, "orientation"));
      assertTrue(refused(env, "grid.agent").startsWith("one_hot entry 'grid.agent': 'grid' is not a vector input"),
          refused(env, "grid.agent"));
      assertTrue(refused(env, "globals.heading").startsWith("one_hot entry 'globals.heading': globals has no feature "
          + "'heading'; it has [energy,"), refused(env, "globals.heading"));
      assertTrue(refused(env, "globals.energy").contains("needs whole-numbered finite bounds spanning at most 64 "
          + "values"), refused(env, "globals.energy"));
    }
  }

  private static String refused(VectorEnv env, String entry) {
    return assertThrows(IllegalArgumentException.class,
        () -> new ObservationEncoder(env.spec(), List.of(), "action_mask", false, List.of(entry))).getMessage();
  }

  private static int index(TensorSpec t, String name) {
    return t.features().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().index();
  }
}
