package dev.kindred.agents.suite;

import dev.kindred.agents.BatchPolicy;
import dev.kindred.agents.cli.Envs;
import dev.kindred.env.StepBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test helpers: test files written on the fly, played in process. */
final class SuiteKit {
  private SuiteKit() {}

  static final TestWorld.Opener IN_PROCESS = (world, config, copies, seed) -> Envs.open(null, world, config, copies,
      seed);
  static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** Writes {@code json} (single quotes for double) to {@code dir/name.json}. */
  static Path file(Path dir, String name, String json) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve(name + ".json");
    Files.writeString(p, json.replace('\'', '"'), StandardCharsets.UTF_8);
    return p;
  }

  /** Plays a brain on one test file, in process. */
  static TestWorld.Result play(Path file, Brain brain, int copies, long seed) {
    TestFile t = TestFile.read(file);
    try (TestWorld w = TestWorld.open(t, IN_PROCESS, t.episodes(), copies, seed)) {
      return w.play(brain, n -> { });
    }
  }

  /** A brain playing the same script in every focal seat. */
  static Brain script(String... entries) {
    return Brain.of("script", (spec, seed) -> new ScriptPolicy(spec, List.of(entries)));
  }

  /** A brain that sends {@code first} at the first step of each episode, then noop. */
  static Brain once(String first) {
    return Brain.of("once " + first, (spec, seed) -> new BatchPolicy() {
      final ScriptPolicy start = new ScriptPolicy(spec, List.of(first));
      final ScriptPolicy rest = new ScriptPolicy(spec, List.of("noop"));
      final boolean[] begun = new boolean[spec.copies()];

      @Override
      public void act(StepBatch b, int[] actions) {
        int dims = spec.actionDimensions();
        int[] tmp = new int[actions.length];
        rest.act(b, actions);
        start.act(b, tmp);
        for (int c = 0; c < b.copies(); c++) {
          if (b.resetMask()[c] != 0) {
            begun[c] = false;
          }
          if (!begun[c]) {
            int n = b.agents() * dims;
            System.arraycopy(tmp, c * n, actions, c * n, n);
            begun[c] = true;
          }
        }
      }
    });
  }

}
