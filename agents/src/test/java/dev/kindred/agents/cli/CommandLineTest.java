package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.agents.ppo.TrainConfig;
import dev.kindred.cli.support.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agents' command lines: flags into configurations, repeated flags, no silent truncation, help. */
class CommandLineTest {

  @Test
  void aRepeatedFlagTakesItsLastValue(@TempDir Path dir) {
    // Flags.longValue once read "--steps 10 --steps 64" as the one value "10\0" + "64": a usage error.
    Path run = dir.resolve("run");
    BadInputTest.Result r = BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "10", "--steps", "64",
        "--out", run.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(64, Checkpoint.read(run).steps());
  }

  @Test
  void valuesBeyondAnIntAreRefusedNotTruncated(@TempDir Path dir) {
    // (int) 4294967297L == 1: train once silently ran with one copy, bench train with 0 iterations.
    Path run = dir.resolve("run");
    BadInputTest.Result r = BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "16", "--copies",
        "4294967297", "--out", run.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("kindred train: Invalid value for option '--copies': '4294967297' is out of range"),
        r.err());
    assertFalse(Files.exists(run));
    r = BadInputTest.run("bench", "train", "--runs", "1", "--memory-iterations", "0", "--iterations", "4294967296");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("kindred bench train: Invalid value for option '--iterations'"), r.err());
    r = BadInputTest.run("evaluate", "--checkpoint", dir.toString(), "--steps", "4294967297");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("'--steps'") && r.err().contains("out of range"), r.err());
  }

  @Test
  void progressLinesCarryAnEtaAndQuietKeepsTheFirstAndTheLast(@TempDir Path dir) {
    assertEquals("0s", TrainCommand.eta(0, 100));
    assertEquals("?", TrainCommand.eta(10, 0));
    assertEquals("42s", TrainCommand.eta(4200, 100));
    assertEquals("3m07s", TrainCommand.eta(18_700, 100));
    assertEquals("1h12m", TrainCommand.eta(432_000, 100));
    BadInputTest.Result loud = BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "256", "--out",
        dir.resolve("loud").toString());
    assertEquals(0, loud.code(), loud.err());
    long lines = loud.out().lines().filter(l -> l.startsWith("steps ")).count();
    assertTrue(lines > 2 && loud.out().contains(" ETA "), loud.out());
    BadInputTest.Result quiet = BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "256", "--out",
        dir.resolve("quiet").toString(), "--quiet");
    assertEquals(0, quiet.code(), quiet.err());
    assertEquals(2, quiet.out().lines().filter(l -> l.startsWith("steps ")).count(), quiet.out());
  }

  @Test
  void flagsOverrideTheConfigsInOrder() {
    TrainCommand c = Cli.parse(new TrainCommand(), "--config", "{\"copies\": 3, \"horizon\": 8}", "--config",
        "{\"copies\": 5, \"world\": \"energy.alone\"}", "--seed", "9", "--world-config", "{\"max_steps\": 7}",
        "--steps", "3_000_000_000");
    TrainConfig cfg = c.config(null);
    assertEquals(5, cfg.copies);
    assertEquals(8, cfg.horizon);
    assertEquals("energy.alone", cfg.world);
    assertEquals(9, cfg.seed);
    assertEquals(3_000_000_000L, cfg.steps);
    assertEquals(7L, cfg.worldConfig.get("max_steps"));
    assertEquals(4, Cli.parse(new TrainCommand(), "--config", "{\"copies\": 3}", "--copies", "4").config(null).copies);
  }

  @Test
  void badFlagsAndHelp(@TempDir Path dir) {
    BadInputTest.Result r = BadInputTest.run("train", "--stpes", "10");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("kindred train: unknown option '--stpes'") && r.err().contains("Did you mean: --steps?"),
        r.err());
    r = BadInputTest.run("train", "--config", BadInputTest.TINY, "--copies", "0", "--out", dir.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("'copies' must be a positive integer"), r.err());
    r = BadInputTest.run("evaluate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--checkpoint"), r.err());
    r = BadInputTest.run("trian");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Did you mean: kindred train?"), r.err());
    for (String[] help : new String[][] {{"train", "--help"}, {"evaluate", "--help"}, {"bench", "train", "--help"}}) {
      r = BadInputTest.run(help);
      assertEquals(0, r.code());
      assertTrue(r.out().contains("Usage: kindred " + String.join(" ", help).replace(" --help", "")), r.out());
    }
  }
}
