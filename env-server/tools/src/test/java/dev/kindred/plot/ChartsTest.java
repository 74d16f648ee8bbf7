package dev.kindred.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.plot.Charts.Points;
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
import org.knowm.xchart.style.Styler.LegendPosition;

class ChartsTest {

  @Test
  void finiteKeepsThePointsWithValues() {
    double nan = Double.NaN;
    Points p = Points.finite(new double[] {1, 2, 3, 4, 5}, new double[] {nan, 20, nan, Double.POSITIVE_INFINITY, 50},
        new double[] {1, nan, 3, 4, 5});
    assertArrayEquals(new double[] {2, 5}, p.x());
    assertArrayEquals(new double[] {20, 50}, p.y());
    assertArrayEquals(new double[] {0, 5}, p.err(), "an unknown error draws no bar");
    assertNull(Points.finite(new double[] {1}, new double[] {1}).err());
    assertThrows(IllegalArgumentException.class, () -> Points.finite(new double[] {1, 2}, new double[] {1}));
  }

  @Test
  void writesPanelsSideBySide(@TempDir Path dir) throws Exception {
    XYChart a = Charts.panel(300, 200, "a", "x", "y", LegendPosition.InsideNE);
    Charts.line(a, "up", Points.finite(new double[] {0, 1}, new double[] {0, 1}), Charts.BLUE, true);
    XYChart b = Charts.panel(300, 200, "b", "x", "y", LegendPosition.InsideNE);
    Charts.range(b, 0, 2, -1, 1);
    Charts.points(b, "measured", Points.finite(new double[] {0.5, 1.5}, new double[] {0, 0.5}, new double[] {0.1, 0.2}),
        Charts.RED);
    Charts.verticalLine(b, 1, "mark");
    Path png = dir.resolve("sub/plot.png");
    Charts.writePng(png, List.of(a, b));
    Charts.writePng(png, List.of(a, b)); // replaces it
    if (Files.getFileAttributeView(png, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
      assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(png)), "readable by all, as a picture (not a temporary file's 0600)");
    }
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(600, img.getWidth());
    assertEquals(200, img.getHeight());
    try (var files = Files.list(png.getParent())) {
      assertEquals(List.of(png), files.toList(), "no temporary file left behind");
    }
    assertThrows(IllegalArgumentException.class, () -> Charts.writePng(png, List.of()));
  }

  @Test
  void bandBreaksWhereABoundIsMissing(@TempDir Path dir) throws Exception {
    double nan = Double.NaN;
    XYChart chart = Charts.panel(300, 200, "band", "x", "y", LegendPosition.InsideNW);
    double[] x = {1, 2, 3, 4, 5, 6};
    List<XYSeries> band = Charts.band(chart, "95%", x, new double[] {0, 1, 2, nan, 4, nan},
        new double[] {2, 3, 4, nan, 6, 7}, Charts.BLUE, 0.25);
    assertEquals(2, band.size(), "points 1-3, then 5 alone (6 lacks its lower bound)");
    XYSeries first = band.get(0);
    assertEquals(XYSeriesRenderStyle.PolygonArea, first.getXYSeriesRenderStyle().orElseThrow());
    assertArrayEquals(new double[] {1, 2, 3, 3, 2, 1}, first.getXData(), "out along the top, back along the bottom");
    assertArrayEquals(new double[] {2, 3, 4, 2, 1, 0}, first.getYData());
    assertTrue(first.isShowInLegend());
    assertEquals(Charts.BAND_ALPHA, first.getFillColor().getAlpha());
    XYSeries alone = band.get(1);
    assertArrayEquals(new double[] {4.75, 5.25, 5.25, 4.75}, alone.getXData(), "a box around the lone point");
    assertArrayEquals(new double[] {6, 6, 4, 4}, alone.getYData());
    assertFalse(alone.isShowInLegend(), "one legend entry for the band");
    assertTrue(Charts.band(chart, "none", new double[] {1}, new double[] {nan}, new double[] {1}, Charts.RED, 1)
        .isEmpty());
    assertThrows(IllegalArgumentException.class,
        () -> Charts.band(chart, "bad", x, new double[] {1}, new double[] {1}, Charts.RED, 1));
    Charts.line(chart, "mean", Points.finite(x, new double[] {1, 2, 3, nan, 5, 6}), Charts.BLUE, true);
    Path png = dir.resolve("band.png");
    Charts.writePng(png, List.of(chart));
    assertEquals(300, ImageIO.read(png.toFile()).getWidth());
  }
}
