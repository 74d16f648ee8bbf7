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

  static MapTemplate parse(String text, String field) {
    String[] lines = text.replace("\r", "").split("\n", -1);
    int n = lines.length;
    while (n > 0 && lines[n - 1].isEmpty()) {
      n--;
    }
    if (n == 0) {
      throw EnvException.invalid(field, "the map is empty; expected lines of " + LEGEND);
    }
    int width = lines[0].length();
    if (width == 0) {
      throw EnvException.invalid(field, "line 1 is empty; expected lines of " + LEGEND);
    }
    int[] grid = new int[width * n];
    List<Integer> agents = new ArrayList<>();
    List<EnergyObject> objType = new ArrayList<>();
    List<Integer> objCell = new ArrayList<>();
    for (int y = 0; y < n; y++) {
      String line = lines[y];
      if (line.length() != width) {
        throw EnvException.invalid(field, "line " + (y + 1) + " has " + line.length()
            + " characters; expected " + width + " like line 1 (every line the same length)");
      }
      for (int x = 0; x < width; x++) {
        char ch = line.charAt(x);
        int cell = y * width + x;
        switch (ch) {
          case '#' -> grid[cell] = EnergyState.WALL;
          case '.', ' ' -> { }
          case 'A' -> agents.add(cell);
          case 'g' -> { objType.add(Generator.GREEN); objCell.add(cell); }
          case 'y' -> { objType.add(Generator.YELLOW); objCell.add(cell); }
          case 'c' -> { objType.add(Converter.INSTANCE); objCell.add(cell); }
          case 'h' -> { objType.add(Altar.INSTANCE); objCell.add(cell); }
          default -> throw EnvException.invalid(field, "unknown character '" + ch + "' at line " + (y + 1)
              + ", column " + (x + 1) + "; legend: " + LEGEND);
        }
      }
    }
    if (agents.isEmpty()) {
      throw EnvException.invalid(field, "the map has no agent; expected at least one 'A'");
    }
    return new MapTemplate(width, n, grid, agents.stream().mapToInt(Integer::intValue).toArray(),
        objType.toArray(new EnergyObject[0]), objCell.stream().mapToInt(Integer::intValue).toArray(), 0);
  }
}
