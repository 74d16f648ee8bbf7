package dev.kindred.view;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The files the viewer may serve: the replays ({@code *.replay.jsonl.gz}) and tournament reports
 * ({@code results.json}) found under the one file or directory given on the command line,
 * recursively and within bounds. A browser names a file only by the id handed out here, never by a
 * path, so nothing outside that root can be reached. Ids stay the same for the server's life; a
 * rescan picks up files written since (an evaluation still recording).
 */
public final class ReplayCatalog {
  /** Directory levels searched below the root. */
  public static final int MAX_DEPTH = 12;
  /** Files listed at most; the rest are counted, not listed. */
  public static final int MAX_FILES = 5_000;

  public static final String REPLAY_SUFFIX = ".replay.jsonl.gz";
  public static final String TOURNAMENT_FILE = "results.json";

  /** What kind of file an entry is. */
  public enum Kind { REPLAY, TOURNAMENT }

  /** One file: its id, where it is, and its path relative to the root (what the page shows). */
  public record Entry(String id, Path file, String name, Kind kind, long size) {}

  /** A scan: the entries in path order, and how many files past {@link #MAX_FILES} were left out. */
  public record Listing(List<Entry> entries, int leftOut) {}

  private final Path root;
  private final boolean single;
  private final Map<Path, String> ids = new HashMap<>();
  private final Map<String, Entry> byId = new ConcurrentHashMap<>();
  private final Map<Path, Checked> checks = new ConcurrentHashMap<>();

  private record Checked(long size, long modified, ReplayCheck.Result result) {}

  /** A catalog of {@code root}: a replay file, a results.json, or a directory holding them. */
  public ReplayCatalog(Path root) {
    this.root = root.toAbsolutePath().normalize();
    if (!Files.exists(this.root)) {
      throw new IllegalArgumentException("no such file or directory: " + root);
    }
    this.single = Files.isRegularFile(this.root);
    if (single && kindOf(this.root) == null) {
      throw new IllegalArgumentException(root + " is neither a replay (*" + REPLAY_SUFFIX + ") nor a tournament's "
          + TOURNAMENT_FILE + "; give one of those or a directory holding them");
    }
  }

  public Path root() {
    return root;
  }

  /** Scans the root again; ids of files seen before are kept. */
  public synchronized Listing scan() {
    List<Path> found = new ArrayList<>();
    int[] leftOut = {0};
    if (single) {
      found.add(root);
    } else {
      try (Stream<Path> walk = Files.find(root, MAX_DEPTH,
          (p, attrs) -> attrs.isRegularFile() && kindOf(p) != null, new FileVisitOption[0])) {
        walk.sorted().forEach(p -> {
          if (found.size() < MAX_FILES) {
            found.add(p);
          } else {
            leftOut[0]++;
          }
        });
      } catch (IOException | UncheckedIOException e) {
        // A directory that cannot be read is skipped; what was found is still listed.
      }
    }
    List<Entry> entries = new ArrayList<>(found.size());
    for (Path p : found) {
      String id = ids.computeIfAbsent(p, k -> Integer.toString(ids.size() + 1));
      String name = single ? p.getFileName().toString() : root.relativize(p).toString().replace('\\', '/');
      long size;
      try {
        size = Files.size(p);
      } catch (IOException e) {
        continue;
      }
      Entry entry = new Entry(id, p, name, kindOf(p), size);
      byId.put(id, entry);
      entries.add(entry);
    }
    return new Listing(entries, leftOut[0]);
  }

  /** The entry with this id, if a scan handed it out. */
  public Optional<Entry> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The entry of a file found under the root (a tournament's link to its replays). */
  public Optional<Entry> entryOf(Path file) {
    String id;
    synchronized (this) {
      id = ids.get(file.toAbsolutePath().normalize());
    }
    return id == null ? Optional.empty() : get(id);
  }

  /** {@link ReplayCheck} of a replay, remembered while the file keeps its size and time. */
  public ReplayCheck.Result check(Entry entry) {
    try {
      BasicFileAttributes attrs = Files.readAttributes(entry.file(), BasicFileAttributes.class);
      long modified = attrs.lastModifiedTime().toMillis();
      Checked c = checks.get(entry.file());
      if (c != null && c.size == attrs.size() && c.modified == modified) {
        return c.result;
      }
      ReplayCheck.Result result = ReplayCheck.check(entry.file(), entry.name());
      checks.put(entry.file(), new Checked(attrs.size(), modified, result));
      return result;
    } catch (IOException e) {
      return ReplayCheck.Result.bad("cannot read the file: " + e.getClass().getSimpleName());
    }
  }

  static Kind kindOf(Path p) {
    String name = p.getFileName().toString();
    if (name.endsWith(REPLAY_SUFFIX)) {
      return Kind.REPLAY;
    }
    if (name.equals(TOURNAMENT_FILE)) {
      return Kind.TOURNAMENT;
    }
    return null;
  }
}
