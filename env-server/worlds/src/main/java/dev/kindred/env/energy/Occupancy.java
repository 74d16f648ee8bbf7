package dev.kindred.env.energy;

import java.util.Arrays;

/**
 * Which cells of one copy's map are occupied, one bit per cell, rows padded to whole 64-bit
 * words: the observation writers visit the occupied cells of a window through these bits
 * instead of testing every cell (S1's windows are about a fifth occupied). Walls and objects
 * never move within an episode, so their bits are set once per episode; the agents' bits are
 * moved to their current cells before every write.
 */
final class Occupancy {
  final int words;
  final long[] bits;
  private final int[] placed;
  private int placedCount;

  Occupancy(int width, int height, int agents) {
    this.words = (width + 63) >>> 6;
    this.bits = new long[Math.multiplyExact(words, height)];
    this.placed = new int[agents];
  }

  /** Sets the bits of the walls and objects of the episode that just started, and no others. */
  void episodeStarted(EnergyState s) {
    Arrays.fill(bits, 0L);
    placedCount = 0;
    int[] grid = s.grid;
    int width = s.width;
    for (int y = 0; y < s.height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        if (grid[row + x] > EnergyState.EMPTY) {
          set(x, y);
        }
      }
    }
  }

  /** Moves the agents' bits to their current cells (an agent never shares a wall's or object's cell). */
  void placeAgents(EnergyState s) {
    int width = s.width;
    for (int k = 0; k < placedCount; k++) {
      int p = placed[k];
      bits[(p / width) * words + ((p % width) >>> 6)] &= ~(1L << (p % width));
    }
    int[] pos = s.pos;
    for (int a = 0; a < s.agents; a++) {
      int p = pos[a];
      set(p % width, p / width);
      placed[a] = p;
    }
    placedCount = s.agents;
  }

  private void set(int x, int y) {
    bits[y * words + (x >>> 6)] |= 1L << x;
  }
}
