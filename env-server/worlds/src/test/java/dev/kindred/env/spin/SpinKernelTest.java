package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.Rng;
import dev.kindred.env.Seeds;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fast kernels against a plain, readable reference implementation of the update rule driven
 * by the same random stream: trajectories must be identical step by step.
 */
class SpinKernelTest {

  /** The reference: dense γ, per-site ζ, explicit loops, exactly the documented RNG consumption. */
  static final class Reference {
    final double[][] g;
    final double[] z;
    final double beta;
    final String schedule;
    final boolean mode;
    final int[] free;
    final int[] colour;
    final byte[] s;
    final Rng rng;

    Reference(double[][] g, double[] z, double beta, String schedule, boolean mode, int[] clamped, int[] clampedValues,
        int[] colour, long seed) {
      this.g = g;
      this.z = z;
      this.beta = beta;
      this.schedule = schedule;
      this.mode = mode;
      this.colour = colour;
      int n = g.length;
      boolean[] frozen = new boolean[n];
      for (int i : clamped) {
        frozen[i] = true;
      }
      this.free = java.util.stream.IntStream.range(0, n).filter(i -> !frozen[i]).toArray();
      this.rng = new Rng(seed);
      this.s = new byte[n];
      for (int i = 0; i < n; i++) {
        s[i] = rng.nextLong() >= 0 ? (byte) 1 : (byte) -1; // init = random
      }
      for (int k = 0; k < clamped.length; k++) {
        s[clamped[k]] = (byte) clampedValues[k];
      }
    }

    double u(int i) {
      double u = z[i];
      for (int j = 0; j < g.length; j++) {
        u += g[i][j] * s[j];
      }
      return u;
    }

    byte rule(int i) {
      double u = u(i);
      if (mode) {
        return beta > 0 && u > 0 ? 1 : beta > 0 && u < 0 ? (byte) -1 : s[i];
      }
      double phi = 1 / (1 + Math.exp(-2 * beta * u));
      return rng.nextDouble() < phi ? (byte) 1 : (byte) -1;
    }

    void sweep() {
      switch (schedule) {
        case "random_sequential" -> {
          for (int k = 0; k < free.length; k++) {
            int i = free[rng.nextInt(free.length)];
            s[i] = rule(i);
          }
        }
        case "sweep" -> {
          for (int i : free) {
            s[i] = rule(i);
          }
        }
        case "checkerboard" -> {
          for (int c = 0; c < 2; c++) {
            for (int i : free) {
              if (colour[i] == c) {
                s[i] = rule(i);
              }
            }
          }
        }
        default -> {
          byte[] next = s.clone();
          for (int i : free) {
            next[i] = rule(i);
          }
          System.arraycopy(next, 0, s, 0, s.length);
        }
      }
    }
  }

  private static void assertSameTrajectory(String label, SpinWorld w, Reference ref, long episodeSeed, int steps) {
    BatchedEnv env = env(w, 0, "spins");
    // copy 0's first episode seed under session seed 0 is what BatchedEnv passes to reset
    assertEquals(Seeds.episodeSeed(0, 0, 0), episodeSeed);
    env.reset(null, null);
    int n = ref.s.length;
    byte[] got = new byte[n];
    env.batch().observation(0).get(0, got);
    assertArrayEquals(ref.s, got, label + " after reset");
    int[] actions = new int[env.expectedActionBytes() / 4];
    int flips = 0;
    for (int t = 0; t < steps; t++) {
      byte[] before = got.clone();
      env.step(actions);
      ref.sweep();
      env.batch().observation(0).get(0, got);
      assertArrayEquals(ref.s, got, label + " at step " + (t + 1));
      for (int i = 0; i < n; i++) {
        flips += before[i] != got[i] ? 1 : 0;
      }
    }
    assertTrue(flips > steps, label + ": trajectory too static to be a meaningful comparison (" + flips + " flips)");
  }

  private static int[] latticeColours(int w, int h) {
    int[] c = new int[w * h];
    for (int i = 0; i < c.length; i++) {
      c[i] = ((i % w) + (i / w)) & 1;
    }
    return c;
  }

  @Test
  void latticeKernelsMatchReference() {
    long seed = Seeds.episodeSeed(0, 0, 0);
    for (String schedule : List.of("random_sequential", "sweep", "synchronous", "checkerboard")) {
      for (boolean fast : new boolean[] {true, false}) {
        int w = 6;
        int h = schedule.equals("checkerboard") ? 4 : 5;
        SpinWorld world = world("spin.lattice", endlessCfg("width", w, "height", h, "beta", 0.4, "gamma", 0.8,
            "zeta", 0.05, "schedule", schedule), 1);
        world.setFastKernel(fast);
        assertEquals(fast, world.usesFastKernel());
        Reference ref = new Reference(latticeMatrix(w, h, 0.8), filled(w * h, 0.05), 0.4, schedule, false,
            new int[0], new int[0], latticeColours(w, h), seed);
        assertSameTrajectory("lattice " + schedule + " fast=" + fast, world, ref, seed, 300);
      }
    }
  }

