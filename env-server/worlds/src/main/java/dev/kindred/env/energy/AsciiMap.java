package dev.kindred.env.energy;

import dev.kindred.env.EnvException;
import java.util.ArrayList;
import java.util.List;

/**
 * ASCII maps. Legend: {@code #} wall, {@code .} (or space) empty, {@code A} agent (numbered in
 * reading order: left to right, top to bottom), {@code g} green generator, {@code y} yellow
 * generator, {@code c} converter, {@code h} heart altar. Lines are separated by newlines (a
 * trailing newline and carriage returns are ignored) and must all have the same length.
 * Everything stays where the map puts it in every episode (agents' orientations are drawn from
 * the episode seed). Nothing outside the map exists: moving off it fails.
 */
final class AsciiMap {
  private AsciiMap() {}

  static final String LEGEND = "'#' wall, '.' or ' ' empty, 'A' agent, 'g' green generator, "
      + "'y' yellow generator, 'c' converter, 'h' heart altar";

  /** The size of a map and what is on it, known before anything is allocated for it. */
  record Size(int width, int height, int agents, int objects) {}

  /**
   * Checks a map's shape and legend without building it: every line the same length, only
   * legend characters, at least one agent.
   *
   * @param quote whether errors may quote the offending character (true for the client's own
   *              inline map; false for a data file, whose contents are never quoted back)
   */
  static Size measure(String text, String field, boolean quote) {
    String[] lines = lines(text);
    int n = lines.length;
    if (n == 0) {
      throw EnvException.invalid(field, "the map is empty; expected lines of " + LEGEND);
    }
    int width = lines[0].length();
    if (width == 0) {
      throw EnvException.invalid(field, "line 1 is empty; expected lines of " + LEGEND);
    }
    int agents = 0;
    int objects = 0;
    for (int y = 0; y < n; y++) {
      String line = lines[y];
      if (line.length() != width) {
        throw EnvException.invalid(field, "line " + (y + 1) + " has " + line.length()
            + " characters; expected " + width + " like line 1 (every line the same length)");
      }
      for (int x = 0; x < width; x++) {
        char ch = line.charAt(x);
        switch (ch) {
          case '#', '.', ' ' -> { }
          case 'A' -> agents++;
          case 'g', 'y', 'c', 'h' -> objects++;
          default -> throw EnvException.invalid(field, "unknown character " + (quote ? "'" + ch + "' " : "")
              + "at line " + (y + 1) + ", column " + (x + 1) + "; legend: " + LEGEND);
        }
      }
    }
    if (agents == 0) {
      throw EnvException.invalid(field, "the map has no agent; expected at least one 'A'");
    }
    return new Size(width, n, agents, objects);
  }

  /** Builds a map that {@link #measure} accepted. */
  static MapTemplate parse(String text, String field, boolean quote) {
    measure(text, field, quote);
    String[] lines = lines(text);
    int n = lines.length;
    int width = lines[0].length();
    int[] grid = new int[width * n];
    List<Integer> agents = new ArrayList<>();
    List<EnergyObject> objType = new ArrayList<>();
    List<Integer> objCell = new ArrayList<>();
    for (int y = 0; y < n; y++) {
      String line = lines[y];
      for (int x = 0; x < width; x++) {
        char ch = line.charAt(x);
        int cell = y * width + x;
        switch (ch) {
          case '#' -> grid[cell] = EnergyState.WALL;
          case 'A' -> agents.add(cell);
          case 'g' -> { objType.add(Generator.GREEN); objCell.add(cell); }
          case 'y' -> { objType.add(Generator.YELLOW); objCell.add(cell); }
          case 'c' -> { objType.add(Converter.INSTANCE); objCell.add(cell); }
          case 'h' -> { objType.add(Altar.INSTANCE); objCell.add(cell); }
          default -> { }
        }
      }
    }
    return new MapTemplate(width, n, grid, agents.stream().mapToInt(Integer::intValue).toArray(),
        objType.toArray(new EnergyObject[0]), objCell.stream().mapToInt(Integer::intValue).toArray(), 0);
  }

  /** The map's lines: carriage returns and trailing empty lines dropped. */
  private static String[] lines(String text) {
    String[] lines = text.replace("\r", "").split("\n", -1);
    int n = lines.length;
    while (n > 0 && lines[n - 1].isEmpty()) {
      n--;
    }
    return n == lines.length ? lines : java.util.Arrays.copyOf(lines, n);
  }
}
