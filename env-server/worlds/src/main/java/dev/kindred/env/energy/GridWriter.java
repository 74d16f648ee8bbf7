package dev.kindred.env.energy;

import java.util.Arrays;

/**
 * Writes one copy's {@code grid} observation, {@code [CHANNELS, view, view]} per agent (see
 * {@link Observer}), touching only occupied cells: it remembers which cells of each window it
 * wrote (and what stood there), and the next time it zeroes just those before writing the new
 * ones, so a step costs in proportion to the occupied cells in view rather than to the block
 * (17 x view x view bytes per agent, about 98% zeros on S1).
 *
 * <p>That is right only when the block still holds what this writer left there. The caller says
 * whether the buffers vouch for that ({@link dev.kindred.env.WorldBuffers#claimObservation});
 * the writer also checks that it is the same array at the same offset, and that its previous
 * write finished. Otherwise it zeroes the whole block first, as it does after every reset. The
 * readable version, one bulk zero and a test of every cell of every window, is
 * {@code EnergyObservationTest.referenceGrid}; the tests compare the two over long trajectories.
 */
final class GridWriter {
  /** What a remembered cell held: a wall, an agent, or an object of channel {@code kind + 8}. */
  private static final int WALL_CELL = 0;
  private static final int AGENT_CELL = 1;
  private static final int OBJECT_OFFSET = 8;

  private final int view;
  private final int radius;
  private final int plane;
  private final int block;
  /**
   * Per agent, at {@code agent * plane}: the cells written last time, {@code cell << 3 | kind}
   * with {@code cell} the index in the window ({@code < 63 * 63}, so the entry fits a char).
   */
  private final char[] drawn;
  private final int[] drawnCount;
  private byte[] lastOut;
  private int lastBase;
  private boolean lastComplete;

  GridWriter(int view, int agents) {
    this.view = view;
    this.radius = view / 2;
    this.plane = view * view;
    this.block = Observer.CHANNELS * plane;
    this.drawn = new char[Math.multiplyExact(agents, plane)];
    this.drawnCount = new int[agents];
  }

