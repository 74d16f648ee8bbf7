package dev.kindred.agents.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.RandomPolicy;
import dev.kindred.env.FeatureSpec;
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
 * The front-cell input: the encoder's tail holds the grid's channels at the cell the agent faces,
 * checked over a random trajectory against a reading that takes the orientation from the
 * {@code globals} feature instead of the grid; without it the vector is the same minus that tail.
 */
class FrontCellTest {
  private static final Map<String, Object> WORLD = Map.of("width", 7, "height", 7, "agents", 3, "altars", 1,
      "converters", 1, "green_generators", 2, "yellow_generators", 1, "walls", 3, "max_steps", 60);
  private static final int[] DX = {0, 1, 0, -1};
  private static final int[] DY = {-1, 0, 1, 0};

  @Test
  void theTailIsTheGridAtTheCellTheAgentFaces() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 4, 3)) {
      ObservationEncoder plain = new ObservationEncoder(env.spec(), List.of(), "action_mask", false);
      ObservationEncoder front = new ObservationEncoder(env.spec(), List.of(), "action_mask", true);
      TensorSpec grid = env.spec().observation("grid");
      TensorSpec globals = env.spec().observation("globals");
      int channels = grid.shape()[0];
      int side = grid.shape()[1];
      assertEquals(plain.vectorSize() + channels, front.vectorSize());
      int orientation = feature(globals, "orientation");
      int rows = env.copies() * env.agents();
      float[] a = new float[rows * plain.vectorSize()];
      float[] b = new float[rows * front.vectorSize()];
      float[] image = new float[rows * plain.gridSize()];
      int[] actions = new int[rows * env.actionDimensions()];
      RandomPolicy random = new RandomPolicy(env.spec(), 5);
      StepBatch batch = env.reset(11);
      int nonEmpty = 0;
      int[] seenOrientation = new int[4];
      for (int t = 0; t < 120; t++) {
        plain.encode(batch, a, 0, image, 0);
        front.encode(batch, b, 0, image, 0);
        ByteBuffer g = batch.observation("grid");
        ByteBuffer gl = batch.observation("globals");
        for (int r = 0; r < rows; r++) {
          for (int i = 0; i < plain.vectorSize(); i++) {
            assertEquals(a[r * plain.vectorSize() + i], b[r * front.vectorSize() + i], "the features before the tail");
          }
          int o = (int) gl.getFloat(4 * (r * globals.shape()[0] + orientation));
          seenOrientation[o]++;
          int c = side / 2;
          int cell = (c + DY[o]) * side + c + DX[o];
          boolean any = false;
          for (int ch = 0; ch < channels; ch++) {
            int v = g.get(r * channels * side * side + ch * side * side + cell) & 0xFF;
            float want = (float) (Math.log1p(v) / Math.log(2));
            assertEquals(want, b[r * front.vectorSize() + plain.vectorSize() + ch], 1e-6,
                "step " + t + ", row " + r + ", channel " + grid.features().get(ch).name());
            any |= v != 0;
          }
          nonEmpty += any ? 1 : 0;
        }
        random.act(batch, actions);
        batch = env.step(actions);
      }
      assertTrue(nonEmpty > 100, "agents faced walls, objects or agents: " + nonEmpty);
      for (int o = 0; o < 4; o++) {
        assertTrue(seenOrientation[o] > 0, "orientation " + o + " was seen");
      }
    }
  }

  @Test
  void theFrontCellNeedsAnImageWithAnOrientationChannel() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice",
        Map.of("width", 4, "height", 4, "controlled", List.of(0)), 1, 3)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new ObservationEncoder(env.spec(), List.of(), null, true));
      assertEquals("front_cell needs an image observation; spin.lattice gives the network none", e.getMessage());
    }
  }

  private static int feature(TensorSpec t, String name) {
    return t.features().stream().filter(f -> f.name().equals(name)).mapToInt(FeatureSpec::index).findFirst()
        .orElseThrow();
  }
}
