package dev.kindred.agents.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCurveTest {
  static final double NAN = Double.NaN;

  static Path run(Path parent, String name, String csv, String checkpoint) throws Exception {
    Path dir = parent.resolve(name);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(RunCurve.CSV), csv);
    if (checkpoint != null) {
      Files.writeString(dir.resolve(RunCurve.CHECKPOINT), checkpoint);
    }
    return dir;
  }

  static String checkpoint(long seed, String extra) {
    return "{\"format\": \"kindred-checkpoint/2\", \"seed\": " + seed + ", \"config\": {\"world\": \"energy.room\", "
        + "\"seed\": " + seed + ", \"copies\": 16" + extra + "}}";
  }

  @Test
  void readsColumnsWithGapsAndTheCheckpoint(@TempDir Path dir) throws Exception {
    Path d = run(dir, "s1", "steps,seconds,mean_return,hearts_per_episode\n64,0.5,,\n128,1.0,2.5,0.75\n\n192,1.5\n",
        checkpoint(7, ""));
    RunCurve c = RunCurve.read(d);
    assertEquals(3, c.rows(), "a blank line is no row");
    assertArrayEquals(new double[] {64, 128, 192}, c.column("steps"));
    assertArrayEquals(new double[] {NAN, 2.5, NAN}, c.column("mean_return"), "empty and missing cells are NaN");
    assertTrue(c.hasValues("hearts_per_episode"));
    assertFalse(c.hasValues("entropy"));
    assertNull(c.column("entropy"));
    assertEquals(7L, c.seed());
    assertEquals("energy.room", c.world());
    assertNull(c.note());
  }

  @Test
  void secondsContinueAcrossAResume(@TempDir Path dir) throws Exception {
    // Resumed after the second row: the clock restarts from 0.
    Path d = run(dir, "r", "steps,seconds\n64,1\n128,2\n192,0.5\n256,1.5\n320,\n", null);
    RunCurve c = RunCurve.read(d);
    assertArrayEquals(new double[] {1, 2, 2.5, 3.5, NAN}, c.x("seconds"));
    assertArrayEquals(new double[] {64, 128, 192, 256, 320}, c.x("steps"));
    assertNull(c.seed());
    assertTrue(c.note().contains("no checkpoint.json"), c.note());
  }

  @Test
  void badInputSaysWhereAndWhat(@TempDir Path dir) throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunCurve.read(dir.resolve("no")));
    assertTrue(e.getMessage().contains("no such directory"), e.getMessage());
    Files.createDirectories(dir.resolve("empty"));
    e = assertThrows(IllegalArgumentException.class, () -> RunCurve.read(dir.resolve("empty")));
    assertTrue(e.getMessage().contains("no curve.csv"), e.getMessage());
    Path bad = run(dir, "bad", "steps,mean_return\n64,1\n128,abc\n", null);
    e = assertThrows(IllegalArgumentException.class, () -> RunCurve.read(bad));
    assertTrue(e.getMessage().contains("line 3, column mean_return: 'abc' is not a number"), e.getMessage());
    Path wide = run(dir, "wide", "steps,mean_return\n64,1,2\n", null);
    e = assertThrows(IllegalArgumentException.class, () -> RunCurve.read(wide));
    assertTrue(e.getMessage().contains("line 2: 3 cells"), e.getMessage());
    Path none = run(dir, "none", "", null);
    e = assertThrows(IllegalArgumentException.class, () -> RunCurve.read(none));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    // An unreadable checkpoint.json only costs the label.
    RunCurve c = RunCurve.read(run(dir, "cp", "steps\n1\n", "{not json"));
    assertNull(c.seed());
    assertTrue(c.note().contains("unreadable"), c.note());
  }

  @Test
  void differencesBetweenConfigurations(@TempDir Path dir) throws Exception {
    String csv = "steps\n64\n";
    RunCurve a = RunCurve.read(run(dir, "a", csv, checkpoint(1, "")));
    RunCurve b = RunCurve.read(run(dir, "b", csv, checkpoint(2, "")));
    RunCurve c = RunCurve.read(run(dir, "c", csv, checkpoint(3, ", \"learning_rate\": 0.001")));
    RunCurve unknown = RunCurve.read(run(dir, "d", csv, null));
    assertEquals(Set.of("seed"), RunCurve.differences(List.of(a, b, unknown)), "only the seed; d is unknown");
    assertEquals(Set.of("seed", "learning_rate"), RunCurve.differences(List.of(a, b, c)));
    assertEquals(Set.of(), RunCurve.differences(List.of(a, unknown)));
  }
}
