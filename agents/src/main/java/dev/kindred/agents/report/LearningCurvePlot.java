package dev.kindred.agents.report;

import dev.kindred.plot.Charts;
import dev.kindred.plot.Charts.Points;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * {@code kindred train}'s learning curves ({@code curve.png}) from its {@code curve.csv}: reward
 * per step, episode reward and, in worlds that count them, hearts per episode, against
 * environment steps, one panel each.
 *
 * <p>Episode figures exist only for iterations in which episodes ended, so their columns have
 * gaps; each panel plots only the iterations that have a value, with a marker on every point
 * while there are few, so that no value goes undrawn.
 */
public final class LearningCurvePlot {
  private LearningCurvePlot() {}

  static final int WIDTH = 700;
  static final int HEIGHT = 450;
  static final String SERIES = "PPO";
  /** Up to this many points a series also gets markers (more would hide the line). */
  static final int MARKERS_UP_TO = 60;

  /** Draws {@code csv}'s curves into {@code png}; nothing while the CSV has no values yet. */
  public static void write(Path csv, Path png, String world) throws IOException {
    List<XYChart> panels = panels(Curve.read(csv), world);
    if (!panels.isEmpty()) {
      Charts.writePng(png, panels);
    }
  }

  /** One panel per column that has at least one value. */
  static List<XYChart> panels(Curve curve, String world) {
    List<XYChart> panels = new ArrayList<>();
    addPanel(panels, curve, "reward_per_step", world + ": reward per step", "mean reward per agent-step");
    addPanel(panels, curve, "mean_return", world + ": episode reward", "mean episode return");
    addPanel(panels, curve, "hearts_per_episode", world + ": hearts per episode", "hearts per agent-episode");
    return panels;
  }

  private static void addPanel(List<XYChart> panels, Curve curve, String column, String title, String yLabel) {
    double[] steps = curve.column("steps");
    double[] values = curve.column(column);
    if (steps == null || values == null) {
      return;
    }
    Points p = Points.finite(steps, values);
    if (p.size() == 0) {
      return;
    }
    XYChart chart = Charts.panel(WIDTH, HEIGHT, title, "environment steps", yLabel, LegendPosition.InsideNW);
    chart.getStyler().setLegendVisible(false); // one series, named by the title
    Charts.line(chart, SERIES, p, Charts.BLUE, p.size() <= MARKERS_UP_TO);
    panels.add(chart);
  }

  /** The columns of a learning-curve CSV by header name; an empty cell is NaN. */
  record Curve(Map<String, double[]> columns) {
    static Curve read(Path csv) throws IOException {
      return parse(Files.readAllLines(csv));
    }

    static Curve parse(List<String> lines) {
      Map<String, double[]> columns = new LinkedHashMap<>();
      if (lines.isEmpty()) {
        return new Curve(columns);
      }
      String[] header = lines.get(0).split(",", -1);
      int n = lines.size() - 1;
      for (String name : header) {
        columns.put(name, new double[n]);
      }
      for (int i = 0; i < n; i++) {
        String[] cells = lines.get(i + 1).split(",", -1);
        for (int c = 0; c < header.length; c++) {
          String cell = c < cells.length ? cells[c].strip() : "";
          columns.get(header[c])[i] = cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
        }
      }
      return new Curve(columns);
    }

    /** The column's values, or null when the CSV has no such column. */
    double[] column(String name) {
      return columns.get(name);
    }
  }
}
