package dev.kindred.agents.report;

import dev.kindred.plot.Charts;
import dev.kindred.plot.Charts.Points;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * {@code kindred evaluate}'s figure for spin worlds ({@code spin_rule.png}): the learned
 * P(up | neighbours) against the sum of the neighbours' spins, next to the active-inference
 * rule σ(2(ζ + γΣσ)).
 */
public final class SpinRulePlot {
  private SpinRulePlot() {}

  static final int WIDTH = 800;
  static final int HEIGHT = 520;

  /**
   * @param neighbourSum the sums of neighbour spins, ascending
   * @param learned      the policy's P(up) at each sum
   * @param rule         the active-inference P(up) at each sum
   */
  public static void write(Path png, double[] neighbourSum, double[] learned, double[] rule) throws IOException {
    Charts.writePng(png, List.of(chart(neighbourSum, learned, rule)));
  }

  static XYChart chart(double[] neighbourSum, double[] learned, double[] rule) {
    XYChart chart = Charts.panel(WIDTH, HEIGHT, "Learned spin policy vs active inference",
        "sum of neighbour spins Σσ", "P(up | neighbours)", LegendPosition.InsideNW);
    double lo = neighbourSum[0];
    double hi = neighbourSum[neighbourSum.length - 1];
    double pad = Math.max(0.25, 0.04 * (hi - lo));
    Charts.range(chart, lo - pad, hi + pad, 0, 1);
    Charts.yTickDecimals(chart, 1);
    Charts.line(chart, "PPO policy (trained on -surprise)", Points.finite(neighbourSum, learned), Charts.BLUE, true);
    Charts.dashedLine(chart, "σ(2(ζ + γΣσ))", Points.finite(neighbourSum, rule), Charts.RED);
    return chart;
  }
}
