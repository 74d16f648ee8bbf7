package dev.kindred.env.energy;

/**
 * What every episode of a world starts from: the fixed walls, the objects (each at a fixed
 * cell, or -1 to be placed at a random free cell from the episode seed), the agents likewise,
 * and how many extra walls go to random free cells. Built by {@link RoomBuilder} or
 * {@link AsciiMap}; immutable.
 */
final class MapTemplate {
  final int width;
  final int height;
  final int agents;
  final int[] baseGrid;        // WALL where fixed walls stand, EMPTY elsewhere
  final int[] agentCell;       // fixed cell or -1
  final EnergyObject[] objType;
  final int[] objCell;         // fixed cell or -1
  final int randomWalls;
  final int[] free;            // cells random placements draw from

  MapTemplate(int width, int height, int[] baseGrid, int[] agentCell, EnergyObject[] objType, int[] objCell,
      int randomWalls) {
    this.width = width;
    this.height = height;
    this.agents = agentCell.length;
    this.baseGrid = baseGrid;
    this.agentCell = agentCell;
    this.objType = objType;
    this.objCell = objCell;
    this.randomWalls = randomWalls;
    boolean[] taken = new boolean[width * height];
    for (int c : agentCell) {
      if (c >= 0) {
        taken[c] = true;
      }
    }
    for (int c : objCell) {
      if (c >= 0) {
        taken[c] = true;
      }
    }
    // Two passes over primitive arrays: a boxed list of a 4096 x 4096 map's cells would take
    // hundreds of megabytes.
    int count = 0;
    for (int c = 0; c < baseGrid.length; c++) {
      if (baseGrid[c] == EnergyState.EMPTY && !taken[c]) {
        count++;
      }
    }
    int[] f = new int[count];
    int k = 0;
    for (int c = 0; c < baseGrid.length; c++) {
      if (baseGrid[c] == EnergyState.EMPTY && !taken[c]) {
        f[k++] = c;
      }
    }
    this.free = f;
  }
}
