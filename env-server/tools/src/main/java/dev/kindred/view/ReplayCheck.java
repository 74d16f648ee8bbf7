package dev.kindred.view;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Checks a replay file against docs/replay-format.md before the viewer hands it to a browser:
 * gzip, a header of format {@code kindred-replay} whose version this viewer reads, and a trailer
 * whose SHA-256 matches every byte before it. Returns what the index shows: the header's summary,
 * or one sentence saying what is wrong and at which line.
 *
 * <p>Only the structure is checked here; re-simulating the episode is {@code kindred replay verify}.
 */
public final class ReplayCheck {
  /** The newest format version this viewer draws. */
  public static final int FORMAT_VERSION = 1;

  /** Bound on one uncompressed line: a step line of a large world is far below it. */
  static final int MAX_LINE_BYTES = 64 << 20;

  private ReplayCheck() {}

  /** The outcome of a check: {@code error == null} for a good file. */
  public record Result(String error, JsonObject summary) {
    static Result bad(String error) {
      return new Result(error, null);
    }

    public boolean ok() {
      return error == null;
    }
  }

  /** Checks {@code file}; never throws for a bad file, only says what is wrong. */
  public static Result check(Path file) {
    try (InputStream raw = Files.newInputStream(file)) {
      return check(raw);
    } catch (IOException e) {
      return Result.bad("cannot read the file: " + e.getMessage());
    }
  }

  static Result check(InputStream raw) throws IOException {
    GZIPInputStream gz;
    try {
      gz = new GZIPInputStream(raw, 1 << 16);
    } catch (ZipException | EOFException e) {
      return Result.bad("not a gzip file (a replay is gzip-compressed JSON Lines, *.replay.jsonl.gz)");
    }
    Lines lines = new Lines();
    int[] line = {0};
    try {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = gz.read(buf)) > 0) {
        int from = 0;
        while (from < n) {
          int nl = from;
          while (nl < n && buf[nl] != '\n') {
            nl++;
          }
          lines.current.write(buf, from, nl - from);
          if (lines.current.size() > MAX_LINE_BYTES) {
            return Result.bad("line " + (line[0] + 1) + " is longer than " + (MAX_LINE_BYTES >> 20) + " MiB");
          }
          from = nl + 1;
          if (nl == n) {
            break;
          }
          line[0]++;
          Result verdict = lines.accept(line[0]);
          if (verdict != null) {
            return verdict;
          }
        }
      }
    } catch (EOFException e) {
      return Result.bad("truncated: the gzip stream ends in the middle of line " + (line[0] + 1)
          + " (the recorder stopped before the episode ended, or the copy is incomplete)");
    } catch (ZipException e) {
      return Result.bad("corrupt gzip data in line " + (line[0] + 1) + " (" + e.getMessage() + ")");
    }
    if (lines.current.size() > 0) {
      return Result.bad("truncated: line " + (line[0] + 1) + " has no newline at its end");
    }
    if (lines.trailerLine > 0) {
      return new Result(null, summary(lines.header, lines.end, lines.steps));
    }
    if (line[0] == 0) {
      return Result.bad("empty: no header line");
    }
    return Result.bad("truncated: no content_sha256 trailer after line " + line[0]
        + " (the recorder stopped before the episode ended)");
  }

  /** The lines read so far: the header, the step count, the end line, the running hash. */
  private static final class Lines {
    final ByteArrayOutputStream current = new ByteArrayOutputStream();
    final MessageDigest sha = sha256();
    JsonObject header;
    JsonObject end;
    int steps;
    int trailerLine;

    /** Takes the line in {@link #current}; a verdict when the file is bad, else null. */
    Result accept(int line) {
      String text = current.toString(StandardCharsets.UTF_8);
      byte[] bytes = current.toByteArray();
      current.reset();
      if (trailerLine > 0) {
        return Result.bad("line " + line + " follows the trailer (line " + trailerLine + ")");
      }
      JsonObject obj;
      try {
        JsonElement parsed = JsonParser.parseString(text);
        if (!parsed.isJsonObject()) {
          return Result.bad("line " + line + " is not a JSON object (" + excerpt(text) + ")");
        }
        obj = parsed.getAsJsonObject();
      } catch (JsonParseException e) {
        return Result.bad("line " + line + " is not valid JSON (" + excerpt(text) + ")");
      }
      if (line == 1) {
        String headerError = headerError(obj);
        if (headerError != null) {
          return Result.bad(headerError);
        }
        header = obj;
      } else if (obj.size() == 1 && obj.has("content_sha256")) {
        String actual = HexFormat.of().formatHex(sha.digest());
        JsonElement expected = obj.get("content_sha256");
        if (!expected.isJsonPrimitive() || !actual.equals(expected.getAsString())) {
          return Result.bad("content hash mismatch at the trailer (line " + line + "): the file says "
              + excerpt(expected.toString()) + ", its content hashes to " + actual.substring(0, 16)
              + "...: the file was altered or damaged");
        }
        if (end == null) {
          return Result.bad("no end line before the trailer (line " + line + ")");
        }
        trailerLine = line;
        return null;
      } else if (obj.has("end") && obj.get("end").isJsonObject()) {
        end = obj.getAsJsonObject("end");
      } else if (obj.has("actions")) {
        steps++;
      }
      sha.update(bytes);
      sha.update((byte) '\n');
      return null;
    }
  }

  private static String headerError(JsonObject header) {
    JsonElement format = header.get("format");
    if (format == null || !format.isJsonPrimitive() || !"kindred-replay".equals(format.getAsString())) {
      return "line 1 is not a Kindred replay header (no \"format\":\"kindred-replay\")";
    }
    JsonElement version = header.get("format_version");
    if (version == null || !version.isJsonPrimitive() || !version.getAsJsonPrimitive().isNumber()) {
      return "the header has no numeric format_version";
    }
    int v = version.getAsInt();
    if (v > FORMAT_VERSION) {
      return "format_version " + v + " is newer than this viewer reads (" + FORMAT_VERSION
          + "): update Kindred to view it";
    }
    if (v < 1) {
      return "format_version " + v + " is not a version (they start at 1)";
    }
    JsonElement kind = header.get("world_kind");
    if (kind == null || !kind.isJsonPrimitive()
        || !("energy".equals(kind.getAsString()) || "spin".equals(kind.getAsString()))) {
      return "the header's world_kind is neither \"energy\" nor \"spin\"";
    }
    if (!header.has(kind.getAsString())) {
      return "the header has no \"" + kind.getAsString() + "\" section";
    }
    return null;
  }

  private static JsonObject summary(JsonObject header, JsonObject end, int steps) {
    JsonObject s = new JsonObject();
    for (String key : new String[] {"world", "world_kind", "seed", "episode", "copy", "code_version",
        "created", "recorder", "agents", "format_version"}) {
      if (header.has(key)) {
        s.add(key, header.get(key));
      }
    }
    if (header.has("seats")) {
      s.add("seats", header.get("seats"));
    }
    s.addProperty("steps", steps);
    if (end.has("returns")) {
      s.add("returns", end.get("returns"));
    }
    return s;
  }

  /** At most 40 characters of what a file held: an error never quotes more than that. */
  static String excerpt(String text) {
    String t = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    StringBuilder b = new StringBuilder(t.length());
    for (char c : t.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return "\"" + b + "\"";
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
