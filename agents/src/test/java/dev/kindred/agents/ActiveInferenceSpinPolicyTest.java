package dev.kindred.agents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.DType;
import dev.kindred.env.Scope;
import dev.kindred.env.StepBatch;
import dev.kindred.env.TensorSpec;
import dev.kindred.env.VectorEnv;
import dev.kindred.env.WorldRegistry;
import dev.kindred.local.LocalVectorEnv;
import dev.kindred.stats.SampleStats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scripted active-inference spin is a surprise minimiser: on an ordered (low-temperature)
 * lattice, spins it controls earn clearly more reward (less surprise) than random spins, and
 * its sampled actions match its posterior φ.
 */
class ActiveInferenceSpinPolicyTest {
  static final int COPIES = 8;
  static final int STEPS = 300;
  static final Map<String, Object> CONFIG = Map.of(
      "width", 16, "height", 16, "beta", 0.7, "controlled", List.of(0, 37, 100, 201), "init", "up");

  /** Per-copy mean reward per agent-step. */
  private static double[] meanRewards(BatchPolicy policy, VectorEnv env) {
    StepBatch b = env.reset();
    int agents = env.agents();
    int[] actions = new int[env.copies() * agents];
    double[] sums = new double[env.copies()];
    for (int t = 0; t < STEPS; t++) {
      policy.act(b, actions);
      b = env.step(actions);
      for (int i = 0; i < actions.length; i++) {
        sums[i / agents] += b.rewards()[i];
      }
    }
    for (int c = 0; c < sums.length; c++) {
      sums[c] /= (double) STEPS * agents;
    }
    return sums;
  }

  @Test
  void earnsLessSurpriseThanRandomSpins() {
    try (VectorEnv env = LocalVectorEnv.create(WorldRegistry.builtIn(), "spin.lattice", CONFIG, COPIES, 3)) {
      int degree = env.spec().observations().get(0).shape()[0];
      assertEquals("neighbour_spins", env.spec().observations().get(0).name());
      double[] inference = meanRewards(new ActiveInferenceSpinPolicy(degree, true, 1), env);
      double[] random = meanRewards(new RandomPolicy(env.spec(), 2), env);
      double gap = SampleStats.mean(inference) - SampleStats.mean(random);
      double se = Math.hypot(SampleStats.standardError(inference), SampleStats.standardError(random));
      assertTrue(gap > 6 * se && gap > 0.1,
          "active inference " + SampleStats.mean(inference) + " vs random " + SampleStats.mean(random) + " (s.e. of the gap " + se + ")");
    }
  }

  @Test
  void samplesItsPosterior() {
    // One agent whose observation is fixed: field h = prior + sum_j g_j s_j.
    StepBatch b = new StepBatch(1, 1, List.of(
        new TensorSpec("neighbour_spins", "", DType.INT8, new int[] {2}, Scope.AGENT, null, null, List.of()),
        new TensorSpec("neighbour_precisions", "", DType.FLOAT32, new int[] {2}, Scope.AGENT, null, null, List.of()),
        new TensorSpec("prior_precision", "", DType.FLOAT32, new int[] {}, Scope.AGENT, null, null, List.of())), false);
    b.observation(0).put(0, (byte) 1).put(1, (byte) -1);
    b.observation(1).putFloat(0, 0.9f).putFloat(4, 0.3f);
    b.observation(2).putFloat(0, 0.05f);
    double expected = ActiveInferenceSpinPolicy.posteriorUp(0.05 + 0.9 - 0.3);
    ActiveInferenceSpinPolicy policy = new ActiveInferenceSpinPolicy(2, true, 7);
    int[] action = new int[1];
    int n = 200_000;
    int ups = 0;
    for (int i = 0; i < n; i++) {
      policy.act(b, action);
      ups += action[0];
    }
    double se = Math.sqrt(expected * (1 - expected) / n);
    assertEquals(expected, ups / (double) n, 5 * se);
    ActiveInferenceSpinPolicy mode = new ActiveInferenceSpinPolicy(2, false, 7);
    mode.act(b, action);
    assertEquals(1, action[0]);
  }
}
