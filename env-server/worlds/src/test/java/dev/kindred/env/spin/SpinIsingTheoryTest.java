package dev.kindred.env.spin;

import static dev.kindred.env.spin.SpinTestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.BatchedEnv;
import dev.kindred.env.StepBatch;
import dev.kindred.stats.SampleStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The 2-D Ising model (J = 1, no field, random-sequential heat bath) against exact results:
 * Yang's spontaneous magnetisation and Onsager's energy per spin. Error bars come from
 * independent copies (each copy's time average is one sample). Finite-size margin: on an L = 64
 * torus away from T_c (correlation length of a few spacings at T = 1.8, 2.0, 3.0) corrections are
 * of order exp(−L/ξ), far below the 0.003 margin added to the statistical tolerance.
 */
class SpinIsingTheoryTest {
  static final int L = 64;
  static final int COPIES = 8;
  static final double MARGIN = 0.003;

  /** Yang: |m| = (1 − sinh(2β)^−4)^(1/8) below T_c. */
  static double yang(double beta) {
    return Math.pow(1 - Math.pow(Math.sinh(2 * beta), -4), 0.125);
  }

  /** Complete elliptic integral of the first kind K(k) = π / (2 AGM(1, sqrt(1 − k²))). */
  static double ellipticK(double k) {
    double a = 1;
    double b = Math.sqrt(1 - k * k);
    for (int i = 0; i < 60 && Math.abs(a - b) > 1e-16 * a; i++) {
      double an = (a + b) / 2;
      b = Math.sqrt(a * b);
      a = an;
    }
    return Math.PI / (2 * a);
  }

  /** Onsager: u = −coth(2β) [1 + (2/π)(2 tanh²(2β) − 1) K(k)], k = 2 sinh(2β) / cosh²(2β). */
  static double onsagerEnergy(double beta) {
    double t = 2 * beta;
    double k = 2 * Math.sinh(t) / (Math.cosh(t) * Math.cosh(t));
    double th = Math.tanh(t);
    return -1 / th * (1 + 2 / Math.PI * (2 * th * th - 1) * ellipticK(k));
  }

  @Test
  void exactFormulasAreRight() {
    double betaC = Math.log(1 + Math.sqrt(2)) / 2;
    assertEquals(-Math.sqrt(2), onsagerEnergy(betaC), 1e-9);
    assertEquals(0.9113, yang(0.5), 1e-4); // T = 2
    assertEquals(-2.0, onsagerEnergy(20), 1e-9); // ground state
    assertEquals(Math.PI / 2, ellipticK(0), 1e-15);
  }

  /** Per copy: time averages of |m| and of e over {@code steps} steps after the burn-in. */
  private static double[][] run(double temperature, String init, int burnIn, int steps, long seed) {
    SpinWorld w = world("spin.lattice", Map.of("width", L, "height", L, "beta", 1 / temperature,
        "init", init, "burn_in_sweeps", burnIn, "max_steps", 0), COPIES);
    assertTrue(w.usesFastKernel());
    BatchedEnv env = env(w, seed, "magnetisation", "energy");
    env.reset(null, null);
    double[][] out = new double[2][COPIES];
    int[] none = new int[0];
    for (int t = 0; t < steps; t++) {
      StepBatch b = env.step(none);
      for (int c = 0; c < COPIES; c++) {
        out[0][c] += Math.abs(b.observation(0).getDouble(8 * c)) / steps;
        out[1][c] += b.observation(1).getDouble(8 * c) / steps;
      }
    }
    return out;
  }

  private static void check(String what, double[] samples, double exact) {
    double m = SampleStats.mean(samples);
    double se = SampleStats.standardError(samples);
    double tol = 5 * se + MARGIN;
    System.out.printf("%s: %.5f +- %.5f (exact %.5f, tolerance %.5f)%n", what, m, se, exact, tol);
    assertEquals(exact, m, tol, what);
    assertTrue(tol < 0.01, what + ": tolerance too loose to be a test");
  }

  @Test
  void belowTcMagnetisationFollowsYangAndEnergyFollowsOnsager() {
    double[][] r20 = run(2.0, "up", 1000, 2500, 1);
    check("T=2.0 |m|", r20[0], yang(0.5));
    check("T=2.0 energy", r20[1], onsagerEnergy(0.5));
    double[][] r18 = run(1.8, "up", 500, 1500, 2);
    check("T=1.8 |m|", r18[0], yang(1 / 1.8));
  }

  @Test
  void aboveTcEnergyFollowsOnsager() {
    double[][] r30 = run(3.0, "random", 500, 2500, 3);
    check("T=3.0 energy", r30[1], onsagerEnergy(1 / 3.0));
    assertTrue(SampleStats.mean(r30[0]) < 0.1, "disordered phase above T_c");
  }
}
