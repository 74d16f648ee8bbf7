package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.nn.ObservationEncoder;
import dev.kindred.env.SessionSpec;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldSpec;
import dev.kindred.local.LocalVectorEnv;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A brain reads the energy world's window alike from {@code grid} and from {@code tokens}: the
 * tokens, scattered back, are the grid byte for byte over long trajectories (twin worlds, one seed,
 * the same actions); the encoder gives the network the same inputs from either; the scripted
 * forager acts alike on either; a token that lies outside the window, and a token observation
 * whose world does not say its window's side, are refused with what is wrong.
 */
class WindowImageTest {
  /** S1's room (20 agents on 40x40), kinship families and the sampled economy included. */
  private static Map<String, Object> world(String observation) {
    Map<String, Object> w = new LinkedHashMap<>(Map.of("width", 40, "height", 40, "agents", 20, "altars", 5,
        "converters", 10, "green_generators", 25, "yellow_generators", 25, "walls", 40, "max_steps", 150,
        "kinship", "families"));
    w.put("observation", observation);
    return w;
  }

  private static VectorEnv env(String observation, int copies, long seed) {
    return LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", world(observation), copies, seed);
  }

  @Test
  void tokensScatteredBackAreTheGridByteForByte() {
    try (VectorEnv grid = env("grid", 3, 7); VectorEnv tokens = env("tokens", 3, 7)) {
      WindowImage fromGrid = WindowImage.of(grid.spec(), grid.spec().observation("grid"));
      WindowImage fromTokens = WindowImage.of(tokens.spec(), tokens.spec().observation("tokens"));
      assertFalse(fromGrid.fromTokens());
      assertTrue(fromTokens.fromTokens());
      assertArrayEquals(grid.spec().observation("grid").shape(), fromTokens.shape());
      RandomPolicy random = new RandomPolicy(grid.spec(), 3);
      int[] actions = new int[grid.copies() * grid.agents() * grid.actionDimensions()];
      StepBatch g = grid.reset(21L);
      StepBatch t = tokens.reset(21L);
      long nonzero = 0;
      // 400 steps: past two autoresets of every copy (max_steps 150).
      for (int step = 0; step < 400; step++) {
        ByteBuffer want = fromGrid.image(g);
        ByteBuffer got = fromTokens.image(t);
        assertEquals(want.remaining(), got.remaining());
        for (int k = 0; k < want.remaining(); k++) {
          if (want.get(k) != got.get(k)) {
            int block = fromGrid.blockBytes();
            int[] s = fromGrid.shape();
            int in = k % block;
            throw new AssertionError("step " + step + ", agent row " + k / block + ", channel "
                + grid.spec().observation("grid").features().get(in / (s[1] * s[2])).name() + ", cell "
                + in % (s[1] * s[2]) + ": grid " + (want.get(k) & 0xFF) + ", tokens " + (got.get(k) & 0xFF));
          }
          nonzero += want.get(k) != 0 ? 1 : 0;
        }
        random.act(g, actions);
        g = grid.step(actions);
        t = tokens.step(actions);
      }
      assertTrue(nonzero > 100_000, "the windows held walls, objects and agents: " + nonzero + " nonzero bytes");
    }
  }

  @Test
  void theEncoderGivesTheNetworkTheSameInputsFromEither() {
    try (VectorEnv grid = env("grid", 2, 9); VectorEnv tokens = env("tokens", 2, 9)) {
      List<String> oneHot = List.of("globals.orientation");
      ObservationEncoder a = new ObservationEncoder(grid.spec(), List.of(), "action_mask", true, oneHot);
      ObservationEncoder b = new ObservationEncoder(tokens.spec(), List.of(), "action_mask", true, oneHot);
      assertEquals(List.of("grid", "globals"), a.inputNames());
      assertEquals(List.of("tokens", "globals"), b.inputNames());
      assertArrayEquals(a.gridShape(), b.gridShape());
      assertEquals(a.vectorSize(), b.vectorSize());
      int rows = grid.copies() * grid.agents();
      float[] va = new float[rows * a.vectorSize()];
      float[] vb = new float[rows * b.vectorSize()];
      float[] ia = new float[rows * a.gridSize()];
      float[] ib = new float[rows * b.gridSize()];
      RandomPolicy random = new RandomPolicy(grid.spec(), 4);
      int[] actions = new int[rows * grid.actionDimensions()];
      StepBatch g = grid.reset(5L);
      StepBatch t = tokens.reset(5L);
      for (int step = 0; step < 200; step++) {
        a.encode(g, va, 0, ia, 0);
        b.encode(t, vb, 0, ib, 0);
        assertArrayEquals(ia, ib, "the image at step " + step);
        assertArrayEquals(va, vb, "the feature vector (front cell and one-hot included) at step " + step);
        random.act(g, actions);
        g = grid.step(actions);
        t = tokens.step(actions);
      }
    }
  }

