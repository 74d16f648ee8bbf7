package dev.kindred.agents.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kindred.agents.ppo.Checkpoint;
import dev.kindred.build.BuildInfo;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --resume} continues a run: more steps, new parameters (it once failed on its first update). */
class ResumeTest {
  @Test
  void resumedRunTrainsOn(@TempDir Path dir) {
    Path run = dir.resolve("run");
    assertEquals(0, BadInputTest.run("train", "--config", BadInputTest.TINY, "--steps", "128", "--out",
        run.toString()).code());
    Checkpoint first = Checkpoint.read(run);
    // The build's stamp, not whatever git says in the directory the process starts in.
    assertEquals(BuildInfo.current().codeVersion(), first.codeVersion());
    assertEquals(0, BadInputTest.run("train", "--out", run.toString(), "--resume", "--steps", "320").code());
    Checkpoint second = Checkpoint.read(run);
    assertEquals(320, second.steps());
    assertEquals(first.updates() + 3, second.updates());
    assertFalse(Arrays.equals(first.parameters(), second.parameters()), "the resumed run did not change the policy");
  }
}
