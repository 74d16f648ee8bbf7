package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Autoreset;
import dev.kindred.env.BatchedEnv;
import dev.kindred.env.EpisodeSummary;
import dev.kindred.env.StepBatch;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Spins handed to a client: a client that acts by the exact posterior rule keeps the Gibbs law;
 * rewards and measurement tensors equal independent formulas (explicit sums over the hidden
 * state z, not the closed forms the world uses).
 */
class SpinControlledTest {
  static final List<List<Double>> M = List.of(
      List.of(0.0, 0.6, 0.0, -0.5, 0.4),
      List.of(0.6, 0.0, 0.7, 0.3, 0.0),
      List.of(0.0, 0.7, 0.0, 0.5, -0.6),
      List.of(-0.5, 0.3, 0.5, 0.0, 0.8),
      List.of(0.4, 0.0, -0.6, 0.8, 0.0));
  static final List<Double> FIELDS = List.of(0.2, -0.1, 0.3, 0.0, -0.25);
  static final double BETA = 1.2;
  static final int[] CONTROLLED = {0, 2}; // not neighbours: acting together is a valid block update

  /** The couplings as the world holds them: M is dense, and dense couplings are single precision. */
  static double[][] g() {
    double[][] g = new double[5][5];
    for (int i = 0; i < 5; i++) {
      for (int j = 0; j < 5; j++) {
        g[i][j] = (float) (double) M.get(i).get(j);
      }
    }
    return g;
  }

  static double[] z() {
    return FIELDS.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static Map<String, Object> cfg(int episodeLength) {
    Map<String, Object> m = new HashMap<>();
    m.put("couplings", M);
    m.put("fields", FIELDS);
    m.put("beta", BETA);
    m.put("controlled", List.of(0, 2));
    m.put("max_steps", episodeLength);
    m.put("burn_in_sweeps", 50);
    return m;
  }

  /** −ln Σ_z P(z) Π_j P(σ_j | z) with P(σ|z) = e^{βγσz}/(2cosh βγ z), P(z) = e^{βζz}/(2cosh βζ). */
  static double surprise(double[][] g, double[] z, byte[] s, int i) {
    double total = 0;
    for (int hz = -1; hz <= 1; hz += 2) {
      double p = Math.exp(BETA * z[i] * hz) / (2 * Math.cosh(BETA * z[i]));
      for (int j = 0; j < g.length; j++) {
        if (g[i][j] != 0) {
          p *= Math.exp(BETA * g[i][j] * s[j] * hz) / (2 * Math.cosh(BETA * g[i][j]));
        }
      }
      total += p;
    }
    return -Math.log(total);
  }

  /** The client's policy: φ from its observation, then a coin flip. */
  static int[] act(StepBatch b, int copies, int d, SplittableRandom rnd) {
    ByteBuffer sp = b.observation("neighbour_spins");
    ByteBuffer prec = b.observation("neighbour_precisions");
    ByteBuffer mask = b.observation("neighbour_mask");
    ByteBuffer prior = b.observation("prior_precision");
    int agents = CONTROLLED.length;
    int[] actions = new int[copies * agents];
    for (int c = 0; c < copies; c++) {
      for (int a = 0; a < agents; a++) {
        int k = c * agents + a;
        double h = prior.getFloat(4 * k);
        for (int e = 0; e < d; e++) {
          if (mask.get(k * d + e) == 1) {
            h += prec.getFloat(4 * (k * d + e)) * sp.get(k * d + e);
          }
        }
        double phi = 1 / (1 + Math.exp(-2 * h));
        actions[k] = rnd.nextDouble() < phi ? 1 : 0;
      }
    }
    return actions;
  }

  @Test
  void clientActingByThePosteriorKeepsTheGibbsLaw() {
    int copies = 24;
    SpinWorld w = world("spin.boltzmann", cfg(0), copies);
    assertEquals(List.of("spin_0", "spin_2"), w.spec().agentNames());
    int d = w.graph().maxDegree();
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 21, List.of());
    StepBatch b = env.reset(null, null);
    SplittableRandom rnd = new SplittableRandom(5);
    int steps = 20_000;
    double[][] f = new double[copies][32];
    for (int t = 0; t < steps; t++) {
      b = env.step(act(b, copies, d, rnd));
      ByteBuffer spins = b.observation("spins");
      for (int c = 0; c < copies; c++) {
        f[c][stateIndex(spins, 5 * c, 5)] += 1.0 / steps;
        for (int a = 0; a < 2; a++) {
          assertEquals(1, b.actionSuccess()[c * 2 + a]);
        }
      }
    }
    double[] gibbs = gibbs(g(), z(), BETA);
    Comparison cmp = assertMatches("controlled boltzmann", f, gibbs, steps, 6.5);
    assertPower("controlled boltzmann", gibbs, peretto(g(), z(), BETA), cmp);
  }

