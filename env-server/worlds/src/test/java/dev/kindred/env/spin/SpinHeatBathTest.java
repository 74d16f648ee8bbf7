package dev.kindred.env.spin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Cancellation;
import dev.kindred.env.Rng;
import org.junit.jupiter.api.Test;

/**
 * The threshold table's heat-bath decision against the comparison it replaces,
 * {@code nextDouble() < φ(u)}: the same outcome for every field and random draw tried, including
 * fields on and next to the grid points, draws on and next to the thresholds, fields beyond the
 * grid and every inverse temperature the worlds accept; and the table decides almost every update.
 */
class SpinHeatBathTest {
  private static final double[] BETAS = {0, 1e-9, 1e-3, 0.05, 0.3, 0.44068679350977147, 1, 1.3, 2.5, 7, 100, 1e3};

  private static SpinHeatBath heatBath(double beta) {
    SpinGraph g = SpinGraph.fromMatrix(new double[][] {{0, 1}, {1, 0}}, true, Cancellation.NEVER, "config.couplings");
    return new SpinHeatBath(new SpinSystem(g, beta, 0, null, 1));
  }

  /** The documented rule: {@code nextDouble() < φ(u)} with nextDouble() = bits * 2^-53. */
  private static boolean reference(double beta, long bits, double u) {
    return bits * 0x1.0p-53 < 1.0 / (1.0 + Math.exp(-2.0 * beta * u));
  }

  private static void check(SpinHeatBath hb, double beta, long bits, double u) {
    boolean want = reference(beta, bits, u);
    assertEquals(want, hb.up(bits, u), () -> "beta " + beta + ", u " + u + ", bits " + bits);
    int d = hb.tableDecision(bits, u);
    if (d != 0) {
      assertEquals(want, d > 0, () -> "table: beta " + beta + ", u " + u + ", bits " + bits);
    }
  }

  @Test
  void sameDecisionAsTheExactComparisonOnAndAroundTheGrid() {
    Rng r = new Rng(5);
    long top = 1L << 53;
    for (double beta : BETAS) {
      SpinHeatBath hb = heatBath(beta);
      for (int k = 0; k <= SpinHeatBath.CELLS; k++) {
        double g = hb.gridPoint(k);
        double[] us = {g, Math.nextDown(g), Math.nextUp(g), Math.nextDown(Math.nextDown(g)), Math.nextUp(Math.nextUp(g))};
        long t = hb.threshold(k);
        long[] bits = {0, 1, t - 2, t - 1, t, t + 1, top - 1, r.nextLong() >>> 11,
            k < SpinHeatBath.CELLS ? hb.threshold(k + 1) - 1 : top - 2,
            k < SpinHeatBath.CELLS ? hb.threshold(k + 1) : top - 3,
            k > 0 ? hb.threshold(k - 1) : 2, k > 0 ? hb.threshold(k - 1) - 1 : 3};
        for (double u : us) {
          for (long b : bits) {
            if (b >= 0 && b < top) {
              check(hb, beta, b, u);
            }
          }
        }
      }
    }
  }

  @Test
  void sameDecisionAsTheExactComparisonForRandomFieldsAndDraws() {
    Rng r = new Rng(6);
    for (double beta : BETAS) {
      SpinHeatBath hb = heatBath(beta);
      for (int i = 0; i < 300_000; i++) {
        // Fields around the scale 1/beta where phi moves, far beyond the grid, and tiny ones.
        double scale = beta > 0 ? Math.min(1e6, 1 / beta) : 1;
        double u = r.nextGaussian() * scale * Math.pow(10, r.nextInt(7) - 3);
        check(hb, beta, r.nextLong() >>> 11, u);
      }
      for (double u : new double[] {0.0, -0.0, 1e-300, -1e-300, Double.MIN_VALUE, 1e6, -1e6, 1e300, -1e300,
          Double.MAX_VALUE, -Double.MAX_VALUE}) {
        for (long b : new long[] {0, 1, 1L << 52, (1L << 52) - 1, (1L << 53) - 1, r.nextLong() >>> 11}) {
          check(hb, beta, b, u);
        }
      }
    }
  }

  @Test
  void theTableDecidesAlmostEveryUpdate() {
    Rng r = new Rng(7);
    for (double beta : BETAS) {
      SpinHeatBath hb = heatBath(beta);
      int undecided = 0;
      int draws = 200_000;
      for (int i = 0; i < draws; i++) {
        // Local fields as in an SK glass at this temperature: about N(0, 1), or 1/beta where that is wider.
        double u = r.nextGaussian() * (beta > 0 ? Math.max(1, 1 / beta) : 1);
        undecided += hb.tableDecision(r.nextLong() >>> 11, u) == 0 ? 1 : 0;
      }
      double fraction = (double) undecided / draws;
      assertTrue(fraction < 0.02, "beta " + beta + ": phi computed for " + fraction + " of the updates");
    }
  }

  @Test
  void noTableForAnInverseTemperatureOutsideTheRange() {
    for (double beta : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
      SpinHeatBath hb = heatBath(beta);
      Rng r = new Rng(8);
      for (int i = 0; i < 1000; i++) {
        long b = r.nextLong() >>> 11;
        double u = r.nextGaussian();
        assertEquals(0, hb.tableDecision(b, u));
        assertEquals(reference(beta, b, u), hb.up(b, u));
      }
    }
  }
}
