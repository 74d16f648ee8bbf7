package dev.kindred.agents.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

class LearningCurvePlotTest {
  static final String HEADER = "steps,seconds,steps_per_s,episodes,mean_return,hearts_per_episode,"
      + "reward_per_step,entropy";

  /** 30 iterations of 64 steps; episodes end (returns, hearts) only every {@code k}-th. */
  static List<String> sparseCurve(int k) {
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    for (int i = 1; i <= 30; i++) {
      boolean ended = i % k == 0;
      lines.add(String.format(Locale.ROOT, "%d,%.1f,100,%d,%s,%s,%.4f,1.0", 64 * i, 0.1 * i, ended ? 2 : 0,
          ended ? String.valueOf(0.5 * i) : "", ended ? String.valueOf(i / 10.0) : "", 0.01 * i));
    }
    return lines;
  }

  private static XYSeries series(XYChart chart) {
    return chart.getSeries(LearningCurvePlot.SERIES);
  }

  @Test
  void everyPanelHoldsTheIterationsThatHaveValues() {
    int k = 7;
    List<XYChart> panels = LearningCurvePlot.panels(LearningCurvePlot.Curve.parse(sparseCurve(k)), "energy.room");
    assertEquals(3, panels.size(), "reward per step, episode reward, hearts");

    XYSeries perStep = series(panels.get(0));
    assertEquals(30, perStep.getXData().length);

    double[] steps = {64 * 7, 64 * 14, 64 * 21, 64 * 28};
    XYSeries episode = series(panels.get(1));
    assertArrayEquals(steps, episode.getXData());
    assertArrayEquals(new double[] {3.5, 7, 10.5, 14}, episode.getYData());
    XYSeries hearts = series(panels.get(2));
    assertArrayEquals(steps, hearts.getXData());
    assertArrayEquals(new double[] {0.7, 1.4, 2.1, 2.8}, hearts.getYData(), 1e-12);
    // Few points: each gets a marker, so even one alone between gaps is seen.
    assertNotEquals(SeriesMarkers.NONE, episode.getMarker());
  }

  @Test
  void aColumnWithoutValuesGetsNoPanel() {
    // Before any episode ends (and in worlds without hearts) only reward per step has values.
    List<XYChart> panels = LearningCurvePlot.panels(LearningCurvePlot.Curve.parse(sparseCurve(100)), "spin.lattice");
    assertEquals(1, panels.size());
    assertTrue(panels.get(0).getTitle().endsWith("reward per step"), panels.get(0).getTitle());
  }

  @Test
  void writesThePng(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("curve.csv");
    Files.write(csv, sparseCurve(7));
    Path png = dir.resolve("run/curve.png");
    LearningCurvePlot.write(csv, png, "energy.room");
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(3 * LearningCurvePlot.WIDTH, img.getWidth());
    assertEquals(LearningCurvePlot.HEIGHT, img.getHeight());
    try (var files = Files.list(png.getParent())) {
      assertEquals(List.of(png), files.toList(), "no temporary file left behind");
    }

    Path empty = dir.resolve("empty.csv");
    Files.writeString(empty, HEADER + "\n");
    LearningCurvePlot.write(empty, dir.resolve("none.png"), "energy.room");
    assertTrue(Files.notExists(dir.resolve("none.png")), "nothing to draw yet");
  }

  @Test
  void spinRulePlotHasBothCurves(@TempDir Path dir) throws Exception {
    double[] sums = {-4, -2, 0, 2, 4};
    double[] learned = {0.1, 0.3, 0.5, 0.7, 0.9};
    double[] rule = {0.05, 0.2, 0.5, 0.8, 0.95};
    XYChart chart = SpinRulePlot.chart(sums, learned, rule);
    assertEquals(2, chart.getSeriesCollection().size());
    chart.getSeriesCollection().forEach(s -> assertArrayEquals(sums, s.getXData()));
    Path png = dir.resolve("spin_rule.png");
    SpinRulePlot.write(png, sums, learned, rule);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(SpinRulePlot.WIDTH, img.getWidth());
    assertEquals(SpinRulePlot.HEIGHT, img.getHeight());
  }
}
