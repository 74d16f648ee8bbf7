package dev.kindred.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Verification re-simulates exactly, and every kind of damage is found and named. */
class ReplayVerifyTest {
  private static final Map<String, Object> S3 = Map.of("max_steps", 300);

  @Test
  void anUntouchedEnergyReplayVerifies() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 300);
    ReplayVerifier.Result r = ReplayVerifier.verify(ReplayReader.read("ok", rec.file()));
    assertTrue(r.ok(), r.divergence());
    assertEquals(300, r.steps());
  }

  @Test
  void anUntouchedSpinReplayVerifies() {
    Map<String, Object> cfg = Map.of("width", 8, "height", 8, "controlled", List.of(1, 9), "max_steps", 200);
    ReplayKit.Recorded rec = ReplayKit.record("spin.lattice", cfg, 3, 200);
    ReplayVerifier.Result r = ReplayVerifier.verify(ReplayReader.read("spin", rec.file()));
    assertTrue(r.ok(), r.divergence());
    assertEquals(200, r.steps());
  }

  @Test
  void anEpisodeCutShortVerifies() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 5, 40);
    Replay replay = ReplayReader.read("cut", rec.file());
    assertFalse(replay.end().get("truncated").getAsBoolean());
    ReplayVerifier.Result r = ReplayVerifier.verify(replay);
    assertTrue(r.ok(), r.divergence());
    assertEquals(40, r.steps());
  }

  @Test
  void oneChangedActionIsFoundAtItsStep() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 300);
    List<String> lines = ReplayKit.lines(rec.file());
    // The first successful move after step 50: replaced by a noop, the agent stays where it was.
    int changed = -1;
    int agent = -1;
    for (int t = 50; t < 300 && changed < 0; t++) {
      int[] a = rec.actions().get(t - 1);
      for (int i = 0; i < rec.success().get(t - 1).length; i++) {
        if (a[2 * i] == 1 && rec.success().get(t - 1)[i] == 1) {
          changed = t;
          agent = i;
          break;
        }
      }
    }
    assertTrue(changed > 0, "random play moves somebody");
    JsonObject step = JsonParser.parseString(lines.get(changed)).getAsJsonObject();
    JsonArray actions = step.getAsJsonArray("actions");
    actions.set(2 * agent, new com.google.gson.JsonPrimitive(0));
    actions.set(2 * agent + 1, new com.google.gson.JsonPrimitive(0));
    lines.set(changed, step.toString());
    byte[] edited = ReplayKit.rehash(lines.subList(0, lines.size() - 1));
    ReplayVerifier.Result r = ReplayVerifier.verify(ReplayReader.read("edited", edited));
    assertFalse(r.ok());
    assertTrue(r.divergence().startsWith("step " + changed + ": agent " + agent + " "), r.divergence());
    assertEquals(changed - 1, r.steps());
  }

  @Test
  void aWrongHashIsRefusedOnTheTrailerLine() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 20);
    List<String> lines = ReplayKit.lines(rec.file());
    // Change a reward without re-hashing.
    lines.set(5, lines.get(5).replace("\"t\":5", "\"t\":5 "));
    ReplayException e = assertThrows(ReplayException.class, () -> ReplayReader.read("bad.replay.jsonl.gz",
        ReplayKit.gzip(lines)));
    assertEquals(lines.size(), e.line());
    assertTrue(e.getMessage().startsWith("bad.replay.jsonl.gz: line " + lines.size() + ": content_sha256 is "),
        e.getMessage());
  }

  @Test
  void aTruncatedFileIsRefusedAsTruncated() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 300);
    byte[] cut = Arrays.copyOf(rec.file(), rec.file().length / 2);
    ReplayException e = assertThrows(ReplayException.class, () -> ReplayReader.read("cut.gz", cut));
    assertTrue(e.getMessage().startsWith("cut.gz: line "), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    assertTrue(e.line() > 1, "names the line where it broke: " + e.getMessage());
  }

  @Test
  void aFileWithoutItsTrailerIsRefusedAsTruncated() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 30);
    List<String> lines = ReplayKit.lines(rec.file());
    List<String> noTrailer = lines.subList(0, lines.size() - 1);
    ReplayException e = assertThrows(ReplayException.class, () -> ReplayReader.read("x", ReplayKit.gzip(noTrailer)));
    assertTrue(e.getMessage().contains("without its content_sha256 trailer"), e.getMessage());
  }

  @Test
  void aNewerVersionIsRefusedNamingBothVersions() {
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 10);
    List<String> lines = ReplayKit.lines(rec.file());
    lines.set(0, lines.get(0).replace("\"format_version\":1", "\"format_version\":2"));
    byte[] newer = ReplayKit.rehash(lines.subList(0, lines.size() - 1));
    ReplayException e = assertThrows(ReplayException.class, () -> ReplayReader.read("new", newer));
    assertEquals("new: line 1: format_version 2 is newer than this reader knows (1); read it with a newer Kindred",
        e.getMessage());
  }

  @Test
  void notGzipAndNotJsonAreNamed() {
    ReplayException notGzip = assertThrows(ReplayException.class, () -> ReplayReader.read("a.txt",
        "{\"format\":1}".getBytes()));
    assertTrue(notGzip.getMessage().startsWith("a.txt: not a gzip file"), notGzip.getMessage());
    ReplayKit.Recorded rec = ReplayKit.record("energy.s3", S3, 11, 10);
    List<String> lines = ReplayKit.lines(rec.file());
    lines.set(3, "{\"t\":3, oops");
    ReplayException e = assertThrows(ReplayException.class, () -> ReplayReader.read("j", ReplayKit.rehash(
        lines.subList(0, lines.size() - 1))));
    assertEquals("j: line 4: not JSON: {\"t\":3, oops", e.getMessage());
  }
}
