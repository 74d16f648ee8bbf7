package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kindred curves} end to end on small synthetic runs: the PNG has a panel per column with
 * values, the table and the JSON rows hold the hand-computable intervals, and bad input ends
 * with one line that says what was wrong.
 */
class CurvesCommandTest {
  static final int WIDTH = 760; // SeedCurvesPlot.WIDTH (package-private in report)
  static final int HEIGHT = 620;

  /**
   * A run of 12 iterations of 100 steps: reward per step {@code seed / 100} each iteration;
   * episodes end (returns, hearts) every 3rd iteration, hearts {@code i / 3 + seed - 2}, so that
   * over seeds 1, 2, 3 they are {@code i / 3 + {-1, 0, 1}}: mean {@code i / 3}, s = 1.
   */
  static Path run(Path parent, long seed, String configExtra) throws Exception {
    Path dir = parent.resolve("seed" + seed);
    Files.createDirectories(dir);
    List<String> lines = new ArrayList<>();
    lines.add(TrainCommand.CSV_HEADER);
    int columns = TrainCommand.CSV_HEADER.split(",").length;
    for (int i = 1; i <= 12; i++) {
      boolean ended = i % 3 == 0;
      String[] cells = new String[columns];
      java.util.Arrays.fill(cells, "");
      cells[0] = String.valueOf(100 * i);
      cells[1] = String.format(Locale.ROOT, "%.1f", 0.5 * i);
      cells[3] = ended ? "2" : "0";
      cells[4] = ended ? String.valueOf(10 * i + seed) : "";
      cells[5] = ended ? String.valueOf(i / 3 + seed - 2) : "";
      cells[6] = String.valueOf(seed / 100.0);
      cells[7] = "1.0";
      lines.add(String.join(",", cells));
    }
    Files.write(dir.resolve("curve.csv"), lines);
    Files.writeString(dir.resolve("checkpoint.json"), "{\"format\": \"kindred-checkpoint/2\", \"seed\": " + seed
        + ", \"steps\": 1200, \"config\": {\"world\": \"energy.room\", \"seed\": " + seed + ", \"copies\": 4"
        + configExtra + "}}");
    return dir;
  }