  /**
   * Writes every agent's window into {@code out} from {@code base} (the copy's block).
   *
   * @param ab      per agent, its observer-independent channel values ({@link Observer#agentBytes})
   * @param claimed whether the buffers say this block still holds this writer's last write
   */
  void write(EnergyState s, Occupancy occ, byte[] ab, byte[] out, int base, boolean claimed) {
    final int a = s.agents;
    if (claimed && lastComplete && out == lastOut && base == lastBase) {
      clearDrawn(out, base, a);
    } else {
      Arrays.fill(out, base, base + a * block, (byte) 0);
    }
    lastComplete = false;
    lastOut = out;
    lastBase = base;
    final int width = s.width;
    final int height = s.height;
    final int[] grid = s.grid;
    final long[] bits = occ.bits;
    final int words = occ.words;
    final int plane = this.plane;
    final int view = this.view;
    final int next = s.step + 1;
    final int[] readyAt = s.objReadyAt;
    final int[] stock = s.objStock;
    final int[] channel = s.objChannel;
    final byte[] kin = s.kinByte;
    final char[] drawn = this.drawn;
    for (int i = 0; i < a; i++) {
      int p = s.pos[i];
      int ox = p % width - radius;
      int oy = p / width - radius;
      int x0 = Math.max(0, ox);
      int x1 = Math.min(width - 1, ox + view - 1);
      int y0 = Math.max(0, oy);
      int y1 = Math.min(height - 1, oy + view - 1);
      int ob = base + i * block;
      int kinRow = i * a;
      int d = i * plane;
      int w0 = x0 >>> 6;
      int w1 = x1 >>> 6;
      long first = -1L << x0;
      long last = -1L >>> (63 - (x1 & 63));
      for (int y = y0; y <= y1; y++) {
        int row = y * width;
        int cellRow = (y - oy) * view - ox;
        int bitRow = y * words;
        for (int wi = w0; wi <= w1; wi++) {
          long m = bits[bitRow + wi];
          if (wi == w0) {
            m &= first;
          }
          if (wi == w1) {
            m &= last;
          }
          while (m != 0) {
            int x = (wi << 6) + Long.numberOfTrailingZeros(m);
            m &= m - 1;
            int code = grid[row + x];
            int cell = cellRow + x;
            int w = ob + cell;
            if (code == EnergyState.WALL) {
              out[w + Observer.WALL * plane] = 1;
              drawn[d++] = (char) (cell << 3 | WALL_CELL);
            } else if (code < 0) {
              int o = (-code - 1) * 8;
              out[w] = 1;
              out[w + Observer.AGENT_ENERGY * plane] = ab[o];
              out[w + Observer.AGENT_ORIENTATION * plane] = ab[o + 1];
              out[w + Observer.AGENT_FROZEN * plane] = ab[o + 2];
              out[w + Observer.AGENT_SHIELD * plane] = ab[o + 3];
              out[w + Observer.AGENT_GROUP * plane] = ab[o + 4];
              out[w + Observer.AGENT_KINSHIP * plane] = kin[kinRow - code - 1];
              out[w + Observer.AGENT_GREEN * plane] = ab[o + 5];
              out[w + Observer.AGENT_YELLOW * plane] = ab[o + 6];
              drawn[d++] = (char) (cell << 3 | AGENT_CELL);
            } else if (code != EnergyState.EMPTY) {
              int obj = code - EnergyState.FIRST_OBJECT;
              int ch = channel[obj];
              out[w + ch * plane] = 1;
              int cool = readyAt[obj] - next;
              int left = stock[obj];
              if (cool <= 0) {
                if (left != 0) {
                  out[w + Observer.OBJECT_READY * plane] = 1;
                }
              } else {
                out[w + Observer.OBJECT_COOLDOWN * plane] = (byte) Math.min(255, cool);
              }
              if (left > 0) {
                out[w + Observer.GENERATOR_STOCK * plane] = (byte) Math.min(255, left);
              }
              drawn[d++] = (char) (cell << 3 | (ch - OBJECT_OFFSET));
            }
          }
        }
      }
      drawnCount[i] = d - i * plane;
    }
    lastComplete = true;
  }

  /** Zeroes every byte the last write may have set: the channels of each cell it remembers. */
  private void clearDrawn(byte[] out, int base, int agents) {
    final int plane = this.plane;
    final char[] drawn = this.drawn;
    for (int i = 0; i < agents; i++) {
      int ob = base + i * block;
      int from = i * plane;
      int to = from + drawnCount[i];
      for (int k = from; k < to; k++) {
        int e = drawn[k];
        int w = ob + (e >>> 3);
        int kind = e & 7;
        if (kind == WALL_CELL) {
          out[w + Observer.WALL * plane] = 0;
        } else if (kind == AGENT_CELL) {
          out[w] = 0;
          out[w + Observer.AGENT_ENERGY * plane] = 0;
          out[w + Observer.AGENT_ORIENTATION * plane] = 0;
          out[w + Observer.AGENT_FROZEN * plane] = 0;
          out[w + Observer.AGENT_SHIELD * plane] = 0;
          out[w + Observer.AGENT_GROUP * plane] = 0;
          out[w + Observer.AGENT_KINSHIP * plane] = 0;
          out[w + Observer.AGENT_GREEN * plane] = 0;
          out[w + Observer.AGENT_YELLOW * plane] = 0;
        } else {
          out[w + (kind + OBJECT_OFFSET) * plane] = 0;
          out[w + Observer.OBJECT_READY * plane] = 0;
          out[w + Observer.OBJECT_COOLDOWN * plane] = 0;
          out[w + Observer.GENERATOR_STOCK * plane] = 0;
        }
      }
    }
  }
}
