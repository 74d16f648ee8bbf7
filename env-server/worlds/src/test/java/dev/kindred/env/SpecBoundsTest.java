package dev.kindred.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every observation of every built-in world has finite bounds in its spec (so that clients
 * build bounded spaces: Gymnasium's checker warns on infinite ones, and some libraries refuse
 * them), and the bounds hold: random play through several episodes never leaves them, nor the
 * tighter bounds of the features that have their own (the energy world's globals).
 */
class SpecBoundsTest {
  /** Observations allowed to stay unbounded, with the reason (none so far). */
  static final Map<String, String> UNBOUNDED = Map.of();

  static final double[][] COUPLINGS = {
      {0, 0.8, -0.4, 0, 0.3}, {0.8, 0, 0.5, -1.2, 0}, {-0.4, 0.5, 0, 0.7, 0}, {0, -1.2, 0.7, 0, 0.9},
      {0.3, 0, 0, 0.9, 0}};

  /** Configurations of each built-in world: its default where it has one, and harder ones. */
  static List<Object[]> cases() {
    List<Object[]> c = new ArrayList<>();
    c.add(new Object[] {"spin.lattice", Map.of("width", 6, "height", 5, "controlled", List.of(0, 7), "max_steps", 25)});
    c.add(new Object[] {"spin.lattice", Map.of("width", 4, "height", 4, "beta", 0.0, "zeta", -0.7,
        "controlled", List.of(3), "schedule", "synchronous", "max_steps", 25)});
    c.add(new Object[] {"spin.lattice", Map.of("width", 6, "height", 6, "beta", 3.0, "zetas",
        java.util.Collections.nCopies(36, 0.4), "controlled", List.of(1), "max_steps", 25)});
    c.add(new Object[] {"spin.random_regular", Map.of("n", 24, "degree", 3, "beta", 0.8, "controlled", List.of(1, 5),
        "max_steps", 25)});
    c.add(new Object[] {"spin.erdos_renyi", Map.of("n", 30, "mean_degree", 1.5, "beta", 0.6,
        "controlled", List.of(2, 3, 17), "max_steps", 25)});
    c.add(new Object[] {"spin.sk", Map.of("n", 12, "beta", 2.0, "controlled", List.of(0, 11), "max_steps", 25)});
    c.add(new Object[] {"spin.boltzmann", Map.of("couplings", matrix(COUPLINGS), "fields", List.of(0.3, -0.2, 0.0, 0.5,
        -1.4), "beta", 1.5, "controlled", List.of(0, 4), "max_steps", 25)});
    for (String scenario : List.of("energy.alone", "energy.altar_only", "energy.s1", "energy.s2", "energy.s3")) {
      c.add(new Object[] {scenario, Map.of("max_steps", 60)});
    }
    c.add(new Object[] {"energy.room", Map.ofEntries(Map.entry("width", 8), Map.entry("height", 7),
        Map.entry("agents", 4), Map.entry("altars", 2), Map.entry("converters", 2), Map.entry("green_generators", 2),
        Map.entry("yellow_generators", 2), Map.entry("walls", 2), Map.entry("view_size", 5),
        Map.entry("kinship", "random"), Map.entry("max_energy", 300), Map.entry("max_steps", 60),
        Map.entry("altar_cost", List.of(0, 5)), Map.entry("altar_reward", List.of(1, 7)))});
    return c;
  }

  private static List<List<Double>> matrix(double[][] m) {
    List<List<Double>> rows = new ArrayList<>();
    for (double[] r : m) {
      List<Double> row = new ArrayList<>();
      for (double v : r) {
        row.add(v);
      }
      rows.add(row);
    }
    return rows;
  }

  @Test
  void everyBuiltInWorldIsCovered() {
    Set<String> covered = new TreeSet<>();
    for (Object[] c : cases()) {
      covered.add((String) c[0]);
    }
    Set<String> all = new TreeSet<>(WorldRegistry.builtIn().ids());
    assertEquals(all, covered, "every built-in world needs a configuration in SpecBoundsTest.cases()");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void boundsAreFiniteAndHold(String worldId, Map<String, Object> config) {
    WorldType type = WorldRegistry.builtIn().get(worldId);
    int copies = 3;
    BatchedEnv env = new BatchedEnv(type.create(type.schema().resolve(config), copies), Autoreset.NEXT_STEP, 9,
        List.of());
    WorldSpec spec = env.spec();
    for (TensorSpec t : spec.observations()) {
      String key = worldId + "/" + t.name();
      if (UNBOUNDED.containsKey(key)) {
        continue;
      }
      assertNotNull(t.low(), key + " has no lower bound");
      assertNotNull(t.high(), key + " has no upper bound");
      assertTrue(Double.isFinite(t.low()) && Double.isFinite(t.high()) && t.low() <= t.high(),
          key + " has bounds [" + t.low() + ", " + t.high() + "]");
    }
    int[] limits = spec.actions().dimensions().stream().mapToInt(ActionDimension::numValues).toArray();
    int[] actions = new int[copies * spec.numAgents() * limits.length];
    SplittableRandom rng = new SplittableRandom(3);
    check(spec, env.reset(null, null), -1);
    for (int t = 0; t < 150; t++) {
      for (int i = 0; i < actions.length; i++) {
        actions[i] = rng.nextInt(limits[i % limits.length]);
      }
      StepBatch batch = env.step(actions);
      check(spec, batch, t);
      float[] rewards = batch.rewards();
      for (int i = 0; i < rewards.length; i++) {
        Double lo = spec.reward().low();
        Double hi = spec.reward().high();
        if ((lo != null && rewards[i] < lo) || (hi != null && rewards[i] > hi)) {
          fail(worldId + " reward " + rewards[i] + " outside [" + lo + ", " + hi + "] at step " + t);
        }
      }
    }
  }

  private static void check(WorldSpec spec, StepBatch batch, int step) {
    for (TensorSpec t : spec.observations()) {
      if (t.low() == null || t.high() == null) {
        continue;
      }
      double[] v = batch.observationAsDoubles(t.name(), null);
      int last = t.shape().length == 0 ? 1 : t.shape()[t.shape().length - 1];
      for (FeatureSpec f : t.features()) {
        double lo = f.low() == null ? t.low() : f.low();
        double hi = f.high() == null ? t.high() : f.high();
        assertTrue(t.low() <= lo && lo <= hi && hi <= t.high(), t.name() + "." + f.name() + " has bounds [" + lo
            + ", " + hi + "], not inside the tensor's [" + t.low() + ", " + t.high() + "]");
        for (int k = f.index(); k < v.length; k += last) {
          if (v[k] < lo || v[k] > hi) {
            fail(spec.worldId() + " " + t.name() + "." + f.name() + " = " + v[k] + " outside [" + lo + ", " + hi
                + "] at step " + step);
          }
        }
      }
      for (int k = 0; k < v.length; k++) {
        // The client compares in the tensor's own type (float32 bounds for float32 elements).
        double lo = t.dtype() == DType.FLOAT32 ? (float) (double) t.low() : t.low();
        double hi = t.dtype() == DType.FLOAT32 ? (float) (double) t.high() : t.high();
        if (v[k] < lo || v[k] > hi) {
          fail(spec.worldId() + " " + t.name() + "[" + k + "] = " + v[k] + " outside [" + t.low() + ", " + t.high()
              + "] at step " + step);
        }
      }
    }
  }
}
