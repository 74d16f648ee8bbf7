package dev.kindred.view;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Small replays written to docs/replay-format.md by hand, good and broken in known ways. */
final class ReplayFiles {
  private ReplayFiles() {}

  static String header(int version) {
    return "{\"format\":\"kindred-replay\",\"format_version\":" + version + ",\"world\":\"spin.lattice\","
        + "\"world_kind\":\"spin\",\"config\":{},\"seed\":\"9007199254740993\",\"copy\":0,\"episode\":0,"
        + "\"code_version\":\"test\",\"created\":\"2026-12-01T00:00:00Z\",\"recorder\":\"test\",\"agents\":1,"
        + "\"seats\":[],\"spin\":{\"n\":4,\"graph\":{\"kind\":\"lattice\",\"width\":2,\"height\":2,\"periodic\":false},"
        + "\"beta\":0.5,\"zeta\":0,\"controlled\":[0],\"clamped\":[],\"clamped_values\":[],"
        + "\"initial\":{\"spins\":\"Dw==\",\"magnetisation\":1.0,\"energy\":-1.0}}}";
  }

  static List<String> lines(int version, int steps) {
    List<String> lines = new java.util.ArrayList<>();
    lines.add(header(version));
    for (int t = 1; t <= steps; t++) {
      lines.add("{\"t\":" + t + ",\"actions\":[1],\"success\":[1],\"rewards\":[-0.5],\"spins\":\"Dw==\","
          + "\"magnetisation\":1.0,\"energy\":-1.0,\"phi\":[0.9],\"surprise\":[0.1]}");
    }
    lines.add("{\"end\":{\"steps\":" + steps + ",\"terminated\":false,\"truncated\":true,\"returns\":[-1.5],"
        + "\"agent_stats\":{},\"copy_stats\":{}}}");
    return lines;
  }

  /** The JSON Lines text of {@code lines} with the trailer hashing them. */
  static String withTrailer(List<String> lines) {
    StringBuilder body = new StringBuilder();
    for (String l : lines) {
      body.append(l).append('\n');
    }
    return body + "{\"content_sha256\":\"" + sha256(body.toString()) + "\"}\n";
  }

  static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
      gz.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] good(int steps) {
    return gzip(withTrailer(lines(1, steps)));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
