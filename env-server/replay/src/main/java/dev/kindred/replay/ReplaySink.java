package dev.kindred.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a {@link RecordingWorld} puts its replay files: one stream per recorded episode. The
 * caller chooses the sink (a directory it owns, memory, nowhere), never a client.
 */
public interface ReplaySink {

  /** Which episode a file holds. {@code label} is the caller's current label (e.g. the brain). */
  record Episode(String world, String label, int copy, long episode, long seed) {}

  /** A new stream for {@code episode}'s replay; the recorder closes it. */
  OutputStream open(Episode episode) throws IOException;

  /** Called after {@code episode}'s file is closed; {@code complete}: its end line and trailer are written. */
  default void finished(Episode episode, boolean complete) {}

  /**
   * Whether {@link #line} wants the lines of {@code copy} now (live watching); asked every step,
   * on the thread stepping the copy and on the recorder's background thread, so it must be quick.
   * Default: no.
   */
  default boolean wantsLines(int copy) {
    return false;
  }

  /**
   * Called with every line (header, step, end; no trailer) of {@code episode} once it is written,
   * on the recorder's background thread, when {@link #wantsLines} said yes; while someone wants
   * lines, steps are handed to that thread one at a time rather than in batches. {@code header} is
   * the episode's header line; {@code state} builds a state line with the full state after this
   * line's step (null for an end line), for a reader that missed lines. Must be quick.
   */
  default void line(Episode episode, String line, String header, java.util.function.Supplier<String> state) {}

  /**
   * Files {@code DIR/<label>-c<copy>-e<episode>.replay.jsonl.gz} (label omitted when empty), the
   * directory created on the first file.
   */
  static DirectorySink directory(Path dir) {
    return new DirectorySink(dir);
  }

  /** Keeps every file in memory. */
  static MemorySink memory() {
    return new MemorySink();
  }

  /** Compresses and hashes every file as usual, then drops the bytes (benchmarks). */
  static ReplaySink discard() {
    return e -> OutputStream.nullOutputStream();
  }

  /** A directory of replay files, with the list of the files it wrote. */
  final class DirectorySink implements ReplaySink {
    private final Path dir;
    private final Map<Episode, Path> written = Collections.synchronizedMap(new LinkedHashMap<>());

    DirectorySink(Path dir) {
      this.dir = dir;
    }

    public Path directory() {
      return dir;
    }

    /** The file name of {@code e}'s replay. */
    public static String fileName(Episode e) {
      String label = e.label() == null || e.label().isEmpty() ? "" : safe(e.label()) + "-";
      return label + "c" + e.copy() + "-e" + e.episode() + ReplayWriter.SUFFIX;
    }

    /** Letters, digits, '.', '_' and '-' kept; everything else becomes '_'. */
    static String safe(String s) {
      StringBuilder b = new StringBuilder();
      for (char c : s.toCharArray()) {
        b.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-' ? c : '_');
      }
      return b.toString();
    }

    @Override
    public OutputStream open(Episode episode) throws IOException {
      Files.createDirectories(dir);
      return new java.io.BufferedOutputStream(Files.newOutputStream(dir.resolve(fileName(episode))), 1 << 16);
    }

    @Override
    public void finished(Episode episode, boolean complete) {
      written.put(episode, dir.resolve(fileName(episode)));
    }

    /** The files closed so far, by episode, in the order they were closed. */
    public Map<Episode, Path> written() {
      synchronized (written) {
        return new LinkedHashMap<>(written);
      }
    }
  }

  /** Replay files kept in memory, in the order they were opened. */
  final class MemorySink implements ReplaySink {
    private final List<Map.Entry<Episode, ByteArrayOutputStream>> files = Collections.synchronizedList(new ArrayList<>());

    @Override
    public OutputStream open(Episode episode) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      files.add(Map.entry(episode, out));
      return out;
    }

    /** Every file opened so far (finished or not) and its bytes. */
    public List<Map.Entry<Episode, byte[]>> files() {
      synchronized (files) {
        return files.stream().map(e -> Map.entry(e.getKey(), e.getValue().toByteArray())).toList();
      }
    }

    /** Drops every file. */
    public void clear() {
      files.clear();
    }
  }
}
