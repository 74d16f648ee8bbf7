package dev.kindred.env.energy;

import java.util.Arrays;

/**
 * Writes one copy's {@code tokens} observation: per agent {@code budget} (location, feature,
 * value) byte triples, the way token-observation grid worlds do it. Each nonzero value of the
 * {@code grid} window becomes one token: location {@code row << 4 | column} of the window,
 * feature the grid's channel, value the grid's byte; zeros are left out and unused slots are
 * {@code 0xFF 0xFF 0xFF}. Tokens come cell by cell in row-major order of the window, each
 * cell's in increasing feature id. Decoding ({@code grid[feature][row][column] = value}) gives
 * the {@code grid} observation byte for byte while a window holds at most {@code budget} tokens.
 *
 * <p>When it holds more, whole cells are dropped, the farthest from the centre first (Manhattan
 * distance; among equally far cells, the later in row-major order first) until the rest fit:
 * the kept cells are the longest run of the window's cells in order of distance whose tokens
 * fit the budget. The kept tokens stay in row-major order. The tokens left out are counted per
 * agent ({@link #dropped}, the episode statistic {@code tokens_dropped}).
 *
 * <p>The writer goes straight to the tokens, with no dense window in between, and like
 * {@link GridWriter} it refills with 0xFF only the slots its previous write used beyond this
 * one's, when the block still holds that write (else the whole tail). The readable version is
 * {@code EnergyTokenTest.referenceTokens}.
 */
final class TokenWriter {
  static final int EMPTY = 0xFF;
  /** The most tokens one cell can give: an agent's nine channels. */
  static final int MAX_CELL_TOKENS = 9;

  private final int view;
  private final int radius;
  private final int plane;
  private final int budget;
  private final int blockBytes;
  /** The window's cells in the order in which they are kept: by distance from the centre, then row-major. */
  private final int[] byDistance;
  /** Tokens each agent's window held at the last write (kept ones). */
  private final int[] used;
  /** Per agent, tokens left out since the episode started. */
  private final long[] dropped;
  /** Per agent: features 0-5 and 7-8 of its cell as (feature, value) pairs, zeros left out. */
  private final byte[] agentTokens;
  private final int[] before;
  private final int[] after;
  private final int[] keep;
  private int stamp;
  private byte[] lastOut;
  private int lastBase;
  private boolean lastComplete;

  TokenWriter(int view, int agents, int budget) {
    this.view = view;
    this.radius = view / 2;
    this.plane = view * view;
    this.budget = budget;
    this.blockBytes = 3 * budget;
    this.byDistance = distanceOrder(view);
    this.used = new int[agents];
    this.dropped = new long[agents];
    this.agentTokens = new byte[agents * 16];
    this.before = new int[agents];
    this.after = new int[agents];
    this.keep = new int[plane];
  }

  /** The cells of a window of side {@code view}, by Manhattan distance from the centre, then row-major. */
  static int[] distanceOrder(int view) {
    int r = view / 2;
    Integer[] cells = new Integer[view * view];
    for (int c = 0; c < cells.length; c++) {
      cells[c] = c;
    }
    Arrays.sort(cells, (p, q) -> {
      int dp = Math.abs(p / view - r) + Math.abs(p % view - r);
      int dq = Math.abs(q / view - r) + Math.abs(q % view - r);
      return dp != dq ? Integer.compare(dp, dq) : Integer.compare(p, q);
    });
    int[] out = new int[cells.length];
    for (int c = 0; c < out.length; c++) {
      out[c] = cells[c];
    }
    return out;
  }

  void episodeStarted() {
    Arrays.fill(dropped, 0L);
  }

  /** Tokens left out of {@code agent}'s observations since the episode started. */
  long dropped(int agent) {
    return dropped[agent];
  }

