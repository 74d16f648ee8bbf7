package dev.kindred.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.cli.support.Cli;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpinMeasureTest {

  @Test
  void tinySweepWritesTableAndPng(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("m.png");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        "--size", "8", "--temperatures", "1.5,2.5,3.5", "--copies", "2", "--burn-in", "20", "--steps", "20",
        "--out", png.toString());
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(table.contains("Yang m") && table.contains("Onsager u"), table);
    for (String t : List.of("1.5000", "2.5000", "3.5000")) {
      assertTrue(table.lines().anyMatch(l -> l.trim().startsWith(t)), "row for T=" + t + " in\n" + table);
    }
    // At T = 1.5 an 8x8 lattice started up stays ordered: |m| near Yang's 0.9865, E near -1.95.
    String low = table.lines().filter(l -> l.trim().startsWith("1.5000")).findFirst().orElseThrow();
    String[] cols = low.trim().split("\\s+");
    assertTrue(Double.parseDouble(cols[1]) > 0.9, low);
    assertTrue(Double.parseDouble(cols[4]) < -1.8, low);

    assertTrue(Files.size(png) > 1000);
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(1640, img.getWidth());
    assertEquals(560, img.getHeight());
  }

  @Test
  void jsonRowsAndBadFlags(@TempDir Path dir) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
        "--size", "4", "--temperatures", "2.0", "--copies", "1", "--burn-in", "0", "--steps", "5", "--no-plot",
        "--json");
    assertEquals(0, code);
    String json = out.toString(StandardCharsets.UTF_8).trim();
    assertEquals(1, json.lines().count(), json);
    var row = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
    assertEquals(2.0, row.get("t").getAsDouble(), 0.0);
    assertTrue(row.get("abs_m").getAsDouble() >= 0 && row.get("abs_m").getAsDouble() <= 1);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    assertEquals(2, run(System.out, quiet, "--t-min", "-1"));
    assertEquals(2, run(System.out, quiet, "--burn-in", "-1"));
    assertEquals(2, run(System.out, quiet, "--schedule", "sideways"));
  }

  @Test
  void temperatures() {
    assertEquals(17, Cli.parse(new SpinMeasure()).settings().temperatures.length);
    double[] ts = Cli.parse(new SpinMeasure(), "--t-min", "1", "--t-max", "2", "--points", "3").settings().temperatures;
    assertEquals(List.of(1.0, 1.5, 2.0), java.util.Arrays.stream(ts).boxed().toList());
    ts = Cli.parse(new SpinMeasure(), "--temperatures", "2.5,1.25", "--points", "9").settings().temperatures;
    assertEquals(List.of(2.5, 1.25), java.util.Arrays.stream(ts).boxed().toList());
  }

  private static int run(PrintStream out, PrintStream err, String... args) {
    return Cli.execute(Cli.commandLine(new SpinMeasure()), out, err, args);
  }
}
