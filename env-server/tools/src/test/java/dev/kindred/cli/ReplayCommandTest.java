package dev.kindred.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindred.env.Config;
import dev.kindred.env.PlainValues;
import dev.kindred.env.StepBatch;
import dev.kindred.env.World;
import dev.kindred.env.WorldBuffers;
import dev.kindred.env.WorldRegistry;
import dev.kindred.env.WorldType;
import dev.kindred.replay.RecordingWorld;
import dev.kindred.replay.ReplaySink;
import dev.kindred.replay.Seat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kindred replay info|verify}: the summary, the verdict, and exit codes for bad files. */
class ReplayCommandTest {

  /** Records 30 steps of energy.s3 (noops and moves) into dir; returns the file. */
  private static Path record(Path dir) {
    WorldType type = WorldRegistry.builtIn().get("energy.s3");
    Config cfg = type.schema().resolve(PlainValues.normalize(Map.of("max_steps", 30)));
    World inner = type.create(cfg, 1);
    ReplaySink.DirectorySink sink = ReplaySink.directory(dir);
    RecordingWorld w = new RecordingWorld(inner, cfg, sink, "test", RecordingWorld.EpisodeFilter.all());
    w.seats(List.of(Seat.all(5, Seat.Brain.builtin("walker"))));
    WorldBuffers io = new WorldBuffers(inner.spec(), 1, new boolean[inner.spec().observations().size()],
        new StepBatch(1, 5, List.of(), false));
    w.reset(0, 77, io);
    for (int t = 0; t < 30; t++) {
      for (int a = 0; a < 5; a++) {
        io.actions()[2 * a] = (t + a) % 3 == 0 ? 1 : 2;
        io.actions()[2 * a + 1] = t % 2;
      }
      w.step(0, io);
    }
    w.closeAll();
    return sink.written().values().iterator().next();
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void infoAndVerifyOfAGoodFile(@TempDir Path dir) {
    Path file = record(dir);
    Run info = run("replay", "info", file.toString());
    assertEquals(0, info.code(), info.err());
    assertTrue(info.out().contains("world        energy.s3 (energy), 5 agents"), info.out());
    assertTrue(info.out().contains("seed         77 (copy 0, episode 0)"), info.out());
    assertTrue(info.out().contains("steps        30, truncated"), info.out());
    assertTrue(info.out().contains("seat         walker: agents [0,1,2,3,4]: builtin walker"), info.out());
    Run verify = run("replay", "verify", file.toString());
    assertEquals(0, verify.code(), verify.err());
    assertTrue(verify.out().startsWith("verified: 30 steps reproduce exactly"), verify.out());
  }

  @Test
  void badFilesExitWithTwoAndNameTheFile(@TempDir Path dir) throws Exception {
    Path file = record(dir);
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.replay.jsonl.gz");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length - 40));
    Run r = run("replay", "verify", cut.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("kindred replay verify: " + cut + ": line "), r.err());
    Run missing = run("replay", "info", dir.resolve("nope.gz").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nope.gz: no such file"), missing.err());
  }
}