  @Test
  void rewardsAndMeasurementsMatchIndependentFormulas() {
    int copies = 3;
    SpinWorld w = world("spin.boltzmann", cfg(40), copies);
    BatchedEnv env = new BatchedEnv(w, Autoreset.NEXT_STEP, 8, List.of());
    StepBatch b = env.reset(null, null);
    double[][] g = g();
    double[] z = z();
    SplittableRandom rnd = new SplittableRandom(9);
    int d = w.graph().maxDegree();
    double[][] rewardSum = new double[copies][2];
    int episodes = 0;
    for (int t = 0; t < 40; t++) {
      b = env.step(act(b, copies, d, rnd));
      for (int c = 0; c < copies; c++) {
        byte[] s = new byte[5];
        b.observation("spins").get(5 * c, s);
        // own spin and controlled actions
        for (int a = 0; a < 2; a++) {
          assertEquals(s[CONTROLLED[a]], b.observation("own_spin").get(c * 2 + a));
          double expected = -surprise(g, z, s, CONTROLLED[a]);
          assertEquals(expected, b.rewards()[c * 2 + a], 1e-5);
          rewardSum[c][a] += b.rewards()[c * 2 + a];
        }
        double m = 0;
        double e = 0;
        double es = 0;
        double ms = 0;
        for (int i = 0; i < 5; i++) {
          m += s[i] / 5.0;
          e -= z[i] * s[i];
          double u = z[i];
          for (int j = 0; j < 5; j++) {
            if (j > i) {
              e -= g[i][j] * s[i] * s[j];
            }
            u += g[i][j] * s[j];
          }
          es += -z[i] * s[i] - Math.log(Math.exp(BETA * u) + Math.exp(-BETA * u)) / BETA;
          double sur = surprise(g, z, s, i);
          ms += sur / 5;
          assertEquals(Math.exp(BETA * u) / (Math.exp(BETA * u) + Math.exp(-BETA * u)),
              b.observation("phi").getFloat(4 * (5 * c + i)), 1e-6);
          assertEquals(sur, b.observation("surprise").getFloat(4 * (5 * c + i)), 1e-5);
        }
        assertEquals(m, b.observation("magnetisation").getDouble(8 * c), 1e-12);
        assertEquals(e / 5, b.observation("energy").getDouble(8 * c), 1e-12);
        assertEquals(es / 5, b.observation("energy_sync").getDouble(8 * c), 1e-12);
        assertEquals(ms, b.observation("mean_surprise").getDouble(8 * c), 1e-12);
      }
      for (EpisodeSummary ep : b.episodes()) {
        episodes++;
        assertEquals(40, ep.length());
        for (int a = 0; a < 2; a++) {
          assertEquals(-rewardSum[ep.copy()][a] / 40, ep.agentStats().get(a).get("mean_surprise"), 1e-5);
        }
        assertTrue(ep.stats().containsKey("mean_abs_magnetisation"));
      }
    }
    assertEquals(copies, episodes);
  }
}