  @Test
  void theScriptedForagerActsAlikeOnEither() {
    try (VectorEnv grid = env("grid", 2, 13); VectorEnv tokens = env("tokens", 2, 13)) {
      ScriptedForager a = new ScriptedForager(grid.spec(), 8);
      ScriptedForager b = new ScriptedForager(tokens.spec(), 8);
      int[] actA = new int[grid.copies() * grid.agents() * grid.actionDimensions()];
      int[] actB = actA.clone();
      StepBatch g = grid.reset(2L);
      StepBatch t = tokens.reset(2L);
      double hearts = 0;
      for (int step = 0; step < 300; step++) {
        a.act(g, actA);
        b.act(t, actB);
        assertArrayEquals(actA, actB, "the forager's actions at step " + step);
        g = grid.step(actA);
        t = tokens.step(actB);
        assertArrayEquals(g.rewards(), t.rewards(), "rewards at step " + step);
        for (float r : g.rewards()) {
          hearts += r;
        }
      }
      assertTrue(hearts > 0, "the forager reached altars, so its goals were read from the image: " + hearts);
    }
  }

  @Test
  void aTokenOutsideTheWindowIsRefusedNamingIt() {
    try (VectorEnv tokens = env("tokens", 1, 1)) {
      SessionSpec spec = tokens.spec();
      TensorSpec t = spec.observation("tokens");
      WindowImage image = WindowImage.of(spec, t);
      int side = image.shape()[1];
      StepBatch batch = StepBatch.forSpec(spec);
      ByteBuffer b = batch.observation("tokens");
      for (int k = 0; k < b.capacity(); k++) {
        b.put(k, (byte) 0xFF);
      }
      int slots = t.shape()[0];
      // Agent row 1, slot 2: a column past the window's last.
      int at = 3 * (slots + 2);
      b.put(at, (byte) side);
      b.put(at + 1, (byte) 0);
      b.put(at + 2, (byte) 1);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> image.image(batch));
      assertEquals("token 2 of row 1 of 'tokens' is (location " + side + ", feature 0): outside the "
          + image.shape()[0] + " x " + side + " x " + side + " window image", e.getMessage());
      // A feature past the last channel.
      b.put(at, (byte) 0);
      b.put(at + 1, (byte) image.shape()[0]);
      assertThrows(IllegalStateException.class, () -> image.image(batch));
      // Within the window: decoded where it says, every other byte zero.
      b.put(at, (byte) (1 << 4 | 2));
      b.put(at + 1, (byte) 3);
      b.put(at + 2, (byte) 77);
      ByteBuffer img = image.image(batch);
      int block = image.blockBytes();
      int want = block + 3 * side * side + side + 2;
      for (int k = 0; k < img.remaining(); k++) {
        assertEquals(k == want ? 77 : 0, img.get(k) & 0xFF, "byte " + k);
      }
    }
  }

  @Test
  void tokensWhoseWorldGivesNoWindowSideAreRefused() {
    try (VectorEnv tokens = env("tokens", 1, 1)) {
      SessionSpec spec = tokens.spec();
      Map<String, String> props = new HashMap<>(spec.world().properties());
      props.remove(WindowImage.VIEW_PROPERTY);
      SessionSpec bare = withProperties(spec, props);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new ObservationEncoder(bare, List.of(), "action_mask"));
      assertEquals("the token observation 'tokens' of energy.room needs the world property view_size (the window's "
          + "side, 1 to 16) to be read as an image; the world gives none", e.getMessage());
      props.put(WindowImage.VIEW_PROPERTY, "x".repeat(500));
      SessionSpec odd = withProperties(spec, props);
      String m = assertThrows(IllegalArgumentException.class, () -> new ScriptedForager(odd, 1)).getMessage();
      assertTrue(m.endsWith("the world gives 'xxxxxxxxxxxxxxxxxxxx...'"), m);
    }
  }

  /** {@code spec} with its world's properties replaced. */
  private static SessionSpec withProperties(SessionSpec spec, Map<String, String> props) {
    WorldSpec w = spec.world();
    return new SessionSpec(new WorldSpec(w.worldId(), w.agentNames(), w.observations(), w.actions(), w.reward(),
        w.maxEpisodeSteps(), w.canTerminate(), w.episodeDescription(), w.episodeStats(), props), spec.copies(),
        spec.autoreset(), spec.config());
  }
}
