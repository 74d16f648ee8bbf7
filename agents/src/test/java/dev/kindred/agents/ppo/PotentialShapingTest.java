package dev.kindred.agents.ppo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.ScriptedForager;
import dev.kindred.env.StepBatch;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Potential-based shaping on the energy world, driven by the scripted forager: with γ = 1 an
 * episode's shaping sums to exactly −Φ(s₀) (it telescopes, Φ = 0 after the end), whatever the
 * agent did; a crystal picked up pays its weight the step it happens.
 */
class PotentialShapingTest {
  static final Map<String, Object> WORLD = Map.of("width", 9, "height", 9, "agents", 2, "altars", 1, "converters", 1,
      "green_generators", 2, "yellow_generators", 2, "walls", 0, "max_steps", 60);

  @Test
  void anEpisodesShapingTelescopesToMinusTheStartPotentialAndCrystalsPayAtOnce() {
    Map<String, Object> terms = new LinkedHashMap<>();
    terms.put("globals.energy", 0.006);
    terms.put("globals.green", 0.2);
    terms.put("globals.yellow", 0.2);
    int copies = 3;
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, copies, 5)) {
      int agents = env.agents();
      int rows = copies * agents;
      PotentialShaping shaping = new PotentialShaping(env.spec(), terms, 1.0);
      ScriptedForager forager = new ScriptedForager(env.spec(), 3);
      int[] actions = new int[rows * 2];
      StepBatch b = env.reset(9);
      shaping.reset(b);
      float[] startPotential = potentials(b, rows, agents);
      double[] sums = new double[rows];
      float[] shaped = new float[rows];
      byte[] ignored = new byte[rows];
      float[] scratch = new float[rows];
      float[] prevGreen = green(b, rows);
      int crystals = 0;
      for (int t = 0; t < 60; t++) {
        forager.act(b, actions);
        b = env.step(actions);
        java.util.Arrays.fill(shaped, 0f);
        shaping.apply(b, shaped, ignored, 0, scratch);
        float[] g = green(b, rows);
        for (int r = 0; r < rows; r++) {
          sums[r] += shaped[r];
          if (g[r] == prevGreen[r] + 1 && !b.done(r / agents)) {
            crystals++;
            assertTrue(shaped[r] > 0.2f - 0.006f * 10, "a green crystal pays about its weight: " + shaped[r]);
          }
        }
        prevGreen = g;
      }
      assertTrue(b.done(0), "the episode ended at max_steps");
      assertTrue(crystals > 0, "the forager picked crystals");
      for (int r = 0; r < rows; r++) {
        assertEquals(-startPotential[r], sums[r], 1e-3, "row " + r + ": the shaping telescopes to -Φ(s0)");
      }
    }
  }

  @Test
  void theProgressBonusPaysEveryGainAtItsWeightAndNothingOnceAnnealed() {
    Map<String, Object> terms = new LinkedHashMap<>();
    terms.put("globals.green", 0.1);
    terms.put("globals.energy", 0.002);
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 2, 5)) {
      int rows = 2 * env.agents();
      ProgressBonus bonus = new ProgressBonus(env.spec(), terms);
      ScriptedForager forager = new ScriptedForager(env.spec(), 3);
      int[] actions = new int[rows * 2];
      StepBatch b = env.reset(4);
      bonus.reset(b);
      float[] paid = new float[rows];
      float[] zero = new float[rows];
      byte[] ignored = new byte[rows];
      double expected = 0;
      double total = 0;
      for (int t = 0; t < 59; t++) { // the episode's last step pays nothing: the bonus is for progress within it
        float[] before = new float[rows];
        float[] energyBefore = new float[rows];
        for (int r = 0; r < rows; r++) {
          before[r] = feature(b, r, "green");
          energyBefore[r] = feature(b, r, "energy");
        }
        forager.act(b, actions);
        b = env.step(actions);
        java.util.Arrays.fill(paid, 0f);
        total += bonus.apply(b, paid, ignored, 0, t < 40 ? 1.0 : 0.0);
        for (int r = 0; r < rows; r++) {
          double gain = 0.1 * Math.max(0, feature(b, r, "green") - before[r])
              + 0.002 * Math.max(0, feature(b, r, "energy") - energyBefore[r]);
          double want = t < 40 ? gain : 0;
          assertEquals(want, paid[r], 1e-6, "step " + t + " row " + r);
          expected += want;
        }
      }
      assertTrue(expected > 0.1, "the forager gained something in 40 steps: " + expected);
      assertEquals(expected, total, 1e-4);
    }
  }

  @Test
  void aCappedBonusPaysForGainsUpToItsLimitOnly() {
    // Conversions take two green crystals here: the forager gathers two, and a green bonus capped at 1
    // pays for the first only; the yellow bonus is capped by the economy's own feature (1).
    Map<String, Object> world = new LinkedHashMap<>(WORLD);
    world.put("converter_green", List.of(2));
    Map<String, Object> terms = new LinkedHashMap<>();
    terms.put("globals.green", Map.of("weight", 0.1, "up_to", 1));
    terms.put("globals.yellow", Map.of("weight", 0.2, "up_to", "globals.economy.converter_yellow"));
    terms.put("globals.energy", 0.002);
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", world, 2, 5)) {
      int rows = 2 * env.agents();
      globalsSpec = env.spec().observation("globals");
      ProgressBonus bonus = new ProgressBonus(env.spec(), terms);
      ScriptedForager forager = new ScriptedForager(env.spec(), 3);
      int[] actions = new int[rows * 2];
      StepBatch b = env.reset(4);
      bonus.reset(b);
      float[] paid = new float[rows];
      byte[] ignored = new byte[rows];
      int capped = 0;
      int conversions = 0;
      for (int t = 0; t < 150; t++) {
        float[][] before = new float[rows][];
        for (int r = 0; r < rows; r++) {
          before[r] = new float[] {globals(b, r, "green"), globals(b, r, "yellow"), globals(b, r, "energy")};
        }
        forager.act(b, actions);
        b = env.step(actions);
        if (b.done(0) || b.done(1)) {
          break;
        }
        java.util.Arrays.fill(paid, 0f);
        bonus.apply(b, paid, ignored, 0, 1.0);
        for (int r = 0; r < rows; r++) {
          float green = globals(b, r, "green");
          float yellow = globals(b, r, "yellow");
          float energy = globals(b, r, "energy");
          double want = 0.1 * Math.max(0, Math.min(green, 1) - Math.min(before[r][0], 1))
              + 0.2 * Math.max(0, Math.min(yellow, 1) - Math.min(before[r][1], 1))
              + 0.002 * Math.max(0, energy - before[r][2]);
          assertEquals(want, paid[r], 1e-6, "step " + t + " row " + r);
          capped += green > before[r][0] && before[r][0] >= 1 ? 1 : 0;
          conversions += energy > before[r][2] ? 1 : 0;
        }
      }
      assertTrue(capped > 0, "a second green crystal was picked up (and not paid for)");
      assertTrue(conversions > 0, "the forager converted");
    }
  }

  @Test
  void aOnceTermPaysForAnEpisodesNewHighsOnly() {
    // Agent 0's green crystals go 0 1 0 1 0 1 (a crystal handed back and forth), then a new episode
    // starts (the reset step) and it picks one up again.
    Map<String, Object> once = new LinkedHashMap<>();
    once.put("globals.green", Map.of("weight", 0.5, "up_to", 1, "once", true));
    Map<String, Object> every = new LinkedHashMap<>();
    every.put("globals.green", Map.of("weight", 0.5, "up_to", 1));
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 1, 5)) {
      globalsSpec = env.spec().observation("globals");
      int green = globalsSpec.features().stream().filter(f -> f.name().equals("green")).findFirst().orElseThrow()
          .index();
      StepBatch b = StepBatch.forSpec(env.spec());
      ProgressBonus a = new ProgressBonus(env.spec(), once);
      ProgressBonus c = new ProgressBonus(env.spec(), every);
      a.reset(b);
      c.reset(b);
      float[] greens = {1, 0, 1, 0, 1, 0, 1};
      boolean[] resetStep = {false, false, false, false, false, true, false};
      double paidOnce = 0;
      double paidEvery = 0;
      double paidAfterReset = 0;
      for (int t = 0; t < greens.length; t++) {
        b.observation("globals").putFloat(4 * green, greens[t]);
        byte[] ignored = {(byte) (resetStep[t] ? 1 : 0), (byte) (resetStep[t] ? 1 : 0)};
        float[] ra = new float[2];
        float[] rc = new float[2];
        a.apply(b, ra, ignored, 0, 1.0);
        c.apply(b, rc, ignored, 0, 1.0);
        if (t > 5) {
          paidAfterReset += ra[0];
        } else {
          paidOnce += ra[0];
        }
        paidEvery += rc[0];
        assertEquals(0f, ra[1], "agent 1 gained nothing");
      }
      assertEquals(0.5, paidOnce, 1e-6, "the crystal passed back and forth pays once in the episode");
      assertEquals(0.5, paidAfterReset, 1e-6, "and once more in the next");
      assertEquals(2.0, paidEvery, 1e-6, "without once, every pass pays (four rises outside the reset step)");
    }
  }

  @Test
  void aBonusTermIsAWeightOrAWeightWithALimit() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 1, 5)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new ProgressBonus(env.spec(), Map.of("globals.green", Map.of("weight", 0.1, "cap", 1))));
      assertEquals("bonus term 'globals.green': unknown key 'cap'; a term is a weight or {\"weight\": w, "
          + "\"up_to\": limit, \"once\": true}", e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new ProgressBonus(env.spec(), Map.of("globals.green", Map.of("weight", 0.1, "up_to", "globals.gold"))));
      assertTrue(e.getMessage().startsWith("bonus limit term 'globals.gold': 'globals' has no feature 'gold'"),
          e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new ProgressBonus(env.spec(), Map.of("globals.green", Map.of("up_to", 1))));
      assertEquals("bonus term 'globals.green' needs a numeric \"weight\"", e.getMessage());
    }
  }

  private static dev.kindred.env.TensorSpec globalsSpec;

  private static float globals(StepBatch b, int r, String name) {
    dev.kindred.env.TensorSpec t = globalsSpec;
    int index = t.features().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().index();
    return b.observation("globals").getFloat(4 * (r * t.shape()[0] + index));
  }

  @Test
  void termsNameExistingFeatures() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "energy.room", WORLD, 1, 5)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new PotentialShaping(env.spec(), Map.of("globals.gold", 1.0), 0.99));
      assertTrue(e.getMessage().contains("has no feature 'gold'"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new PotentialShaping(env.spec(), Map.of("energy", 1.0), 0.99));
      assertTrue(e.getMessage().contains("\"observation.feature\""), e.getMessage());
      e = assertThrows(IllegalArgumentException.class,
          () -> new PotentialShaping(env.spec(), Map.of("grid.wall", 1.0), 0.99));
      assertTrue(e.getMessage().contains("not a per-agent feature vector"), e.getMessage());
    }
  }

  private static float[] potentials(StepBatch b, int rows, int agents) {
    float[] out = new float[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = 0.006f * feature(b, r, "energy") + 0.2f * feature(b, r, "green") + 0.2f * feature(b, r, "yellow");
    }
    return out;
  }

  private static float[] green(StepBatch b, int rows) {
    float[] out = new float[rows];
    for (int r = 0; r < rows; r++) {
      out[r] = feature(b, r, "green");
    }
    return out;
  }

  /** Row {@code r}'s named globals feature, read independently of PotentialShaping. */
  private static float feature(StepBatch b, int r, String name) {
    int index = -1;
    String[] names = FEATURES;
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        index = i;
      }
    }
    return b.observation("globals").getFloat(4 * (r * 44 + index));
  }

  /** The first globals features in the energy world's documented order (see its spec). */
  static final String[] FEATURES = {"energy", "energy_fraction", "green", "yellow"};
}
