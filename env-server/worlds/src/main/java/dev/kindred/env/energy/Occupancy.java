package dev.kindred.env.energy;

import java.util.Arrays;

/**
 * Which cells of one copy's map hold a wall, an object or an agent: three bit sets, one bit per
 * cell, rows padded to whole 64-bit words. The observation writers visit the occupied cells of a
 * window through these bits instead of testing every cell (S1's windows are about a fifth
 * occupied), one kind at a time (no guessing which kind comes next). Walls and objects never move
 * within an episode, so their bits are set once per episode; the agents' bits are moved to
 * their current cells before every write.
 */
final class Occupancy {
  final int words;
  final long[] walls;
  final long[] objects;
  final long[] agents;
  /** Bit y: some agent stands in row y (agents are few, so most rows of a window have none). */
  final long[] agentRows;
  private final int[] agentsInRow;
  /** Per agent, the cell its bit is at (-1: none) and that cell's column and row. */
  private final int[] placed;
  final int[] x;
  final int[] y;
  private final int width;
  private final int plane;
  /**
   * Per agent, at {@code agent * plane}: the objects in the window centred on
   * {@code listPos[agent]} (-1: none listed), row-major, as window cell and object index.
   * Objects never move, so the list holds while the agent stays.
   */
  private final char[] objectCells;
  private final int[] objectIndex;
  private final int[] objectCount;
  private final int[] listPos;

  Occupancy(int width, int height, int agents, int view) {
    this.width = width;
    this.words = (width + 63) >>> 6;
    int n = Math.multiplyExact(words, height);
    this.walls = new long[n];
    this.objects = new long[n];
    this.agents = new long[n];
    this.agentRows = new long[(height + 63) >>> 6];
    this.agentsInRow = new int[height];
    this.placed = new int[agents];
    this.x = new int[agents];
    this.y = new int[agents];
    this.plane = view * view;
    this.objectCells = new char[Math.multiplyExact(agents, plane)];
    this.objectIndex = new int[Math.multiplyExact(agents, plane)];
    this.objectCount = new int[agents];
    this.listPos = new int[agents];
    Arrays.fill(listPos, -1);
  }

  /** Sets the bits of the walls and objects of the episode that just started; clears the agents'. */
  void episodeStarted(EnergyState s) {
    Arrays.fill(walls, 0L);
    Arrays.fill(objects, 0L);
    Arrays.fill(agents, 0L);
    Arrays.fill(agentRows, 0L);
    Arrays.fill(listPos, -1);
    Arrays.fill(agentsInRow, 0);
    Arrays.fill(placed, -1);
    int[] grid = s.grid;
    int width = s.width;
    for (int y = 0; y < s.height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        int code = grid[row + x];
        if (code == EnergyState.WALL) {
          walls[y * words + (x >>> 6)] |= 1L << x;
        } else if (code >= EnergyState.FIRST_OBJECT) {
          objects[y * words + (x >>> 6)] |= 1L << x;
        }
      }
    }
  }

  /**
   * Moves the bits of the agents that moved since the last call (all of them after a reset) to
   * their cells, and their coordinates with them ({@link #x}, {@link #y}): first every bit that
   * is left, then every bit that is taken, since two agents may have swapped.
   */
  void placeAgents(EnergyState s) {
    final int[] pos = s.pos;
    final int n = s.agents;
    for (int a = 0; a < n; a++) {
      int old = placed[a];
      if (old != pos[a] && old >= 0) {
        int ay = y[a];
        agents[ay * words + (x[a] >>> 6)] &= ~(1L << x[a]);
        if (--agentsInRow[ay] == 0) {
          agentRows[ay >>> 6] &= ~(1L << ay);
        }
      }
    }
    for (int a = 0; a < n; a++) {
      int p = pos[a];
      if (placed[a] != p) {
        int ax = p % width;
        int ay = p / width;
        agents[ay * words + (ax >>> 6)] |= 1L << ax;
        agentsInRow[ay]++;
        agentRows[ay >>> 6] |= 1L << ay;
        placed[a] = p;
        x[a] = ax;
        y[a] = ay;
      }
    }
  }

  /**
   * Lists the objects in the window of side {@code view} whose top-left corner is
   * {@code (ox, oy)}, for {@code agent} standing at {@code pos}, unless they are listed already;
   * returns how many there are ({@link #objectCell}, {@link #objectIndex} read them).
   */
  int listObjects(EnergyState s, int agent, int pos, int ox, int oy, int view) {
    if (listPos[agent] == pos) {
      return objectCount[agent];
    }
    int x0 = Math.max(0, ox);
    int x1 = Math.min(width - 1, ox + view - 1);
    int y0 = Math.max(0, oy);
    int y1 = Math.min(s.height - 1, oy + view - 1);
    int w0 = x0 >>> 6;
    int w1 = x1 >>> 6;
    long first = -1L << x0;
    long last = -1L >>> (63 - (x1 & 63));
    int d = agent * plane;
    for (int y = y0; y <= y1; y++) {
      int bitRow = y * words;
      int cellRow = (y - oy) * view - ox;
      int row = y * width;
      for (int wi = w0; wi <= w1; wi++) {
        long m = objects[bitRow + wi] & (wi == w0 ? first : -1L) & (wi == w1 ? last : -1L);
        int xw = wi << 6;
        while (m != 0) {
          int x = xw + Long.numberOfTrailingZeros(m);
          m &= m - 1;
          objectCells[d] = (char) (cellRow + x);
          objectIndex[d++] = s.grid[row + x] - EnergyState.FIRST_OBJECT;
        }
      }
    }
    listPos[agent] = pos;
    return objectCount[agent] = d - agent * plane;
  }

  /** The window cell of object {@code k} listed for {@code agent}. */
  int objectCell(int agent, int k) {
    return objectCells[agent * plane + k];
  }

  /** The index of object {@code k} listed for {@code agent}. */
  int objectIndex(int agent, int k) {
    return objectIndex[agent * plane + k];
  }
}
