package dev.kindred.env.energy;

import static dev.kindred.env.WorldCost.saturatedAdd;
import static dev.kindred.env.WorldCost.saturatedMultiply;

import dev.kindred.env.Config;
import dev.kindred.env.WorldContext;
import dev.kindred.env.WorldCost;

/**
 * The cost of an energy world, declared to the host ({@link WorldContext#admit}) once the map's
 * size is known and before the map or any copy is allocated. Per copy the state is dominated by
 * the grid (cells) and the kinship matrix (agents^2); per step by writing each agent's
 * observation window (17 channels x view^2 cells) and sharing rewards (agents^2).
 */
final class EnergyCost {
  private EnergyCost() {}

  /**
   * @param cells     width x height of the map
   * @param agents    agents of each copy
   * @param objects   altars, converters and generators
   * @param textChars length of the ASCII map the map is parsed from (0: built from counts)
   * @param map       the map in the configuration's words, e.g. "25 x 25 cells"
   */
  static void admit(WorldContext context, Config c, long cells, long agents, long objects, long textChars,
      String map) {
    context.admit(estimate(c, cells, agents, objects, textChars, map));
  }

  static WorldCost estimate(Config c, long cells, long agents, long objects, long textChars, String map) {
    long view = c.getLong("view_size");
    long window = saturatedMultiply(view, view);
    long kin = saturatedMultiply(agents, agents);
    // Observation bytes of one agent: the window (grid, or tokens), the float globals and the action mask.
    boolean tokens = c.getString("observation").equals(Observer.TOKENS);
    long windowBytes = tokens ? 3L * c.getLong("token_budget") : saturatedMultiply(Observer.CHANNELS, window);
    long observation = saturatedAdd(windowBytes, Observer.GLOBALS * 4L + ActionTable.PAIRS);
    // Shared: the template (walls, free cells), what it is parsed from, the kinship matrix.
    long shared = saturatedAdd(saturatedMultiply(cells, 16), saturatedMultiply(textChars, 8));
    shared = saturatedAdd(shared, saturatedMultiply(kin, 8));
    // Per copy: the grid and its shuffle, the kinship matrix (float and byte), per-agent arrays
    // and statistics, objects, and the observations (and final observations, or a scratch copy).
    long perCopy = saturatedAdd(saturatedMultiply(cells, 8), saturatedMultiply(kin, 5));
    perCopy = saturatedAdd(perCopy, saturatedMultiply(agents, 136 + 8L * Stats.COUNT + 8L * ActionTable.COUNT));
    perCopy = saturatedAdd(perCopy, saturatedMultiply(objects, 24));
    perCopy = saturatedAdd(perCopy, saturatedMultiply(saturatedMultiply(agents, observation), 2));
    // The grid writer remembers the cells it wrote in each window (2 bytes a cell at most).
    perCopy = saturatedAdd(perCopy, saturatedMultiply(agents, tokens ? 0 : saturatedMultiply(window, 2)));
    long observe = saturatedMultiply(agents, saturatedAdd(windowBytes, 64 + ActionTable.PAIRS));
    long build = saturatedAdd(saturatedMultiply(cells, 4), saturatedAdd(kin, textChars));
    long reset = saturatedAdd(saturatedAdd(saturatedMultiply(cells, 2), kin), saturatedAdd(objects, observe));
    long step = saturatedAdd(saturatedAdd(observe, kin), saturatedMultiply(agents, 16));
    String size = map + ", " + agents + " agents, view_size " + view;
    return new WorldCost(size, shared, perCopy, build, reset, step);
  }
}
