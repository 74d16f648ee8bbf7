package dev.kindred.env.energy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Writes one copy's {@code tokens} observation: per agent {@code budget} (location, feature,
 * value) byte triples, the way token-observation grid worlds do it. Each nonzero value of the
 * {@code grid} window becomes one token: location {@code row << 4 | column} of the window,
 * feature the grid's channel, value the grid's byte; zeros are left out and unused slots are
 * {@code 0xFF 0xFF 0xFF}. Tokens are grouped by what stands in their cell, walls first, then
 * objects, then agents; within a group they come cell by cell in row-major order of the window,
 * each cell's in increasing feature id. Decoding ({@code grid[feature][row][column] = value})
 * gives the {@code grid} observation byte for byte while a window holds at most {@code budget}
 * tokens.
 *
 * <p>When it holds more, whole cells are dropped, the farthest from the centre first (Manhattan
 * distance; among equally far cells, the later in row-major order first) until the rest fit:
 * the kept cells are the longest run of the window's cells in order of distance whose tokens
 * fit the budget. The kept tokens keep the order above. The tokens left out are counted per
 * agent ({@link #dropped}, the episode statistic {@code tokens_dropped}).
 *
 * <p>The writer goes straight to the tokens, with no dense window in between. Like
 * {@link GridWriter} it starts from its previous write when the block still holds it (same
 * checks): the walls, which never move within an episode, lead each agent's tokens, so while the
 * agent stays where it was they are already in place and only objects and agents are written;
 * and only the slots its previous write used beyond this one's are refilled with 0xFF. An agent's
 * tokens other than kinship are prepared once per write with location 0 and copied into each
 * window that sees it as four long stores with the location added ({@link #CELL_BYTES}). The
 * readable version is {@code TokenWriterTest.referenceTokens}.
 */
final class TokenWriter {
  static final int EMPTY = 0xFF;
  /** The most tokens one cell can give: an agent's nine channels. */
  static final int MAX_CELL_TOKENS = 9;
  /**
   * Bytes written for an agent's cell while the block has room: its at most 27 bytes as four
   * long stores, the rest scratch that what follows writes over (or the closing 0xFF fill).
   */
  static final int CELL_BYTES = 32;
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /** Per long of a cell's 32 bytes, 1 in each location byte (bytes 0, 3, ..., 30). */
  private static final long LOC0 = locBytes(0);
  private static final long LOC1 = locBytes(1);
  private static final long LOC2 = locBytes(2);
  private static final long LOC3 = locBytes(3);

  private final int view;
  private final int plane;
  private final int budget;
  private final int blockBytes;
  /** The window's cells in the order in which they are kept: by distance from the centre, then row-major. */
  private final int[] byDistance;
  /** Tokens each agent's window held at the last write (kept ones). */
  private final int[] used;
  /** Per agent, the wall tokens that lead its last write, or -1 when they were not all of its walls. */
  private final int[] wallTokens;
  /** Per agent, its cell at the last write. */
  private final int[] lastPos;
  /** Per agent, tokens left out since the episode started. */
  private final long[] dropped;
  /**
   * Per agent, 64 bytes: its cell's tokens with location 0, {@link #count} of them, from byte 0
   * (the nonzero channels other than kinship, which depends on the observer), then from byte 32
   * the same with a kinship token of value 0 after the first {@link #before} (channels 0-5).
   * Location bytes are always 0; bytes past the tokens are stale.
   */
  private final byte[] agentTokens;
  private final int[] before;
  private final int[] count;
  private final int[] keep;
  /** The location byte of each window cell, {@code row << 4 | column}. */
  private final byte[] locOf;
  private int stamp;
  private byte[] lastOut;
  private int lastBase;
  private boolean lastComplete;
  private boolean episodeStarted = true;
  /** The window being written. */
  private final Window win;

  TokenWriter(int view, int agents, int budget) {
    this.view = view;
    this.win = new Window(view);
    this.plane = view * view;
    this.budget = budget;
    this.blockBytes = 3 * budget;
    this.byDistance = distanceOrder(view);
    this.used = new int[agents];
    this.wallTokens = new int[agents];
    this.lastPos = new int[agents];
    this.dropped = new long[agents];
    this.agentTokens = new byte[agents * 64];
    this.before = new int[agents];
    this.count = new int[agents];
    this.keep = new int[plane];
    this.locOf = new byte[plane];
    for (int c = 0; c < plane; c++) {
      locOf[c] = (byte) ((c / view) << 4 | c % view);
    }
  }

  private static long locBytes(int word) {
    long m = 0;
    for (int b = 0; b < CELL_BYTES; b += 3) {
      if (b >> 3 == word) {
        m |= 1L << ((b & 7) << 3);
      }
    }
    return m;
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

  /** A new episode (a new map): forgets the dropped tokens, and the next write starts afresh. */
  void episodeStarted() {
    Arrays.fill(dropped, 0L);
    episodeStarted = true;
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
    final boolean incremental = claimed && lastComplete && !episodeStarted && out == lastOut && base == lastBase;
    lastComplete = false;
    episodeStarted = false;
    lastOut = out;
    lastBase = base;
    prepareAgents(a, ab);
    for (int i = 0; i < a; i++) {
      int ob = base + i * blockBytes;
      int end = ob + blockBytes;
      int pos = s.pos[i];
      win.frame(s, occ.x[i], occ.y[i]);
      int p;
      if (incremental && lastPos[i] == pos && wallTokens[i] >= 0) {
        p = ob + 3 * wallTokens[i];
      } else {
        p = writeWalls(occ, out, ob, end, false);
        wallTokens[i] = p < 0 ? -1 : (p - ob) / 3;
      }
      if (p >= 0) {
        p = writeObjects(s, occ, out, p, end, i, pos, false);
      }
      if (p >= 0) {
        p = writeAgents(s, occ, out, p, end, i, false);
      }
      int tail = incremental ? ob + 3 * used[i] : end;
      if (p < 0) { // the attempt may have written up to the end of the block
        p = writeOverBudget(s, occ, i, out, ob, end);
        tail = end;
        wallTokens[i] = -1;
      }
      // Agents' cells may have left scratch in the 32 bytes from p (see CELL_BYTES).
      if (p + CELL_BYTES <= end) {
        LONG.set(out, p, -1L);
        LONG.set(out, p + 8, -1L);
        LONG.set(out, p + 16, -1L);
        LONG.set(out, p + 24, -1L);
        if (p + CELL_BYTES < tail) {
          Arrays.fill(out, p + CELL_BYTES, tail, (byte) EMPTY);
        }
      } else {
        Arrays.fill(out, p, end, (byte) EMPTY);
      }
      used[i] = (p - ob) / 3;
      lastPos[i] = pos;
    }
    lastComplete = true;
  }

  /**
   * Each agent's tokens other than kinship with location 0, twice ({@link #agentTokens}).
   * Presence, orientation (1-4) and group (1 + group) are never 0; each other token is written
   * where it would go and the next one written over it when its value is 0.
   */
  private void prepareAgents(int agents, byte[] ab) {
    final byte[] t = agentTokens;
    for (int j = 0; j < agents; j++) {
      int o = j * 8;
      int q = j * 64 + 1; // the plain tokens' feature bytes; q + 32 those of the version with kinship
      byte energy = ab[o];
      byte frozen = ab[o + 2];
      byte shield = ab[o + 3];
      byte green = ab[o + 5];
      byte yellow = ab[o + 6];
      int k = q;
      k = pair(t, k, Observer.AGENT, (byte) 1, true);
      k = pair(t, k, Observer.AGENT_ENERGY, energy, energy != 0);
      k = pair(t, k, Observer.AGENT_ORIENTATION, ab[o + 1], true);
      k = pair(t, k, Observer.AGENT_FROZEN, frozen, frozen != 0);
      k = pair(t, k, Observer.AGENT_SHIELD, shield, shield != 0);
      k = pair(t, k, Observer.AGENT_GROUP, ab[o + 4], true);
      int b = (k - q) / 3;
      before[j] = b;
      t[k + 32] = Observer.AGENT_KINSHIP;
      t[k + 33] = 0;
      k = pair(t, k, Observer.AGENT_GREEN, green, green != 0);
      k = pair(t, k, Observer.AGENT_YELLOW, yellow, yellow != 0);
      count[j] = (k - q) / 3;
    }
  }

  /**
   * Writes a (feature, value) pair at {@code k} in the plain version and at the same token of the
   * version with kinship ({@code k + 32}, one token later past the kinship token); returns the
   * next token's {@code k} when {@code keep}.
   */
  private int pair(byte[] t, int k, int feature, byte value, boolean keep) {
    int w = k + 32 + (feature > Observer.AGENT_KINSHIP ? 3 : 0);
    t[k] = (byte) feature;
    t[k + 1] = value;
    t[w] = (byte) feature;
    t[w + 1] = value;
    return keep ? k + 3 : k;
  }

  /**
   * Writes a token per wall in the window from {@code p}, row-major (with {@code onlyKept}, of the
   * cells marked in {@link #keep} alone). Returns where it stopped, or -1 when the budget ran out
   * before {@code end} (the block is then in no particular state).
   */
  private int writeWalls(Occupancy occ, byte[] out, int p, int end, boolean onlyKept) {
    final long[] bits = occ.walls;
    final int words = occ.words;
    final int[] keep = this.keep;
    final int stamp = this.stamp;
    final int view = this.view;
    final Window win = this.win;
    final int ox = win.ox;
    final int oy = win.oy;
    for (int y = win.y0; y <= win.y1; y++) {
      int bitRow = y * words;
      int locRow = ((y - oy) << 4) - ox;
      int cellRow = (y - oy) * view - ox;
      for (int wi = win.w0; wi <= win.w1; wi++) {
        long m = win.columns(bits[bitRow + wi], wi);
        int xw = wi << 6;
        while (m != 0) {
          int x = xw + Long.numberOfTrailingZeros(m);
          m &= m - 1;
          if (onlyKept && keep[cellRow + x] != stamp) {
            continue;
          }
          if (p + 3 > end) {
            return -1;
          }
          out[p] = (byte) (locRow + x);
          out[p + 1] = Observer.WALL;
          out[p + 2] = 1;
          p += 3;
        }
      }
    }
    return p;
  }

  /** As {@link #writeWalls}, for the objects in agent {@code i}'s window: their kind, ready or cooldown, and stock. */
  private int writeObjects(EnergyState s, Occupancy occ, byte[] out, int p, int end, int i, int pos,
      boolean onlyKept) {
    final int next = s.step + 1;
    final int[] readyAt = s.objReadyAt;
    final int[] stock = s.objStock;
    final int[] channel = s.objChannel;
    final int[] keep = this.keep;
    final int stamp = this.stamp;
    final int view = this.view;
    final int safe = end - 9;
    int n = occ.listObjects(s, i, pos, win.ox, win.oy, view);
    for (int k = 0; k < n; k++) {
      int cell = occ.objectCell(i, k);
      if (onlyKept && keep[cell] != stamp) {
        continue;
      }
      int obj = occ.objectIndex(i, k);
      int cool = readyAt[obj] - next;
      int left = stock[obj];
      byte loc = locOf[cell];
      boolean cooling = cool > 0;
      if (p > safe && p + 3 * (1 + (cooling || left != 0 ? 1 : 0) + (left > 0 ? 1 : 0)) > end) {
        return -1;
      }
      out[p] = loc;
      out[p + 1] = (byte) channel[obj];
      out[p + 2] = 1;
      p += 3;
      if (cooling) {
        out[p] = loc;
        out[p + 1] = Observer.OBJECT_COOLDOWN;
        out[p + 2] = (byte) Math.min(255, cool);
        p += 3;
      } else if (left != 0) {
        out[p] = loc;
        out[p + 1] = Observer.OBJECT_READY;
        out[p + 2] = 1;
        p += 3;
      }
      if (left > 0) {
        out[p] = loc;
        out[p + 1] = Observer.GENERATOR_STOCK;
        out[p + 2] = (byte) Math.min(255, left);
        p += 3;
      }
    }
    return p;
  }

  /** As {@link #writeWalls}, for the agents in agent {@code i}'s window (kinship as {@code i} sees it). */
  private int writeAgents(EnergyState s, Occupancy occ, byte[] out, int p, int end, int i, boolean onlyKept) {
    final byte[] kin = s.kinByte;
    final int kinRow = i * s.agents;
    final byte[] t = agentTokens;
    final int[] keep = this.keep;
    final int stamp = this.stamp;
    final int view = this.view;
    final Window win = this.win;
    final int ox = win.ox;
    final int oy = win.oy;
    final int x0 = win.x0;
    final int span = win.x1 - win.x0;
    final int[] order = occ.byCell;
    final int[] xs = occ.x;
    final int[] ys = occ.y;
    // The agents of the window's rows, in row-major order; those in its columns are in the window.
    for (int idx = occ.rowStart[win.y0], last = occ.rowStart[win.y1 + 1]; idx < last; idx++) {
      int j = order[idx];
      int x = xs[j];
      if (Integer.compareUnsigned(x - x0, span) > 0) {
        continue;
      }
      int y = ys[j];
      if (onlyKept && keep[(y - oy) * view + x - ox] != stamp) {
        continue;
      }
      byte k = kin[kinRow + j];
      byte loc = (byte) (((y - oy) << 4) + x - ox);
      int q = k == 0 ? j * 64 : j * 64 + 32;
      int n = k == 0 ? count[j] : count[j] + 1;
      if (p + CELL_BYTES <= end) {
        // The prepared bytes with this window's location in each token, four longs at a time.
        long l = loc & 0xFFL;
        LONG.set(out, p, (long) LONG.get(t, q) | l * LOC0);
        LONG.set(out, p + 8, (long) LONG.get(t, q + 8) | l * LOC1);
        LONG.set(out, p + 16, (long) LONG.get(t, q + 16) | l * LOC2);
        LONG.set(out, p + 24, (long) LONG.get(t, q + 24) | l * LOC3);
      } else {
        if (p + 3 * n > end) {
          return -1;
        }
        for (int c = 0; c < n; c++) {
          out[p + 3 * c] = loc;
          out[p + 3 * c + 1] = t[q + 3 * c + 1];
          out[p + 3 * c + 2] = t[q + 3 * c + 2];
        }
      }
      if (k != 0) {
        out[p + 3 * before[j] + 2] = k;
      }
      p += 3 * n;
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
      return count[j] + (s.kinByte[kinRow + j] != 0 ? 1 : 0);
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
    int ox = pos % width - win.radius;
    int oy = pos / width - win.radius;
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
    win.frame(s, occ.x[i], occ.y[i]);
    int p = writeWalls(occ, out, ob, end, true);
    p = writeObjects(s, occ, out, p, end, i, pos, true);
    return writeAgents(s, occ, out, p, end, i, true);
  }
}