  static String[] args(Path dir, String... more) throws Exception {
    List<String> a = new ArrayList<>(List.of("curves"));
    for (long s = 1; s <= 3; s++) {
      a.add("--run");
      a.add(run(dir, s, "").toString());
    }
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  static int panels(Path png) throws Exception {
    BufferedImage img = ImageIO.read(png.toFile());
    assertEquals(HEIGHT, img.getHeight());
    assertEquals(0, img.getWidth() % WIDTH, "whole panels");
    return img.getWidth() / WIDTH;
  }

  @Test
  void threeSeedsInOnePng(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("curves.png");
    BadInputTest.Result r = BadInputTest.run(args(dir, "--out", png.toString(), "--reference",
        "scripted forager=7.19"));
    assertEquals(0, r.code(), r.err());
    assertEquals("", r.err());
    assertEquals(2, panels(png), "hearts (they have values) and reward per step");
    String out = r.out();
    assertTrue(out.contains("the runs differ only by their seed (1, 2, 3)"), out);
    assertTrue(out.contains("curves of 3 runs against environment steps: 12 bins, 100 apart"), out);
    // Hearts at step 300: {0, 1, 2}: mean 1, half-width t(0.975, 2) / sqrt(3) = 2.4841.
    assertTrue(out.contains("hearts_per_episode: mean over runs"), out);
    assertTrue(out.matches("(?s).*\\n +300 +1\\.0000 +2\\.4841 +3\\n.*"), out);
    assertTrue(out.matches("(?s).*\\n +1200 +4\\.0000 +2\\.4841 +3\\n.*"), out);
    String hearts = out.substring(out.indexOf("hearts_per_episode: mean"), out.indexOf("reward_per_step: mean"));
    assertEquals(4 + 2, hearts.strip().lines().count(),
        "title, header and the 4 bins in which episodes ended: " + hearts);
    // Reward per step {0.01, 0.02, 0.03}: mean 0.02, half-width 0.01 · 2.4841.
    assertTrue(out.matches("(?s).*\\n +100 +0\\.0200 +0\\.0248 +3\\n.*"), out);
    assertTrue(out.contains("plot: " + png + " (2 panels: hearts_per_episode, reward_per_step)"), out);
  }

  @Test
  void columnsAxisBinsAndJson(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("more.png");
    BadInputTest.Result r = BadInputTest.run(args(dir, "--out", png.toString(), "--column",
        "mean_return,reward_per_step", "--column", "entropy", "--x", "seconds", "--bins", "6", "--json",
        "--reference", "mean_return:best=130"));
    assertEquals(0, r.code(), r.err());
    assertEquals(3, panels(png));
    List<JsonObject> rows = r.out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    assertEquals(3, rows.stream().filter(o -> o.get("row").getAsString().equals("run")).count());
    assertEquals("seed 2", rows.get(1).get("label").getAsString());
    // Seconds 0.5 .. 6 in 6 bins (points 0.5, 1.6, 2.7, 3.8, 4.9, 6); returns at 1.5 s, 3 s, 4.5 s, 6 s fall in
    // bins 1, 2, 4 and 5; the per-iteration columns in all 6, two iterations each.
    List<JsonObject> returns = rows.stream().filter(o -> o.has("column")
        && o.get("column").getAsString().equals("mean_return")).toList();
    assertEquals(4, returns.size());
    JsonObject first = returns.get(0);
    assertEquals("seconds", first.get("x_axis").getAsString());
    assertEquals(1, first.get("bin").getAsInt());
    assertEquals(1.6, first.get("x").getAsDouble(), 1e-9);
    assertEquals(3, first.get("runs").getAsInt());
    assertEquals(32, first.get("mean").getAsDouble(), 1e-9, "{31, 32, 33} at iteration 3");
    assertEquals(2.484138, first.get("ci95").getAsDouble(), 1e-6);
    assertEquals(3, first.getAsJsonArray("values").size());
    assertEquals(4 + 6 + 6, rows.stream().filter(o -> o.has("column")).count(), "every bin of every column");
    assertTrue(r.err().contains("differ only by their seed"), r.err());
  }

  @Test
  void oneRunAndGapsInOneRun(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("one.png");
    BadInputTest.Result r = BadInputTest.run("curves", "--run", run(dir, 5, "").toString(), "--out", png.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(2, panels(png), "one run is drawn too, without a band");
    assertTrue(r.out().contains("one run: no interval"), r.out());
    assertTrue(r.out().matches("(?s).*\\n +300 +4\\.0000 +- +1\\n.*"), r.out());

    // A run whose episodes never ended and one from another configuration.
    Path quiet = dir.resolve("quiet");
    Files.createDirectories(quiet);
    Files.writeString(quiet.resolve("curve.csv"), TrainCommand.CSV_HEADER + "\n100,0.5,1,0,,,0.5,1\n");
    r = BadInputTest.run("curves", "--run", run(dir, 1, "").toString(), "--run", run(dir, 2, ", \"hidden\": 64")
        .toString(), "--run", quiet.toString(), "--out", dir.resolve("mixed.png").toString(), "--column",
        "hearts_per_episode,mean_return,intrinsic_reward");
    assertEquals(0, r.code(), r.err());
    assertEquals(2, panels(dir.resolve("mixed.png")), "no empty panel for intrinsic_reward");
    assertTrue(r.err().contains("intrinsic_reward has no value in any run yet; no panel for it"), r.err());
    assertTrue(r.out().contains("differ by more than their seed, in: hidden"), r.out());
    assertTrue(r.out().contains("quiet") && r.out().contains("no checkpoint.json yet"), r.out());
    assertTrue(r.out().contains("seed1 (seed 1)"), "labelled by directory when not only the seed differs");
  }

  @Test
  void badInput(@TempDir Path dir) throws Exception {
    Path png = dir.resolve("x.png");
    Path good = run(dir, 1, "");
    BadInputTest.Result r = BadInputTest.run("curves", "--out", png.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("kindred curves: give at least one run: --run DIR"), r.err());

    r = BadInputTest.run("curves", "--run", dir.resolve("missing").toString(), "--out", png.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("missing: no such directory"), r.err());

    Files.createDirectories(dir.resolve("nocsv"));
    r = BadInputTest.run("curves", "--run", dir.resolve("nocsv").toString(), "--out", png.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("nocsv: no curve.csv in it"), r.err());

    r = BadInputTest.run("curves", "--run", good.toString(), "--out", png.toString(), "--column", "hearts");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--column hearts: no such column") && r.err().contains("known: approx_kl, ")
        && r.err().contains("hearts_per_episode"), r.err());

    r = BadInputTest.run("curves", "--run", good.toString(), "--run", good.toString(), "--out", png.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("given twice"), r.err());

    for (String bad : new String[] {"forager", "=3", "forager=x", "forager=NaN"}) {
      r = BadInputTest.run("curves", "--run", good.toString(), "--out", png.toString(), "--reference", bad);
      assertEquals(2, r.code(), bad);
      assertTrue(r.err().contains("--reference " + bad + ": "), r.err());
    }
    r = BadInputTest.run("curves", "--run", good.toString(), "--out", png.toString(), "--bins", "0");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--bins must be at least 1"), r.err());
    r = BadInputTest.run("curves", "--run", good.toString(), "--out", png.toString(), "--x", "minutes");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("expected one of [steps, seconds]"), r.err());
    r = BadInputTest.run("curves", "--run", good.toString(), "--out", dir.resolve("x.svg").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("name a .png file"), r.err());
    r = BadInputTest.run("curves", "--run", good.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--out"), r.err());
    assertFalse(Files.exists(png), "nothing written on bad input");

    r = BadInputTest.run("curves", "--help");
    assertEquals(0, r.code());
    assertEquals("", r.err(), "the help text formats cleanly");
    assertTrue(r.out().contains("Usage: kindred curves") && r.out().contains("--reference"), r.out());
  }
}
