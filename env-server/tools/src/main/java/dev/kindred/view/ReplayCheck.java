package dev.kindred.view;

import com.google.gson.JsonObject;
import dev.kindred.replay.Replay;
import dev.kindred.replay.ReplayException;
import dev.kindred.replay.ReplayReader;
import dev.kindred.replay.ReplayWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks a replay before the viewer hands it to a browser, with the replay module's own
 * {@link ReplayReader} (gzip, format, version, content hash, the shape of every line): returns
 * what the index shows, the header's summary, or one sentence saying what is wrong and at which
 * line. Re-simulating the episode is {@code kindred replay verify}, not the viewer's job.
 */
public final class ReplayCheck {
  /** The newest format version this viewer draws: the reader's. */
  public static final int FORMAT_VERSION = ReplayWriter.FORMAT_VERSION;

  /** Files above this size are not read into memory (a 1,000-step S1 replay is ~100 KB). */
  public static final long MAX_BYTES = 256L << 20;

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

  /** Checks {@code file}, named {@code name} in messages; never throws for a bad file. */
  public static Result check(Path file, String name) {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        return Result.bad("larger than " + (MAX_BYTES >> 20) + " MiB; the viewer does not open it");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      return Result.bad("cannot read the file (" + e.getClass().getSimpleName() + ")");
    }
    return check(name, bytes);
  }

  static Result check(String name, byte[] bytes) {
    try {
      return new Result(null, summary(ReplayReader.read(name, bytes)));
    } catch (ReplayException e) {
      // The reader's message starts with the file's name; the page shows the name beside it.
      String m = e.getMessage();
      return Result.bad(m.startsWith(name + ": ") ? m.substring(name.length() + 2) : m);
    }
  }

  private static JsonObject summary(Replay replay) {
    JsonObject header = replay.header();
    JsonObject s = new JsonObject();
    for (String key : new String[] {"world", "world_kind", "seed", "episode", "copy", "code_version", "created",
        "recorder", "agents", "format_version", "seats"}) {
      if (header.has(key)) {
        s.add(key, header.get(key));
      }
    }
    s.addProperty("steps", replay.steps());
    if (replay.end().has("returns")) {
      s.add("returns", replay.end().get("returns"));
    }
    return s;
  }
}
