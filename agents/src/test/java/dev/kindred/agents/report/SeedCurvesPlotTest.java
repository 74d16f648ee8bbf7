package dev.kindred.agents.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.report.CurveBands.Band;
import dev.kindred.agents.report.CurveBands.Grid;
import dev.kindred.agents.report.SeedCurvesPlot.Reference;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;

class SeedCurvesPlotTest {
  static final double NAN = Double.NaN;

  /** Three runs on points 1..6; bin 3 has one run only, bin 4 none, bin 6 one. */
  static Band gappyBand() {
    double[] x = {1, 2, 3, 4, 5, 6};
    return CurveBands.bin(Grid.between(1, 6, 6), List.of(x, x, x), List.of(
        new double[] {1, 2, 3, NAN, 5, 6},
        new double[] {2, 3, NAN, NAN, 6, NAN},
        new double[] {3, 4, NAN, NAN, 7, NAN}));
  }

  static XYSeries series(XYChart chart, String name) {
    return chart.getSeries(name);
  }

  @Test
  void panelHasRunsBandMeanAndReferences() {
    Band b = gappyBand();
    XYChart chart = SeedCurvesPlot.panel("energy.room: hearts per episode", "environment steps", 0,
        "hearts per agent-episode", b, List.of("seed 1", "seed 2", "seed 3"),
        List.of(new Reference("scripted forager", 7.19), new Reference("random", 0.4)));

    // Each run, faint behind, one legend entry for all of them.
    for (int r = 1; r <= 3; r++) {
      XYSeries run = series(chart, "run " + r);
      assertEquals(1f, run.getLineWidth());
      assertEquals(SeedCurvesPlot.RUN, run.getLineColor());
      assertEquals(r == 1, run.isShowInLegend());
    }
    assertEquals("each run (seed 1, 2, 3)", series(chart, "run 1").getLabel());
    assertArrayEquals(new double[] {1, 2, 3, 5, 6}, series(chart, "run 1").getXData(), "only its values");

    // The mean joins every bin with a value, the one-run bins included; the empty bin 4 is skipped.
    XYSeries mean = series(chart, "mean");
    assertArrayEquals(new double[] {1, 2, 3, 5, 6}, mean.getXData());
    assertArrayEquals(new double[] {2, 3, 3, 6, 6}, mean.getYData(), 1e-12);
    assertEquals(3f, mean.getLineWidth());
    assertEquals("mean of 3 runs", mean.getLabel());

    // The band breaks at bin 3 (one run): points 1-2, then 5 alone (bin 6 has one run again).
    XYSeries band = series(chart, "band");
    assertEquals(XYSeriesRenderStyle.PolygonArea, band.getXYSeriesRenderStyle().orElseThrow());
    double h = CurveBands.t975(2) / Math.sqrt(3); // s = 1 in bins 1, 2 and 5
    assertArrayEquals(new double[] {1, 2, 2, 1}, band.getXData());
    assertArrayEquals(new double[] {2 + h, 3 + h, 3 - h, 2 - h}, band.getYData(), 1e-12);
    assertTrue(band.isShowInLegend());
    XYSeries lone = series(chart, "band#2");
    assertArrayEquals(new double[] {4.5, 5.5, 5.5, 4.5}, lone.getXData(), "a lone bin: a box one bin wide");
    assertFalse(lone.isShowInLegend());
    assertNull(series(chart, "band#3"));

    XYSeries forager = series(chart, "reference 1");
    assertArrayEquals(new double[] {1, 6}, forager.getXData(), "across the panel");
    assertArrayEquals(new double[] {7.19, 7.19}, forager.getYData());
    assertEquals("scripted forager = 7.19", forager.getLabel());
    assertEquals("random = 0.4", series(chart, "reference 2").getLabel());
    assertEquals("#,##0", chart.getStyler().getXAxisDecimalPattern(), "whole steps on the x axis");
    assertEquals(0.5, chart.getStyler().getXAxisMin(), 1e-12, "half a bin of margin");
    assertEquals(6.5, chart.getStyler().getXAxisMax(), 1e-12);
    assertEquals(3 + 2 + 1 + 2, chart.getSeriesCollection().size(), "runs, band, mean, references");
  }

  @Test
  void oneRunHasNoBandButItsCurve() {
    double[] x = {1, 2, 3};
    Band b = CurveBands.bin(Grid.between(1, 3, 3), List.of(x), List.of(new double[] {1, NAN, 3}));
    XYChart chart = SeedCurvesPlot.panel("t", "x", 0, "y", b, List.of("seed 4"), List.of());
    assertNull(series(chart, "band"));
    assertArrayEquals(new double[] {1, 3}, series(chart, "mean").getYData());
    assertEquals("mean of 1 run", series(chart, "mean").getLabel());
    assertThrows(IllegalArgumentException.class, () -> SeedCurvesPlot.panel("t", "x", 0, "y", b, List.of(), List.of()));
  }

  @Test
  void writesOnePanelPerChart(@TempDir Path dir) throws Exception {
    Band b = gappyBand();
    List<String> labels = List.of("a", "b", "c");
    List<XYChart> panels = List.of(SeedCurvesPlot.panel("one", "x", 2, "y", b, labels, List.of()),
        SeedCurvesPlot.panel("two", "x", 2, "y", b, labels, List.of(new Reference("r", 2))));
    Path png = dir.resolve("out/curves.png");
    SeedCurvesPlot.write(png, panels);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(2 * SeedCurvesPlot.WIDTH, img.getWidth());
    assertEquals(SeedCurvesPlot.HEIGHT, img.getHeight());
    try (var files = Files.list(png.getParent())) {
      assertEquals(List.of(png), files.toList(), "no temporary file left behind");
    }
  }

  @Test
  void labelsAndNumbers() {
    assertEquals("seed 1, 2, 3", SeedCurvesPlot.runNames(List.of("seed 1", "seed 2", "seed 3")));
    assertEquals("a (seed 1), b", SeedCurvesPlot.runNames(List.of("a (seed 1)", "b")));
    assertEquals("9 runs", SeedCurvesPlot.runNames(List.of("long-directory-1", "long-directory-2", "long-directory-3",
        "d4", "d5", "d6", "d7", "d8", "d9")));
    assertEquals("7.19", SeedCurvesPlot.format(7.19));
    assertEquals("8", SeedCurvesPlot.format(8.0));
    assertEquals("hearts per episode", SeedCurvesPlot.titleAndYLabel("hearts_per_episode")[0]);
    assertEquals("policy loss", SeedCurvesPlot.titleAndYLabel("policy_loss")[0]);
  }
}
