package dev.kindred.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The viewer's use of the replay reader: a summary for a good file, one short sentence for a bad one. */
class ReplayCheckTest {
  private static void assertBad(ReplayCheck.Result r, String expected) {
    assertTrue(r.error() != null && r.error().contains(expected), "expected '" + expected + "' in: " + r.error());
    assertTrue(!r.error().startsWith("x.replay.jsonl.gz"), "the page shows the name beside the message: " + r.error());
    assertTrue(r.error().length() < 300, "an error quotes a short excerpt only: " + r.error());
  }

  @Test
  void aGoodReplayPassesWithItsSummary() {
    ReplayCheck.Result r = ReplayCheck.check("x.replay.jsonl.gz", ReplayFiles.good(3));
    assertNull(r.error());
    assertEquals(3, r.summary().get("steps").getAsInt());
    assertEquals("spin.lattice", r.summary().get("world").getAsString());
    assertEquals("9007199254740993", r.summary().get("seed").getAsString());
  }

  @Test
  void aTruncatedFileSaysSo() {
    byte[] whole = ReplayFiles.good(200);
    assertBad(ReplayCheck.check("x.replay.jsonl.gz", Arrays.copyOf(whole, whole.length / 2)), "truncated");
    List<String> lines = ReplayFiles.lines(1, 3);
    StringBuilder cut = new StringBuilder();
    for (String l : lines.subList(0, 3)) {
      cut.append(l).append('\n');
    }
    assertBad(ReplayCheck.check("x.replay.jsonl.gz", ReplayFiles.gzip(cut.toString())), "truncated");
  }

  @Test
  void aNewerVersionIsRefusedWithBothVersions() {
    ReplayCheck.Result r = ReplayCheck.check("x.replay.jsonl.gz",
        ReplayFiles.gzip(ReplayFiles.withTrailer(ReplayFiles.lines(2, 2))));
    assertBad(r, "line 1: format_version 2 is newer than this reader knows (1)");
  }

  @Test
  void notGzipAlteredContentAndBadLinesAreNamed() {
    assertBad(ReplayCheck.check("x.replay.jsonl.gz", "plain text".getBytes()), "not a gzip file");
    String text = ReplayFiles.withTrailer(ReplayFiles.lines(1, 2)).replace("\"rewards\":[-0.5]", "\"rewards\":[9.5]");
    assertBad(ReplayCheck.check("x.replay.jsonl.gz", ReplayFiles.gzip(text)), "line 5: content_sha256");
    List<String> lines = new ArrayList<>(ReplayFiles.lines(1, 2));
    lines.set(2, "{\"t\":2, not json " + "x".repeat(500));
    assertBad(ReplayCheck.check("x.replay.jsonl.gz", ReplayFiles.gzip(ReplayFiles.withTrailer(lines))), "line 3");
  }
}