  @Test
  void sparseDenseClampedAndModeKernelsMatchReference() {
    long seed = Seeds.episodeSeed(0, 0, 0);
    for (String schedule : List.of("random_sequential", "sweep", "synchronous")) {
      // CSR with per-edge asymmetric disorder
      SpinWorld er = world("spin.erdos_renyi", endlessCfg("n", 40, "mean_degree", 4.0, "graph_seed", 9, "gamma_std", 0.5,
          "symmetric", false, "beta", 0.7, "zeta", 0.1, "schedule", schedule), 1);
      assertEquals(SpinGraph.Kind.CSR, er.graph().kind());
      assertSameTrajectory("ER " + schedule, er, new Reference(gammaMatrix(er.graph()), filled(40, 0.1), 0.7,
          schedule, false, new int[0], new int[0], null, seed), seed, 200);
      // dense, incremental local fields
      SpinWorld sk = world("spin.sk", endlessCfg("n", 30, "beta", 1.5, "graph_seed", 2, "schedule", schedule), 1);
      assertSameTrajectory("SK " + schedule, sk, new Reference(gammaMatrix(sk.graph()), filled(30, 0), 1.5,
          schedule, false, new int[0], new int[0], null, seed), seed, 200);
      // disordered lattice (CSR in lattice order) with clamped spins and per-agent priors
      List<Double> zetas = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        zetas.add(0.1 * ((i % 5) - 2));
      }
      SpinWorld lat = world("spin.lattice", endlessCfg("width", 5, "height", 4, "gamma_std", 0.3, "beta", 0.5,
          "zetas", zetas, "clamped", List.of(3, 7), "clamped_values", List.of(1, -1), "schedule", schedule), 1);
      assertSameTrajectory("disordered lattice clamped " + schedule, lat, new Reference(gammaMatrix(lat.graph()),
          zetas.stream().mapToDouble(Double::doubleValue).toArray(), 0.5, schedule, false, new int[] {3, 7},
          new int[] {1, -1}, null, seed), seed, 200);
    }
  }

  @Test
  void modeActionMatchesReference() {
    long seed = Seeds.episodeSeed(0, 0, 0);
    // Mode dynamics freeze quickly; check the first steps exactly, then the fixed point.
    for (String schedule : List.of("random_sequential", "synchronous")) {
      SpinWorld sk = world("spin.sk", endlessCfg("n", 30, "beta", 1.0, "graph_seed", 4, "schedule", schedule,
          "action", "mode"), 1);
      Reference ref = new Reference(gammaMatrix(sk.graph()), filled(30, 0), 1.0, schedule, true, new int[0],
          new int[0], null, seed);
      BatchedEnv env = env(sk, 0, "spins");
      env.reset(null, null);
      byte[] got = new byte[30];
      for (int t = 0; t < 20; t++) {
        env.step(new int[0]);
        ref.sweep();
        env.batch().observation(0).get(0, got);
        assertArrayEquals(ref.s, got, "SK mode " + schedule + " step " + t);
      }
    }
  }

  @Test
  void divisionMagicIsExact() {
    for (int d : new int[] {2, 3, 5, 6, 7, 10, 31, 32, 33, 100, 641, 1000, 4095, 8191, 65_535, 1 << 20,
        (1 << 26) - 1, 1 << 25}) {
      long[] m = SpinSystem.divisionMagic(d);
      int limit = 1 << 26;
      for (int i = 0; i < limit; i += (d < 1000 ? 1 : 7)) {
        if ((int) ((i * m[0]) >>> m[1]) != i / d) {
          throw new AssertionError("division by " + d + " wrong at " + i);
        }
      }
      int i = limit - 1;
      assertEquals(i / d, (int) ((i * m[0]) >>> m[1]));
    }
  }

  @Test
  void rngBoundedIntsAreUniformAndThresholdsAgreeWithNextDouble() {
    Rng r = new Rng(42);
    int[] counts = new int[7];
    int draws = 700_000;
    for (int k = 0; k < draws; k++) {
      counts[r.nextInt(7)]++;
    }
    double chi2 = 0;
    for (int c : counts) {
      chi2 += (c - draws / 7.0) * (c - draws / 7.0) / (draws / 7.0);
    }
    assertTrue(chi2 < 30, "chi2 with 6 dof = " + chi2); // p ~ 4e-5
    Rng a = new Rng(7);
    Rng b = new Rng(7);
    for (int k = 0; k < 100_000; k++) {
      double p = k % 3 == 0 ? 0.5 : (k % 1000) / 999.0;
      assertEquals(a.nextDouble() < p, (b.nextLong() >>> 11) < Rng.threshold(p));
    }
    double sum = 0;
    for (int k = 0; k < 100_000; k++) {
      sum += r.nextGaussian();
    }
    assertEquals(0, sum / 100_000, 0.02);
  }
}
