package dev.kindred.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinePlotTest {

  @Test
  void writesPngOfRequestedSizeWithTheLineDrawn(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sub/plot.png");
    double[] x = {0, 1, 2, 3, 4};
    double[] y = {0, 1, 4, 9, 16};
    new LinePlot(640, 480).title("Squares").xLabel("x").yLabel("x²")
        .line("y = x²", x, y, Color.RED)
        .points("samples", x, y, new double[] {0.5, 0.5, 1, 1, 2}, Color.BLUE)
        .verticalLine(2.5, "mark")
        .write(file);

    byte[] bytes = Files.readAllBytes(file);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
    BufferedImage img = ImageIO.read(file.toFile());
    assertEquals(640, img.getWidth());
    assertEquals(480, img.getHeight());

    int background = img.getRGB(1, 1) & 0xffffff;
    assertEquals(0xffffff, background);
    int reddish = 0;
    int bluish = 0;
    int nonWhite = 0;
    for (int py = 0; py < img.getHeight(); py++) {
      for (int px = 0; px < img.getWidth(); px++) {
        int rgb = img.getRGB(px, py) & 0xffffff;
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        if (rgb != background) {
          nonWhite++;
        }
        if (r > 200 && g < 80 && b < 80) {
          reddish++;
        }
        if (b > 200 && r < 80 && g < 80) {
          bluish++;
        }
      }
    }
    assertTrue(reddish > 200, "the red line is drawn: " + reddish + " red pixels");
    assertTrue(bluish > 50, "the blue markers are drawn: " + bluish + " blue pixels");
    assertTrue(nonWhite < img.getWidth() * img.getHeight() / 2, "mostly background");
  }

  @Test
  void gridPutsPanelsSideBySide(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("grid.png");
    LinePlot a = new LinePlot(300, 200).line("a", new double[] {0, 1}, new double[] {0, 1});
    LinePlot b = new LinePlot(300, 200).line("b", new double[] {0, 1}, new double[] {1, 0});
    LinePlot.writeGrid(file, 2, a, b);
    BufferedImage img = ImageIO.read(file.toFile());
    assertEquals(600, img.getWidth());
    assertEquals(200, img.getHeight());
  }

  @Test
  void handlesDegenerateData() {
    // Empty, constant, NaN: renders without throwing.
    new LinePlot(200, 150).render();
    new LinePlot(200, 150).line("c", new double[] {1, 2}, new double[] {3, 3}).render();
    new LinePlot(200, 150).line("n", new double[] {1, 2, 3}, new double[] {1, Double.NaN, 2}).render();
    assertThrows(IllegalArgumentException.class,
        () -> new LinePlot(200, 150).line("bad", new double[] {1, 2}, new double[] {1}));
    assertThrows(IllegalArgumentException.class, () -> new LinePlot(200, 150).xRange(1, 1));
  }

  @Test
  void ticksAreNiceNumbers() {
    LinePlot.Ticks t = LinePlot.Ticks.of(1.43, 3.57, 6);
    assertEquals(1.5, t.values[0], 1e-12);
    assertEquals("1.5", t.format(t.values[0]));
    LinePlot.Ticks u = LinePlot.Ticks.of(-2.05, -0.2, 6);
    assertEquals("-2.0", u.format(-2.0));
    assertEquals("0.25", LinePlot.Ticks.of(0, 1.4, 6).format(0.25));
    assertEquals(-2.0, u.values[0], 1e-12);
  }
}
