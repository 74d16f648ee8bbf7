package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.agents.ppo.Checkpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --init DIR}: a new run (another world, a fresh step count) that starts from another
 * run's parameters — with a learning rate of 0 they are still those parameters at its end — and
 * says so in its checkpoint; a different network or {@code --resume} beside it are refused.
 */
class InitTest {
  private static final String POOR = BadInputTest.ENERGY.replace("}", ", \"initial_energy\": [0], \"move_cost\": [0]}");

  @Test
  void aRunStartsFromAnotherRunsParametersInAnotherWorld(@TempDir Path dir) {
    Path first = dir.resolve("first");
    assertEquals(0, BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "64", "--out",
        first.toString()).code());
    Checkpoint a = Checkpoint.read(first);
    Path second = dir.resolve("second");
    assertEquals(0, BadInputTest.run("train", "--config", BadInputTest.TINY, "--config", "{\"learning_rate\": 0}",
        "--world-config", POOR, "--steps", "128", "--init", first.toString(), "--out", second.toString()).code());
    Checkpoint b = Checkpoint.read(second);
    assertEquals(128, b.steps(), "a new run: its own step count");
    assertArrayEquals(a.parameters(), b.parameters(), "with learning rate 0 the run ends with the parameters it started from");
    assertEquals(first + " (parameters sha256 " + Checkpoint.sha256(a.parameters()) + ")", b.config().get("init_from"));
    assertEquals(java.util.List.of(0.0), ((java.util.Map<?, ?>) b.config().get("world_config")).get("initial_energy"));
  }

  @Test
  void anotherNetworkOrResumeIsRefused(@TempDir Path dir) {
    Path first = dir.resolve("first");
    assertEquals(0, BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "64", "--out",
        first.toString()).code());
    BadInputTest.Result r = BadInputTest.run("train", "--config", BadInputTest.TINY, "--config", "{\"hidden\": 32}",
        "--init", first.toString(), "--out", dir.resolve("wider").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--init " + first + ": its network") && r.err().contains("hidden=16")
        && r.err().contains("hidden=32"), r.err());
    r = BadInputTest.run("train", "--init", first.toString(), "--resume", "--out", first.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--init starts a new run from another run's parameters and --resume continues this "
        + "one: pass one of them"), r.err());
  }
}
