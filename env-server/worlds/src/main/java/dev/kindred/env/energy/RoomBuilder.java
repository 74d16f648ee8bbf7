package dev.kindred.env.energy;

import dev.kindred.env.Config;
import dev.kindred.env.EnvException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a map from sizes and object counts. The map is {@code width x height} cells,
 * including a wall border when {@code border} is true. {@code rooms = [columns, rows]} splits
 * the inside into a grid of rooms by wall lines at evenly spaced positions, each wall between
 * two neighbouring rooms pierced by a centred door of {@code door_width} cells. Agents, altars,
 * converters, generators and walls are placed at distinct random free cells (anywhere in any
 * room) drawn from the episode seed, in that order.
 */
final class RoomBuilder {
  private RoomBuilder() {}

  static MapTemplate build(Config c) {
    int width = c.getInt("width");
    int height = c.getInt("height");
    boolean border = c.getBool("border");
    int[] rooms = c.getIntList("rooms");
    if (rooms.length != 2) {
      throw EnvException.invalid("config.rooms", "got " + rooms.length + " values; expected [columns, rows]");
    }
    int cols = rooms[0];
    int rows = rooms[1];
    int doorWidth = c.getInt("door_width");
    int[] grid = new int[width * height];
    // Room boundaries: bx[0..cols], by[0..rows]; each room needs at least one inside cell.
    int[] bx = boundaries(width, cols, "config.width", "config.rooms");
    int[] by = boundaries(height, rows, "config.height", "config.rooms");
    if (border) {
      for (int x = 0; x < width; x++) {
        grid[x] = EnergyState.WALL;
        grid[(height - 1) * width + x] = EnergyState.WALL;
      }
      for (int y = 0; y < height; y++) {
        grid[y * width] = EnergyState.WALL;
        grid[y * width + width - 1] = EnergyState.WALL;
      }
    }
    for (int i = 1; i < cols; i++) {
      for (int y = 0; y < height; y++) {
        grid[y * width + bx[i]] = EnergyState.WALL;
      }
      for (int j = 0; j < rows; j++) {
        door(grid, width, bx[i], by[j], by[j + 1], doorWidth, true);
      }
    }
    for (int j = 1; j < rows; j++) {
      for (int x = 0; x < width; x++) {
        grid[by[j] * width + x] = EnergyState.WALL;
      }
      for (int i = 0; i < cols; i++) {
        door(grid, width, by[j], bx[i], bx[i + 1], doorWidth, false);
      }
    }
    int agents = c.getInt("agents");
    List<EnergyObject> objects = new ArrayList<>();
    add(objects, Altar.INSTANCE, c.getInt("altars"));
    add(objects, Converter.INSTANCE, c.getInt("converters"));
    add(objects, Generator.GREEN, c.getInt("green_generators"));
    add(objects, Generator.YELLOW, c.getInt("yellow_generators"));
    int walls = c.getInt("walls");
    int free = 0;
    for (int v : grid) {
      if (v == EnergyState.EMPTY) {
        free++;
      }
    }
    long used = 0;
    String[] keys = {"agents", "altars", "converters", "green_generators", "yellow_generators", "walls"};
    for (String k : keys) {
      used += c.getInt(k);
      if (used > free) {
        throw EnvException.invalid("config." + k, "too many things for the map: agents + altars + converters + "
            + "generators + walls = " + sum(c, keys) + " but the " + width + " x " + height
            + " map has only " + free + " free cells; expected at most " + free + " in total");
      }
    }
    int[] agentCell = new int[agents];
    java.util.Arrays.fill(agentCell, -1);
    int[] objCell = new int[objects.size()];
    java.util.Arrays.fill(objCell, -1);
    return new MapTemplate(width, height, grid, agentCell, objects.toArray(new EnergyObject[0]), objCell, walls);
  }

  private static long sum(Config c, String[] keys) {
    long s = 0;
    for (String k : keys) {
      s += c.getInt(k);
    }
    return s;
  }

  private static void add(List<EnergyObject> out, EnergyObject type, int n) {
    for (int i = 0; i < n; i++) {
      out.add(type);
    }
  }

  private static int[] boundaries(int size, int parts, String sizeKey, String roomsKey) {
    if (parts < 1) {
      throw EnvException.invalid(roomsKey, "room counts must be at least 1, got " + parts);
    }
    // Every room needs at least one cell inside its walls: size >= 2 * parts + 1.
    if (size < 2 * parts + 1) {
      throw EnvException.invalid(sizeKey, size + " cells cannot hold " + parts
          + " rooms side by side; expected at least " + (2 * parts + 1));
    }
    int[] b = new int[parts + 1];
    for (int i = 0; i <= parts; i++) {
      b[i] = (int) ((long) i * (size - 1) / parts);
    }
    return b;
  }

  /** Opens a door in a separator at {@code line}, centred between {@code from} and {@code to}. */
  private static void door(int[] grid, int width, int line, int from, int to, int doorWidth, boolean vertical) {
    int inside = to - from - 1;
    int w = Math.min(doorWidth, inside);
    int start = from + 1 + (inside - w) / 2;
    for (int k = start; k < start + w; k++) {
      int cell = vertical ? k * width + line : line * width + k;
      grid[cell] = EnergyState.EMPTY;
    }
  }
}
