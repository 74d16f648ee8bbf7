package dev.kindred.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayCheckTest {
  private static ReplayCheck.Result check(byte[] bytes) throws IOException {
    return ReplayCheck.check(new ByteArrayInputStream(bytes));
  }

  private static void assertBad(ReplayCheck.Result r, String expected) {
    assertTrue(r.error() != null && r.error().contains(expected), "expected '" + expected + "' in: " + r.error());
  }

  @Test
  void aGoodReplayPassesWithItsSummary() throws IOException {
    ReplayCheck.Result r = check(ReplayFiles.good(3));
    assertNull(r.error());
    assertEquals(3, r.summary().get("steps").getAsInt());
    assertEquals("spin.lattice", r.summary().get("world").getAsString());
    assertEquals("18446744073709551557", r.summary().get("seed").getAsString());
  }

  @Test
  void aTruncatedFileNamesTheLineWhereItBroke() throws IOException {
    byte[] whole = ReplayFiles.good(200);
    assertBad(check(Arrays.copyOf(whole, whole.length / 2)), "truncated: the gzip stream ends in the middle of line");
    // Whole gzip, but the recorder stopped before the end line and trailer.
    List<String> lines = ReplayFiles.lines(1, 3);
    StringBuilder cut = new StringBuilder();
    for (String l : lines.subList(0, 3)) {
      cut.append(l).append('\n');
    }
    assertBad(check(ReplayFiles.gzip(cut.toString())), "truncated: no content_sha256 trailer after line 3");
  }

  @Test
  void aNewerVersionIsRefusedWithBothVersions() throws IOException {
    ReplayCheck.Result r = check(ReplayFiles.gzip(ReplayFiles.withTrailer(ReplayFiles.lines(2, 2))));
    assertEquals("format_version 2 is newer than this viewer reads (1): update Kindred to view it", r.error());
  }

  @Test
  void notGzipAlteredContentAndBadLinesAreNamed() throws IOException {
    assertBad(check("plain text".getBytes()), "not a gzip file");
    String text = ReplayFiles.withTrailer(ReplayFiles.lines(1, 2)).replace("\"rewards\":[-0.5]", "\"rewards\":[9.5]");
    assertBad(check(ReplayFiles.gzip(text)), "content hash mismatch at the trailer (line 5)");
    List<String> lines = new java.util.ArrayList<>(ReplayFiles.lines(1, 2));
    lines.set(2, "{\"t\":2, not json " + "x".repeat(500));
    ReplayCheck.Result r = check(ReplayFiles.gzip(ReplayFiles.withTrailer(lines)));
    assertBad(r, "line 3 is not valid JSON");
    assertTrue(r.error().length() < 120, "an error quotes a short excerpt only: " + r.error());
    assertBad(check(ReplayFiles.gzip("{\"format\":\"other\"}\n")), "line 1 is not a Kindred replay header");
    assertBad(check(ReplayFiles.gzip(ReplayFiles.withTrailer(ReplayFiles.lines(1, 1)) + "{}\n")), "follows the trailer");
  }
}
