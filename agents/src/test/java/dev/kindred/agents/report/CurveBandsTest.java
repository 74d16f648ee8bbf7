package dev.kindred.agents.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.report.CurveBands.Band;
import dev.kindred.agents.report.CurveBands.Grid;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurveBandsTest {
  static final double NAN = Double.NaN;

  @Test
  void tQuantilesMatchTheClosedForms() {
    // df = 1 (Cauchy): tan(π(p - 1/2)); df = 2: (2p - 1) / sqrt(2p(1 - p)); p = 0.975.
    assertEquals(Math.tan(Math.PI * 0.475), CurveBands.t975(1), 1e-8);
    assertEquals(12.7062047, CurveBands.t975(1), 1e-6);
    assertEquals(0.95 / Math.sqrt(2 * 0.975 * 0.025), CurveBands.t975(2), 1e-8);
    assertEquals(4.3026527, CurveBands.t975(2), 1e-6);
    // Tables: 2.262 (9 df), 2.042 (30 df), 1.984 (100 df); the normal 1.960 in the limit.
    assertEquals(2.262157, CurveBands.t975(9), 1e-6);
    assertEquals(2.042272, CurveBands.t975(30), 1e-6);
    assertEquals(1.983972, CurveBands.t975(100), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> CurveBands.t975(0));
  }

  @Test
  void intervalByHand() {
    // {1, 2, 3}: mean 2, s = 1, n = 3: half-width t(0.975, 2) / sqrt(3) = 4.30265 / 1.73205 = 2.48414.
    assertEquals(4.302652729911275 / Math.sqrt(3), CurveBands.ci95(new double[] {1, 2, 3}), 1e-8);
    assertEquals(2.484138, CurveBands.ci95(new double[] {1, 2, 3}), 1e-6);
    // {2, 4}: s = sqrt(2), n = 2: t(0.975, 1) · sqrt(2) / sqrt(2) = 12.7062.
    assertEquals(12.706205, CurveBands.ci95(new double[] {2, 4}), 1e-6);
    // {5, 7, 9, 11}: s = sqrt(20/3) = 2.58199, t(0.975, 3) = 3.182446: 3.182446 · 2.58199 / 2 = 4.10853.
    assertEquals(3.182446 * Math.sqrt(20.0 / 3) / 2, CurveBands.ci95(new double[] {5, 7, 9, 11}), 1e-5);
    assertTrue(Double.isNaN(CurveBands.ci95(new double[] {3})), "no interval from one run");
    assertTrue(Double.isNaN(CurveBands.ci95(new double[0])));
    assertEquals(0, CurveBands.ci95(new double[] {4, 4, 4}), 0, "identical runs: a band of width 0");
  }

  @Test
  void gridPutsEachValueInItsNearestBin() {
    Grid g = Grid.between(64, 64 * 30, 30);
    assertEquals(30, g.bins());
    assertEquals(64, g.spacing(), 1e-12);
    for (int i = 1; i <= 30; i++) {
      assertEquals(i - 1, g.bin(64 * i), "one iteration per bin when as many bins as iterations");
    }
    Grid coarse = Grid.between(0, 10, 3); // points 0, 5, 10
    assertArrayEquals(new double[] {0, 5, 10}, coarse.centres());
    assertEquals(0, coarse.bin(2.4));
    assertEquals(1, coarse.bin(2.6));
    assertEquals(2, coarse.bin(9));
    assertEquals(0, coarse.bin(-3), "outside the range: the nearest end");
    assertEquals(2, coarse.bin(30));
    Grid one = Grid.between(5, 5, 10);
    assertArrayEquals(new double[] {5}, one.centres(), "one x: one bin");
    assertEquals(0, one.bin(5));
    assertArrayEquals(new double[] {5}, Grid.between(0, 10, 1).centres());
    assertThrows(IllegalArgumentException.class, () -> Grid.between(2, 1, 3));
    assertThrows(IllegalArgumentException.class, () -> Grid.between(0, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> Grid.between(NAN, 1, 3));
  }

  @Test
  void binsMeanAndIntervalOverTheRunsWithAValue() {
    Grid g = Grid.between(1, 4, 4); // points 1, 2, 3, 4
    double[] x = {1, 2, 3, 4};
    // Episode columns: gaps where no episode ended.
    List<double[]> ys = List.of(
        new double[] {1, NAN, 5, NAN},
        new double[] {2, NAN, NAN, NAN},
        new double[] {3, 7, 6, NAN});
    Band b = CurveBands.bin(g, List.of(x, x, x), ys);
    assertArrayEquals(new int[] {3, 1, 2, 0}, b.runs());
    assertEquals(2, b.mean()[0], 1e-12);
    assertEquals(CurveBands.t975(2) * 1 / Math.sqrt(3), b.ci95()[0], 1e-12);
    assertEquals(7, b.mean()[1], 0, "one run: its mean is drawn");
    assertTrue(Double.isNaN(b.ci95()[1]), "one run: no band");
    assertEquals(5.5, b.mean()[2], 1e-12);
    // {5, 6}: s = sqrt(0.5), n = 2: 12.7062 · 0.70711 / 1.41421 = 6.35310.
    assertEquals(6.353102, b.ci95()[2], 1e-6);
    assertEquals(5.5 - 6.353102, b.lower(2), 1e-6);
    assertEquals(5.5 + 6.353102, b.upper(2), 1e-6);
    assertTrue(Double.isNaN(b.mean()[3]), "no run has a value");
    assertTrue(b.hasValues());
    assertArrayEquals(new double[] {1, NAN, 5, NAN}, b.perRun()[0]);
  }

  @Test
  void aRunCountsOnceInABinByItsMeanThere() {
    // Two bins (0 and 10); run 0 has three values in the first, run 1 one; different x per run.
    Grid g = Grid.between(0, 10, 2);
    Band b = CurveBands.bin(g, List.of(new double[] {0, 1, 2, 9}, new double[] {3, 10, NAN}),
        List.of(new double[] {1, 2, 3, 8}, new double[] {5, 9, 100}));
    assertArrayEquals(new double[] {2, 8}, b.perRun()[0]);
    assertArrayEquals(new double[] {5, 9}, b.perRun()[1], "a row without x is left out");
    assertArrayEquals(new int[] {2, 2}, b.runs());
    assertEquals(3.5, b.mean()[0], 1e-12, "the mean of the runs' means, not of the 4 values");
    assertEquals(CurveBands.ci95(new double[] {2, 5}), b.ci95()[0], 1e-12);
    Band none = CurveBands.bin(g, List.of(new double[] {1}), List.of(new double[] {NAN}));
    assertFalse(none.hasValues());
    assertThrows(IllegalArgumentException.class,
        () -> CurveBands.bin(g, List.of(new double[] {1, 2}), List.of(new double[] {1})));
  }
}