  /**
   * Writes every agent's tokens into {@code out} from {@code base} (the copy's block).
   *
   * @param ab      per agent, its observer-independent channel values ({@link Observer#agentBytes})
   * @param claimed whether the buffers say this block still holds this writer's last write
   */
  void write(EnergyState s, Occupancy occ, byte[] ab, byte[] out, int base, boolean claimed) {
    final int a = s.agents;
    final boolean incremental = claimed && lastComplete && out == lastOut && base == lastBase;
    lastComplete = false;
    lastOut = out;
    lastBase = base;
    prepareAgents(a, ab);
    for (int i = 0; i < a; i++) {
      int ob = base + i * blockBytes;
      int end = ob + blockBytes;
      int p = writeWindow(s, occ, i, out, ob, end, false);
      int tail = incremental ? ob + 3 * used[i] : end;
      if (p < 0) { // the attempt may have written up to the end of the block
        p = writeOverBudget(s, occ, i, out, ob, end);
        tail = end;
      }
      int n = (p - ob) / 3;
      if (p < tail) {
        Arrays.fill(out, p, tail, (byte) EMPTY);
      }
      used[i] = n;
    }
    lastComplete = true;
  }

  /** Each agent's nonzero channels other than kinship as (feature, value) pairs, in feature order. */
  private void prepareAgents(int agents, byte[] ab) {
    byte[] t = agentTokens;
    for (int j = 0; j < agents; j++) {
      int o = j * 8;
      int q = j * 16;
      t[q++] = Observer.AGENT;
      t[q++] = 1;
      for (int c = Observer.AGENT_ENERGY; c <= Observer.AGENT_GROUP; c++) {
        byte v = ab[o + c - 1];
        if (v != 0) {
          t[q++] = (byte) c;
          t[q++] = v;
        }
      }
      before[j] = q - j * 16;
      for (int c = Observer.AGENT_GREEN; c <= Observer.AGENT_YELLOW; c++) {
        byte v = ab[o + c - 2];
        if (v != 0) {
          t[q++] = (byte) c;
          t[q++] = v;
        }
      }
      after[j] = q - j * 16;
    }
  }

