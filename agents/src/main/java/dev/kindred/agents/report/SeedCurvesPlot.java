package dev.kindred.agents.report;

import dev.kindred.plot.Charts;
import dev.kindred.plot.Charts.Points;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * {@code kindred curves}' figure: for each column one panel with each run's binned curve thin
 * and faint behind, the 95% interval over runs as a shaded band, the mean over runs thick in
 * front, and dashed horizontal reference lines, all named in the legend below the plot. Panels
 * side by side in one PNG.
 *
 * <p>Series names (what tests look up): {@code run 1}, {@code run 2}, ...; {@code band},
 * {@code band#2}, ... (one per stretch of bins with an interval); {@code mean};
 * {@code reference 1}, .... Their legend texts are their labels.
 */
public final class SeedCurvesPlot {
  private SeedCurvesPlot() {}

  static final int WIDTH = 760;
  static final int HEIGHT = 620;
  /** Up to this many points the mean also gets markers (more would hide the line). */
  static final int MARKERS_UP_TO = 60;
  static final Color RUN = new Color(0x1f, 0x77, 0xb4, 110); // Charts.BLUE, faint
  private static final Color[] REFERENCE_COLOURS = {Charts.RED, Charts.ORANGE, Charts.GREEN, new Color(0x9467bd),
      new Color(0x8c564b), new Color(0x7f7f7f)};

  /** A horizontal line at {@code value}, named in the legend ("scripted forager = 7.19"). */
  public record Reference(String name, double value) {
    public String label() {
      return name + " = " + format(value);
    }
  }

  /** One panel per entry, left to right, into {@code png}. */
  public static void write(Path png, List<XYChart> panels) throws IOException {
    Charts.writePng(png, panels);
  }

  /**
   * The panel of one column.
   *
   * @param xDecimals  at most this many decimals in the x tick labels (0 for steps: XChart puts the
   *                   ticks of an evenly spaced grid on its points, which need not be whole)
   * @param runLabels  one per run of {@code band}, in its order ("seed 1", or a directory)
   * @param references horizontal lines to draw across the panel
   */
  public static XYChart panel(String title, String xLabel, int xDecimals, String yLabel, CurveBands.Band band,
      List<String> runLabels, List<Reference> references) {
    if (runLabels.size() != band.perRun().length) {
      throw new IllegalArgumentException(runLabels.size() + " labels for " + band.perRun().length + " runs");
    }
    XYChart chart = Charts.panel(WIDTH, HEIGHT, title, xLabel, yLabel, LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(LegendLayout.Vertical); // one entry a line: long names never run off
    chart.getStyler().setXAxisDecimalPattern(xDecimals > 0 ? "#,##0." + "#".repeat(xDecimals) : "#,##0");
    double[] x = band.x();
    int runs = runLabels.size();

    // Behind: each run, thin and faint, one legend entry for all.
    boolean named = false;
    for (int r = 0; r < runs; r++) {
      Points p = Points.finite(x, band.perRun()[r]);
      if (p.size() == 0) {
        continue;
      }
      XYSeries s = Charts.line(chart, "run " + (r + 1), p, RUN, p.size() == 1);
      s.setLineStyle(SeriesLines.SOLID);
      s.setLineWidth(1f);
      s.setLabel("each run (" + runNames(runLabels) + ")");
      s.setShowInLegend(!named);
      named = true;
    }

    // The band where at least 2 runs have a value; bins that no run has are skipped over.
    int[] present = presentBins(band);
    double[] bx = new double[present.length];
    double[] lo = new double[present.length];
    double[] hi = new double[present.length];
    for (int i = 0; i < present.length; i++) {
      bx[i] = x[present[i]];
      lo[i] = band.lower(present[i]);
      hi[i] = band.upper(present[i]);
    }
    double halfBin = band.grid().bins() > 1 ? band.grid().spacing() / 2 : Math.max(1e-9, 0.02 * Math.abs(x[0]));
    List<XYSeries> polygons = Charts.band(chart, "band", bx, lo, hi, Charts.BLUE, halfBin);
    if (!polygons.isEmpty()) {
      polygons.get(0).setLabel("95% interval over runs (Student t)");
    }

    // In front: the mean over runs.
    Points mean = Points.finite(x, band.mean());
    if (mean.size() > 0) {
      XYSeries m = Charts.line(chart, "mean", mean, Charts.BLUE, mean.size() <= MARKERS_UP_TO);
      m.setLineStyle(SeriesLines.SOLID);
      m.setLineWidth(3f);
      m.setLabel("mean of " + runs + (runs == 1 ? " run" : " runs"));
    }

    double x0 = x[0];
    double x1 = x[x.length - 1];
    if (x0 == x1) {
      x0 -= halfBin;
      x1 += halfBin;
    }
    // Half a bin of margin at each end. It also keeps XChart from putting the ticks on the grid's
    // points (it does so for evenly spaced values, with labels such as 969 and 1,874).
    chart.getStyler().setXAxisMin(x[0] - halfBin);
    chart.getStyler().setXAxisMax(x[x.length - 1] + halfBin);
    for (int i = 0; i < references.size(); i++) {
      Reference ref = references.get(i);
      XYSeries s = Charts.dashedLine(chart, "reference " + (i + 1),
          new Points(new double[] {x0, x1}, new double[] {ref.value(), ref.value()}, null),
          REFERENCE_COLOURS[i % REFERENCE_COLOURS.length]);
      s.setLabel(ref.label());
    }
    return chart;
  }

  /** The bins in which any run has a value. */
  static int[] presentBins(CurveBands.Band band) {
    return java.util.stream.IntStream.range(0, band.runs().length).filter(k -> band.runs()[k] > 0).toArray();
  }

  /** "seed 1, 2, 3" when every label is a seed; else the labels; shortened past a few. */
  static String runNames(List<String> labels) {
    boolean seeds = labels.stream().allMatch(l -> l.matches("seed -?[0-9]+"));
    List<String> names = seeds ? labels.stream().map(l -> l.substring(5)).toList() : labels;
    String joined = (seeds ? "seed " : "") + String.join(", ", names);
    return joined.length() <= 40 ? joined : labels.size() + " runs";
  }

  /** A column's panel title and y-axis label, as in {@link LearningCurvePlot} for its columns. */
  public static String[] titleAndYLabel(String column) {
    return switch (column) {
      case "reward_per_step" -> new String[] {"reward per step", "mean reward per agent-step"};
      case "mean_return" -> new String[] {"episode reward", "mean episode return"};
      case "hearts_per_episode" -> new String[] {"hearts per episode", "hearts per agent-episode"};
      default -> new String[] {column.replace('_', ' '), column};
    };
  }

  /** As written: 7.19, 8 (not 8.0). */
  static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : Double.toString(v);
  }
}
