package dev.kindred.bench;

import dev.kindred.env.spin.theory.IsingExact;
import dev.kindred.plot.Charts;
import dev.kindred.plot.Charts.Points;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * {@code kindred spin measure}'s figure: two panels against temperature, the measured ⟨|m|⟩ with
 * Yang's exact spontaneous magnetisation and the measured ⟨E⟩/N with Onsager's exact energy,
 * measured points with their standard errors, and T_c marked.
 */
final class SpinMeasurePlot {
  private SpinMeasurePlot() {}

  static final int WIDTH = 820;
  static final int HEIGHT = 560;
  private static final String TEMPERATURE = "temperature T  (J = 1, k_B = 1)";

  /** Writes the two panels side by side into {@code png}. */
  static void write(List<SpinMeasure.Point> points, int size, int copies, Path png) throws IOException {
    Charts.writePng(png, panels(points, size, copies));
  }

  /** The magnetisation panel and the energy panel. */
  static List<XYChart> panels(List<SpinMeasure.Point> points, int size, int copies) {
    double lo = points.stream().mapToDouble(SpinMeasure.Point::t).min().orElseThrow();
    double hi = points.stream().mapToDouble(SpinMeasure.Point::t).max().orElseThrow();
    double pad = Math.max(0.02 * (hi - lo), 0.05);
    double x0 = Math.max(0.05, lo - pad);
    double x1 = hi + pad;
    double tc = IsingExact.criticalTemperature();
    double[] tx = exactGrid(x0, x1, tc);
    double[] yang = Arrays.stream(tx).map(IsingExact::spontaneousMagnetisation).toArray();
    double[] onsager = Arrays.stream(tx).map(IsingExact::energyPerSpin).toArray();
    double[] pt = points.stream().mapToDouble(SpinMeasure.Point::t).toArray();
    Points m = Points.finite(pt, points.stream().mapToDouble(SpinMeasure.Point::m).toArray(),
        points.stream().mapToDouble(SpinMeasure.Point::mErr).toArray());
    Points e = Points.finite(pt, points.stream().mapToDouble(SpinMeasure.Point::e).toArray(),
        points.stream().mapToDouble(SpinMeasure.Point::eErr).toArray());
    String measured = String.format(Locale.ROOT, "measured, L = %d (± s.e., %d copies)", size, copies);
    String tcLabel = String.format(Locale.ROOT, "T_c = %.3f", tc);

    XYChart magnetisation = panel("2-D Ising: magnetisation per spin", "⟨|m|⟩", LegendPosition.InsideNE,
        x0, x1, -0.03, 1.05);
    Charts.line(magnetisation, "Yang, exact (L = ∞)", Points.finite(tx, yang), Charts.BLUE, false);
    Charts.points(magnetisation, measured, m, Charts.RED);
    Charts.verticalLine(magnetisation, tc, tcLabel);

    // The energy axis: from just below the ground state to above the highest point or curve.
    double eHi = -2.0;
    for (int i = 0; i < e.size(); i++) {
      eHi = Math.max(eHi, e.y()[i] + e.err()[i]);
    }
    eHi = Math.min(0.05, Math.max(eHi, Arrays.stream(onsager).filter(Double::isFinite).max().orElse(eHi)) + 0.08);
    XYChart energy = panel("2-D Ising: energy per spin", "⟨E⟩ / N", LegendPosition.InsideSE, x0, x1, -2.05, eHi);
    Charts.line(energy, "Onsager, exact (L = ∞)", Points.finite(tx, onsager), Charts.BLUE, false);
    Charts.points(energy, measured, e, Charts.RED);
    Charts.verticalLine(energy, tc, tcLabel);
    return List.of(magnetisation, energy);
  }

  /** A panel against temperature over fixed ranges, ticks labelled to one decimal. */
  private static XYChart panel(String title, String yLabel, LegendPosition legend, double x0, double x1, double y0,
      double y1) {
    XYChart chart = Charts.panel(WIDTH, HEIGHT, title, TEMPERATURE, yLabel, legend);
    Charts.range(chart, x0, x1, y0, y1);
    Charts.xTickDecimals(chart, 1);
    Charts.yTickDecimals(chart, 1);
    return chart;
  }

  /** A fine grid over [x0, x1] with T_c and a point just below it, so m's jump at T_c is vertical. */
  private static double[] exactGrid(double x0, double x1, double tc) {
    int n = 600;
    double[] grid = new double[n + 1];
    for (int i = 0; i <= n; i++) {
      grid[i] = x0 + (x1 - x0) * i / n;
    }
    if (tc > x0 && tc < x1) {
      grid = Arrays.copyOf(grid, n + 3);
      grid[n + 1] = tc * (1 - 1e-12);
      grid[n + 2] = tc;
      Arrays.sort(grid);
    }
    return grid;
  }
}