  /**
   * Writes agent {@code i}'s window from {@code ob}, row-major: every occupied cell, or with
   * {@code onlyKept} only the cells marked in {@link #keep} with the current stamp. Returns the
   * end of what it wrote, or -1 when a cell did not fit before {@code end} (nothing is then
   * promised about the block).
   */
  private int writeWindow(EnergyState s, Occupancy occ, int i, byte[] out, int ob, int end, boolean onlyKept) {
    final int width = s.width;
    final int[] grid = s.grid;
    final long[] bits = occ.bits;
    final int words = occ.words;
    final int view = this.view;
    final int a = s.agents;
    final int next = s.step + 1;
    final int[] readyAt = s.objReadyAt;
    final int[] stock = s.objStock;
    final int[] channel = s.objChannel;
    final byte[] kin = s.kinByte;
    final byte[] t = agentTokens;
    final int[] keep = this.keep;
    final int stamp = this.stamp;
    final int safe = end - 3 * MAX_CELL_TOKENS;
    int pos = s.pos[i];
    int ox = pos % width - radius;
    int oy = pos / width - radius;
    int x0 = Math.max(0, ox);
    int x1 = Math.min(width - 1, ox + view - 1);
    int y0 = Math.max(0, oy);
    int y1 = Math.min(s.height - 1, oy + view - 1);
    int kinRow = i * a;
    int w0 = x0 >>> 6;
    int w1 = x1 >>> 6;
    long first = -1L << x0;
    long last = -1L >>> (63 - (x1 & 63));
    int p = ob;
    for (int y = y0; y <= y1; y++) {
      int row = y * width;
      int bitRow = y * words;
      int locRow = (y - oy) << 4;
      int cellRow = (y - oy) * view - ox;
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
          if (onlyKept && keep[cellRow + x] != stamp) {
            continue;
          }
          int code = grid[row + x];
          if (code == EnergyState.EMPTY) {
            continue;
          }
          if (p > safe && p + 3 * need(s, code, kinRow) > end) {
            return -1;
          }
          byte loc = (byte) (locRow + x - ox);
          if (code == EnergyState.WALL) {
            out[p] = loc;
            out[p + 1] = Observer.WALL;
            out[p + 2] = 1;
            p += 3;
          } else if (code < 0) {
            int j = -code - 1;
            int q = j * 16;
            int b = q + before[j];
            for (; q < b; q += 2) {
              out[p] = loc;
              out[p + 1] = t[q];
              out[p + 2] = t[q + 1];
              p += 3;
            }
            byte k = kin[kinRow + j];
            if (k != 0) {
              out[p] = loc;
              out[p + 1] = Observer.AGENT_KINSHIP;
              out[p + 2] = k;
              p += 3;
            }
            int e = j * 16 + after[j];
            for (; q < e; q += 2) {
              out[p] = loc;
              out[p + 1] = t[q];
              out[p + 2] = t[q + 1];
              p += 3;
            }
          } else {
            int obj = code - EnergyState.FIRST_OBJECT;
            out[p] = loc;
            out[p + 1] = (byte) channel[obj];
            out[p + 2] = 1;
            p += 3;
            int cool = readyAt[obj] - next;
            int left = stock[obj];
            if (cool <= 0) {
              if (left != 0) {
                out[p] = loc;
                out[p + 1] = Observer.OBJECT_READY;
                out[p + 2] = 1;
                p += 3;
              }
            } else {
              out[p] = loc;
              out[p + 1] = Observer.OBJECT_COOLDOWN;
              out[p + 2] = (byte) Math.min(255, cool);
              p += 3;
            }
            if (left > 0) {
              out[p] = loc;
              out[p + 1] = Observer.GENERATOR_STOCK;
              out[p + 2] = (byte) Math.min(255, left);
              p += 3;
            }
          }
        }
      }
    }
    return p;
  }

  /** Tokens of the cell holding {@code code} (not empty) in the window of the observer at {@code kinRow}. */
  private int need(EnergyState s, int code, int kinRow) {
    if (code == EnergyState.WALL) {
      return 1;
    }
    if (code < 0) {
      int j = -code - 1;
      return after[j] / 2 + (s.kinByte[kinRow + j] != 0 ? 1 : 0);
    }
    int obj = code - EnergyState.FIRST_OBJECT;
    int cool = s.objReadyAt[obj] - (s.step + 1);
    int left = s.objStock[obj];
    return 1 + (cool > 0 || left != 0 ? 1 : 0) + (left > 0 ? 1 : 0);
  }

  /**
   * Agent {@code i}'s window holds more tokens than the budget: keeps the longest run of cells
   * in order of distance whose tokens fit, counts the rest as dropped, and writes the kept ones.
   */
  private int writeOverBudget(EnergyState s, Occupancy occ, int i, byte[] out, int ob, int end) {
    int st = ++stamp;
    if (st == 0) { // wrapped: forget marks that could collide
      Arrays.fill(keep, 0);
      st = stamp = 1;
    }
    int width = s.width;
    int height = s.height;
    int pos = s.pos[i];
    int ox = pos % width - radius;
    int oy = pos / width - radius;
    int kinRow = i * s.agents;
    int total = 0;
    int kept = 0;
    boolean full = false;
    for (int cell : byDistance) {
      int x = ox + cell % view;
      int y = oy + cell / view;
      if (x < 0 || y < 0 || x >= width || y >= height) {
        continue;
      }
      int code = s.grid[y * width + x];
      if (code == EnergyState.EMPTY) {
        continue;
      }
      int n = need(s, code, kinRow);
      total += n;
      if (!full && kept + n <= budget) {
        kept += n;
        keep[cell] = st;
      } else {
        full = true;
      }
    }
    dropped[i] += total - kept;
    return writeWindow(s, occ, i, out, ob, end, true);
  }
}
