package dev.kindred.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindred.plot.Charts.Points;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
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
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(600, img.getWidth());
    assertEquals(200, img.getHeight());
    try (var files = Files.list(png.getParent())) {
      assertEquals(List.of(png), files.toList(), "no temporary file left behind");
    }
    assertThrows(IllegalArgumentException.class, () -> Charts.writePng(png, List.of()));
  }
}
